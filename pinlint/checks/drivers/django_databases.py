"""Django ``DATABASES`` in settings modules: the entries the driver rules judge (a view, computed once
per file).

An entry is a dict display, a name bound to one, or a call to ``dj_database_url.config/parse`` or
django-environ's ``env.db()`` (whose keyword arguments map to settings keys). Later assignments such as
``DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True`` are applied; an entry changed in a way
pinlint cannot follow (``.update(...)``, ``**splat``) keeps the "missing key" verdicts quiet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

from pinlint.checks.context import ModuleContext, View
from pinlint.checks.drivers.driverfacts import MISSING, DriverFacts
from pinlint.checks.drivers.urls import postgres_scheme
from pinlint.checks.lazy import cst
from pinlint.checks.triggers import Needle, names
from pinlint.facts.model import UNKNOWN, Facts


def settings(*keys: str) -> Needle:
    """The needle of a rule that reads these keys of a module's ``DATABASES = {...}``."""
    return names("DATABASES", *keys, shape=r"\bDATABASES\s*(?::|\+?=)")


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
    d: Optional[DriverFacts] = None

    @property
    def ref(self) -> str:
        """How messages name the entry: ``DATABASES["default"]``."""
        return f'DATABASES["{self.alias}"]'

    @property
    def anchor(self) -> cst.BaseExpression:
        """Where a verdict about a missing key is reported: the ENGINE entry, else the entry itself."""
        return self.keys.get("ENGINE") or self.node

    def value(self, key: str) -> object:
        """A settings key's value: MISSING when surely absent, UNKNOWN when it may be set."""
        if key in self.keys:
            return self.d.value(self.keys[key])
        return MISSING if self.complete else UNKNOWN

    def option(self, key: str) -> object:
        """An ``OPTIONS`` entry's value: MISSING when surely absent, UNKNOWN when it may be set."""
        if key in self.options:
            return self.d.value(self.options[key])
        return MISSING if self.options_complete else UNKNOWN


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
    """The entries of the module's last ``DATABASES = {...}``, with the later item assignments applied."""
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
            e.d = d
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


class DjangoDatabases(View):
    """The ``DATABASES`` entries of a settings module, except the aliases in ``direct-connections``."""

    needs = (DriverFacts,)

    def __init__(self, ctx: ModuleContext) -> None:
        scope = ctx.facts.module_scope
        found = entries(ctx.view(DriverFacts)) if scope is not None and "DATABASES" in scope.assigns else []
        self.entries: List[Entry] = [e for e in found if e.alias not in ctx.targets.direct_connections]
