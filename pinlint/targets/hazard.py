"""What a check found, in terms every target can judge: the hazard family and the facts that matter.

A check does not say what happens under each pooler. It names the family (``session-set``,
``advisory-lock``, ...; the rows of ``pinlint targets``), the parameters involved and a few flags; each
target's profile (``profiles.toml``) maps that to pins / leaks / lost / breaks / fine.

Flags (what a check saw that changes some target's verdict):

- ``contained``: the state is undone or used up later in the same SQL string (one transaction): a PREPARE
  deallocated, a WITH HOLD cursor closed, an EXECUTE of a statement prepared earlier in the string.
- ``all``: ``DEALLOCATE ALL``.
- ``resets``: ``SET ROLE NONE`` / ``SET SESSION AUTHORIZATION DEFAULT``.
- ``session-authorization``: ``SET SESSION AUTHORIZATION`` (not ``SET ROLE``).
- ``characteristics``: ``SET SESSION CHARACTERISTICS AS TRANSACTION ...``.
- ``mixed``: the SET shares its SQL string with statements that are not SETs; ``parsed``: that string
  starts with a statement PgDog's regex pre-check parses (SET, RESET, BEGIN, COMMIT, ROLLBACK, LISTEN,
  UNLISTEN, NOTIFY).
- ``alone``: ``SELECT set_config(...)`` with nothing else in the statement and constant arguments.
- ``used-here``: a cursor or ON COMMIT DROP table used later in the same string.
- ``used-later``: a WITH HOLD cursor read in later transactions (Django's ``QuerySet.iterator()``).
- ``server-side``: taken by server-side code (a DO block), which RDS Proxy does not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, Iterable, Optional, Tuple

#: each flag, as the matrix and the rule docs word a condition on it
FLAG_WORDS = {
    "contained": "it is undone or used up later in the same SQL string",
    "all": "it is DEALLOCATE ALL",
    "resets": "it goes back to the login role",
    "session-authorization": "it is SET SESSION AUTHORIZATION",
    "characteristics": "it is SET SESSION CHARACTERISTICS",
    "mixed": "the SQL string holds other statements too",
    "parsed": "the string starts with SET, RESET, BEGIN, COMMIT, ROLLBACK, LISTEN, UNLISTEN or NOTIFY",
    "alone": "it is a lone SELECT set_config(...) with constant arguments",
    "used-here": "it is used later in the same SQL string",
    "used-later": "it is read in later transactions",
    "server-side": "it runs in server-side code (a DO block)",
}
FLAGS = frozenset(FLAG_WORDS)


@dataclass(frozen=True)
class Hazard:
    family: str
    #: the run-time or startup parameters involved (lower case); None for one the code does not show
    parameters: Tuple[Optional[str], ...] = ()
    flags: FrozenSet[str] = frozenset()


def hazard(family: str, *parameters: Optional[str], flags: Iterable[str] = ()) -> Hazard:
    """``hazard("session-set", "search_path")``, ``hazard("cursor-with-hold", flags=["contained"])``."""
    fl = frozenset(f for f in flags if f)
    unknown = fl - FLAGS
    if unknown:
        raise ValueError(f"unknown hazard flag(s) {sorted(unknown)}")
    return Hazard(family, tuple(p.lower() if p is not None else None for p in parameters), fl)
