"""Rule implementations, bound to their specs in ``rules/`` by name.

A SQL check looks at one classified statement of one SQL site and returns a ``Verdict``: what the
statement does on each target (``pins``, ``leaks``, ``lost``, ``breaks``), or None when it is
transaction-safe. The engine keeps the selected targets, renders the message from the spec and
drops the verdict when nothing is left.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

from pinlint.extract import SqlSite
from pinlint.sql.statement import Statement
from pinlint.targets import TargetSet


@dataclass
class Verdict:
    #: target -> effect (``pins``/``leaks``/``lost``/``breaks``); None or missing: nothing happens there
    effects: Dict[str, Optional[str]]
    #: values for the spec's ``{placeholders}`` in message and help
    fields: Dict[str, str] = field(default_factory=dict)
    #: character span of the offending text inside the site's SQL (defaults to the statement)
    span: Optional[Tuple[int, int]] = None


@dataclass
class SqlContext:
    statement: Statement
    #: the statements of the whole site, in order (some verdicts depend on what came before)
    statements: Tuple[Statement, ...]
    index: int
    site: SqlSite
    targets: TargetSet


SqlCheck = Callable[[SqlContext], List[Verdict]]

SQL_CHECKS: Dict[str, SqlCheck] = {}


def sql_check(name: str) -> Callable[[SqlCheck], SqlCheck]:
    def register(fn: SqlCheck) -> SqlCheck:
        if name in SQL_CHECKS:
            raise ValueError(f"duplicate check {name}")
        SQL_CHECKS[name] = fn
        return fn

    return register


def load_checks() -> None:
    """Import every check module so that they register."""
    from pinlint.checks import session_sql  # noqa: F401
