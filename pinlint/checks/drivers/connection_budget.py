"""PIN312 connection-budget: a client pool that can open more connections than RDS Proxy's backend
ceiling, ``max_connections x MaxConnectionsPercent / 100`` (AWS, ConnectionPoolConfiguration).

Off unless ``[tool.pinlint.rds-proxy] database-max-connections`` is set. A pool's largest size times
``[tool.pinlint] client-processes`` (the processes that each run it, default 1) above the ceiling is a
warning here; ``pinlint.targets.budget.settle`` makes it an error when the same run has findings that pin
sessions (each pinned session keeps one backend, so the ceiling is what the application can use).

Pool sizes, with each library's defaults (read in their source): SQLAlchemy ``pool_size + max_overflow``
(5 + 10; ``max_overflow=-1``: no limit; ``NullPool``: no limit, not judged; ``StaticPool``/``SingletonThreadPool``:
one), psycopg_pool ``max_size`` (default: ``min_size``, 4), asyncpg ``create_pool`` ``max_size`` (10),
aiomysql ``create_pool`` ``maxsize`` (10), psycopg2 ``SimpleConnectionPool``/``ThreadedConnectionPool``
``maxconn``, Django: one persistent connection per process and alias, or ``OPTIONS["pool"]``'s
``max_size`` (psycopg_pool's default).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional, Sequence, Tuple

from pinlint.checks.context import ModuleContext, NodeVerdict
from pinlint.checks.drivers.django_databases import DjangoDatabases, settings
from pinlint.checks.drivers.driverfacts import MISSING, DriverFacts, is_int, kwarg_or_unknown, qual_in
from pinlint.checks.drivers.engines import Engines
from pinlint.checks.drivers.entrypoints import ASYNCPG_POOL, PSYCOPG_POOLS, SA_ENGINES
from pinlint.lazy import cst
from pinlint.checks.registry import module_check
from pinlint.checks.triggers import calls, needles
from pinlint.facts.model import CallFact, dotted
from pinlint.targets import RDS_PROXY, hazard

if TYPE_CHECKING:  # pragma: no cover
    from pinlint.model import Diagnostic

AIOMYSQL_POOLS = ("aiomysql.create_pool", "aiomysql.pool.create_pool")
PSYCOPG2_POOLS = ("psycopg2.pool.SimpleConnectionPool", "psycopg2.pool.ThreadedConnectionPool")
UNBOUNDED = -1

#: (size, how the size comes about) or None when the code does not show it
Size = Optional[Tuple[int, str]]


def _int(d: DriverFacts, call: CallFact, key: str, default: int) -> Tuple[Optional[int], bool]:
    """A keyword's integer value or the default; (None, _) when unknown; the flag: it was the default."""
    v = kwarg_or_unknown(d, call, key)
    if v is MISSING:
        return default, True
    return (v, False) if is_int(v) else (None, False)


def _sqlalchemy(d: DriverFacts, call: CallFact) -> Size:
    poolclass = dotted(call.kwarg("poolclass")) if call.kwarg("poolclass") is not None else None
    last = (poolclass or "").rsplit(".", 1)[-1]
    if last in ("StaticPool", "SingletonThreadPool", "AssertionPool"):
        return 1, f"{last}: one connection"
    if poolclass is not None and last != "QueuePool" and last != "AsyncAdaptedQueuePool":
        return None  # NullPool (a connection per checkout, no limit) or another pool
    size, d1 = _int(d, call, "pool_size", 5)
    overflow, d2 = _int(d, call, "max_overflow", 10)
    if size is None or overflow is None:
        return None
    how = f"pool_size {size}{' by default' if d1 else ''} + max_overflow {overflow}{' by default' if d2 else ''}"
    if overflow < 0:
        return UNBOUNDED, f"pool_size {size} + max_overflow {overflow} (no limit)"
    return size + overflow, how


def _psycopg_pool(d: DriverFacts, call: CallFact) -> Size:
    if call.last.startswith(("NullConnectionPool", "AsyncNullConnectionPool")) and call.kwarg("max_size") is None:
        return None
    v = kwarg_or_unknown(d, call, "max_size")
    if is_int(v):
        return v, f"max_size {v}"
    if v is not MISSING and v is not None:
        return None
    min_size, default = _int(d, call, "min_size", 4)
    if min_size is None:
        return None
    return min_size, f"max_size = min_size {min_size}{' by default' if default else ''}"


def _default_size(d: DriverFacts, call: CallFact, key: str, default: int) -> Size:
    v, was_default = _int(d, call, key, default)
    return None if v is None else (v, f"{key} {v}{' by default' if was_default else ''}")


def _psycopg2_pool(d: DriverFacts, call: CallFact) -> Size:
    node = call.kwarg("maxconn") or call.positional(1)
    v = d.value(node, call.scope) if node is not None else None
    return (v, f"maxconn {v}") if is_int(v) else None


def _pools(ctx: ModuleContext) -> List[Tuple[cst.CSTNode, str, int, str]]:
    """(node, what, size, how) for each client pool of the module whose size the code shows."""
    d = ctx.view(DriverFacts)
    out = []
    for call in ctx.facts.calls:
        if d.is_direct(call):
            continue
        size: Size = None
        if qual_in(call, SA_ENGINES):
            if ctx.view(Engines).of(call).driver in ("sqlite",):
                continue
            size = _sqlalchemy(d, call)
        elif qual_in(call, PSYCOPG_POOLS):
            size = _psycopg_pool(d, call)
        elif qual_in(call, ASYNCPG_POOL):
            size = _default_size(d, call, "max_size", 10)
        elif qual_in(call, AIOMYSQL_POOLS):
            size = _default_size(d, call, "maxsize", 10)
        elif qual_in(call, PSYCOPG2_POOLS):
            size = _psycopg2_pool(d, call)
        if size is not None:
            out.append((call.node, f"`{call.written or call.last}(...)`", size[0], size[1]))
    for e in ctx.view(DjangoDatabases).entries:
        if e.engine not in ("postgres", "mysql"):
            continue
        pool = e.option("pool") if e.engine == "postgres" else MISSING
        if pool is True or isinstance(pool, dict):
            opts = pool if isinstance(pool, dict) else {}
            size = opts.get("max_size", opts.get("min_size", 4))
            if is_int(size):
                out.append((e.options["pool"], f'{e.ref}["OPTIONS"]["pool"]', size, f"psycopg_pool max_size {size}"))
        else:
            out.append((e.anchor, f"{e.ref}", 1, "one persistent connection per process and thread"))
    return out


@module_check("PIN312", families=("connection-budget",), needs=(DriverFacts, Engines, DjangoDatabases),
              triggers=needles(calls(SA_ENGINES + PSYCOPG_POOLS + ASYNCPG_POOL + AIOMYSQL_POOLS + PSYCOPG2_POOLS),
                               settings("ENGINE")))
def connection_budget(ctx: ModuleContext) -> List[NodeVerdict]:
    targets = ctx.targets
    if RDS_PROXY not in targets.names:
        return []
    opts = targets.rds_proxy
    max_connections = opts.database_max_connections
    if not max_connections:
        return []  # the database's size is not configured
    percent = opts.max_connections_percent
    ceiling = max_connections * percent // 100
    processes = targets.client_processes
    out = []
    for node, what, size, how in _pools(ctx):
        total = None if size == UNBOUNDED else size * processes
        if total is not None and total <= ceiling:
            continue
        s = "es" if processes != 1 else ""
        shown = f"any number of connections ({how})" if total is None else \
            f"{total} connections ({size} x {processes} client process{s}; {how})"
        per = max(ceiling // processes, 1)
        out.append(NodeVerdict(node, hazard("connection-budget"), {
            "what": what, "total": shown, "ceiling": str(ceiling),
            "max": str(max_connections), "percent": str(percent),
            "fix": f"at most {per} connection{'s' if per != 1 else ''} per process ({ceiling} / {processes}), "
                   "sized for steady concurrency; fewer pinning sessions leave room for the rest",
        }, None))
    return out


PINNING_NOTE = "this run also found statements that pin sessions under RDS Proxy, each of which keeps a backend"


def settle(diags: Sequence["Diagnostic"]) -> List["Diagnostic"]:
    """The run's findings with PIN312 raised to an error when the run also has findings that pin sessions
    under RDS Proxy (decided over the whole run, after the per-file results, cached or not)."""
    from dataclasses import replace

    if not any(d.code == "PIN312" for d in diags):
        return list(diags)
    pinning = any((RDS_PROXY, "pins") in d.effects for d in diags if d.code != "PIN312")
    if not pinning:
        return list(diags)
    return [replace(d, severity="error", message=f"{d.message} ({PINNING_NOTE})") if d.code == "PIN312" else d
            for d in diags]
