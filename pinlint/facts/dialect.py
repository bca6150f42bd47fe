"""Which SQL dialect a SQL site speaks, from the driver the code uses (used by pinlint.facts.extract).

A site's dialect (``Dialects.of_site``) is one of:

* ``"mysql"`` / ``"postgres"``: the code shows the driver;
* ``None``: the code names no database at all (a helper taking ``cur`` as a parameter, Django's
  ``connection``): the configuration's ``dialect`` applies, else PostgreSQL. ``SqlSite`` records this
  as ``dialect = "postgres"`` with ``dialect_known = False``;
* ``MIXED``: the file uses both and this site could not be tied to one: the configuration's
  ``dialect`` applies, else the rules whose verdict depends on the dialect stay quiet.

:func:`effective` turns a site's dialect and the configured one into the dialect its rules use.

Evidence, per file: imports of MySQL drivers (PyMySQL, mysqlclient ``MySQLdb``, mysql-connector
``mysql.connector``, aiomysql, asyncmy, ``mysqlx``) or PostgreSQL drivers (psycopg, psycopg2, asyncpg,
...), and string literals that are SQLAlchemy URLs (``mysql+pymysql://``, ``mariadb://``,
``postgresql+psycopg://``) or Django engine names (``django.db.backends.mysql``,
``django.db.backends.postgresql``), written as call arguments or in module-level assignments. One side
only: every site of the file has that dialect. A Django settings module is usually another file than the
code that runs SQL: there, the configured ``dialect`` is the way to say it.

Both sides: each site is decided by its receiver, followed through the names bound in the enclosing
scopes (assignments, ``with ... as``, parameter annotations): ``cur`` from ``conn.cursor()`` from
``conn = pymysql.connect(...)`` is MySQL; ``session`` from ``Session(engine)`` with ``engine =
create_engine("postgresql://...")`` is PostgreSQL. A receiver that leads nowhere (a parameter without
annotation, an attribute such as ``self.conn``) leaves the site ``MIXED``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

import libcst as cst

from pinlint.facts.catalog import MYSQL_MODULES, POSTGRES_MODULES
from pinlint.facts.walk import walk

if TYPE_CHECKING:  # pragma: no cover
    from pinlint.facts.extract import Extractor
    from pinlint.facts.model import Scope

MYSQL = "mysql"
POSTGRES = "postgres"
MIXED = "mixed"

_URLS = (
    (MYSQL, re.compile(r"(?i)^(?:mysql|mariadb)(?:\+\w+)?://|^django\.(?:contrib\.gis\.)?db\.backends\.mysql$")),
    (POSTGRES, re.compile(r"(?i)^(?:postgres|postgresql)(?:\+\w+)?://"
                          r"|^django\.(?:contrib\.gis\.)?db\.backends\.(?:postgresql\w*|postgis)$")),
)
_ENGINE_FACTORIES = ("create_engine", "create_async_engine", "make_url")


def module_dialect(qualname: str) -> Optional[str]:
    """The dialect a qualified name belongs to (``pymysql.connect`` -> mysql), or None."""
    for dialect, modules in ((MYSQL, MYSQL_MODULES), (POSTGRES, POSTGRES_MODULES)):
        if any(qualname == m or qualname.startswith(m + ".") for m in modules):
            return dialect
    return None


def url_dialect(text: Optional[str]) -> Optional[str]:
    """The dialect of a SQLAlchemy URL or Django engine name, or None."""
    if not text:
        return None
    for dialect, pattern in _URLS:
        if pattern.match(text):
            return dialect
    return None


class _Strings(cst.CSTVisitor):
    """Dialects named by string literals (URLs, engine names) in a module."""

    def __init__(self) -> None:
        self.found: Set[str] = set()

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if "://" not in node.value and "backends" not in node.value:
            return
        try:
            value = node.evaluated_value
        except Exception:  # pragma: no cover - an odd literal libcst cannot evaluate
            return
        dialect = url_dialect(value) if isinstance(value, str) else None
        if dialect:
            self.found.add(dialect)

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        dialect = url_dialect(node.value)
        if dialect:
            self.found.add(dialect)


class _Bindings(cst.CSTVisitor):
    """Names bound by ``with ... as name`` and annotated parameters, per function (None: module)."""

    def __init__(self) -> None:
        self.stack: List[Optional[int]] = [None]
        self.bound: Dict[Optional[int], Dict[str, List[cst.BaseExpression]]] = {}

    def _bind(self, name: str, value: cst.BaseExpression) -> None:
        self.bound.setdefault(self.stack[-1], {}).setdefault(name, []).append(value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.stack.append(id(node))
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.annotation is not None:
                self._bind(param.name.value, param.annotation.annotation)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.stack.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.stack.append(id(node))

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.stack.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.stack.append(id(node))

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self.stack.pop()

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None and isinstance(node.asname.name, cst.Name):
            self._bind(node.asname.name.value, node.item)


class Dialects:
    """The dialect of each SQL site of one module (built at the module's first SQL site)."""

    def __init__(self, extractor: "Extractor") -> None:
        self.x = extractor
        found: Set[str] = set()
        facts = extractor.facts
        if facts.imported(MYSQL_MODULES):
            found.add(MYSQL)
        if facts.imported(POSTGRES_MODULES):
            found.add(POSTGRES)
        found |= self._named_by_strings()
        #: the file's dialect: MYSQL, POSTGRES, MIXED, or None (no evidence)
        self.file: Optional[str] = found.pop() if len(found) == 1 else (MIXED if found else None)
        self._bindings: Optional[_Bindings] = None
        self._scope_keys: Dict[int, Optional[int]] = {}

    def _named_by_strings(self) -> Set[str]:
        """Dialects named by string literals where URLs and engine names are written: call arguments
        (``create_engine("mysql+pymysql://...")``, ``os.environ.get("URL", "postgresql://...")``) and
        module-level assignments (``DATABASES = {...}``, ``DATABASE_URL = "..."``). Only those subtrees
        are visited, not the whole module."""
        strings = _Strings()
        for call, _ in self.x.collector.calls:
            for arg in call.args:
                if isinstance(arg.value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
                    walk(arg.value, strings)
        module_scope = self.x.facts.module_scope
        for values in (module_scope.assigns.values() if module_scope is not None else ()):
            for value in values:
                if isinstance(value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString, cst.Dict)):
                    walk(value, strings)
        return strings.found

    def of_site(self, call: cst.Call, scope: "Scope") -> Optional[str]:
        if self.file != MIXED:
            return self.file
        func = call.func
        if isinstance(func, cst.Attribute):
            return self._expr(func.value, scope, 0) or MIXED
        return MIXED  # text(...), RawSQL(...): no receiver here

    # receivers -----------------------------------------------------------------------------
    def _expr(self, node: cst.BaseExpression, scope: "Scope", depth: int) -> Optional[str]:
        if depth > 12:
            return None
        if isinstance(node, cst.Await):
            return self._expr(node.expression, scope, depth + 1)
        if isinstance(node, (cst.Name, cst.Attribute)):
            qualified = self.x.qualified(node)
            if qualified is not None:
                return module_dialect(qualified)
            if isinstance(node, cst.Name):
                found = self._binding(node.value, scope)
                if found is None:
                    return None
                values, where = found
                dialects = {self._expr(v, where, depth + 1) for v in values}
                return dialects.pop() if len(dialects) == 1 else None
            return None
        if isinstance(node, cst.Call):
            qualified = self.x.qualified(node.func)
            if qualified is not None:
                dialect = module_dialect(qualified)
                if dialect is not None:
                    return dialect
                if qualified.rsplit(".", 1)[-1] in _ENGINE_FACTORIES:
                    return url_dialect(self._first_string(node, scope))
            if isinstance(node.func, cst.Attribute):  # conn.cursor(), engine.connect(), pool.acquire()
                return self._expr(node.func.value, scope, depth + 1)
            if isinstance(node.func, cst.Call):  # sessionmaker(bind=engine)()
                return self._expr(node.func, scope, depth + 1)
            arg = self._engine_argument(node)  # Session(engine), sessionmaker(bind=engine)
            return None if arg is None else self._expr(arg, scope, depth + 1)
        return None

    @staticmethod
    def _engine_argument(call: cst.Call) -> Optional[cst.BaseExpression]:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "bind":
                return arg.value
        if call.args and call.args[0].keyword is None and not call.args[0].star:
            return call.args[0].value
        return None

    def _first_string(self, call: cst.Call, scope: "Scope") -> Optional[str]:
        arg = self._engine_argument(call)
        if arg is None:
            for a in call.args:
                if a.keyword is not None and a.keyword.value in ("url", "name_or_url"):
                    arg = a.value
        if arg is None:
            return None
        return self.x.facts.string(arg, scope)

    def _binding(self, name: str, scope: "Scope") -> Optional[Tuple[List[cst.BaseExpression], "Scope"]]:
        """The values bound to ``name`` in the innermost enclosing scope that binds it."""
        if self._bindings is None:
            self._bindings = _Bindings()
            walk(self.x.module, self._bindings)
            self._scope_keys = {id(s): id(fn) for fn, s in self.x.collector.functions}
            if self.x.facts.module_scope is not None:
                self._scope_keys[id(self.x.facts.module_scope)] = None
        s: Optional["Scope"] = scope
        while s is not None:
            if s.kind != "class" or s is scope:
                values = list(s.assigns.get(name, ()))
                if id(s) in self._scope_keys:
                    values += self._bindings.bound.get(self._scope_keys[id(s)], {}).get(name, [])
                if values:
                    return values, s
            s = s.parent
        return None


def effective(site_dialect: Optional[str], configured: Optional[str], known: bool = True) -> Optional[str]:
    """The grammar and rules a SQL site gets: the code's evidence first (``known``), then the configured
    ``dialect``, then PostgreSQL; where the file uses both dialects (``MIXED``) and nothing is
    configured, None: no dialect-dependent rule runs there."""
    if known and site_dialect in (MYSQL, POSTGRES):
        return site_dialect
    if configured in (MYSQL, POSTGRES):
        return configured
    return None if site_dialect == MIXED else POSTGRES
