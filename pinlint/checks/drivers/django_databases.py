"""Django ``DATABASES`` in settings modules: the entries the driver rules judge (a view, computed once
per file).

An entry is a dict display, a name bound to one, or a call to ``dj_database_url.config/parse`` or
django-environ's ``env.db()`` (whose keyword arguments map to settings keys). Later assignments such as
``DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True`` are applied, and aliases added later
(``DATABASES["x"] = copy.deepcopy(DATABASES["default"])``, a new dict, a ``dj_database_url`` call) are
entries too; an entry changed in a way pinlint cannot follow (``.update(...)``, ``**splat``) keeps the
"missing key" verdicts quiet. Every binding Django may read is judged: the last unconditional one and the
conditional ones after it (``if os.getenv("DB") == "postgres": DATABASES = {...}``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional

from pinlint.checks.context import ModuleContext, View
from pinlint.checks.drivers.driverfacts import MISSING, DriverFacts
from pinlint.checks.drivers.urls import postgres_scheme
from pinlint.lazy import cst
from pinlint.checks.triggers import Needle, names
from pinlint.facts.model import UNKNOWN, Facts, dotted


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
        """Where a verdict about a missing key is reported: the ENGINE entry of a dict display, else the
        entry itself (the ``dj_database_url.config()`` call even when ENGINE is set on it later)."""
        return (None if self.from_call else self.keys.get("ENGINE")) or self.node

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
    # psqlextra.backend (django-postgres-extra) wraps Django's PostgreSQL backend
    if "postgres" in t or "postgis" in t or "psycopg" in t or t.startswith("psqlextra."):
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


def _bindings(facts: Facts) -> List[cst.BaseExpression]:
    """The module's ``DATABASES = ...`` bindings that may be the one Django reads: the last unconditional
    one and every conditional one after it (``if os.getenv("DB") == "postgres": DATABASES = {...}``), or all
    of them when every one is conditional."""
    assert facts.module_scope is not None
    flow = [e for e in facts.module_scope.flow.get("DATABASES", []) if e[0] == "="]
    if not flow:
        values = facts.module_scope.assigns.get("DATABASES") or []
        return values[-1:]
    last = max((i for i, e in enumerate(flow) if not e[2]), default=0)
    return [e[1] for e in flow[last:]]


#: calls that copy a settings entry: ``copy.deepcopy(DATABASES["default"])``, ``.copy()``, ``dict(...)``
COPIES = ("copy.deepcopy", "copy.copy", "dict")


def _copied(d: DriverFacts, value: cst.BaseExpression, out: Dict[str, Entry]) -> Optional[Entry]:
    """``DATABASES["x"] = copy.deepcopy(DATABASES["y"])`` (or ``DATABASES["y"].copy()``, ``dict(...)``): a
    copy of entry ``y`` as it is at that point."""
    source: Optional[cst.BaseExpression] = None
    if isinstance(value, cst.Call):
        func = value.func
        if isinstance(func, cst.Attribute) and func.attr.value == "copy" and not value.args:
            source = func.value
        elif len(value.args) == 1 and not value.args[0].keyword and not value.args[0].star:
            name = d.facts.resolve(func) or dotted(func)
            if name in COPIES:
                source = value.args[0].value
    if not isinstance(source, cst.Subscript):
        return None
    path = _subscript_path(source, d.facts)
    if not path or len(path) != 1 or path[0] not in out:
        return None
    e = out[path[0]]
    return replace(e, keys=dict(e.keys), options=dict(e.options))


def _judged(d: DriverFacts, binding: cst.BaseExpression) -> Dict[str, Entry]:
    facts = d.facts
    items = d.dict_items(binding)
    if items is None:
        return {}
    out: Dict[str, Entry] = {}
    for alias, node in items[0].items():
        e = _entry(d, alias, node)
        if e is not None:
            e.d = d
            out[alias] = e
    # later item assignments, in order: DATABASES["default"]["KEY"] = ..., DATABASES["x"] = copy of another
    # entry or a new entry, DATABASES["default"]["OPTIONS"]["k"] = ...
    for target, value in d.subscript_assigns:
        path = _subscript_path(target, facts)
        if not path:
            continue
        if len(path) == 1 and isinstance(path[0], str):
            e = _copied(d, value, out) or _entry(d, path[0], value)
            if e is not None:
                e.alias, e.d = path[0], d
                out[path[0]] = e
            continue
        if path[0] not in out:
            continue
        e = out[path[0]]
        if len(path) == 2 and isinstance(path[1], str):
            e.keys[path[1]] = value
            if path[1] == "ENGINE":
                e.engine = _engine_kind(d.value(value))
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
            if func.attr.value == "copy" and not call.node.args:
                continue  # DATABASES["y"].copy() reads the entry
            path = _subscript_path(func.value, facts) if isinstance(func.value, cst.Subscript) else (
                [] if func.value.value == "DATABASES" else None)
            if path is None:
                continue
            for e in out.values():
                if not path or path[0] == e.alias:
                    e.complete = e.options_complete = False
    return out


def entries(d: DriverFacts) -> List[Entry]:
    """The entries of the module's ``DATABASES`` bindings that Django may read (``_bindings``), with the
    later item assignments applied."""
    out: List[Entry] = []
    for binding in _bindings(d.facts):
        out += _judged(d, binding).values()
    return out


class DjangoDatabases(View):
    """The ``DATABASES`` entries of a settings module, except the aliases in ``direct-connections``."""

    needs = (DriverFacts,)

    def __init__(self, ctx: ModuleContext) -> None:
        scope = ctx.facts.module_scope
        found = entries(ctx.view(DriverFacts)) if scope is not None and "DATABASES" in scope.assigns else []
        self.entries: List[Entry] = [e for e in found if e.alias not in ctx.targets.direct_connections]
