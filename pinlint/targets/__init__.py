"""Targets: the poolers a finding is judged for, their options, and how effects read in a message.

Each target is a profile in ``profiles.toml`` (``pinlint.targets.profiles``): a check names the hazard it
found (``pinlint.targets.hazard``), and ``TargetSet.outcomes`` judges it for every selected target
(``pinlint.targets.judge``). ``pinlint targets`` prints the profiles as a matrix
(``pinlint.targets.matrix``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from pinlint.targets.hazard import Hazard, hazard
from pinlint.targets.judge import Outcome, outcome
from pinlint.targets.options import OptionError, TargetOptions, target_options
from pinlint.targets.profiles import REPORTED, catalog

#: RDS Proxy pins a session on a statement whose text is larger than this (bytes): poolers.md, AWS
#: "Avoiding pinning" ("statement text larger than 16 KB").
LARGE_STATEMENT_BYTES = 16 * 1024

PGBOUNCER = "pgbouncer"
RDS_PROXY = "rds-proxy"

# Effects: what a statement does on one target. The phrases are the consequence half of a message.
PINS = "pins"  # RDS Proxy: the client gets a dedicated backend until it disconnects
LEAKS = "leaks"  # the state stays on the server connection and reaches other clients
LOST = "lost"  # the state is not there in the client's next transaction
BREAKS = "breaks"  # an error at run time
FINE = "fine"

#: MySQL/MariaDB system variables RDS Proxy tracks: setting them does not pin, the proxy reuses the
#: connection only for sessions with the same values (AWS, "What RDS Proxy tracks for RDS for MariaDB and
#: RDS for MySQL databases"; ../shared/reference/poolers.md). ``names`` and ``charset`` stand for
#: SET NAMES and SET CHARACTER SET / SET CHARSET.
RDS_PROXY_MYSQL_TRACKED = frozenset(
    {
        "autocommit", "auto_increment_increment", "names", "charset",
        "character_set_client", "character_set_database", "character_set_filesystem",
        "character_set_connection", "character_set_results", "character_set_server",
        "collation_connection", "collation_database", "collation_server",
        "interactive_timeout", "net_write_timeout", "query_cache_type", "session_track_schema",
        "sql_mode", "time_zone", "transaction_isolation", "tx_isolation",
        "transaction_read_only", "tx_read_only", "wait_timeout",
    }
)


def __getattr__(name: str) -> Any:
    """``ALL_TARGETS`` (every target, in the profiles' order) and ``TARGET_CHOICES`` (``any`` and those),
    read from the profiles on first use."""
    if name == "ALL_TARGETS":
        return catalog().names
    if name == "TARGET_CHOICES":
        return ("any",) + catalog().names
    raise AttributeError(name)


def parse_targets(value: Union[str, Sequence[str]]) -> Tuple[str, ...]:
    """``"any"``, ``"pgbouncer"``, ``"rds-proxy,pgbouncer"`` or a list of names: the targets, in the
    profiles' order. Raises ValueError naming what is wrong."""
    known = catalog().names
    expected = f"expected one of any, {', '.join(known)} (or a list of them)"
    if isinstance(value, str):
        parts: List[object] = [value]
    elif isinstance(value, (list, tuple)):
        parts = list(value)
    else:
        raise ValueError(f"{expected}, got {value!r}")
    items: List[str] = []
    for part in parts:
        if not isinstance(part, str):
            raise ValueError(f"{expected}, got {value!r}")
        items += [p.strip() for p in part.split(",") if p.strip()]
    if not items:
        raise ValueError(f"{expected}, got {value!r}")
    if "any" in items:
        if len(items) > 1:
            raise ValueError(f"`any` already means every target, got {value!r}")
        return known
    for item in items:
        if item not in known:
            raise ValueError(f"{expected}, got {item!r}")
    return tuple(t for t in known if t in items)


def target_argument(value: str) -> str:
    """A ``--target`` value checked (ValueError naming the problem) and made canonical: ``any`` or the
    names in the profiles' order, comma-separated."""
    names = parse_targets(value)
    return "any" if value.strip() == "any" else ",".join(names)


TARGET_HELP = "Poolers to judge for, comma-separated: any (default: every target) or {}."


def _all_names() -> Tuple[str, ...]:
    return catalog().names


@dataclass(frozen=True)
class TargetSet:
    """The selected targets (``any`` selects all of them) and every target's options."""

    names: Tuple[str, ...] = field(default_factory=_all_names)
    #: the configured targets' options; a target not here runs with its profile's defaults
    options: Tuple[TargetOptions, ...] = ()
    #: connections that bypass the pooler (Django aliases, variable names of engines, pools, connections)
    direct_connections: FrozenSet[str] = frozenset()
    #: SQL dialect of call sites whose driver the code does not show (``[tool.pinlint] dialect``):
    #: "postgres", "mysql", or None (then PostgreSQL, and no dialect-dependent rule where the file uses both)
    dialect: Optional[str] = None
    #: how many processes run each client pool (``[tool.pinlint] client-processes``)
    client_processes: int = 1

    @classmethod
    def from_name(cls, name: Union[str, Sequence[str]], **kwargs: Any) -> "TargetSet":
        return cls(names=parse_targets(name), **kwargs)

    def __contains__(self, target: str) -> bool:
        return target in self.names

    def is_direct(self, name: Optional[str]) -> bool:
        """Whether a connection, engine or alias name (``listener_conn``, ``self.listener_conn``) is named in
        ``direct-connections``: the name itself or one of its dotted parts."""
        direct = self.direct_connections
        return bool(name) and (name in direct or any(part in direct for part in name.split(".")))

    def of(self, target: str) -> TargetOptions:
        """The options of one target (configured, or its profile's defaults)."""
        for o in self.options:
            if o.target == target:
                return o
        return _default_options(target)

    @property
    def pgbouncer(self) -> TargetOptions:
        return self.of(PGBOUNCER)

    @property
    def rds_proxy(self) -> TargetOptions:
        return self.of(RDS_PROXY)

    def outcomes(self, h: Hazard) -> Dict[str, Outcome]:
        """What each selected target does with the hazard (targets where it does not apply are left out)."""
        out = {}
        for t in self.names:
            o = outcome(self.of(t), h)
            if o is not None:
                out[t] = o
        return out

    def idle_timeouts(self) -> Dict[str, int]:
        """Each selected target's idle-client timeout in seconds (0: none)."""
        out = {}
        for t in self.names:
            opt = catalog().profiles[t].idle_timeout_option
            out[t] = int(self.of(t).get(opt) or 0) if opt else 0
        return out


_DEFAULTS: Dict[str, TargetOptions] = {}


def _default_options(target: str) -> TargetOptions:
    got = _DEFAULTS.get(target)
    if got is None:
        got = _DEFAULTS[target] = target_options(target)
    return got


# -- messages ---------------------------------------------------------------------------------------

def target_name(target: str, targets: TargetSet) -> str:
    """How a message names the target: ``PgBouncer transaction mode``, ``RDS Proxy``."""
    profile = catalog().profiles[target]
    opts = targets.of(target)
    return profile.message_name.format_map({k: v for k, v in opts.values})


def _template(target: str, effect: str, family: Optional[str]) -> str:
    cat = catalog()
    profile = cat.profiles[target]
    if family and effect in cat.family_phrases.get(family, {}):
        return cat.family_phrases[family][effect]
    if effect in profile.phrases:
        return profile.phrases[effect]
    return cat.phrases.get(effect, "is unreliable under {name}")


def effect_phrase(target: str, effect: str, targets: TargetSet, family: Optional[str] = None) -> str:
    return _template(target, effect, family).format(name=target_name(target, targets))


def _join(names: List[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def consequence(effects: Mapping[str, Union[str, Outcome]], targets: TargetSet, family: Optional[str] = None) -> str:
    """Join per-target effects in a stable order: 'pins the session under RDS Proxy; leaks ... under
    PgBouncer transaction mode, Supavisor transaction mode and ...'. Pinning proxies come first; poolers
    whose consequence reads the same are named in one phrase; an unconfirmed effect says so."""
    cat = catalog()
    order = sorted((t for t in cat.names if t in effects), key=lambda t: cat.profiles[t].kind != "pinning")
    groups: Dict[Tuple[str, ...], List[str]] = {}
    for t in order:
        o = effects[t]
        effect = o.effect if isinstance(o, Outcome) else o
        template = _template(t, effect, family)
        # a family's own wording reads the same for every target; the general wording of a pinning
        # proxy ("pins the session under RDS Proxy") stands alone
        shared = family is not None and effect in cat.family_phrases.get(family, {})
        key = ("shared", template) if shared or cat.profiles[t].kind != "pinning" else (t,)
        name = target_name(t, targets)
        if isinstance(o, Outcome) and o.unconfirmed:
            name += " (unconfirmed)"
        groups.setdefault(key, [template]).append(name)
    return "; ".join(parts[0].format(name=_join(parts[1:])) for parts in groups.values())


def static_bytes(text: str) -> int:
    """The size of a SQL text's static part in bytes (holes, the unknown parts, count for nothing)."""
    from pinlint.sql.statement import HOLE

    return len(text.replace(HOLE, "").encode("utf-8"))


def large_statement(text: str) -> bool:
    """More static SQL text than RDS Proxy takes without pinning."""
    return len(text) > LARGE_STATEMENT_BYTES // 4 and static_bytes(text) > LARGE_STATEMENT_BYTES


__all__ = [
    "BREAKS", "FINE", "Hazard", "LARGE_STATEMENT_BYTES", "LEAKS", "LOST", "OptionError", "Outcome", "PGBOUNCER",
    "PINS", "RDS_PROXY", "RDS_PROXY_MYSQL_TRACKED", "REPORTED", "TargetOptions", "TargetSet", "consequence",
    "effect_phrase", "hazard", "large_statement", "parse_targets", "static_bytes", "target_argument", "target_name",
    "target_options",
]
