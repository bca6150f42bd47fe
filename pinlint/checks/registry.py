"""The checks, by rule code.

A check is a function registered with its rule's code: ``@sql_check("PIN151", families=("advisory-lock",))``
for a check of one classified SQL statement, ``@module_check("PIN302", families=("protocol-prepared",),
needs=(DriverFacts,))`` for a check of a whole module's facts. ``families`` are the hazard families its
verdicts name (the rows of ``pinlint targets``). The spec with that code (``rules/PIN151-*.toml``) gives its
message, severities and dialect; ``tests/test_specs.py`` fails when a spec has no check or a check has no
spec. The rules the engine itself reports (``META_RULES``) have no check.

A rule whose SQL runs somewhere that changes its verdict registers a ``SiteContext``: before the SQL
checks run, it marks its sites (``site.context``); the SQL checks then judge every site once, and a
verdict on a marked site is reported as that rule (when it is enabled) instead of the statement's own.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Dict, Iterable, List, Optional, Tuple

from pinlint.checks.triggers import Needle, Shape, SqlTriggers
from pinlint.specs import CODE_RE

if TYPE_CHECKING:  # pragma: no cover
    from pinlint.checks.context import ModuleContext, NodeVerdict
    from pinlint.facts.model import SqlSite
    from pinlint.sql.statement import Statement

#: Rules the engine reports itself, with the module that does.
META_RULES: Dict[str, str] = {
    "PIN000": "pinlint.pipeline.run (a file that cannot be read, decoded or parsed)",
    "PIN010": "pinlint.output.noqa (a `# noqa: PIN...` that suppresses nothing)",
}

SQL = "sql"
MODULE = "module"


@dataclass(frozen=True)
class Check:
    code: str
    #: ``"sql"``: ``run(SqlContext) -> [Verdict]``; ``"module"``: ``run(ModuleContext) -> [NodeVerdict]``
    kind: str
    run: Callable
    #: the views (``pinlint.checks.context.View``) a module check reads
    needs: Tuple[type, ...] = ()
    #: what the check needs to see (``pinlint.checks.triggers``): ``SqlTriggers`` for a SQL check, a
    #: tuple of ``Needle`` for a module check
    triggers: object = None
    #: the hazard families (``pinlint/targets/profiles.toml``) its verdicts name: the rows of the target
    #: matrix that decide where the rule reports
    families: Tuple[str, ...] = ()


CHECKS: Dict[str, Check] = {}


def _register(check: Check) -> None:
    if not CODE_RE.match(check.code):
        raise ValueError(f"{check.code!r} is not a rule code (PIN + 3 digits)")
    if check.code in CHECKS or check.code in META_RULES:
        raise ValueError(f"{check.code} already has a check")
    CHECKS[check.code] = check


def sql_check(code: str, *, families: Tuple[str, ...], kinds: Optional[Iterable[str]] = None,
              shapes: Tuple[Shape, ...] = (), functions: Tuple[str, ...] = (), markers: Tuple[str, ...] = (),
              large: bool = False, statement_test: Optional[Callable[[object], bool]] = None
              ) -> Callable[[Callable], Callable]:
    """Register a SQL check: ``fn(SqlContext) -> List[Verdict]``, with the hazard families its verdicts
    name and its triggers (``SqlTriggers``)."""
    triggers = SqlTriggers(None if kinds is None else frozenset(kinds), tuple(shapes), tuple(functions),
                           tuple(markers), large, statement_test)
    if not (triggers.shapes or triggers.functions or triggers.markers or triggers.large):
        raise ValueError(f"{code}: a SQL check declares what can make it fire (shapes, functions, markers, large)")

    def register(fn: Callable) -> Callable:
        _register(Check(code, SQL, fn, (), triggers, tuple(families)))
        return fn

    return register


def module_check(code: str, needs: Tuple[type, ...] = (), triggers: Tuple[Needle, ...] = (),
                 families: Tuple[str, ...] = ()) -> Callable[[Callable], Callable]:
    """Register a module check: ``fn(ModuleContext) -> List[NodeVerdict]``, reading the views ``needs``;
    ``triggers``: the needles (``pinlint.checks.triggers``) without which it cannot fire; ``families``:
    the hazard families its verdicts name."""
    if not triggers:
        raise ValueError(f"{code}: a module check declares the needles without which it cannot fire")

    def register(fn: Callable) -> Callable:
        _register(Check(code, MODULE, fn, tuple(needs), tuple(triggers), tuple(families)))
        return fn

    return register


#: ``report(ctx, site, statement, effects, dialect)``: the rule's verdict on a statement of a marked site,
#: given the outcomes the SQL checks found there (``pinlint.targets.Outcome``: the first reported one per
#: target, by rule code), or None
Report = Callable[["ModuleContext", "SqlSite", "Statement", Dict[str, str], str], Optional["NodeVerdict"]]


@dataclass(frozen=True)
class SiteContext:
    """Where some SQL runs when that changes its verdict (``connection-init``: on every new connection)."""

    #: the value ``mark`` gives ``SqlSite.context``
    name: str
    #: the rule that reports the verdicts on such sites
    code: str
    #: ``mark(ctx)`` sets ``site.context = name`` on the file's sites that run there
    mark: Callable[["ModuleContext"], None]
    report: Report
    needs: Tuple[type, ...] = ()


SITE_CONTEXTS: Dict[str, SiteContext] = {}


def site_context(name: str, code: str, report: Report, needs: Tuple[type, ...] = ()
                 ) -> Callable[[Callable], Callable]:
    """Register ``fn`` as the marker of the sites whose SQL rule ``code`` reports (see ``SiteContext``)."""

    def register(fn: Callable) -> Callable:
        if name in SITE_CONTEXTS:
            raise ValueError(f"site context {name!r} is already registered")
        SITE_CONTEXTS[name] = SiteContext(name, code, fn, report, tuple(needs))
        return fn

    return register


#: The modules that register checks (imported on first use).
CHECK_MODULES = (
    "pinlint.checks.session_sql",
    "pinlint.checks.mysql_sql",
    "pinlint.checks.drivers.prepare_threshold",
    "pinlint.checks.drivers.statement_cache",
    "pinlint.checks.drivers.prepared_statements",
    "pinlint.checks.drivers.server_cursors",
    "pinlint.checks.drivers.django",
    "pinlint.checks.drivers.init_hooks",
    "pinlint.checks.drivers.session_settings",
    "pinlint.checks.drivers.startup_parameters",
    "pinlint.checks.drivers.listen",
    "pinlint.checks.drivers.lifetimes",
    "pinlint.checks.drivers.asyncpg_introspection",
    "pinlint.checks.drivers.connection_budget",
)

_loaded = False


def load_checks() -> Dict[str, Check]:
    """Every check, by code (the check modules are imported on the first call)."""
    global _loaded
    if not _loaded:
        for name in CHECK_MODULES:
            importlib.import_module(name)
        _loaded = True
    return CHECKS


def checks_of(kind: str) -> List[Check]:
    """The checks of one kind, by code."""
    return [c for code, c in sorted(load_checks().items()) if c.kind == kind]
