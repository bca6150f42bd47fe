"""PIN308 startup-parameter: parameters sent in the startup packet (libpq ``options='-c ...'``, asyncpg
``server_settings`` and DSN parameters, pg8000 ``startup_params``, Tortoise ``schema``): RDS Proxy
refuses command-line options, PgBouncer refuses parameters it does not track."""

from __future__ import annotations

import re
from typing import List, Optional

from pinlint.checks.context import ModuleContext, NodeVerdict
from pinlint.checks.drivers.django_databases import DjangoDatabases, settings
from pinlint.checks.drivers.driverfacts import DriverFacts, dict_entry, qual_in
from pinlint.checks.drivers.engines import Engines
from pinlint.checks.drivers.entrypoints import (
    ASYNCPG_CONNECT,
    ASYNCPG_POOL,
    PG8000_CONNECT,
    PSYCOPG2_CONNECT,
    PSYCOPG_CONNECT,
    PSYCOPG_CONNINFO,
    PSYCOPG_POOLS,
    SA_ENGINES,
    TORTOISE_INIT,
)
from pinlint.checks.drivers.tortoise import tortoise_asyncpg, tortoise_init
from pinlint.checks.drivers.urls import parse_url, postgres_scheme
from pinlint.lazy import cst
from pinlint.checks.registry import module_check
from pinlint.checks.sqltext import short
from pinlint.checks.triggers import calls, in_text, names, needles
from pinlint.facts.model import CallFact
from pinlint.sql.pg_parameters import is_pg_parameter
from pinlint.sql.statement import HOLE
from pinlint.targets import hazard

#: DSN query parameters asyncpg reads itself; any other becomes a startup parameter (server_settings).
ASYNCPG_DSN_PARAMS = frozenset({
    "host", "port", "user", "password", "passfile", "database", "dbname", "sslmode", "sslcert", "sslkey",
    "sslrootcert", "sslcrl", "sslpassword", "ssl_min_protocol_version", "ssl_max_protocol_version",
    "target_session_attrs", "krbsrvname", "gsslib", "service", "servicefile", "connect_timeout",
})

#: A DSN or URL anywhere in the module whose ``options`` sets a parameter (``options='-c ...'``,
#: ``?options=-c%20...``, ``{"options": "--search_path=..."}``)
DSN_OPTIONS = in_text("options", shape=r"options['\"]?\s*[:=]\s*(?:[rbfu]*['\"])?\s*(?:-c|--|%2d)")

OPTION_PARAM_RE = re.compile(r"(?:-c\s*|--)([A-Za-z_][\w.]*)\s*=")


def options_verdict(ctx: ModuleContext, node: cst.CSTNode, text: Optional[str], where: str,
                    framework: Optional[str]) -> List[NodeVerdict]:
    """``options='-c name=value ...'``: RDS Proxy refuses command-line options; PgBouncer refuses untracked ones,
    Supavisor and PgCat drop them, PgDog applies them (the targets' ``startup-options`` cells)."""
    if not text:
        return []
    params = [p.lower() for p in OPTION_PARAM_RE.findall(text) if HOLE not in p]
    if not params:
        return []
    return [NodeVerdict(node, hazard("startup-options", *params),
                        {"what": f"`{short(text, 50, hole='...')}` in {where}", "param": params[0],
                         "fix": f"`ALTER ROLE app_user SET {params[0]} = ...` instead of {where}"},
                        framework)]


def option_text(ctx: ModuleContext, node: Optional[cst.BaseExpression], scope: object) -> Optional[str]:
    """The text of an ``options`` value that sets a parameter, in any of the alternatives it may hold
    (``f"-c search_path={s}" if s else None``)."""
    texts = ctx.facts.texts(node, scope) if node is not None else []  # type: ignore[arg-type]
    return next((t for t in texts if t and OPTION_PARAM_RE.search(t)), texts[0] if texts else None)


def _startup_dict(ctx: ModuleContext, d: DriverFacts, node: Optional[cst.BaseExpression], scope: object,
                  where: str, framework: Optional[str]) -> List[NodeVerdict]:
    """``server_settings``/``startup_params`` dicts: one startup parameter each (PgBouncer refuses the ones it
    does not track)."""
    items = d.dict_items(node, scope) if node is not None else None
    if items is None:
        return []
    out = []
    for key, vnode in items[0].items():
        k = key.lower()
        if k in ("application_name", "user", "database"):
            continue
        out.append(NodeVerdict(vnode, hazard("startup-parameter", k),
                               {"what": f"`{key}` in {where}", "param": key,
                                "fix": f"`ALTER ROLE app_user SET {key} = ...` instead of {where}, or list it in "
                                       "PgBouncer's track_extra_parameters (1.20+)"},
                               framework))
    return out


def _psycopg(ctx: ModuleContext, d: DriverFacts, call: CallFact) -> List[NodeVerdict]:
    out: List[NodeVerdict] = []
    lib = "psycopg2" if qual_in(call, PSYCOPG2_CONNECT) or call.qualname == PSYCOPG_CONNINFO[1] else "psycopg"
    node = call.kwarg("options")
    if node is not None:
        where = "the conninfo options" if qual_in(call, PSYCOPG_CONNINFO) else "the connect options"
        out += options_verdict(ctx, node, option_text(ctx, node, call.scope), where, lib)
    if qual_in(call, PSYCOPG_POOLS):
        value, vnode, _ = dict_entry(d, call, "kwargs", "options")
        if vnode is not None:
            out += options_verdict(ctx, vnode, option_text(ctx, vnode, call.scope), "the pool kwargs options", lib)
    dsn = call.positional(0) or call.kwarg("dsn") or call.kwarg("conninfo")
    url = d.url(dsn, call.scope) if dsn is not None else None
    if url is not None and "options" in url.params:
        out += options_verdict(ctx, dsn, url.params["options"], "the DSN options", lib)
    return out


def _asyncpg(ctx: ModuleContext, d: DriverFacts, call: CallFact) -> List[NodeVerdict]:
    out = _startup_dict(ctx, d, call.kwarg("server_settings"), call.scope, "server_settings", "asyncpg")
    dsn = call.positional(0) or call.kwarg("dsn")
    url = d.url(dsn, call.scope) if dsn is not None else None
    if url is None or url.scheme is None:
        return out
    keys = [key for key in url.params
            if key.lower() not in ASYNCPG_DSN_PARAMS and is_pg_parameter(key.lower()) and key.lower() != "application_name"]
    if keys:
        # one finding for the DSN: each target judges all of its startup parameters together
        shown = ", ".join(f"`{k}`" for k in keys)
        out.append(NodeVerdict(dsn, hazard("startup-parameter", *keys),
                               {"what": f"{shown} in the asyncpg DSN (sent as {'a startup parameter' if len(keys) == 1 else 'startup parameters'})",
                                "param": keys[0],
                                "fix": f"`ALTER ROLE app_user SET {keys[0]} = ...` instead of the DSN parameter"},
                               "asyncpg"))
    return out


def _sqlalchemy(ctx: ModuleContext, d: DriverFacts, call: CallFact) -> List[NodeVerdict]:
    eng = ctx.view(Engines).of(call)
    if eng.driver in ("mysql", "sqlite", "other"):
        return []
    out: List[NodeVerdict] = []
    if eng.connect_args:
        if "options" in eng.connect_args:
            vnode = eng.connect_args["options"]
            out += options_verdict(ctx, vnode, option_text(ctx, vnode, call.scope), 'connect_args["options"]',
                                   "sqlalchemy")
        if "server_settings" in eng.connect_args:
            out += _startup_dict(ctx, d, eng.connect_args["server_settings"], call.scope,
                                 'connect_args["server_settings"]', "sqlalchemy")
    if eng.url is not None and "options" in eng.url.params:
        out += options_verdict(ctx, call.positional(0) or call.kwarg("url"), eng.url.params["options"],
                               "the URL's options", "sqlalchemy")
    return out


def _tortoise(d: DriverFacts, call: CallFact) -> List[NodeVerdict]:
    out = []
    for node, kind, data in tortoise_asyncpg(d, call):
        if kind == "url" and data.params.get("schema"):
            out.append(NodeVerdict(node, hazard("startup-parameter", "search_path"),
                                   {"what": "`schema` in the Tortoise URL (sent as startup parameter search_path)",
                                    "param": "search_path",
                                    "fix": "`ALTER ROLE app_user SET search_path = ...` instead of schema="},
                                   None))
        elif kind == "credentials" and "schema" in data[0]:
            out.append(NodeVerdict(data[0]["schema"], hazard("startup-parameter", "search_path"),
                                   {"what": "`schema` in the Tortoise credentials (sent as startup parameter "
                                            "search_path)", "param": "search_path",
                                    "fix": "`ALTER ROLE app_user SET search_path = ...` instead of "
                                           "credentials[\"schema\"]"},
                                   None))
    return out


def _django(ctx: ModuleContext) -> List[NodeVerdict]:
    out: List[NodeVerdict] = []
    for e in ctx.view(DjangoDatabases).entries:
        if e.engine != "postgres":
            continue
        options = e.option("options")
        if isinstance(options, str):
            out += options_verdict(ctx, e.options["options"], options, f'{e.ref}["OPTIONS"]["options"]', "django")
    return out


@module_check("PIN308", families=("startup-options", "startup-parameter"), needs=(DriverFacts, Engines, DjangoDatabases), triggers=needles(
    calls(PSYCOPG_CONNECT + PSYCOPG2_CONNECT + PSYCOPG_POOLS + PSYCOPG_CONNINFO, "options"), calls(ASYNCPG_CONNECT + ASYNCPG_POOL),
    calls(SA_ENGINES, "options"), calls(SA_ENGINES, "server_settings"), calls(PG8000_CONNECT, "startup_params"),
    calls(TORTOISE_INIT, "schema"), names("Tortoise", "init", "schema"), DSN_OPTIONS, settings("options")))
def startup_parameter(ctx: ModuleContext) -> List[NodeVerdict]:
    facts = ctx.facts
    d = ctx.view(DriverFacts)
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
        if qual_in(call, PSYCOPG_CONNECT + PSYCOPG2_CONNECT + PSYCOPG_POOLS + PSYCOPG_CONNINFO):
            add(_psycopg(ctx, d, call))
        elif qual_in(call, ASYNCPG_CONNECT + ASYNCPG_POOL):
            add(_asyncpg(ctx, d, call))
        elif qual_in(call, SA_ENGINES):
            add(_sqlalchemy(ctx, d, call))
        elif qual_in(call, PG8000_CONNECT):
            add(_startup_dict(ctx, d, call.kwarg("startup_params"), call.scope, "startup_params", None))
        elif tortoise_init(call):
            add(_tortoise(d, call))
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
    return out + _django(ctx)
