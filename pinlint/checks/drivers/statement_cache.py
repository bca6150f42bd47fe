"""PIN302 asyncpg-statement-cache: asyncpg prepares every query as a named statement and caches it on
the connection (``statement_cache_size``, default 100), through SQLAlchemy's asyncpg dialect, Tortoise,
encode/databases and Piccolo too."""

from __future__ import annotations

from typing import List, Optional

from pinlint.checks import fixes
from pinlint.checks.context import ModuleContext, NodeVerdict
from pinlint.checks.drivers.driverfacts import (
    MISSING,
    OPEN,
    DriverFacts,
    dict_entry,
    is_int,
    kwarg_or_unknown,
    number,
    qual_in,
)
from pinlint.checks.drivers.engines import Engine, Engines
from pinlint.checks.drivers.entrypoints import (
    ASYNCPG_CONNECT,
    ASYNCPG_POOL,
    DATABASES_DATABASE,
    PICCOLO_ENGINE,
    SA_ENGINES,
    TORTOISE_INIT,
)
from pinlint.checks.drivers.tortoise import tortoise_asyncpg, tortoise_init
from pinlint.lazy import cst
from pinlint.checks.registry import module_check
from pinlint.checks.triggers import calls, names, needles
from pinlint.facts.model import UNKNOWN, CallFact
from pinlint.targets import hazard


def _verdict(node: cst.CSTNode, what: str, fix: str, framework: Optional[str],
             autofix: Optional[fixes.FixBuilder] = None, unconfirmed: bool = False) -> NodeVerdict:
    return NodeVerdict(node, hazard("protocol-prepared"), {"what": what, "fix": fix}, framework, fix=autofix,
                       unconfirmed=unconfirmed)


def _asyncpg(d: DriverFacts, call: CallFact) -> List[NodeVerdict]:
    v = kwarg_or_unknown(d, call, "statement_cache_size", hidden=OPEN)
    node = call.kwarg("statement_cache_size") or call.node
    name = f"`{call.written or call.last}()`"
    fix = "`statement_cache_size=0` (on asyncpg.connect and asyncpg.create_pool)"
    if v is OPEN:
        # ``create_pool(**kwargs)`` with keywords the module does not show (a wrapper's caller, settings)
        return [_verdict(node, f"{name} passes keywords that pinlint cannot see; unless they set "
                               "`statement_cache_size=0`, it keeps asyncpg's default (100)", fix, "asyncpg",
                         unconfirmed=True)]
    autofix = fixes.keyword(call, "statement_cache_size", "0")
    if v is MISSING:
        return [_verdict(node, f"{name} leaves `statement_cache_size` at asyncpg's default (100)", fix, "asyncpg",
                         autofix)]
    if is_int(v) and v != 0:
        return [_verdict(node, f"{name} sets `statement_cache_size={v}`", fix, "asyncpg", autofix)]
    return []


def _sqlalchemy(eng: Engine, call: CallFact) -> List[NodeVerdict]:
    if eng.driver != "asyncpg" or eng.url is None:
        return []
    problems = []
    if "prepared_statement_cache_size" in eng.url.params:
        pscs: object = number(eng.url.params["prepared_statement_cache_size"])
        pscs = UNKNOWN if pscs is None else pscs
    else:
        pscs, _ = eng.arg("prepared_statement_cache_size")
        if pscs is MISSING and not eng.url.complete:
            pscs = UNKNOWN
    if pscs is MISSING:
        problems.append("the dialect's `prepared_statement_cache_size` (default 100)")
    elif isinstance(pscs, (int, float)) and not isinstance(pscs, bool) and pscs != 0:
        problems.append(f"`prepared_statement_cache_size={int(pscs)}`")
    scs, _ = eng.arg("statement_cache_size")
    if scs is MISSING:
        problems.append("asyncpg's `statement_cache_size` (default 100, not set in connect_args)")
    elif is_int(scs) and scs != 0:
        problems.append(f'`connect_args={{"statement_cache_size": {scs}}}`')
    if not problems:
        return []
    return [_verdict(call.node, f"`{call.last}()` with the asyncpg dialect keeps " + " and ".join(problems),
                     '`?prepared_statement_cache_size=0` in the URL and `connect_args={"statement_cache_size": 0}`',
                     "sqlalchemy", _sqlalchemy_fix(eng, call, pscs, scs))]


def _sqlalchemy_fix(eng: Engine, call: CallFact, pscs: object, scs: object) -> Optional[fixes.FixBuilder]:
    """Both caches off: ``prepared_statement_cache_size=0`` in the literal URL (the dialect reads it there)
    and ``"statement_cache_size": 0`` in ``connect_args``; no fix unless both can be made."""
    builders = []
    if pscs is MISSING or (number(pscs) not in (None, 0.0) and "prepared_statement_cache_size" in eng.url.params):
        edit = fixes.url_param(call.positional(0) or call.kwarg("url"), "prepared_statement_cache_size", "0")
        if edit is None:
            return None
        builders.append(lambda fctx: fixes.FixPlan("", (edit,)))
    elif number(pscs) not in (None, 0.0):
        return None  # not in the URL: not a mechanical fix
    if scs is MISSING or (is_int(scs) and scs != 0):
        builders.append(fixes.keyword_dict_entry(call, "connect_args", "statement_cache_size", "0"))
    return fixes.combine('Turn both statement caches off: `?prepared_statement_cache_size=0` in the URL and '
                         '`"statement_cache_size": 0` in `connect_args`', *builders)


def _tortoise(d: DriverFacts, call: CallFact) -> List[NodeVerdict]:
    out = []
    for node, kind, data in tortoise_asyncpg(d, call):
        if kind == "url":
            raw = data.params.get("statement_cache_size")
            if raw is None and data.complete:
                out.append(_verdict(node, "The Tortoise asyncpg URL has no `statement_cache_size` (asyncpg's "
                                          "default: 100)", "`?statement_cache_size=0` in the db_url", None))
            elif raw is not None and number(raw) not in (None, 0.0):
                out.append(_verdict(node, f"The Tortoise asyncpg URL sets `statement_cache_size={raw}`",
                                    "`?statement_cache_size=0` in the db_url", None))
        else:
            entries, complete = data
            v = d.value(entries["statement_cache_size"], call.scope) if "statement_cache_size" in entries \
                else (MISSING if complete else UNKNOWN)
            if v is MISSING or (is_int(v) and v != 0):
                out.append(_verdict(node, "The Tortoise asyncpg credentials keep asyncpg's statement cache",
                                    '`"statement_cache_size": 0` in the credentials', None))
    return out


def _databases(d: DriverFacts, call: CallFact) -> List[NodeVerdict]:
    url = d.url(call.positional(0) or call.kwarg("url"), call.scope)
    if url is None or url.scheme not in ("postgresql", "postgres", "postgresql+asyncpg"):
        return []
    v = kwarg_or_unknown(d, call, "statement_cache_size")
    if "statement_cache_size" in url.params:
        v = number(url.params["statement_cache_size"])
        v = UNKNOWN if v is None else int(v)
    elif v is MISSING and not url.complete:
        v = UNKNOWN
    if not (v is MISSING or (is_int(v) and v != 0)):
        return []
    shown = "leaves `statement_cache_size` at asyncpg's default (100)" if v is MISSING \
        else f"sets `statement_cache_size={v}`"
    autofix = fixes.keyword(call, "statement_cache_size", "0") if "statement_cache_size" not in url.params else None
    return [_verdict(call.kwarg("statement_cache_size") or call.node,
                     f"`Database(...)` (encode/databases, asyncpg backend) {shown}",
                     "`Database(url, statement_cache_size=0)`", "asyncpg", autofix)]


def _piccolo(d: DriverFacts, call: CallFact) -> List[NodeVerdict]:
    value, vnode, dnode = dict_entry(d, call, "config", "statement_cache_size")
    if not (value is MISSING or (is_int(value) and value != 0)):
        return []
    return [_verdict(vnode or dnode or call.node,
                     "`PostgresEngine(config=...)` (Piccolo, asyncpg) has no `\"statement_cache_size\": 0`",
                     '`config={..., "statement_cache_size": 0}` (Piccolo hands config to asyncpg; '
                     "check that your version passes it on)", "asyncpg")]


@module_check("PIN302", families=("protocol-prepared",), needs=(DriverFacts, Engines), triggers=needles(
    calls(ASYNCPG_CONNECT + ASYNCPG_POOL + SA_ENGINES + TORTOISE_INIT + DATABASES_DATABASE + PICCOLO_ENGINE),
    names("Tortoise", "init")))
def asyncpg_statement_cache(ctx: ModuleContext) -> List[NodeVerdict]:
    d = ctx.view(DriverFacts)
    out: List[NodeVerdict] = []
    for call in ctx.facts.calls:
        if d.is_direct(call):
            continue
        if qual_in(call, ASYNCPG_CONNECT + ASYNCPG_POOL):
            out += _asyncpg(d, call)
        elif qual_in(call, SA_ENGINES):
            out += _sqlalchemy(ctx.view(Engines).of(call), call)
        elif tortoise_init(call):
            out += _tortoise(d, call)
        elif qual_in(call, DATABASES_DATABASE):
            out += _databases(d, call)
        elif qual_in(call, PICCOLO_ENGINE):
            out += _piccolo(d, call)
    return out
