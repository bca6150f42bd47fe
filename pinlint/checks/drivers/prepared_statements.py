"""PIN303 driver-prepared-statement: driver calls that create a named prepared statement on the server
connection (psycopg ``prepare=True``, asyncpg ``prepare()``/``cursor()``, pg8000 ``prepare()``,
mysql-connector ``cursor(prepared=True)``, Prisma without ``pgbouncer=true``)."""

from __future__ import annotations

import re
from typing import List, Optional

from pinlint.checks import fixes
from pinlint.checks.context import ModuleContext, NodeVerdict
from pinlint.checks.drivers.driverfacts import DriverFacts, dict_entry, qual_in
from pinlint.checks.drivers.entrypoints import PRISMA_CLIENT
from pinlint.checks.drivers.urls import postgres_scheme
from pinlint.lazy import cst
from pinlint.checks.registry import module_check
from pinlint.checks.triggers import calls, imported, needles
from pinlint.facts.catalog import receiver_looks_like_db
from pinlint.facts.model import CallFact
from pinlint.sql.statement import HOLE
from pinlint.targets import hazard

_QUERY_START = re.compile(r"(?is)\s*(select|insert|update|delete|with|values|table|copy|call|merge)\b")


def _looks_like_sql(d: DriverFacts, node: Optional[cst.BaseExpression], scope: object) -> bool:
    text = d.facts.string(node, scope) if node is not None else None
    return text is not None and _QUERY_START.match(text) is not None


def _receiver_ok(d: DriverFacts, call: CallFact) -> bool:
    recv = d.receiver(call) or ""
    last = recv.rsplit(".", 1)[-1] if recv else ""
    return receiver_looks_like_db(last)


def query_argument(d: DriverFacts, call: CallFact) -> bool:
    """The first argument is a SQL query, or unknown text passed to a receiver named like a connection."""
    arg = call.positional(0)
    if arg is None or call.kwarg("name") is not None or call.kwarg("withhold") is not None:
        return False
    text = d.facts.string(arg, call.scope)
    if text is not None and text.replace(HOLE, "").strip():
        return _looks_like_sql(d, arg, call.scope)
    return _receiver_ok(d, call)


def _prisma(d: DriverFacts, call: CallFact) -> List[NodeVerdict]:
    value, vnode, _ = dict_entry(d, call, "datasource", "url")
    if vnode is None:
        return []
    url = d.url(vnode, call.scope)
    if url is None or not postgres_scheme(url.scheme):
        return []
    flag = url.params.get("pgbouncer")
    if (flag is None and url.complete) or (flag is not None and flag.lower() != "true"):
        edit = fixes.url_param(vnode, "pgbouncer", "true")
        return [NodeVerdict(vnode, hazard("protocol-prepared"),
                            {"what": "Prisma Client uses named prepared statements (`s0`, `s1`, ...) on this URL",
                             "fix": "`?pgbouncer=true` in the datasource URL (PgBouncer < 1.21)"},
                            None, fix=None if edit is None else
                            lambda fctx: fixes.FixPlan("Set `pgbouncer=true` in the datasource URL", (edit,)))]
    return []


@module_check("PIN303", families=("protocol-prepared", "mysql-prepared"), needs=(DriverFacts,), triggers=needles(
    imported("psycopg", "prepare"), imported("psycopg_pool", "prepare"), imported("asyncpg", "prepare"),
    imported("asyncpg", "cursor"), imported("pg8000", "prepare"), imported("mysql", "prepared"), calls(PRISMA_CLIENT)))
def driver_prepared_statement(ctx: ModuleContext) -> List[NodeVerdict]:
    facts = ctx.facts
    d = ctx.view(DriverFacts)
    out: List[NodeVerdict] = []
    psycopg3 = facts.imported(("psycopg", "psycopg_pool"))
    asyncpg = facts.imported(("asyncpg",))
    pg8000 = facts.imported(("pg8000",)) and not asyncpg
    mysql_connector = facts.imported(("mysql.connector", "mysql"))
    for call in facts.calls:
        recv = d.receiver(call)
        if d.is_direct(call, recv):
            continue
        if psycopg3 and call.last in ("execute", "executemany") and d.kwarg(call, "prepare") is True:
            out.append(NodeVerdict(call.kwarg("prepare"), hazard("protocol-prepared"),
                                   {"what": "`execute(..., prepare=True)` prepares the query at once as a named "
                                            "statement (`_pg3_N`)",
                                    "fix": "drop prepare=True (prepare_threshold=None on the connection makes it a no-op)"},
                                   "psycopg"))
        elif asyncpg and call.last == "prepare" and recv is not None and query_argument(d, call):
            out.append(NodeVerdict(call.node, hazard("protocol-prepared"),
                                   {"what": f"`{recv}.prepare()` creates a named prepared statement (asyncpg < 0.31, or "
                                            "any version with a statement cache)",
                                    "fix": "run the query with `fetch()`/`execute()`; with asyncpg >= 0.31 and "
                                           "statement_cache_size=0 prepare() uses an unnamed statement"},
                                   "asyncpg"))
        elif asyncpg and call.last == "cursor" and recv is not None and query_argument(d, call):
            out.append(NodeVerdict(call.node, hazard("protocol-prepared"),
                                   {"what": f"`{recv}.cursor()` always uses a named prepared statement, even with "
                                            "statement_cache_size=0",
                                    "fix": "fetch in pages with `fetch()` and LIMIT / keyset pagination"},
                                   "asyncpg"))
        elif pg8000 and call.last == "prepare" and recv is not None and query_argument(d, call):
            out.append(NodeVerdict(call.node, hazard("protocol-prepared"),
                                   {"what": f"pg8000 `{recv}.prepare()` creates a named statement "
                                            "(`pg8000_statement_N`)",
                                    "fix": "run the query with `run()`/`execute()`, which use unnamed statements"},
                                   None))
        elif mysql_connector and call.last == "cursor" and d.kwarg(call, "prepared") is True:
            out.append(NodeVerdict(call.kwarg("prepared"), hazard("mysql-prepared"),
                                   {"what": "mysql-connector `cursor(prepared=True)` uses binary-protocol prepared "
                                            "statements",
                                    "fix": "drop prepared=True (a plain cursor binds parameters on the client)"},
                                   "mysql"))
        elif qual_in(call, PRISMA_CLIENT):
            out += _prisma(d, call)
    return out
