"""Django ``DATABASES`` in settings modules: the parts the driver rules judge.

An entry is a dict display, a name bound to one, or a call to ``dj_database_url.config/parse`` or
django-environ's ``env.db()`` (whose keyword arguments map to settings keys). Later assignments such as
``DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True`` are applied; an entry changed in a way
pinlint cannot follow (``.update(...)``, ``**splat``) keeps the "missing key" verdicts quiet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

import libcst as cst

from pinlint.checks import ModuleContext, NodeVerdict
from pinlint.checks.driverfacts import MISSING, DriverFacts, is_int, postgres_scheme
from pinlint.facts.model import UNKNOWN, Facts
from pinlint.targets import BREAKS, LEAKS, PGBOUNCER, PINS, RDS_PROXY, TargetSet


@dataclass
class Entry:
    alias: str
    node: cst.BaseExpression
    keys: Dict[str, cst.BaseExpression] = field(default_factory=dict)
    complete: bool = True
    options: Dict[str, cst.BaseExpression] = field(default_factory=dict)
    options_complete: bool = True
    engine: Optional[str] = None  # "postgres" | "mysql" | "other" | None (unknown)
    #: dj_database_url / env.db: settings keys given as keyword arguments (key -> kwarg value node)
    from_call: bool = False


def _engine_kind(text: object) -> Optional[str]:
    if not isinstance(text, str):
        return None
    t = text.lower()
    if "postgres" in t or "postgis" in t or "psycopg" in t:
        return "postgres"
    if "mysql" in t:
        return "mysql"
    return "other"


CALL_KEYS = {"disable_server_side_cursors": "DISABLE_SERVER_SIDE_CURSORS", "conn_max_age": "CONN_MAX_AGE",
             "conn_health_checks": "CONN_HEALTH_CHECKS"}


def _entry(d: DriverFacts, alias: str, node: cst.BaseExpression) -> Optional[Entry]:
    facts = d.facts
    target = node
    if isinstance(target, cst.Name):
        resolved = facts.lookup(target.value)
        if resolved is not None:
            target = resolved
    if isinstance(target, cst.Call):
        cf = d.call_by_node.get(id(target))
        q = (cf.qualname if cf else None) or ""
        last = cf.last if cf else ""
        if q in ("dj_database_url.config", "dj_database_url.parse"):
            url_node = cf.kwarg("default") if last == "config" else (cf.positional(0) or cf.kwarg("url"))
        elif last in ("db", "db_url") and facts.imported(("environ",)):
            url_node = cf.kwarg("default") or (cf.positional(1) if cf.positional(1) is not None else None)
        else:
            return None
        url = d.url(url_node) if url_node is not None else None
        engine = None
        if url is not None and url.scheme is not None:
            engine = "postgres" if postgres_scheme(url.scheme) else ("mysql" if "mysql" in url.scheme else "other")
        e = Entry(alias, target, engine=engine, from_call=True, complete=not cf.has_star_kwargs)
        for kw, key in CALL_KEYS.items():
            v = cf.kwarg(kw)
            if v is not None:
                e.keys[key] = v
        return e
    items = d.dict_items(target)
    if items is None:
        return None
    keys, complete = items
    e = Entry(alias, target, keys=dict(keys), complete=complete)
    e.engine = _engine_kind(d.value(keys["ENGINE"])) if "ENGINE" in keys else None
    if "OPTIONS" in keys:
        opts = d.dict_items(keys["OPTIONS"])
        if opts is None:
            e.options_complete = False
        else:
            e.options, e.options_complete = dict(opts[0]), opts[1]
    elif not complete:
        e.options_complete = False
    return e


def _subscript_path(node: cst.BaseExpression, facts: Facts) -> Optional[List[object]]:
    path: List[object] = []
    while isinstance(node, cst.Subscript):
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return None
        path.append(facts.value(node.slice[0].slice.value))
        node = node.value
    if isinstance(node, cst.Name) and node.value == "DATABASES":
        return list(reversed(path))
    return None


def entries(d: DriverFacts) -> List[Entry]:
    facts = d.facts
    assert facts.module_scope is not None
    values = facts.module_scope.assigns.get("DATABASES")
    if not values:
        return []
    items = d.dict_items(values[-1])
    if items is None:
        return []
    out: Dict[str, Entry] = {}
    for alias, node in items[0].items():
        e = _entry(d, alias, node)
        if e is not None:
            out[alias] = e
    # later item assignments: DATABASES["default"]["KEY"] = ..., DATABASES["default"]["OPTIONS"]["k"] = ...
    for target, value in d.subscript_assigns:
        path = _subscript_path(target, facts)
        if not path or path[0] not in out:
            continue
        e = out[path[0]]
        if len(path) == 2 and isinstance(path[1], str):
            e.keys[path[1]] = value
            if path[1] == "OPTIONS":
                opts = d.dict_items(value)
                e.options, e.options_complete = (dict(opts[0]), opts[1]) if opts else ({}, False)
        elif len(path) == 3 and path[1] == "OPTIONS" and isinstance(path[2], str):
            e.options[path[2]] = value
        else:
            e.complete = e.options_complete = False
    # anything else done to an entry (update(), setdefault(), ...) makes it unknown
    for call in facts.calls:
        func = call.node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, (cst.Subscript, cst.Name)):
            path = _subscript_path(func.value, facts) if isinstance(func.value, cst.Subscript) else (
                [] if func.value.value == "DATABASES" else None)
            if path is None:
                continue
            for e in out.values():
                if not path or path[0] == e.alias:
                    e.complete = e.options_complete = False
    return list(out.values())


def django_verdicts(facts: Facts, targets: TargetSet, d: DriverFacts) -> Dict[str, List[NodeVerdict]]:
    key = "_django_verdicts"
    got = d.__dict__.get(key)
    if got is not None:
        return got
    from pinlint.checks.drivers import lifetime_verdict, mysql_untracked_sets, options_verdict

    out: Dict[str, List[NodeVerdict]] = {}
    ctx = ModuleContext(facts=facts, targets=targets)

    def add(rule: str, vs: List[NodeVerdict]) -> None:
        out.setdefault(rule, []).extend(vs)

    for e in entries(d) if "DATABASES" in (facts.module_scope.assigns if facts.module_scope else {}) else []:
        if e.alias in targets.direct_connections:
            continue
        ref = f'DATABASES["{e.alias}"]'

        def val(k: str) -> object:
            if k in e.keys:
                return d.value(e.keys[k])
            return MISSING if e.complete else UNKNOWN

        def opt(k: str) -> object:
            if k in e.options:
                return d.value(e.options[k])
            return MISSING if e.options_complete else UNKNOWN

        anchor = e.keys.get("ENGINE") or e.node
        if e.engine == "postgres":
            dssc = val("DISABLE_SERVER_SIDE_CURSORS")
            if dssc is MISSING or dssc is False:
                fix = ("disable_server_side_cursors=True" if e.from_call
                       else f'{ref}["DISABLE_SERVER_SIDE_CURSORS"] = True')
                shown = "is False" if dssc is False else "is not set (default False)"
                add("django-server-side-cursors", [NodeVerdict(
                    e.keys.get("DISABLE_SERVER_SIDE_CURSORS") or anchor, {RDS_PROXY: PINS, PGBOUNCER: BREAKS},
                    {"alias": e.alias, "shown": shown, "fix": fix}, "django")])
            pt = opt("prepare_threshold")
            if is_int(pt) and targets.pgbouncer.max_prepared_statements == 0:
                ssb = " with server_side_binding" if opt("server_side_binding") is True else ""
                add("psycopg-prepare-threshold", [NodeVerdict(
                    e.options["prepare_threshold"], {PGBOUNCER: BREAKS},
                    {"what": f'{ref}["OPTIONS"] sets `prepare_threshold={pt}`{ssb}',
                     "fix": '`"prepare_threshold": None` in OPTIONS (or leave it out: Django then never prepares)'},
                    "django")])
            role = opt("assume_role")
            if isinstance(role, str) and role:
                add("connection-init-state", [NodeVerdict(
                    e.options["assume_role"], {RDS_PROXY: PINS, PGBOUNCER: LEAKS},
                    {"statement": f"SET ROLE {role}", "hook": "on every new connection (Django OPTIONS assume_role)",
                     "fix": f"drop assume_role and connect as {role} (or `ALTER ROLE app_user SET role = '{role}'`)"},
                    "django")])
            options = opt("options")
            if isinstance(options, str):
                add("startup-parameter", options_verdict(ctx, e.options["options"], options,
                                                         f'{ref}["OPTIONS"]["options"]', "django"))
            pool = opt("pool")
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
                        add("client-idle-lifetime", lifetime_verdict(
                            targets, e.options["pool"], secs, f'OPTIONS["pool"] {k}', shown,
                            f'"pool": {{"{k}": ...}} below {{limit}} s; pooling twice behind a pooler buys nothing, '
                            'so consider dropping "pool"', "django"))
        elif e.engine == "mysql" and not targets.rds_proxy.exclude_variable_sets:
            ic = opt("init_command")
            if isinstance(ic, str):
                names = mysql_untracked_sets(ic)
                if names:
                    add("connection-init-state", [NodeVerdict(
                        e.options["init_command"], {RDS_PROXY: PINS},
                        {"statement": " ".join(ic.split())[:60], "hook": "on every new connection (OPTIONS init_command)",
                         "fix": f"drop `{', '.join(names)}` from init_command; set it in the RDS Proxy initialization "
                                "query or the DB parameter group"},
                        "django")])
        if e.engine in ("postgres", "mysql"):
            age = val("CONN_MAX_AGE")
            if val("CONN_HEALTH_CHECKS") is not True and (age is None or is_int(age)) and age != 0:
                secs = None if age is None else float(age)
                shown = "None (connections are never closed)" if age is None else f"{age} s"
                add("client-idle-lifetime", lifetime_verdict(
                    targets, e.keys.get("CONN_MAX_AGE") or anchor, secs, f"{ref} CONN_MAX_AGE", shown,
                    "`CONN_MAX_AGE` below {limit} s, or CONN_HEALTH_CHECKS = True", "django"))
    d.__dict__[key] = out
    return out
