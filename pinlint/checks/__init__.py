"""Rule implementations, bound to their specs in ``rules/`` by name.

A SQL check looks at one classified statement of one SQL site and returns a ``Verdict``: what the
statement does on each target (``pins``, ``leaks``, ``lost``, ``breaks``), or None when it is
transaction-safe. The engine keeps the selected targets, renders the message from the spec and
drops the verdict when nothing is left.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Set, Tuple

import libcst as cst

from pinlint.facts.model import Facts, SqlSite
from pinlint.sql.statement import Call, Statement
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


def call_span(call: Call) -> Tuple[int, int]:
    """The span of a function's name in the classified SQL."""
    return (call.start, call.start + len(call.name))


def executed_calls(st: Statement, names, executing_kinds) -> List[Call]:
    """Calls of ``names`` in a statement that runs them (DDL such as ``DEFAULT nextval(...)`` only
    stores them)."""
    if st.kind not in executing_kinds:
        return []
    return [c for c in st.calls if c.name in names]

SQL_CHECKS: Dict[str, SqlCheck] = {}


def sql_check(name: str) -> Callable[[SqlCheck], SqlCheck]:
    def register(fn: SqlCheck) -> SqlCheck:
        if name in SQL_CHECKS:
            raise ValueError(f"duplicate check {name}")
        SQL_CHECKS[name] = fn
        return fn

    return register


@dataclass
class NodeVerdict:
    """A module check's verdict at a node (a call, a keyword argument, a settings entry)."""

    node: cst.CSTNode
    effects: Dict[str, Optional[str]]
    fields: Dict[str, str] = field(default_factory=dict)
    #: picks the spec's help variant (django, sqlalchemy, psycopg, psycopg2, asyncpg, mysql)
    framework: Optional[str] = None


@dataclass
class ModuleContext:
    facts: Facts
    targets: TargetSet


#: A check over the whole module's facts (driver and ORM configuration rules).
ModuleCheck = Callable[[ModuleContext], List[NodeVerdict]]

MODULE_CHECKS: Dict[str, ModuleCheck] = {}


def module_check(name: str) -> Callable[[ModuleCheck], ModuleCheck]:
    def register(fn: ModuleCheck) -> ModuleCheck:
        if name in MODULE_CHECKS or name in SQL_CHECKS:
            raise ValueError(f"duplicate check {name}")
        MODULE_CHECKS[name] = fn
        return fn

    return register


#: Module checks that report some SQL sites themselves (SQL in connection-init hooks gets a stronger
#: message): check name -> function giving the ids of those sites' nodes. While that check is enabled,
#: the SQL checks skip these sites, so one statement never gets two findings.
SiteClaim = Callable[[Facts, TargetSet], Set[int]]
SITE_CLAIMS: Dict[str, SiteClaim] = {}


def claims_sites(name: str) -> Callable[[SiteClaim], SiteClaim]:
    def register(fn: SiteClaim) -> SiteClaim:
        SITE_CLAIMS[name] = fn
        return fn

    return register


#: Check modules, imported on first use (each registers its checks).
CHECK_MODULES = ("pinlint.checks.session_sql", "pinlint.checks.drivers", "pinlint.checks.mysql_sql")


def load_checks() -> None:
    """Import every check module so that they register."""
    import importlib

    for name in CHECK_MODULES:
        importlib.import_module(name)
