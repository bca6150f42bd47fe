"""Shared static facts for the driver and ORM configuration rules (pinlint/checks/drivers.py).

Everything here reads the module's source only: which name a call's result is bound to (so that a
connection named in ``direct-connections`` is exempt), keyword values, DSNs and URLs (literals and
the defaults of ``os.getenv``/``os.environ.get``/``env(...)``), and the functions that run on every new
connection (SQLAlchemy connect events, psycopg_pool ``configure``, asyncpg ``init``/``setup``, Django's
``connection_created``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple
from urllib.parse import unquote_plus

import libcst as cst

from pinlint.facts.catalog import ENV_GETTERS
from pinlint.facts.model import UNKNOWN, CallFact, Facts, dotted
from pinlint.sql.statement import HOLE
from pinlint.targets import TargetSet

#: A keyword argument or dict key that is not there at all (its library default applies).
MISSING = type("Missing", (), {"__repr__": lambda self: "MISSING", "__bool__": lambda self: False})()



def unwrap(node: cst.BaseExpression) -> cst.BaseExpression:
    while isinstance(node, cst.Await):
        node = node.expression
    return node


@dataclass
class Url:
    """A database URL (``scheme://...?query``) or a libpq keyword string (scheme None, ``keywords``)."""

    scheme: Optional[str]
    params: Dict[str, str] = field(default_factory=dict)
    #: False when an unknown part could hold more parameters
    complete: bool = True
    keywords: bool = False


_URL_RE = re.compile(r"^\s*([A-Za-z0-9+_.\-]*(?:" + HOLE + r")?[A-Za-z0-9+_.\-]*)://")
_KEYWORD_RE = re.compile(r"(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s']*)")
_LIBPQ_KEYWORDS = frozenset({"host", "hostaddr", "port", "dbname", "user", "password", "sslmode", "options",
                             "application_name", "connect_timeout", "target_session_attrs"})


def parse_url(text: str) -> Optional[Url]:
    m = _URL_RE.match(text)
    if m:
        scheme = m.group(1).lower()
        rest = text[m.end():]
        url = Url(scheme=None if HOLE in scheme or not scheme else scheme)
        if "?" in rest:
            query = rest.split("?", 1)[1].split("#", 1)[0]
            for part in query.split("&"):
                if not part:
                    continue
                key, _, value = part.partition("=")
                if HOLE in key:
                    url.complete = False
                    continue
                url.params[unquote_plus(key)] = unquote_plus(value)
        elif rest.endswith(HOLE):
            url.complete = False
        return url
    # libpq keyword/value string: "host=db dbname=app options='-c search_path=app'"
    pairs = _KEYWORD_RE.findall(text)
    if len(pairs) >= 2 and all(k in _LIBPQ_KEYWORDS or HOLE in k for k, _ in pairs[:2]):
        url = Url(scheme=None, keywords=True)
        for key, value in pairs:
            if value.startswith("'"):
                value = value[1:-1].replace("\\'", "'")
            url.params[key] = value
        url.complete = HOLE not in _KEYWORD_RE.sub("", text)
        return url
    return None


def postgres_scheme(scheme: Optional[str]) -> bool:
    return scheme is not None and scheme.split("+")[0] in ("postgresql", "postgres", "pgsql", "postgis", "asyncpg")


def sqlalchemy_driver(scheme: Optional[str]) -> Optional[str]:
    """``asyncpg``, ``psycopg``, ``psycopg2``, ``pg8000``, ``mysql``, ``sqlite``, ``other`` or None (unknown)."""
    if scheme is None:
        return None
    base, _, drv = scheme.partition("+")
    if base in ("postgresql", "postgres"):
        drv = drv or "psycopg2"
        if drv in ("psycopg_async", "psycopg"):
            return "psycopg"
        return drv
    if base in ("mysql", "mariadb"):
        return "mysql"
    if base == "sqlite":
        return "sqlite"
    return "other"


class DriverFacts:
    """Per-module facts the driver rules share (computed once per file)."""

    def __init__(self, facts: Facts, targets: TargetSet) -> None:
        self.facts = facts
        self.targets = targets
        self.bound = facts.bound
        self.attr_assigns = facts.attr_assigns
        self.subscript_assigns = facts.subscript_assigns
        self.strings = facts.strings
        self.call_by_node: Dict[int, CallFact] = {id(c.node): c for c in facts.calls}
        names: Dict[str, List[Tuple[cst.FunctionDef, object]]] = {}
        for fn, scope in facts.functions:
            names.setdefault(fn.name.value, []).append((fn, scope))
        self.functions = names

    # names ------------------------------------------------------------------------------------
    def name_of(self, node: cst.CSTNode) -> Optional[str]:
        """The name a value is bound to (``engine = create_engine(...)``, ``with connect() as conn``)."""
        return self.bound.get(id(node))

    def is_direct(self, call: Optional[CallFact] = None, name: Optional[str] = None) -> bool:
        direct = self.targets.direct_connections
        if not direct:
            return False
        names = [name] if name else []
        if call is not None:
            bound = self.name_of(call.node)
            if bound:
                names.append(bound)
        for n in names:
            if n is None:
                continue
            parts = n.split(".")
            if n in direct or any(p in direct for p in parts):
                return True
        return False

    def receiver(self, call: CallFact) -> Optional[str]:
        func = call.node.func
        if isinstance(func, cst.Attribute):
            return dotted(func.value)
        return None

    # values -----------------------------------------------------------------------------------
    def kwarg(self, call: CallFact, name: str) -> object:
        node = call.kwarg(name)
        if node is None:
            return MISSING
        return self.facts.value(node, call.scope)

    def function(self, node: Optional[cst.BaseExpression]) -> Optional[Tuple[cst.FunctionDef, object]]:
        """The module's function a Name refers to (one definition only)."""
        if isinstance(node, cst.Name):
            defs = self.functions.get(node.value, [])
            if len(defs) == 1:
                return defs[0]
        return None

    def text(self, node: Optional[cst.BaseExpression], scope: object = None, depth: int = 0) -> Optional[str]:
        """A string with HOLE for unknown parts; an env getter's default counts as its value."""
        if node is None or depth > 10:
            return None
        node = unwrap(node)
        if isinstance(node, cst.Call):
            func = node.func
            last = func.attr.value if isinstance(func, cst.Attribute) else (
                func.value if isinstance(func, cst.Name) else "")
            if last in ENV_GETTERS:
                default = None
                for arg in node.args:
                    if arg.keyword is not None and arg.keyword.value == "default":
                        default = arg.value
                pos = [a for a in node.args if a.keyword is None and not a.star]
                if default is None and len(pos) >= 2:
                    default = pos[1].value
                return self.text(default, scope, depth + 1) if default is not None else None
            return None
        if isinstance(node, cst.Name):
            target = self.facts.lookup(node.value, scope)
            if target is not None and isinstance(unwrap(target), cst.Call):
                return self.text(target, scope, depth + 1)
        return self.facts.string(node, scope)

    def url(self, node: Optional[cst.BaseExpression], scope: object = None) -> Optional[Url]:
        text = self.text(node, scope)
        return parse_url(text) if text is not None else None

    def dict_items(self, node: Optional[cst.BaseExpression], scope: object = None
                   ) -> Optional[Tuple[Dict[str, cst.BaseExpression], bool]]:
        """The string-keyed entries of a dict display (or a name bound to one, or ``dict(...)``) and whether
        the keys are complete (no ``**splat``); None when the node is not a dict."""
        for _ in range(10):
            if isinstance(node, cst.Name):
                node = self.facts.lookup(node.value, scope)
                continue
            break
        if isinstance(node, cst.Dict):
            out: Dict[str, cst.BaseExpression] = {}
            complete = True
            for el in node.elements:
                if not isinstance(el, cst.DictElement):
                    complete = False
                    continue
                key = self.facts.value(el.key, scope)
                if isinstance(key, str):
                    out[key] = el.value
                else:
                    complete = False
            return out, complete
        if isinstance(node, cst.Call) and dotted(node.func) == "dict":
            out = {}
            complete = True
            for arg in node.args:
                if arg.keyword is None:
                    complete = False
                else:
                    out[arg.keyword.value] = arg.value
            return out, complete
        return None

    def value(self, node: Optional[cst.BaseExpression], scope: object = None) -> object:
        if node is None:
            return MISSING
        return self.facts.value(node, scope)


def is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def number(v: object) -> Optional[float]:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return None


def cached(facts: Facts, targets: TargetSet) -> DriverFacts:
    key = "_pinlint_driver_facts"
    got = getattr(facts, key, None)
    if got is None or got.targets is not targets:
        got = DriverFacts(facts, targets)
        setattr(facts, key, got)
    return got


def qual_in(call: CallFact, names: Sequence[str]) -> bool:
    return call.qualname is not None and call.qualname in names


__all__ = ["MISSING", "UNKNOWN", "DriverFacts", "Url", "cached", "is_int", "number", "parse_url",
           "postgres_scheme", "sqlalchemy_driver", "unwrap", "qual_in"]
