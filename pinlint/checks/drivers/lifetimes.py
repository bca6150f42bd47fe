"""PIN310 client-idle-lifetime: a client-side pool that keeps connections longer than the pooler's idle
client timeout (RDS Proxy: 30 min by default; PgBouncer ``client_idle_timeout``, Supavisor's and PgDog's
``client_idle_timeout``: off by default): the pooler closes them and the application gets a dead
connection."""

from __future__ import annotations

from typing import Dict, List, Optional

from pinlint.checks import fixes
from pinlint.checks.context import ModuleContext, NodeVerdict
from pinlint.checks.drivers.django import settings_key
from pinlint.checks.drivers.django_databases import DjangoDatabases, settings
from pinlint.checks.drivers.driverfacts import (
    MISSING,
    DriverFacts,
    is_int,
    kwarg_or_unknown,
    qual_in,
)
from pinlint.checks.drivers.engines import Engines
from pinlint.checks.drivers.entrypoints import ASYNCPG_POOL, PSYCOPG_POOLS, SA_ENGINES
from pinlint.lazy import cst
from pinlint.checks.registry import module_check
from pinlint.checks.triggers import calls, needles
from pinlint.facts.model import CallFact, dotted
from pinlint.targets import TargetSet, hazard


def lifetime_verdict(targets: TargetSet, node: cst.CSTNode, seconds: Optional[float], setting: str, shown: str,
                     fix: str, framework: Optional[str], autofix: Optional[fixes.FixBuilder] = None
                     ) -> List[NodeVerdict]:
    """``seconds`` None means "never closed". Judged against each selected target's idle-client timeout
    (its profile's ``idle-timeout-option``: RDS Proxy 1800 s by default, PgBouncer's off by default)."""
    timeouts = targets.idle_timeouts()
    exceeded = {t: limit for t, limit in timeouts.items() if limit > 0 and (seconds is None or seconds >= limit)}
    if not exceeded:
        return []
    limit = min(exceeded.values())
    # the targets whose timeout this lifetime stays under (or that have none) have nothing to report
    quiet: Dict[str, Optional[str]] = {t: None for t in targets.names if t not in exceeded}
    return [NodeVerdict(node, hazard("client-idle-timeout"), {"setting": setting, "value": shown, "timeout": str(limit),
                                                             "fix": fix.format(limit=limit)}, framework, effects=quiet,
                        fix=autofix)]


def _seconds(v: object) -> Optional[float]:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _psycopg_pool(t: TargetSet, d: DriverFacts, call: CallFact) -> List[NodeVerdict]:
    if call.kwarg("check") is not None:
        return []  # the pool checks connections before lending them
    out = []
    for key, default in (("max_lifetime", 3600.0), ("max_idle", 600.0)):
        v = kwarg_or_unknown(d, call, key)
        if v is MISSING:
            secs, shown = default, f"{int(default)} s (the default)"
        elif _seconds(v) is not None:
            secs, shown = _seconds(v), f"{v} s"
        else:
            continue
        out += lifetime_verdict(t, call.kwarg(key) or call.node, secs, key, shown,
                                "`" + key + "` below {limit} s, or check=ConnectionPool.check_connection", "psycopg",
                                _pool_check(call))
    return out


def _pool_check(call: CallFact) -> Optional[fixes.FixBuilder]:
    """``check=<the pool class>.check_connection``: the pool tests a connection before lending it (the
    static method is psycopg_pool 3.2's: unsafe, as an older pool has no such method)."""
    written = call.written
    if not written or not written.replace(".", "").isidentifier():
        return None
    return fixes.keyword(call, "check", f"{written}.check_connection", applicability="unsafe")


def _asyncpg_pool(t: TargetSet, d: DriverFacts, call: CallFact) -> List[NodeVerdict]:
    v = kwarg_or_unknown(d, call, "max_inactive_connection_lifetime")
    if v is MISSING:  # asyncpg's create_pool default: 300.0 s (asyncpg/pool.py), judged as if written
        secs, shown = 300.0, "300 s (asyncpg's default)"
    elif _seconds(v) is None:
        return []  # unknown
    else:
        secs = None if v == 0 else _seconds(v)
        shown = "0 (never closed)" if secs is None else f"{v} s"
    return lifetime_verdict(t, call.kwarg("max_inactive_connection_lifetime") or call.node, secs,
                            "max_inactive_connection_lifetime", shown,
                            "`max_inactive_connection_lifetime` below {limit} s", "asyncpg")


def _sqlalchemy(ctx: ModuleContext, d: DriverFacts, call: CallFact) -> List[NodeVerdict]:
    eng = ctx.view(Engines).of(call)
    if eng.driver in ("sqlite",) or d.kwarg(call, "pool_pre_ping") is True:
        return []
    poolclass = call.kwarg("poolclass")
    if poolclass is not None and (dotted(poolclass) or "").rsplit(".", 1)[-1] in ("NullPool", "StaticPool"):
        return []
    v = kwarg_or_unknown(d, call, "pool_recycle")
    if v is MISSING:
        if eng.driver is None or eng.driver == "other":
            return []  # not known to be a server database
        secs, shown = None, "-1 (the default: never recycled)"
    elif _seconds(v) is not None:
        secs = None if v < 0 else _seconds(v)
        shown = f"{v} s" if secs is not None else f"{v} (never recycled)"
    else:
        return []
    return lifetime_verdict(ctx.targets, call.kwarg("pool_recycle") or call.node, secs, "pool_recycle", shown,
                            "`pool_recycle` below {limit} s, or pool_pre_ping=True", "sqlalchemy",
                            fixes.keyword(call, "pool_pre_ping", "True"))


def _django(ctx: ModuleContext) -> List[NodeVerdict]:
    targets = ctx.targets
    out: List[NodeVerdict] = []
    for e in ctx.view(DjangoDatabases).entries:
        if e.engine == "postgres":
            pool = e.option("pool")
            if pool is True or isinstance(pool, dict):
                pool_opts = pool if isinstance(pool, dict) else {}
                if "check" not in pool_opts:
                    for k, default in (("max_lifetime", 3600), ("max_idle", 600)):
                        v = pool_opts.get(k, MISSING)
                        if v is MISSING:
                            secs, shown = float(default), f"{default} s (psycopg_pool's default)"
                        elif isinstance(v, (int, float)) and not isinstance(v, bool):
                            secs, shown = float(v), f"{v} s"
                        else:
                            continue
                        out += lifetime_verdict(
                            targets, e.options["pool"], secs, f'OPTIONS["pool"] {k}', shown,
                            f'"pool": {{"{k}": ...}} below {{limit}} s; pooling twice behind a pooler buys nothing, '
                            'so consider dropping "pool"', "django")
        if e.engine in ("postgres", "mysql"):
            age = e.value("CONN_MAX_AGE")
            if e.value("CONN_HEALTH_CHECKS") is not True and (age is None or is_int(age)) and age != 0:
                secs = None if age is None else float(age)
                shown = "None (connections are never closed)" if age is None else f"{age} s"
                out += lifetime_verdict(
                    targets, e.keys.get("CONN_MAX_AGE") or e.anchor, secs, f"{e.ref} CONN_MAX_AGE", shown,
                    "`CONN_MAX_AGE` below {limit} s, or CONN_HEALTH_CHECKS = True", "django",
                    settings_key(e, "CONN_HEALTH_CHECKS", "True", "unsafe" if e.from_call else None))
    return out


@module_check("PIN310", families=("client-idle-timeout",), needs=(DriverFacts, Engines, DjangoDatabases), triggers=needles(
    calls(PSYCOPG_POOLS + ASYNCPG_POOL + SA_ENGINES), settings("pool"), settings("CONN_MAX_AGE")))
def client_idle_lifetime(ctx: ModuleContext) -> List[NodeVerdict]:
    d = ctx.view(DriverFacts)
    out: List[NodeVerdict] = []
    for call in ctx.facts.calls:
        if d.is_direct(call):
            continue
        if qual_in(call, PSYCOPG_POOLS):
            out += _psycopg_pool(ctx.targets, d, call)
        elif qual_in(call, ASYNCPG_POOL):
            out += _asyncpg_pool(ctx.targets, d, call)
        elif qual_in(call, SA_ENGINES):
            out += _sqlalchemy(ctx, d, call)
    return out + _django(ctx)
