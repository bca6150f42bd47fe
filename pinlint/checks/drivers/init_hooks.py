"""PIN306 connection-init-state: session state set by code that runs on every new connection (a
SQLAlchemy connect event, a psycopg_pool ``configure`` callback, an asyncpg pool ``init``/``setup``,
Django's ``connection_created``, MySQL ``init_command``, Django's ``assume_role`` and its time zone setup):
every client of the pooler gets it, or the client is pinned.

SQL in such a hook is judged by the SQL checks like any other; this rule marks those sites
(``site.context = "connection-init"``, before the SQL checks run) and reports their verdicts itself, with
the hook named, instead of the statement's own rule.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from pinlint.checks.context import ModuleContext, NodeVerdict, View
from pinlint.checks.drivers.django_databases import DjangoDatabases, settings
from pinlint.checks.drivers.driverfacts import DriverFacts, qual_in
from pinlint.checks.drivers.engines import Engines
from pinlint.checks.drivers.entrypoints import (
    ASYNCPG_POOL,
    DJANGO_RECEIVER,
    MYSQL_CONNECT,
    PSYCOPG_POOLS,
    SA_ENGINES,
    SA_EVENT_DECORATORS,
    SA_EVENT_LISTEN,
)
from pinlint.lazy import cst
from pinlint.checks.registry import module_check, site_context
from pinlint.checks.sqltext import short
from pinlint.checks.triggers import names
from pinlint.facts.model import SqlSite, dotted
from pinlint.sql.statement import HOLE, Statement
from pinlint.targets import RDS_PROXY_MYSQL_TRACKED, Outcome, hazard

#: ``SqlSite.context`` of SQL that runs on every new connection
CONNECTION_INIT = "connection-init"

#: The SQLAlchemy pool events whose handlers run on a connection the application then uses.
SA_INIT_EVENTS = {
    "connect": "on every new connection (SQLAlchemy \"connect\" event)",
    "first_connect": "on the first connection (SQLAlchemy \"first_connect\" event)",
    "checkout": "on every checkout from the pool (SQLAlchemy \"checkout\" event)",
    "engine_connect": "on every engine connect (SQLAlchemy \"engine_connect\" event)",
}
DJANGO_CONNECTION_CREATED = "on every new connection (Django connection_created)"

#: (when it runs, framework, exempt: the hook is on a connection listed in direct-connections)
Hook = Tuple[str, Optional[str], bool]


class InitHooks(View):
    """The module's functions that run on new connections, by the id of their scope."""

    needs = (DriverFacts,)

    def __init__(self, ctx: ModuleContext) -> None:
        d = ctx.view(DriverFacts)
        facts = ctx.facts
        self.d = d
        self.scopes: Dict[int, Hook] = {}

        def add(fn_node: Optional[cst.BaseExpression], label: str, framework: Optional[str], exempt: bool) -> None:
            found = d.function(fn_node)
            if found is not None:
                self.scopes[id(found[1])] = (label, framework, exempt)

        for fn, scope in facts.functions:
            for dec in fn.decorators:
                deco = dec.decorator
                if not isinstance(deco, cst.Call):
                    continue
                q = facts.resolve(deco.func) or ""
                args = [a.value for a in deco.args if a.keyword is None]
                if q in SA_EVENT_DECORATORS and len(args) >= 2:
                    ident = facts.value(args[1])
                    if ident in SA_INIT_EVENTS:
                        self.scopes[id(scope)] = (SA_INIT_EVENTS[ident], "sqlalchemy", d.is_direct(name=dotted(args[0])))
                elif q == DJANGO_RECEIVER and args:
                    sig = args[0]
                    sigs = [e.value for e in sig.elements] if isinstance(sig, (cst.List, cst.Tuple)) else [sig]
                    if any((facts.resolve(s) or "").endswith("connection_created") for s in sigs):
                        self.scopes[id(scope)] = (DJANGO_CONNECTION_CREATED, "django", False)
        for call in facts.calls:
            q = call.qualname or ""
            if q in SA_EVENT_LISTEN:
                ident = facts.value(call.positional(1)) if call.positional(1) is not None else None
                if ident in SA_INIT_EVENTS:
                    target = call.positional(0)
                    add(call.positional(2), SA_INIT_EVENTS[ident], "sqlalchemy",
                        d.is_direct(name=dotted(target) if target is not None else None))
            elif q.endswith("connection_created.connect") and q.startswith("django"):
                add(call.positional(0), DJANGO_CONNECTION_CREATED, "django", False)
            elif qual_in(call, PSYCOPG_POOLS):
                add(call.kwarg("configure"), "on every new connection (psycopg_pool configure callback)", "psycopg",
                    d.is_direct(call))
            elif qual_in(call, ASYNCPG_POOL):
                add(call.kwarg("init"), "on every new connection (asyncpg pool init callback)", "asyncpg",
                    d.is_direct(call))
                add(call.kwarg("setup"), "on every acquire from the pool (asyncpg pool setup callback)", "asyncpg",
                    d.is_direct(call))

    def hook_of(self, site: SqlSite) -> Optional[Hook]:
        """The hook a SQL site's call runs in (its function or an enclosing one), if any."""
        if not self.scopes:
            return None
        cf = self.d.call_by_node.get(id(site.call))
        s = cf.scope if cf is not None else None
        while s is not None:
            hit = self.scopes.get(id(s))
            if hit is not None:
                return hit
            s = s.parent
        return None


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
            if name.startswith("@") or name not in RDS_PROXY_MYSQL_TRACKED:
                out.append(name)
    return out


def report_init_sql(ctx: ModuleContext, site: SqlSite, st: Statement, effects: Dict[str, Outcome],
                    dialect: str) -> Optional[NodeVerdict]:
    """A statement in a connection hook: what the SQL checks found there, reported as this rule."""
    hook = ctx.view(InitHooks).hook_of(site)
    if hook is None or hook[2]:
        return None  # not in a hook (cannot happen for a marked site), or the hook's connection is direct
    label, framework, _ = hook
    found = None
    if not effects and dialect == "mysql" and mysql_untracked_sets(st.text):
        found = hazard("mysql-init-set")
    if not effects and found is None:
        return None
    if dialect == "mysql":
        fix = "set it in the RDS Proxy initialization query or the DB parameter group"
    elif st.kind.startswith("set"):
        fix = ("make it the role's default (`ALTER ROLE app_user SET ...`) or put it in RDS Proxy's "
               "initialization query")
    else:
        fix = "move it out of the connection hook into the transaction that needs it"
    return NodeVerdict(site.node, found, {"statement": short(st.text, hole="..."), "hook": label, "fix": fix},
                       "mysql" if dialect == "mysql" else framework, effects=dict(effects))


@site_context(CONNECTION_INIT, "PIN306", report=report_init_sql, needs=(InitHooks,))
def mark_init_sites(ctx: ModuleContext) -> None:
    hooks = ctx.view(InitHooks)
    if not hooks.scopes:
        return
    for site in ctx.facts.sql_sites:
        if hooks.hook_of(site) is not None:
            site.context = CONNECTION_INIT


def _init_command_verdict(node: cst.CSTNode, text: Optional[str], hook: str) -> List[NodeVerdict]:
    names = mysql_untracked_sets(text) if text else None
    if not names:
        return []
    return [NodeVerdict(node, hazard("mysql-init-set"),
                        {"statement": short(text, hole="..."), "hook": hook,
                         "fix": f"drop `{', '.join(names)}` from init_command; set it in the RDS Proxy "
                                "initialization query or the DB parameter group"},
                        "mysql")]


#: Django's TIME_ZONE when a settings module does not set it (django/conf/global_settings.py)
DJANGO_DEFAULT_TIME_ZONE = "America/Chicago"


def _django_time_zone(ctx: ModuleContext, e) -> Optional[str]:
    """The time zone Django's PostgreSQL backend sets on each new connection whose server TimeZone differs
    (``_configure_timezone``: ``SELECT set_config('TimeZone', %s, false)``, Django 4.2+): the entry's
    TIME_ZONE, or with ``USE_TZ = False`` the settings' TIME_ZONE. None when the code does not show one
    that differs from UTC (the common server default, RDS's included)."""
    facts = ctx.facts
    use_tz = facts.value(facts.lookup("USE_TZ"))
    if use_tz is False:
        tz = facts.value(facts.lookup("TIME_ZONE")) if facts.lookup("TIME_ZONE") is not None \
            else DJANGO_DEFAULT_TIME_ZONE
    elif use_tz is True or facts.lookup("USE_TZ") is None:
        tz = e.value("TIME_ZONE")  # USE_TZ is True by default since Django 5.0
    else:
        return None
    if not isinstance(tz, str) or tz.upper() in ("UTC", "ETC/UTC"):
        return None
    return tz


def _django(ctx: ModuleContext) -> List[NodeVerdict]:
    out: List[NodeVerdict] = []
    for e in ctx.view(DjangoDatabases).entries:
        if e.engine == "postgres":
            tz = _django_time_zone(ctx, e)
            if tz is not None:
                out.append(NodeVerdict(
                    e.keys.get("TIME_ZONE") or e.anchor, hazard("set-config-session", "timezone"),
                    {"statement": f"SELECT set_config('TimeZone', '{tz}', false)",
                     "hook": f"on every new connection whose server TimeZone is not {tz} (Django's time zone setup)",
                     "fix": f"make it the role's time zone (`ALTER ROLE app_user SET timezone = '{tz}'`, or the "
                            "DB parameter group's timezone): Django then sends nothing"},
                    "django", unconfirmed=True))
            role = e.option("assume_role")
            if isinstance(role, str) and role:
                out.append(NodeVerdict(
                    e.options["assume_role"], hazard("set-role"),
                    {"statement": f"SET ROLE {role}", "hook": "on every new connection (Django OPTIONS assume_role)",
                     "fix": f"drop assume_role and connect as {role} (or `ALTER ROLE app_user SET role = '{role}'`)"},
                    "django"))
        elif e.engine == "mysql":
            ic = e.option("init_command")
            if isinstance(ic, str):
                names = mysql_untracked_sets(ic)
                if names:
                    out.append(NodeVerdict(
                        e.options["init_command"], hazard("mysql-init-set"),
                        {"statement": " ".join(ic.split())[:60], "hook": "on every new connection (OPTIONS init_command)",
                         "fix": f"drop `{', '.join(names)}` from init_command; set it in the RDS Proxy initialization "
                                "query or the DB parameter group"},
                        "django"))
    return out


@module_check("PIN306", families=("set-role", "set-config-session", "mysql-init-set"),
              needs=(DriverFacts, Engines, DjangoDatabases),
              triggers=(names("init_command"), settings("assume_role"), settings("TIME_ZONE"), settings("USE_TZ")))
def connection_init_state(ctx: ModuleContext) -> List[NodeVerdict]:
    """MySQL ``init_command`` in driver calls and SQLAlchemy connect_args, and Django's settings (the SQL
    of connection hooks is reported through ``report_init_sql``)."""
    facts = ctx.facts
    d = ctx.view(DriverFacts)
    out: List[NodeVerdict] = []
    for call in facts.calls:
        if d.is_direct(call):
            continue
        node = None
        if qual_in(call, MYSQL_CONNECT):
            node = call.kwarg("init_command")
        elif qual_in(call, SA_ENGINES):
            eng = ctx.view(Engines).of(call)
            if eng.driver == "mysql" and eng.connect_args:
                node = eng.connect_args.get("init_command")
        if node is not None:
            out += _init_command_verdict(node, facts.string(node, call.scope),
                                         "on every new connection (init_command)")
    return out + _django(ctx)
