"""PIN304 driver-server-cursor: server-side (named) cursors: psycopg/psycopg2 named cursors and
``ServerCursor``, SQLAlchemy ``stream_results``/``yield_per``/``server_side_cursors``, Peewee
``ServerSide``. A WITH HOLD cursor outlives its transaction; any DECLAREd cursor pins under RDS Proxy."""

from __future__ import annotations

from typing import List, Optional

from pinlint.checks import fixes
from pinlint.checks.context import ModuleContext, NodeVerdict
from pinlint.checks.drivers.driverfacts import (
    MISSING,
    DriverFacts,
    is_int,
    kwarg_or_unknown,
    qual_in,
    source_of,
)
from pinlint.checks.drivers.engines import Engines
from pinlint.checks.drivers.entrypoints import (
    PEEWEE_PG_DATABASES,
    PEEWEE_SERVER_SIDE,
    PSYCOPG_SERVER_CURSORS,
    SA_ENGINES,
)
from pinlint.lazy import cst
from pinlint.checks.registry import module_check
from pinlint.checks.sqltext import short
from pinlint.checks.triggers import calls, imported, needles
from pinlint.facts.model import UNKNOWN, CallFact
from pinlint.sql.statement import HOLE
from pinlint.targets import hazard


def _verdict(ctx: ModuleContext, node: cst.CSTNode, what: str, hold: object, fix: str,
             framework: Optional[str], autofix: Optional[fixes.FixBuilder] = None) -> NodeVerdict:
    if hold is True:
        found = hazard("cursor-with-hold")
        hold_text = "WITH HOLD"
    elif hold is UNKNOWN:
        found = hazard("cursor-with-hold")
        hold_text = "WITH HOLD when `withhold` is true at run time"
    else:
        found = hazard("cursor-without-hold")
        hold_text = "WITHOUT HOLD"
    # with withhold known only at run time, what a WITH HOLD cursor does is what may happen (a warning),
    # unless a selected target reports the cursor either way (RDS Proxy pins on any DECLARE)
    either_way = ctx.targets.outcomes(hazard("cursor-without-hold")).values()
    maybe = hold is UNKNOWN and not any(o.reported for o in either_way)
    return NodeVerdict(node, found, {"what": what, "hold": hold_text, "fix": fix}, framework, unconfirmed=maybe,
                       fix=autofix)


def _without_hold(ctx: ModuleContext, call: CallFact) -> Optional[fixes.FixBuilder]:
    """``withhold=True`` -> ``False`` (unsafe: the cursor then lives only until the transaction ends), where
    that removes the finding (no selected target reports a cursor without hold: RDS Proxy pins on any
    DECLARE, PgBouncer's statement mode breaks it) and the function commits nowhere."""
    arg = fixes.own_arg(call, "withhold")
    if arg is None or not isinstance(arg.value, cst.Name) or arg.value.value != "True":
        return None
    if any(o.reported for o in ctx.targets.outcomes(hazard("cursor-without-hold")).values()):
        return None
    title = "Set `withhold=False` (iterate the cursor inside its transaction)"

    def build(fctx: fixes.FixContext) -> Optional[fixes.FixPlan]:
        # a commit in the same function may come before the last fetch: the cursor would be gone by then
        scope = fctx.function_of(call.node) or fctx.module
        if fixes.calls_method(scope, "commit"):
            return None
        return fixes.FixPlan(title, (fixes.Replace(arg.value, "False"),), None)

    return build


def _makes_a_name(node: Optional[cst.BaseExpression]) -> bool:
    """A cursor name the code computes but that is surely a non-empty string: ``str(uuid.uuid4())``,
    ``uuid.uuid4().hex``, ``f"..."`` with text."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "str" and node.args:
        return True
    return isinstance(node, cst.Attribute) and node.attr.value == "hex"


def _named_cursor(ctx: ModuleContext, d: DriverFacts, call: CallFact, recv: str, lib: str) -> List[NodeVerdict]:
    name_node = call.kwarg("name") or call.positional(0)
    text = ctx.facts.string(name_node, call.scope) if name_node is not None else None
    if text is None and not _makes_a_name(name_node):
        return []
    if text is not None and not text.replace(HOLE, "").strip():
        return []
    hold = kwarg_or_unknown(d, call, "withhold")
    hold = False if hold is MISSING else hold
    if hold not in (True, False, UNKNOWN):
        return []
    fix = ("withhold=False and iterate inside one transaction (behind RDS Proxy page with LIMIT instead)"
           if hold is not False else
           "a client-side cursor with LIMIT/keyset pages behind RDS Proxy (in PgBouncer transaction mode a "
           "named cursor iterated inside one transaction is fine)")
    return [_verdict(ctx, call.node, f"`{recv}.cursor({short(source_of(name_node), 30, hole='...')}, ...)`",
                     hold, fix, lib, _without_hold(ctx, call) if hold is True else None)]


def _execution_options(ctx: ModuleContext, d: DriverFacts, call: CallFact) -> List[NodeVerdict]:
    """``execute(..., execution_options={"stream_results": True})`` and the like."""
    opts = d.dict_items(call.kwarg("execution_options"), call.scope)
    if opts is None:
        return []
    for key in ("stream_results", "yield_per"):
        if key in opts[0]:
            v = d.value(opts[0][key], call.scope)
            if v is True or (key == "yield_per" and is_int(v)):
                return [_verdict(ctx, opts[0][key], f'`execution_options={{"{key}": ...}}`', False,
                                 f"drop {key} behind RDS Proxy and page with LIMIT", "sqlalchemy")]
    return []


@module_check("PIN304", families=("cursor-with-hold", "cursor-without-hold"), needs=(DriverFacts, Engines), triggers=needles(
    *(imported(lib, "cursor") for lib in ("psycopg2", "psycopg", "psycopg_pool")),
    calls(PSYCOPG_SERVER_CURSORS),
    *(imported(lib, key) for lib in ("sqlalchemy", "sqlmodel", "flask_sqlalchemy") for key in ("stream_results", "yield_per")),
    calls(SA_ENGINES + PEEWEE_PG_DATABASES, "server_side_cursors"), calls(PEEWEE_SERVER_SIDE)))
def driver_server_cursor(ctx: ModuleContext) -> List[NodeVerdict]:
    facts = ctx.facts
    d = ctx.view(DriverFacts)
    out: List[NodeVerdict] = []
    pg2 = facts.imported(("psycopg2",))
    pg3 = facts.imported(("psycopg", "psycopg_pool"))
    sa = facts.imported(("sqlalchemy", "sqlmodel", "flask_sqlalchemy")) and ctx.view(Engines).postgres_possible()
    for call in facts.calls:
        recv = d.receiver(call)
        if d.is_direct(call, recv):
            continue
        if (pg2 or pg3) and call.last == "cursor" and recv is not None:
            out += _named_cursor(ctx, d, call, recv, "psycopg2" if pg2 and not pg3 else "psycopg")
        elif pg3 and qual_in(call, PSYCOPG_SERVER_CURSORS):
            hold = kwarg_or_unknown(d, call, "withhold")
            hold = False if hold is MISSING else hold
            if hold in (True, False, UNKNOWN):
                out.append(_verdict(ctx, call.node, f"`{call.last}(...)`", hold,
                                    ("withhold=False, and read it to the end inside one transaction"
                                     if hold is not False else "read it to the end inside one transaction")
                                    + ", or LIMIT pages behind RDS Proxy",
                                    "psycopg", _without_hold(ctx, call) if hold is True else None))
        elif sa and call.last == "execution_options" and (
                d.kwarg(call, "stream_results") is True or is_int(d.kwarg(call, "yield_per"))):
            key = "stream_results" if d.kwarg(call, "stream_results") is True else "yield_per"
            out.append(_verdict(ctx, call.kwarg(key), f"`execution_options({key}=...)`", False,
                                f"drop {key} behind RDS Proxy and page with LIMIT (under PgBouncer transaction "
                                "mode consume it inside one transaction)", "sqlalchemy"))
        elif sa and call.last == "yield_per" and recv is not None and call.positional(0) is not None:
            out.append(_verdict(ctx, call.node, "`.yield_per(...)`", False,
                                "drop yield_per behind RDS Proxy and page with LIMIT (under PgBouncer "
                                "transaction mode consume it inside one transaction)", "sqlalchemy"))
        elif sa and call.last in ("execute", "scalars", "stream") and call.kwarg("execution_options") is not None:
            out += _execution_options(ctx, d, call)
        elif qual_in(call, SA_ENGINES) and d.kwarg(call, "server_side_cursors") is True:
            out.append(_verdict(ctx, call.kwarg("server_side_cursors"), "`server_side_cursors=True`", False,
                                "drop server_side_cursors=True (deprecated) and page with LIMIT behind RDS "
                                "Proxy", "sqlalchemy"))
        elif qual_in(call, PEEWEE_SERVER_SIDE):
            out.append(_verdict(ctx, call.node, "Peewee `ServerSide(...)` (psycopg2 named cursor)", True,
                                "no ServerSide() behind a transaction pooler: page with LIMIT", None))
        elif qual_in(call, PEEWEE_PG_DATABASES) and d.kwarg(call, "server_side_cursors") is True:
            out.append(_verdict(ctx, call.kwarg("server_side_cursors"),
                                "Peewee `server_side_cursors=True` (psycopg2 named cursors)", True,
                                "server_side_cursors=False (the default) behind a transaction pooler", None))
    return out
