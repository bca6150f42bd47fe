"""Driver and ORM configuration rules (PIN3xx): settings that make a driver leave state on the server.

Facts come from ../shared/reference/drivers.md and poolers.md (sources in each rule's spec). The rules
read keyword arguments, DSNs and URLs statically; a dynamic value (an env var without a default, a
computed dict) keeps a rule quiet unless the static part settles the verdict. Connections the user
lists in ``direct-connections`` (variable names, Django aliases) bypass the pooler and are exempt.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

import libcst as cst

from pinlint.checks import SQL_CHECKS, ModuleContext, NodeVerdict, SqlContext, claims_sites, module_check
from pinlint.checks.driverfacts import (
    MISSING,
    DriverFacts,
    cached,
    is_int,
    number,
    parse_url,
    postgres_scheme,
    qual_in,
    sqlalchemy_driver,
)
from pinlint.facts.catalog import receiver_looks_like_db
from pinlint.facts.model import UNKNOWN, CallFact, Facts, dotted
from pinlint.sql.statement import HOLE
from pinlint.targets import BREAKS, LEAKS, PGBOUNCER, PINS, RDS_PROXY, TargetSet

PSYCOPG_CONNECT = ("psycopg.connect", "psycopg.Connection.connect", "psycopg.AsyncConnection.connect",
                   "psycopg.connection.Connection.connect", "psycopg.connection_async.AsyncConnection.connect")
PSYCOPG2_CONNECT = ("psycopg2.connect", "psycopg2.extensions.connection")
PSYCOPG_POOLS = tuple(f"psycopg_pool.{n}" for n in (
    "ConnectionPool", "AsyncConnectionPool", "NullConnectionPool", "AsyncNullConnectionPool"))
ASYNCPG_CONNECT = ("asyncpg.connect", "asyncpg.connection.connect")
ASYNCPG_POOL = ("asyncpg.create_pool", "asyncpg.pool.create_pool")
SA_ENGINES = ("sqlalchemy.create_engine", "sqlalchemy.engine.create_engine",
              "sqlalchemy.ext.asyncio.create_async_engine", "sqlalchemy.ext.asyncio.engine.create_async_engine",
              "sqlmodel.create_engine")
PG8000_CONNECT = ("pg8000.connect", "pg8000.dbapi.connect", "pg8000.native.Connection", "pg8000.Connection",
                  "pg8000.dbapi.Connection")
MYSQL_CONNECT = ("pymysql.connect", "pymysql.Connect", "pymysql.connections.Connection", "MySQLdb.connect",
                 "MySQLdb.Connect", "mysql.connector.connect", "aiomysql.connect", "aiomysql.create_pool",
                 "asyncmy.connect", "asyncmy.create_pool")
PEEWEE_PG_DATABASES = tuple(f"{m}.{n}" for m, names in (
    ("peewee", ("PostgresqlDatabase",)),
    ("playhouse.postgres_ext", ("PostgresqlExtDatabase",)),
    ("playhouse.pool", ("PooledPostgresqlDatabase", "PooledPostgresqlExtDatabase")),
) for n in names)
TORTOISE_INIT = ("tortoise.Tortoise.init", "tortoise.contrib.fastapi.register_tortoise",
                 "tortoise.contrib.starlette.register_tortoise", "tortoise.contrib.sanic.register_tortoise",
                 "tortoise.contrib.aiohttp.register_tortoise", "tortoise.contrib.quart.register_tortoise")

#: The SQLAlchemy pool events whose handlers run on a connection the application then uses.
SA_INIT_EVENTS = {
    "connect": "on every new connection (SQLAlchemy \"connect\" event)",
    "first_connect": "on the first connection (SQLAlchemy \"first_connect\" event)",
    "checkout": "on every checkout from the pool (SQLAlchemy \"checkout\" event)",
    "engine_connect": "on every engine connect (SQLAlchemy \"engine_connect\" event)",
}

#: MySQL session variables RDS Proxy tracks without pinning (poolers.md, "Tracked without pinning").
RDS_MYSQL_TRACKED = frozenset({
    "autocommit", "auto_increment_increment", "character set", "charset", "character_set_client",
    "character_set_database", "character_set_filesystem", "character_set_connection", "character_set_results",
    "character_set_server", "collation_connection", "collation_database", "collation_server",
    "interactive_timeout", "names", "net_write_timeout", "query_cache_type", "session_track_schema", "sql_mode",
    "time_zone", "transaction_isolation", "tx_isolation", "transaction_read_only", "tx_read_only", "wait_timeout",
})

#: DSN query parameters asyncpg reads itself; any other becomes a startup parameter (server_settings).
ASYNCPG_DSN_PARAMS = frozenset({
    "host", "port", "user", "password", "passfile", "database", "dbname", "sslmode", "sslcert", "sslkey",
    "sslrootcert", "sslcrl", "sslpassword", "ssl_min_protocol_version", "ssl_max_protocol_version",
    "target_session_attrs", "krbsrvname", "gsslib", "service", "servicefile", "connect_timeout",
})

_OPTION_PARAM_RE = re.compile(r"(?:-c\s*|--)([A-Za-z_][\w.]*)\s*=")


def _df(ctx: ModuleContext) -> DriverFacts:
    return cached(ctx.facts, ctx.targets)


def _src(node: cst.CSTNode, limit: int = 60) -> str:
    try:
        text = cst.Module(body=[]).code_for_node(node)
    except Exception:  # pragma: no cover - code_for_node handles every expression
        return "..."
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.replace(HOLE, "...").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _uses(facts: Facts, *prefixes: str) -> bool:
    return facts.imported(prefixes)


# ---- engines and pools --------------------------------------------------------------------------


class Engine:
    """A SQLAlchemy create_engine/create_async_engine call, with its URL and connect_args."""

    def __init__(self, d: DriverFacts, call: CallFact) -> None:
        self.call = call
        url_node = call.positional(0) or call.kwarg("url")
        self.url = d.url(url_node, call.scope) if url_node is not None else None
        self.driver = sqlalchemy_driver(self.url.scheme) if self.url is not None else None
        ca = call.kwarg("connect_args")
        self.connect_args: Optional[Dict[str, cst.BaseExpression]] = None
        self.connect_args_complete = False
        self.connect_args_node = ca
        if ca is None:
            if not call.has_star_kwargs:
                self.connect_args, self.connect_args_complete = {}, True
        else:
            items = d.dict_items(ca, call.scope)
            if items is not None:
                self.connect_args, self.connect_args_complete = items

    def arg(self, d: DriverFacts, key: str) -> Tuple[object, Optional[cst.BaseExpression]]:
        """A connect_args entry: (value, node); MISSING when surely absent, UNKNOWN when it may be there."""
        if self.connect_args is None:
            return UNKNOWN, None
        node = self.connect_args.get(key)
        if node is None:
            return (MISSING if self.connect_args_complete else UNKNOWN), None
        return d.value(node, self.call.scope), node


def _engines(d: DriverFacts) -> List[Engine]:
    key = "_engines"
    got = d.__dict__.get(key)
    if got is None:
        got = d.__dict__[key] = [Engine(d, c) for c in d.facts.calls if qual_in(c, SA_ENGINES)]
    return got


def _dict_entry(d: DriverFacts, call: CallFact, kwarg: str, key: str
                ) -> Tuple[object, Optional[cst.BaseExpression], Optional[cst.BaseExpression]]:
    """``call(kwarg={key: ...})``: (value, value node, dict node); MISSING when surely absent."""
    node = call.kwarg(kwarg)
    if node is None:
        return (UNKNOWN if call.has_star_kwargs else MISSING), None, None
    items = d.dict_items(node, call.scope)
    if items is None:
        return UNKNOWN, None, node
    entries, complete = items
    if key not in entries:
        return (MISSING if complete else UNKNOWN), None, node
    return d.value(entries[key], call.scope), entries[key], node


def _kw(d: DriverFacts, call: CallFact, name: str) -> object:
    v = d.kwarg(call, name)
    if v is MISSING and call.has_star_kwargs:
        return UNKNOWN
    return v


def _django(ctx: ModuleContext, rule: str) -> List[NodeVerdict]:
    from pinlint.checks.django_settings import django_verdicts

    return django_verdicts(ctx.facts, ctx.targets, _df(ctx)).get(rule, [])


# ---- PIN301 psycopg-prepare-threshold ---------------------------------------------------------------


def _threshold_verdict(node: cst.CSTNode, value: object, where: str, fix: str, framework: str
                       ) -> List[NodeVerdict]:
    if value is MISSING:
        what = f"{where} leaves `prepare_threshold` at psycopg's default (5)"
    elif is_int(value):
        what = f"{where} sets `prepare_threshold={value}`" + (" (0 prepares every query)" if value == 0 else "")
    else:
        return []  # None (never prepare) or unknown
    return [NodeVerdict(node, {PGBOUNCER: BREAKS}, {"what": what, "fix": fix}, framework)]


@module_check("psycopg-prepare-threshold")
def psycopg_prepare_threshold(ctx: ModuleContext) -> List[NodeVerdict]:
    if ctx.targets.pgbouncer.max_prepared_statements > 0:
        return []
    d = _df(ctx)
    # ``conn.prepare_threshold = None`` somewhere (a configure callback, a connection factory)
    if any(d.value(v) is None for v in d.attr_assigns.get("prepare_threshold", [])):
        return []
    out: List[NodeVerdict] = []
    for call in ctx.facts.calls:
        if d.is_direct(call):
            continue
        if qual_in(call, PSYCOPG_CONNECT):
            node = call.kwarg("prepare_threshold")
            out += _threshold_verdict(node or call.node, _kw(d, call, "prepare_threshold"),
                                      f"`{call.written or 'connect'}()`", "`prepare_threshold=None`", "psycopg")
        elif qual_in(call, PSYCOPG_POOLS):
            if call.kwarg("connection_class") is not None:
                continue
            value, vnode, dnode = _dict_entry(d, call, "kwargs", "prepare_threshold")
            out += _threshold_verdict(vnode or dnode or call.node, value, f"`{call.last}(...)`",
                                      '`kwargs={"prepare_threshold": None}`', "psycopg")
        elif qual_in(call, SA_ENGINES):
            eng = Engine(d, call)
            if eng.driver != "psycopg" or (eng.url is not None and "prepare_threshold" in eng.url.params):
                continue
            value, vnode = eng.arg(d, "prepare_threshold")
            out += _threshold_verdict(vnode or eng.connect_args_node or call.node, value,
                                      f"`{call.last}()` with the psycopg dialect",
                                      '`connect_args={"prepare_threshold": None}`', "sqlalchemy")
    return out + _django(ctx, "psycopg-prepare-threshold")


# ---- PIN302 asyncpg-statement-cache ---------------------------------------------------------------


def _cache_verdict(node: cst.CSTNode, what: str, fix: str, framework: Optional[str]) -> NodeVerdict:
    return NodeVerdict(node, {PGBOUNCER: BREAKS}, {"what": what, "fix": fix}, framework)


def _tortoise_urls(d: DriverFacts, call: CallFact) -> List[Tuple[cst.CSTNode, object]]:
    """(node, Url or credentials dict entries) for a Tortoise init call's asyncpg connections."""
    out: List[Tuple[cst.CSTNode, object]] = []
    db_url = call.kwarg("db_url")
    if db_url is not None:
        out.append((db_url, d.url(db_url, call.scope)))
    config = call.kwarg("config")
    items = d.dict_items(config, call.scope) if config is not None else None
    if items is not None and "connections" in items[0]:
        conns = d.dict_items(items[0]["connections"], call.scope)
        for node in (conns[0].values() if conns else ()):
            entry = d.dict_items(node, call.scope)
            if entry is not None:
                out.append((node, entry))
            else:
                out.append((node, d.url(node, call.scope)))
    return out


def _tortoise_asyncpg(d: DriverFacts, call: CallFact):
    """Yield (node, kind, data): kind "url" with a Url, or "credentials" with (entries, complete)."""
    for node, info in _tortoise_urls(d, call):
        if info is None:
            continue
        if isinstance(info, tuple):
            entries, complete = info
            engine = d.value(entries.get("engine"), call.scope) if "engine" in entries else MISSING
            if engine != "tortoise.backends.asyncpg":
                continue
            creds = d.dict_items(entries.get("credentials"), call.scope) if "credentials" in entries else None
            if creds is not None:
                yield node, "credentials", creds
        elif info.scheme in ("postgres", "asyncpg"):
            yield node, "url", info


@module_check("asyncpg-statement-cache")
def asyncpg_statement_cache(ctx: ModuleContext) -> List[NodeVerdict]:
    if ctx.targets.pgbouncer.max_prepared_statements > 0:
        return []
    d = _df(ctx)
    out: List[NodeVerdict] = []
    for call in ctx.facts.calls:
        if d.is_direct(call):
            continue
        if qual_in(call, ASYNCPG_CONNECT + ASYNCPG_POOL):
            v = _kw(d, call, "statement_cache_size")
            node = call.kwarg("statement_cache_size") or call.node
            name = f"`{call.written or call.last}()`"
            if v is MISSING:
                out.append(_cache_verdict(node, f"{name} leaves `statement_cache_size` at asyncpg's default (100)",
                                          "`statement_cache_size=0` (on asyncpg.connect and asyncpg.create_pool)",
                                          "asyncpg"))
            elif is_int(v) and v != 0:
                out.append(_cache_verdict(node, f"{name} sets `statement_cache_size={v}`",
                                          "`statement_cache_size=0` (on asyncpg.connect and asyncpg.create_pool)",
                                          "asyncpg"))
        elif qual_in(call, SA_ENGINES):
            eng = Engine(d, call)
            if eng.driver != "asyncpg" or eng.url is None:
                continue
            problems = []
            if "prepared_statement_cache_size" in eng.url.params:
                pscs: object = number(eng.url.params["prepared_statement_cache_size"])
                pscs = UNKNOWN if pscs is None else pscs
            else:
                pscs, _ = eng.arg(d, "prepared_statement_cache_size")
                if pscs is MISSING and not eng.url.complete:
                    pscs = UNKNOWN
            if pscs is MISSING:
                problems.append("the dialect's `prepared_statement_cache_size` (default 100)")
            elif isinstance(pscs, (int, float)) and not isinstance(pscs, bool) and pscs != 0:
                problems.append(f"`prepared_statement_cache_size={int(pscs)}`")
            scs, _ = eng.arg(d, "statement_cache_size")
            if scs is MISSING:
                problems.append("asyncpg's `statement_cache_size` (default 100, not set in connect_args)")
            elif is_int(scs) and scs != 0:
                problems.append(f'`connect_args={{"statement_cache_size": {scs}}}`')
            if problems:
                out.append(_cache_verdict(
                    call.node, f"`{call.last}()` with the asyncpg dialect keeps " + " and ".join(problems),
                    '`?prepared_statement_cache_size=0` in the URL and `connect_args={"statement_cache_size": 0}`',
                    "sqlalchemy"))
        elif qual_in(call, TORTOISE_INIT) or (call.written or "").endswith("Tortoise.init"):
            for node, kind, data in _tortoise_asyncpg(d, call):
                if kind == "url":
                    raw = data.params.get("statement_cache_size")
                    if raw is None and data.complete:
                        out.append(_cache_verdict(node, "The Tortoise asyncpg URL has no `statement_cache_size`"
                                                        " (asyncpg's default: 100)",
                                                  "`?statement_cache_size=0` in the db_url", None))
                    elif raw is not None and number(raw) not in (None, 0.0):
                        out.append(_cache_verdict(node, f"The Tortoise asyncpg URL sets `statement_cache_size={raw}`",
                                                  "`?statement_cache_size=0` in the db_url", None))
                else:
                    entries, complete = data
                    v = d.value(entries["statement_cache_size"], call.scope) if "statement_cache_size" in entries \
                        else (MISSING if complete else UNKNOWN)
                    if v is MISSING or (is_int(v) and v != 0):
                        out.append(_cache_verdict(node, "The Tortoise asyncpg credentials keep asyncpg's statement cache",
                                                  '`"statement_cache_size": 0` in the credentials', None))
        elif qual_in(call, ("databases.Database", "databases.core.Database")):
            url = d.url(call.positional(0) or call.kwarg("url"), call.scope)
            if url is None or url.scheme not in ("postgresql", "postgres", "postgresql+asyncpg"):
                continue
            v = _kw(d, call, "statement_cache_size")
            if "statement_cache_size" in url.params:
                v = number(url.params["statement_cache_size"])
                v = UNKNOWN if v is None else int(v)
            elif v is MISSING and not url.complete:
                v = UNKNOWN
            if v is MISSING or (is_int(v) and v != 0):
                shown = "leaves `statement_cache_size` at asyncpg's default (100)" if v is MISSING \
                    else f"sets `statement_cache_size={v}`"
                out.append(_cache_verdict(call.kwarg("statement_cache_size") or call.node,
                                          f"`Database(...)` (encode/databases, asyncpg backend) {shown}",
                                          "`Database(url, statement_cache_size=0)`", "asyncpg"))
        elif qual_in(call, ("piccolo.engine.postgres.PostgresEngine", "piccolo.engine.PostgresEngine")):
            value, vnode, dnode = _dict_entry(d, call, "config", "statement_cache_size")
            if value is MISSING or (is_int(value) and value != 0):
                out.append(_cache_verdict(vnode or dnode or call.node,
                                          "`PostgresEngine(config=...)` (Piccolo, asyncpg) has no "
                                          "`\"statement_cache_size\": 0`",
                                          '`config={..., "statement_cache_size": 0}` (Piccolo hands config to asyncpg; '
                                          "check that your version passes it on)", "asyncpg"))
    return out


# ---- PIN303 driver-prepared-statement ---------------------------------------------------------------


def _looks_like_sql(d: DriverFacts, node: Optional[cst.BaseExpression], scope: object) -> bool:
    text = d.facts.string(node, scope) if node is not None else None
    if text is None:
        return False
    return re.match(r"(?is)\s*(select|insert|update|delete|with|values|table|copy|call|merge)\b", text) is not None


def _receiver_ok(d: DriverFacts, call: CallFact) -> bool:
    recv = d.receiver(call) or ""
    last = recv.rsplit(".", 1)[-1] if recv else ""
    return receiver_looks_like_db(last)


def _query_argument(d: DriverFacts, call: CallFact) -> bool:
    """The first argument is a SQL query, or unknown text passed to a receiver named like a connection."""
    arg = call.positional(0)
    if arg is None or call.kwarg("name") is not None or call.kwarg("withhold") is not None:
        return False
    text = d.facts.string(arg, call.scope)
    if text is not None and text.replace(HOLE, "").strip():
        return _looks_like_sql(d, arg, call.scope)
    return _receiver_ok(d, call)


@module_check("driver-prepared-statement")
def driver_prepared_statement(ctx: ModuleContext) -> List[NodeVerdict]:
    facts = ctx.facts
    d = _df(ctx)
    pgb = None if ctx.targets.pgbouncer.max_prepared_statements > 0 else BREAKS
    out: List[NodeVerdict] = []
    psycopg3 = _uses(facts, "psycopg", "psycopg_pool")
    asyncpg = _uses(facts, "asyncpg")
    pg8000 = _uses(facts, "pg8000") and not asyncpg
    mysql_connector = _uses(facts, "mysql.connector", "mysql")
    for call in facts.calls:
        recv = d.receiver(call)
        if d.is_direct(call, recv):
            continue
        if psycopg3 and call.last in ("execute", "executemany") and d.kwarg(call, "prepare") is True:
            out.append(NodeVerdict(call.kwarg("prepare"), {PGBOUNCER: pgb},
                                   {"what": "`execute(..., prepare=True)` prepares the query at once as a named "
                                            "statement (`_pg3_N`)",
                                    "fix": "drop prepare=True (prepare_threshold=None on the connection makes it a no-op)"},
                                   "psycopg"))
        elif asyncpg and call.last == "prepare" and recv is not None and _query_argument(d, call):
            out.append(NodeVerdict(call.node, {PGBOUNCER: pgb},
                                   {"what": f"`{recv}.prepare()` creates a named prepared statement (asyncpg < 0.31, or "
                                            "any version with a statement cache)",
                                    "fix": "run the query with `fetch()`/`execute()`; with asyncpg >= 0.31 and "
                                           "statement_cache_size=0 prepare() uses an unnamed statement"},
                                   "asyncpg"))
        elif asyncpg and call.last == "cursor" and recv is not None and _query_argument(d, call):
            out.append(NodeVerdict(call.node, {PGBOUNCER: pgb},
                                   {"what": f"`{recv}.cursor()` always uses a named prepared statement, even with "
                                            "statement_cache_size=0",
                                    "fix": "fetch in pages with `fetch()` and LIMIT / keyset pagination"},
                                   "asyncpg"))
        elif pg8000 and call.last == "prepare" and recv is not None and _query_argument(d, call):
            out.append(NodeVerdict(call.node, {PGBOUNCER: pgb},
                                   {"what": f"pg8000 `{recv}.prepare()` creates a named statement "
                                            "(`pg8000_statement_N`)",
                                    "fix": "run the query with `run()`/`execute()`, which use unnamed statements"},
                                   None))
        elif mysql_connector and call.last == "cursor" and d.kwarg(call, "prepared") is True:
            out.append(NodeVerdict(call.kwarg("prepared"), {RDS_PROXY: PINS},
                                   {"what": "mysql-connector `cursor(prepared=True)` uses binary-protocol prepared "
                                            "statements",
                                    "fix": "drop prepared=True (a plain cursor binds parameters on the client)"},
                                   "mysql"))
        elif qual_in(call, ("prisma.Prisma", "prisma.Client", "prisma.client.Prisma")):
            value, vnode, _ = _dict_entry(d, call, "datasource", "url")
            if vnode is None:
                continue
            url = d.url(vnode, call.scope)
            if url is None or not postgres_scheme(url.scheme):
                continue
            flag = url.params.get("pgbouncer")
            if (flag is None and url.complete) or (flag is not None and flag.lower() != "true"):
                out.append(NodeVerdict(vnode, {PGBOUNCER: pgb},
                                       {"what": "Prisma Client uses named prepared statements (`s0`, `s1`, ...) on this URL",
                                        "fix": "`?pgbouncer=true` in the datasource URL (PgBouncer < 1.21)"},
                                       None))
    return out


# ---- PIN304 driver-server-cursor ---------------------------------------------------------------------


def _cursor_verdict(ctx: ModuleContext, node: cst.CSTNode, what: str, hold: object, fix: str,
                    framework: Optional[str]) -> NodeVerdict:
    statement_mode = ctx.targets.pgbouncer.pool_mode == "statement"
    if hold is True:
        effects = {RDS_PROXY: PINS, PGBOUNCER: LEAKS}
        hold_text = "WITH HOLD"
    elif hold is UNKNOWN:
        effects = {RDS_PROXY: PINS, PGBOUNCER: LEAKS}
        hold_text = "WITH HOLD when `withhold` is true at run time"
    else:
        effects = {RDS_PROXY: PINS, PGBOUNCER: BREAKS if statement_mode else None}
        hold_text = "WITHOUT HOLD"
    return NodeVerdict(node, effects, {"what": what, "hold": hold_text, "fix": fix}, framework)


def _sa_postgres_possible(d: DriverFacts) -> bool:
    engines = _engines(d)
    return not engines or any(e.driver not in ("mysql", "sqlite", "other") for e in engines)


@module_check("driver-server-cursor")
def driver_server_cursor(ctx: ModuleContext) -> List[NodeVerdict]:
    facts = ctx.facts
    d = _df(ctx)
    out: List[NodeVerdict] = []
    pg2 = _uses(facts, "psycopg2")
    pg3 = _uses(facts, "psycopg", "psycopg_pool")
    sa = _uses(facts, "sqlalchemy", "sqlmodel", "flask_sqlalchemy") and _sa_postgres_possible(d)
    for call in facts.calls:
        recv = d.receiver(call)
        if d.is_direct(call, recv):
            continue
        if (pg2 or pg3) and call.last == "cursor" and recv is not None:
            name_node = call.kwarg("name") or call.positional(0)
            text = facts.string(name_node, call.scope) if name_node is not None else None
            if not text or not text.replace(HOLE, "").strip():
                continue
            hold = _kw(d, call, "withhold")
            hold = False if hold is MISSING else hold
            if hold not in (True, False, UNKNOWN):
                continue
            lib = "psycopg2" if pg2 and not pg3 else "psycopg"
            fix = ("withhold=False and iterate inside one transaction (behind RDS Proxy page with LIMIT instead)"
                   if hold is not False else
                   "a client-side cursor with LIMIT/keyset pages behind RDS Proxy (in PgBouncer transaction mode a "
                   "named cursor iterated inside one transaction is fine)")
            out.append(_cursor_verdict(ctx, call.node, f"`{recv}.cursor({_short(_src(name_node), 30)}, ...)`",
                                       hold, fix, lib))
        elif pg3 and qual_in(call, ("psycopg.ServerCursor", "psycopg.AsyncServerCursor")):
            hold = _kw(d, call, "withhold")
            hold = False if hold is MISSING else hold
            if hold in (True, False, UNKNOWN):
                out.append(_cursor_verdict(ctx, call.node, f"`{call.last}(...)`", hold,
                                           "withhold=False inside one transaction, or LIMIT pages behind RDS Proxy",
                                           "psycopg"))
        elif sa and call.last == "execution_options" and (
                d.kwarg(call, "stream_results") is True or is_int(d.kwarg(call, "yield_per"))):
            key = "stream_results" if d.kwarg(call, "stream_results") is True else "yield_per"
            out.append(_cursor_verdict(ctx, call.kwarg(key), f"`execution_options({key}=...)`", False,
                                       f"drop {key} behind RDS Proxy and page with LIMIT (under PgBouncer transaction "
                                       "mode consume it inside one transaction)", "sqlalchemy"))
        elif sa and call.last == "yield_per" and recv is not None and call.positional(0) is not None:
            out.append(_cursor_verdict(ctx, call.node, "`.yield_per(...)`", False,
                                       "drop yield_per behind RDS Proxy and page with LIMIT (under PgBouncer "
                                       "transaction mode consume it inside one transaction)", "sqlalchemy"))
        elif sa and call.last in ("execute", "scalars", "stream") and call.kwarg("execution_options") is not None:
            opts = d.dict_items(call.kwarg("execution_options"), call.scope)
            if opts is None:
                continue
            for key in ("stream_results", "yield_per"):
                if key in opts[0]:
                    v = d.value(opts[0][key], call.scope)
                    if v is True or (key == "yield_per" and is_int(v)):
                        out.append(_cursor_verdict(ctx, opts[0][key], f'`execution_options={{"{key}": ...}}`', False,
                                                   f"drop {key} behind RDS Proxy and page with LIMIT", "sqlalchemy"))
                        break
        elif qual_in(call, SA_ENGINES) and d.kwarg(call, "server_side_cursors") is True:
            out.append(_cursor_verdict(ctx, call.kwarg("server_side_cursors"), "`server_side_cursors=True`", False,
                                       "drop server_side_cursors=True (deprecated) and page with LIMIT behind RDS "
                                       "Proxy", "sqlalchemy"))
        elif qual_in(call, ("playhouse.postgres_ext.ServerSide",)):
            out.append(_cursor_verdict(ctx, call.node, "Peewee `ServerSide(...)` (psycopg2 named cursor)", True,
                                       "no ServerSide() behind a transaction pooler: page with LIMIT", None))
        elif qual_in(call, PEEWEE_PG_DATABASES) and d.kwarg(call, "server_side_cursors") is True:
            out.append(_cursor_verdict(ctx, call.kwarg("server_side_cursors"),
                                       "Peewee `server_side_cursors=True` (psycopg2 named cursors)", True,
                                       "server_side_cursors=False (the default) behind a transaction pooler", None))
    return out


# ---- PIN306 connection-init-state --------------------------------------------------------------------


def _init_scopes(d: DriverFacts) -> Dict[int, Tuple[str, Optional[str], bool]]:
    """id(function scope) -> (when it runs, framework, exempt) for functions that run on new connections."""
    key = "_init_scopes"
    got = d.__dict__.get(key)
    if got is not None:
        return got
    facts = d.facts
    scopes: Dict[int, Tuple[str, Optional[str], bool]] = {}

    def add(fn_node: Optional[cst.BaseExpression], label: str, framework: Optional[str], exempt: bool) -> None:
        found = d.function(fn_node)
        if found is not None:
            scopes[id(found[1])] = (label, framework, exempt)

    for fn, scope in facts.functions:
        for dec in fn.decorators:
            deco = dec.decorator
            if not isinstance(deco, cst.Call):
                continue
            q = facts.resolve(deco.func) or ""
            args = [a.value for a in deco.args if a.keyword is None]
            if q in ("sqlalchemy.event.listens_for", "sqlalchemy.event.api.listens_for") and len(args) >= 2:
                ident = facts.value(args[1])
                if ident in SA_INIT_EVENTS:
                    scopes[id(scope)] = (SA_INIT_EVENTS[ident], "sqlalchemy",
                                         d.is_direct(name=dotted(args[0])))
            elif q == "django.dispatch.receiver" and args:
                sig = args[0]
                sigs = [e.value for e in sig.elements] if isinstance(sig, (cst.List, cst.Tuple)) else [sig]
                if any((facts.resolve(s) or "").endswith("connection_created") for s in sigs):
                    scopes[id(scope)] = ("on every new connection (Django connection_created)", "django", False)
    for call in facts.calls:
        q = call.qualname or ""
        if q in ("sqlalchemy.event.listen", "sqlalchemy.event.api.listen"):
            ident = facts.value(call.positional(1)) if call.positional(1) is not None else None
            if ident in SA_INIT_EVENTS:
                target = call.positional(0)
                add(call.positional(2), SA_INIT_EVENTS[ident], "sqlalchemy",
                    d.is_direct(name=dotted(target) if target is not None else None))
        elif q.endswith("connection_created.connect") and q.startswith("django"):
            add(call.positional(0), "on every new connection (Django connection_created)", "django", False)
        elif qual_in(call, PSYCOPG_POOLS):
            add(call.kwarg("configure"), "on every new connection (psycopg_pool configure callback)", "psycopg",
                d.is_direct(call))
        elif qual_in(call, ASYNCPG_POOL):
            add(call.kwarg("init"), "on every new connection (asyncpg pool init callback)", "asyncpg",
                d.is_direct(call))
            add(call.kwarg("setup"), "on every acquire from the pool (asyncpg pool setup callback)", "asyncpg",
                d.is_direct(call))
    d.__dict__[key] = scopes
    return scopes


def _site_hook(d: DriverFacts, site) -> Optional[Tuple[str, Optional[str], bool]]:
    scopes = _init_scopes(d)
    if not scopes:
        return None
    cf = d.call_by_node.get(id(site.call))
    s = cf.scope if cf is not None else None
    while s is not None:
        hit = scopes.get(id(s))
        if hit is not None:
            return hit
        s = s.parent
    return None


@claims_sites("connection-init-state")
def _claim_init_sites(facts: Facts, targets: TargetSet) -> set:
    d = cached(facts, targets)
    if not _init_scopes(d):
        return set()
    return {id(site.node) for site in facts.sql_sites if _site_hook(d, site) is not None}


def mysql_untracked_sets(text: str) -> Optional[List[str]]:
    """The variables a MySQL init_command/SET text sets that RDS Proxy does not track; None if unknown."""
    out: List[str] = []
    for stmt in text.split(";"):
        s = stmt.strip()
        m = re.match(r"(?is)set\s+(.*)$", s)
        if not m:
            continue
        body = m.group(1)
        if re.match(r"(?i)(session\s+|local\s+)?transaction\b", body):
            continue  # SET [SESSION] TRANSACTION ...: whether RDS Proxy tracks it is unconfirmed
        if re.match(r"(?i)(names|character\s+set|charset)\b", body):
            continue
        for part in re.split(r",(?![^()]*\))", body):
            pm = re.match(r"(?is)\s*(?:(?:session|local)\s+|@@(?:session\.|local\.)?)?(@?[\w.$]+)\s*(?:=|:=)", part)
            if not pm:
                return None
            name = pm.group(1).lower()
            if HOLE.lower() in name:
                return None
            if name.startswith("@") or name not in RDS_MYSQL_TRACKED:
                out.append(name)
    return out


def _site_dialect(site, targets: TargetSet) -> Optional[str]:
    try:
        from pinlint.facts.dialect import effective
    except ImportError:  # pragma: no cover - older core without configurable dialects
        return site.dialect if site.dialect in ("postgres", "mysql") else None
    return effective(site.dialect, getattr(targets, "dialect", None), getattr(site, "dialect_known", True))


def _init_sql_verdicts(ctx: ModuleContext, site, hook: Tuple[str, Optional[str], bool]) -> List[NodeVerdict]:
    label, framework, exempt = hook
    dialect = _site_dialect(site, ctx.targets)
    if exempt or dialect is None:
        return []
    from pinlint.sql.classify import classify
    from pinlint.specs import load_specs

    specs = {s.name: s for s in load_specs()}
    statements = tuple(classify(site.text, dialect))
    out = []
    for index, st in enumerate(statements):
        if st.kind == "unknown":
            continue
        sctx = SqlContext(statement=st, statements=statements, index=index, site=site, targets=ctx.targets)
        effects: Dict[str, str] = {}
        for name, check in SQL_CHECKS.items():
            spec = specs.get(name)
            if spec is None or spec.dialect != dialect:
                continue
            for v in check(sctx):
                for t, e in v.effects.items():
                    if e and t in spec.severity and t not in effects:
                        effects[t] = e
        if not effects and dialect == "mysql" and not ctx.targets.rds_proxy.exclude_variable_sets:
            if mysql_untracked_sets(st.text):
                effects[RDS_PROXY] = PINS
        if effects:
            if dialect == "mysql":
                fix = "set it in the RDS Proxy initialization query or the DB parameter group"
            elif st.kind.startswith("set"):
                fix = ("make it the role's default (`ALTER ROLE app_user SET ...`) or put it in RDS Proxy's "
                       "initialization query")
            else:
                fix = "move it out of the connection hook into the transaction that needs it"
            out.append(NodeVerdict(site.node, effects, {"statement": _short(st.text), "hook": label, "fix": fix},
                                   "mysql" if dialect == "mysql" else framework))
    return out


@module_check("connection-init-state")
def connection_init_state(ctx: ModuleContext) -> List[NodeVerdict]:
    facts = ctx.facts
    d = _df(ctx)
    out: List[NodeVerdict] = []
    if _init_scopes(d):
        for site in facts.sql_sites:
            hook = _site_hook(d, site)
            if hook is not None:
                out += _init_sql_verdicts(ctx, site, hook)
    # MySQL init_command, in driver calls and SQLAlchemy connect_args
    if not ctx.targets.rds_proxy.exclude_variable_sets:
        for call in facts.calls:
            if d.is_direct(call):
                continue
            node = None
            if qual_in(call, MYSQL_CONNECT):
                node = call.kwarg("init_command")
            elif qual_in(call, SA_ENGINES):
                eng = Engine(d, call)
                if eng.driver == "mysql" and eng.connect_args:
                    node = eng.connect_args.get("init_command")
            if node is None:
                continue
            text = facts.string(node, call.scope)
            names = mysql_untracked_sets(text) if text else None
            if names:
                out.append(NodeVerdict(node, {RDS_PROXY: PINS},
                                       {"statement": _short(text), "hook": "on every new connection (init_command)",
                                        "fix": f"drop `{', '.join(names)}` from init_command; set it in the RDS Proxy "
                                               "initialization query or the DB parameter group"},
                                       "mysql"))
    return out + _django(ctx, "connection-init-state")


# ---- PIN307 driver-session-setting -------------------------------------------------------------------


def _autocommit_on(d: DriverFacts, call: CallFact) -> bool:
    if d.kwarg(call, "autocommit") is True:
        return True
    if any(d.value(v) is True for v in d.attr_assigns.get("autocommit", [])):
        return True
    for other in d.facts.calls:
        if other.last == "set_session" and d.kwarg(other, "autocommit") is True:
            return True
        if other.last == "set_isolation_level" and other.positional(0) is not None and (
                (dotted(other.positional(0)) or "").endswith("ISOLATION_LEVEL_AUTOCOMMIT")
                or d.value(other.positional(0)) == 0):
            return True
    return False


@module_check("driver-session-setting")
def driver_session_setting(ctx: ModuleContext) -> List[NodeVerdict]:
    facts = ctx.facts
    d = _df(ctx)
    out: List[NodeVerdict] = []
    pg2 = _uses(facts, "psycopg2")
    pg = pg2 or _uses(facts, "psycopg")
    for call in facts.calls:
        recv = d.receiver(call)
        if d.is_direct(call, recv):
            continue
        if pg2 and call.last == "set_session" and recv is not None:
            names = []
            for i, kw in enumerate(("isolation_level", "readonly", "deferrable")):
                node = call.kwarg(kw) or call.positional(i)
                v = d.value(node, call.scope) if node is not None else MISSING
                if v is not MISSING and v is not None:
                    names.append(f"default_transaction_{'isolation' if i == 0 else kw.replace('only', '_only')}")
            if names and _autocommit_on(d, call):
                out.append(NodeVerdict(call.node, {RDS_PROXY: PINS, PGBOUNCER: LEAKS},
                                       {"what": f"`set_session(...)` with autocommit on runs `SET {names[0]}`",
                                        "fix": "call set_session with autocommit off (psycopg2 >= 2.7 then starts each "
                                               "transaction with `BEGIN ISOLATION LEVEL ...`)"},
                                       "psycopg2"))
        elif pg and call.last == "set_client_encoding" and recv is not None and call.positional(0) is not None:
            out.append(NodeVerdict(call.node, {RDS_PROXY: PINS},
                                   {"what": "`set_client_encoding()` runs `SET client_encoding`",
                                    "fix": "client_encoding as a connect parameter (`connect(..., client_encoding='utf8')`)"},
                                   "psycopg2" if pg2 else "psycopg"))
        elif qual_in(call, SA_ENGINES):
            eng = Engine(d, call)
            if call.kwarg("client_encoding") is not None and eng.driver in (None, "psycopg2", "psycopg", "pg8000",
                                                                          "asyncpg"):
                out.append(NodeVerdict(call.kwarg("client_encoding"), {RDS_PROXY: PINS},
                                       {"what": "`create_engine(client_encoding=...)` runs `SET client_encoding` on "
                                                "each connection",
                                        "fix": "`?client_encoding=utf8` in the URL (a startup parameter)"},
                                       "sqlalchemy"))
            iso = d.kwarg(call, "isolation_level")
            if eng.driver == "pg8000" and isinstance(iso, str) and iso.upper() != "AUTOCOMMIT":
                out.append(NodeVerdict(call.kwarg("isolation_level"), {RDS_PROXY: PINS, PGBOUNCER: LEAKS},
                                       {"what": "`isolation_level` with the pg8000 dialect runs `SET SESSION "
                                                "CHARACTERISTICS AS TRANSACTION ...` on each connection",
                                        "fix": "drop isolation_level and use `SET TRANSACTION ISOLATION LEVEL ...` per "
                                               "transaction, or the psycopg dialect (which sets it per transaction)"},
                                       "sqlalchemy"))
        elif qual_in(call, PEEWEE_PG_DATABASES) and call.kwarg("encoding") is not None:
            out.append(NodeVerdict(call.kwarg("encoding"), {RDS_PROXY: PINS},
                                   {"what": "Peewee `encoding=` calls psycopg2's `set_client_encoding()` (`SET "
                                            "client_encoding`)",
                                    "fix": "client_encoding='utf8' instead of encoding= (passed to psycopg2 as a "
                                           "connect parameter)"},
                                   None))
    return out


# ---- PIN308 startup-parameter ------------------------------------------------------------------------


def options_verdict(ctx: ModuleContext, node: cst.CSTNode, text: Optional[str], where: str,
                    framework: Optional[str]) -> List[NodeVerdict]:
    """``options='-c name=value ...'``: RDS Proxy refuses command-line options; PgBouncer refuses untracked ones."""
    if not text:
        return []
    params = [p.lower() for p in _OPTION_PARAM_RE.findall(text) if HOLE not in p]
    if not params:
        return []
    pgb_opts = ctx.targets.pgbouncer
    pgb = None if "options" in pgb_opts.ignore_startup_parameters or all(pgb_opts.tracked(p) for p in params) \
        else BREAKS
    return [NodeVerdict(node, {RDS_PROXY: BREAKS, PGBOUNCER: pgb},
                        {"what": f"`{_short(text, 50)}` in {where}", "param": params[0],
                         "fix": f"`ALTER ROLE app_user SET {params[0]} = ...` instead of {where}"},
                        framework)]


def startup_dict_verdicts(ctx: ModuleContext, d: DriverFacts, node: Optional[cst.BaseExpression], scope: object,
                          where: str, framework: Optional[str]) -> List[NodeVerdict]:
    """``server_settings``/``startup_params`` dicts: PgBouncer refuses untracked startup parameters."""
    items = d.dict_items(node, scope) if node is not None else None
    if items is None:
        return []
    out = []
    for key, vnode in items[0].items():
        k = key.lower()
        if ctx.targets.pgbouncer.tracked(k) or k in ctx.targets.pgbouncer.ignore_startup_parameters or k in (
                "application_name", "user", "database"):
            continue
        out.append(NodeVerdict(vnode, {PGBOUNCER: BREAKS},
                               {"what": f"`{key}` in {where}", "param": key,
                                "fix": f"`ALTER ROLE app_user SET {key} = ...` instead of {where}, or list it in "
                                       "PgBouncer's track_extra_parameters (1.20+)"},
                               framework))
    return out


@module_check("startup-parameter")
def startup_parameter(ctx: ModuleContext) -> List[NodeVerdict]:
    facts = ctx.facts
    d = _df(ctx)
    out: List[NodeVerdict] = []
    seen: set = set()

    def add(vs: List[NodeVerdict]) -> None:
        for v in vs:
            if id(v.node) not in seen:
                seen.add(id(v.node))
                out.append(v)

    for call in facts.calls:
        if d.is_direct(call):
            # the DSN literal itself must not be reported by the string scan below either
            for a in call.node.args:
                seen.add(id(a.value))
            continue
        if qual_in(call, PSYCOPG_CONNECT + PSYCOPG2_CONNECT + PSYCOPG_POOLS):
            lib = "psycopg2" if qual_in(call, PSYCOPG2_CONNECT) else "psycopg"
            node = call.kwarg("options")
            if node is not None:
                add(options_verdict(ctx, node, facts.string(node, call.scope), "the connect options", lib))
            if qual_in(call, PSYCOPG_POOLS):
                value, vnode, _ = _dict_entry(d, call, "kwargs", "options")
                if vnode is not None:
                    add(options_verdict(ctx, vnode, facts.string(vnode, call.scope), "the pool kwargs options", lib))
            dsn = call.positional(0) or call.kwarg("dsn") or call.kwarg("conninfo")
            url = d.url(dsn, call.scope) if dsn is not None else None
            if url is not None and "options" in url.params:
                add(options_verdict(ctx, dsn, url.params["options"], "the DSN options", lib))
        elif qual_in(call, ASYNCPG_CONNECT + ASYNCPG_POOL):
            add(startup_dict_verdicts(ctx, d, call.kwarg("server_settings"), call.scope, "server_settings", "asyncpg"))
            dsn = call.positional(0) or call.kwarg("dsn")
            url = d.url(dsn, call.scope) if dsn is not None else None
            if url is not None and url.scheme is not None:
                from pinlint.sql.pg_parameters import is_pg_parameter

                for key in url.params:
                    k = key.lower()
                    if k in ASYNCPG_DSN_PARAMS or not is_pg_parameter(k) or ctx.targets.pgbouncer.tracked(k) \
                            or k in ctx.targets.pgbouncer.ignore_startup_parameters or k == "application_name":
                        continue
                    add([NodeVerdict(dsn, {PGBOUNCER: BREAKS},
                                     {"what": f"`{key}` in the asyncpg DSN (sent as a startup parameter)", "param": key,
                                      "fix": f"`ALTER ROLE app_user SET {key} = ...` instead of the DSN parameter"},
                                     "asyncpg")])
                    break
        elif qual_in(call, SA_ENGINES):
            eng = Engine(d, call)
            if eng.driver in ("mysql", "sqlite", "other"):
                continue
            if eng.connect_args:
                if "options" in eng.connect_args:
                    vnode = eng.connect_args["options"]
                    add(options_verdict(ctx, vnode, facts.string(vnode, call.scope), 'connect_args["options"]',
                                        "sqlalchemy"))
                if "server_settings" in eng.connect_args:
                    add(startup_dict_verdicts(ctx, d, eng.connect_args["server_settings"], call.scope,
                                              'connect_args["server_settings"]', "sqlalchemy"))
            if eng.url is not None and "options" in eng.url.params:
                add(options_verdict(ctx, call.positional(0) or call.kwarg("url"), eng.url.params["options"],
                                    "the URL's options", "sqlalchemy"))
        elif qual_in(call, PG8000_CONNECT):
            add(startup_dict_verdicts(ctx, d, call.kwarg("startup_params"), call.scope, "startup_params", None))
        elif qual_in(call, TORTOISE_INIT) or (call.written or "").endswith("Tortoise.init"):
            for node, kind, data in _tortoise_asyncpg(d, call):
                if kind == "url" and data.params.get("schema"):
                    add([NodeVerdict(node, {PGBOUNCER: BREAKS},
                                     {"what": "`schema` in the Tortoise URL (sent as startup parameter search_path)",
                                      "param": "search_path",
                                      "fix": "`ALTER ROLE app_user SET search_path = ...` instead of schema="},
                                     None)])
                elif kind == "credentials" and "schema" in data[0]:
                    add([NodeVerdict(data[0]["schema"], {PGBOUNCER: BREAKS},
                                     {"what": "`schema` in the Tortoise credentials (sent as startup parameter "
                                              "search_path)", "param": "search_path",
                                      "fix": "`ALTER ROLE app_user SET search_path = ...` instead of "
                                             "credentials[\"schema\"]"},
                                     None)])
    # DSNs and URLs anywhere in the module (env defaults, constants)
    for node in d.strings:
        if id(node) in seen or d.is_direct(name=d.name_of(node)):
            continue
        text = facts.string(node)
        if not text or "options" not in text:
            continue
        url = parse_url(text)
        if url is None or "options" not in url.params or not (url.keywords or postgres_scheme(url.scheme)):
            continue
        add(options_verdict(ctx, node, url.params["options"], "the DSN options", None))
    return out + _django(ctx, "startup-parameter")


# ---- PIN309 driver-listen ----------------------------------------------------------------------------


@module_check("driver-listen")
def driver_listen(ctx: ModuleContext) -> List[NodeVerdict]:
    facts = ctx.facts
    if not _uses(facts, "asyncpg"):
        return []
    d = _df(ctx)
    out = []
    for call in facts.calls:
        recv = d.receiver(call)
        if call.last != "add_listener" or recv is None or len(call.node.args) < 2 or d.is_direct(call, recv):
            continue
        channel = facts.value(call.positional(0), call.scope)
        out.append(NodeVerdict(call.node, {RDS_PROXY: PINS, PGBOUNCER: LEAKS},
                               {"channel": channel if isinstance(channel, str) else "channel",
                                "fix": "a dedicated connection that bypasses the pooler (name it in direct-connections)"},
                               "asyncpg"))
    return out


# ---- PIN310 client-idle-lifetime ---------------------------------------------------------------------


def lifetime_verdict(targets: TargetSet, node: cst.CSTNode, seconds: Optional[float], setting: str, shown: str,
                     fix: str, framework: Optional[str]) -> List[NodeVerdict]:
    """``seconds`` None means "never closed"."""
    effects: Dict[str, Optional[str]] = {}
    limits = []
    if RDS_PROXY in targets.names:
        limit = targets.rds_proxy.idle_client_timeout
        if seconds is None or seconds >= limit:
            effects[RDS_PROXY] = BREAKS
            limits.append(limit)
    pgb_limit = targets.pgbouncer.client_idle_timeout
    if PGBOUNCER in targets.names and pgb_limit > 0 and (seconds is None or seconds >= pgb_limit):
        effects[PGBOUNCER] = BREAKS
        limits.append(pgb_limit)
    if not effects:
        return []
    limit = min(limits)
    return [NodeVerdict(node, effects, {"setting": setting, "value": shown, "timeout": str(limit),
                                        "fix": fix.format(limit=limit)}, framework)]


def _seconds(v: object) -> Optional[float]:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


@module_check("client-idle-lifetime")
def client_idle_lifetime(ctx: ModuleContext) -> List[NodeVerdict]:
    facts = ctx.facts
    d = _df(ctx)
    t = ctx.targets
    out: List[NodeVerdict] = []
    for call in facts.calls:
        if d.is_direct(call):
            continue
        if qual_in(call, PSYCOPG_POOLS):
            if call.kwarg("check") is not None:
                continue  # the pool checks connections before lending them
            for key, default in (("max_lifetime", 3600.0), ("max_idle", 600.0)):
                v = _kw(d, call, key)
                if v is MISSING:
                    secs, shown = default, f"{int(default)} s (the default)"
                elif _seconds(v) is not None:
                    secs, shown = _seconds(v), f"{v} s"
                else:
                    continue
                out += lifetime_verdict(t, call.kwarg(key) or call.node, secs, key, shown,
                                        "`" + key + "` below {limit} s, or check=ConnectionPool.check_connection",
                                        "psycopg")
        elif qual_in(call, ASYNCPG_POOL):
            v = _kw(d, call, "max_inactive_connection_lifetime")
            if _seconds(v) is None:
                continue  # default 300 s, or unknown
            secs = None if v == 0 else _seconds(v)
            shown = "0 (never closed)" if secs is None else f"{v} s"
            out += lifetime_verdict(t, call.kwarg("max_inactive_connection_lifetime"), secs,
                                    "max_inactive_connection_lifetime", shown,
                                    "`max_inactive_connection_lifetime` below {limit} s (the default 300 is fine)",
                                    "asyncpg")
        elif qual_in(call, SA_ENGINES):
            eng = Engine(d, call)
            if eng.driver in ("sqlite",) or d.kwarg(call, "pool_pre_ping") is True:
                continue
            poolclass = call.kwarg("poolclass")
            if poolclass is not None and (dotted(poolclass) or "").rsplit(".", 1)[-1] in ("NullPool", "StaticPool"):
                continue
            v = _kw(d, call, "pool_recycle")
            if v is MISSING:
                if eng.driver is None or eng.driver == "other":
                    continue  # not known to be a server database
                secs, shown = None, "-1 (the default: never recycled)"
            elif _seconds(v) is not None:
                secs = None if v < 0 else _seconds(v)
                shown = f"{v} s" if secs is not None else f"{v} (never recycled)"
            else:
                continue
            out += lifetime_verdict(t, call.kwarg("pool_recycle") or call.node, secs, "pool_recycle", shown,
                                    "`pool_recycle` below {limit} s, or pool_pre_ping=True", "sqlalchemy")
    return out + _django(ctx, "client-idle-lifetime")


# ---- PIN305 django-server-side-cursors ---------------------------------------------------------------


@module_check("django-server-side-cursors")
def django_server_side_cursors(ctx: ModuleContext) -> List[NodeVerdict]:
    return _django(ctx, "django-server-side-cursors")
