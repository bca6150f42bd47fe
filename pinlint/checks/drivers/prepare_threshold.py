"""PIN301 psycopg-prepare-threshold: psycopg 3 prepares a query server-side (a named statement) after it
ran ``prepare_threshold`` times (default 5); the next transaction may run on another server connection."""

from __future__ import annotations

from typing import List, Optional

from pinlint.checks import fixes
from pinlint.checks.context import ModuleContext, NodeVerdict
from pinlint.checks.drivers.django_databases import DjangoDatabases, settings
from pinlint.checks.drivers.driverfacts import (
    MISSING,
    OPEN,
    DriverFacts,
    dict_entry,
    is_int,
    kwarg_or_unknown,
    qual_in,
)
from pinlint.checks.drivers.engines import Engines
from pinlint.checks.drivers.entrypoints import (
    PSYCOPG_CLIENT_CURSORS,
    PSYCOPG_CONNECT,
    PSYCOPG_CONNECTION_CLASSES,
    PSYCOPG_POOLS,
    SA_ENGINES,
)
from pinlint.lazy import cst
from pinlint.checks.registry import module_check
from pinlint.checks.triggers import calls, needles
from pinlint.targets import hazard


def _verdict(node: cst.CSTNode, value: object, where: str, fix: str, framework: str,
             autofix: Optional[fixes.FixBuilder] = None, keywords: str = "keywords") -> List[NodeVerdict]:
    if value is OPEN:
        # keywords the module does not show may set it (a wrapper's caller, a helper's dict)
        what = (f"{where} passes {keywords} that pinlint cannot see; unless they set `prepare_threshold=None`, "
                "it keeps psycopg's default (5)")
        return [NodeVerdict(node, hazard("protocol-prepared"), {"what": what, "fix": fix}, framework,
                            unconfirmed=True)]
    if value is MISSING:
        what = f"{where} leaves `prepare_threshold` at psycopg's default (5)"
    elif is_int(value):
        what = f"{where} sets `prepare_threshold={value}`" + (" (0 prepares every query)" if value == 0 else "")
    else:
        return []  # None (never prepare) or unknown
    return [NodeVerdict(node, hazard("protocol-prepared"), {"what": what, "fix": fix}, framework, fix=autofix)]


def _client_cursor(ctx: ModuleContext, node: Optional[cst.BaseExpression]) -> bool:
    """``cursor_factory=ClientCursor``: client-side binding, so nothing is prepared."""
    return node is not None and ctx.facts.resolve(node) in PSYCOPG_CLIENT_CURSORS


def _django(ctx: ModuleContext) -> List[NodeVerdict]:
    out = []
    for e in ctx.view(DjangoDatabases).entries:
        if e.engine != "postgres":
            continue
        pt = e.option("prepare_threshold")
        if is_int(pt):
            ssb = " with server_side_binding" if e.option("server_side_binding") is True else ""
            out.append(NodeVerdict(
                e.options["prepare_threshold"], hazard("protocol-prepared"),
                {"what": f'{e.ref}["OPTIONS"] sets `prepare_threshold={pt}`{ssb}',
                 "fix": '`"prepare_threshold": None` in OPTIONS (or leave it out: Django then never prepares)'},
                "django", fix=fixes.replace(e.options["prepare_threshold"], "None",
                                        f'Set `"prepare_threshold": None` in {e.ref}["OPTIONS"]')))
    return out


@module_check("PIN301", families=("protocol-prepared",), needs=(DriverFacts, Engines, DjangoDatabases), triggers=needles(
    calls(PSYCOPG_CONNECT + PSYCOPG_POOLS + SA_ENGINES), settings("prepare_threshold")))
def psycopg_prepare_threshold(ctx: ModuleContext) -> List[NodeVerdict]:
    d = ctx.view(DriverFacts)
    # ``conn.prepare_threshold = None`` somewhere (a configure callback, a connection factory)
    if any(d.value(v) is None for v in d.attr_assigns.get("prepare_threshold", [])):
        return []
    out: List[NodeVerdict] = []
    for call in ctx.facts.calls:
        if d.is_direct(call):
            continue
        if qual_in(call, PSYCOPG_CONNECT):
            if _client_cursor(ctx, call.kwarg("cursor_factory")):
                continue
            node = call.kwarg("prepare_threshold")
            out += _verdict(node or call.node, kwarg_or_unknown(d, call, "prepare_threshold", hidden=OPEN),
                            f"`{call.written or 'connect'}()`", "`prepare_threshold=None`", "psycopg",
                            fixes.keyword(call, "prepare_threshold", "None"))
        elif qual_in(call, PSYCOPG_POOLS):
            cls = call.kwarg("connection_class")
            if cls is not None and ctx.facts.resolve(cls) not in PSYCOPG_CONNECTION_CLASSES:
                continue  # a connection class of the project's own may set prepare_threshold
            _, factory, _ = dict_entry(d, call, "kwargs", "cursor_factory")
            if _client_cursor(ctx, factory):
                continue
            value, vnode, dnode = dict_entry(d, call, "kwargs", "prepare_threshold", open_ok=True)
            out += _verdict(vnode or dnode or call.node, value, f"`{call.last}(...)`",
                            '`kwargs={"prepare_threshold": None}`', "psycopg",
                            fixes.keyword_dict_entry(call, "kwargs", "prepare_threshold", "None"),
                            keywords="connection keywords")
        elif qual_in(call, SA_ENGINES):
            eng = ctx.view(Engines).of(call)
            if eng.driver != "psycopg" or (eng.url is not None and "prepare_threshold" in eng.url.params):
                continue
            value, vnode = eng.arg("prepare_threshold")
            out += _verdict(vnode or eng.connect_args_node or call.node, value,
                            f"`{call.last}()` with the psycopg dialect",
                            '`connect_args={"prepare_threshold": None}`', "sqlalchemy",
                            fixes.keyword_dict_entry(call, "connect_args", "prepare_threshold", "None"))
    return out + _django(ctx)
