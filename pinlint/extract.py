"""Extract facts from a parsed module: imports, SQL sites (SQL text reaching a driver or ORM call).

One libcst traversal per file collects imports, simple assignments per scope and candidate calls;
names are resolved afterwards, from the innermost function scope out to the module. Qualified
names come from the file's own imports (``import sqlalchemy as sa``, ``from psycopg import
connect as c``), not from libcst's QualifiedNameProvider, which costs more than the parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst

from pinlint.sql.statement import HOLE
from pinlint.strings import PASS_THROUGH_FUNCS, StringEvaluator

# Libraries that talk to a server database: importing one is evidence that ``.execute(...)`` is SQL.
POSTGRES_LIBS = ("psycopg", "psycopg2", "psycopg_pool", "asyncpg", "pg8000", "aiopg", "psqlpy", "pgvector")
MYSQL_LIBS = ("pymysql", "MySQLdb", "mysql", "aiomysql", "asyncmy", "mysqlx")
ORM_LIBS = ("sqlalchemy", "django", "databases", "peewee", "playhouse", "tortoise", "alembic", "piccolo",
            "prisma", "sqlmodel", "flask_sqlalchemy", "records", "pony", "ormar", "gino", "edgedb")
SQLITE_LIBS = ("sqlite3", "aiosqlite", "apsw", "duckdb")

#: Methods whose first argument is SQL text on DB-API cursors and connections, psycopg 3
#: connections, SQLAlchemy connections and sessions, asyncpg connections and pools, Django cursors.
SQL_METHODS = frozenset({"execute", "executemany", "exec_driver_sql", "fetch", "fetchrow", "fetchval", "raw"})
#: Functions whose first argument is SQL text, by qualified name.
SQL_FUNCTIONS = frozenset(
    {
        "sqlalchemy.text",
        "sqlalchemy.sql.text",
        "sqlalchemy.sql.expression.text",
        "sqlalchemy.sql.elements.TextClause",
        "django.db.models.expressions.RawSQL",
        "django.db.models.RawSQL",
    }
)
SQL_KEYWORD_ARGS = ("sql", "query", "operation", "statement", "stmt", "command")

#: Receiver names that look like a database handle when the file imports no database library.
DB_RECEIVER_RE = re.compile(
    r"(?i)^(?:.*_)?(?:cur|curs|cursor|conn|connection|cnx|db|database|session|sess|engine|tx|txn|"
    r"transaction|pool|pg|postgres|psql|mysql|dbapi)(?:_.*)?\d*$"
)


@dataclass
class SqlSite:
    """SQL text that reaches a driver or ORM call."""

    text: str
    #: the node where the SQL text is written (a string literal) or, failing that, the call argument
    node: cst.CSTNode
    call: cst.Call
    sink: str
    framework: Optional[str]
    dialect: str
    #: a plain string literal whose value is ``text`` character for character (precise positions)
    literal: Optional[cst.SimpleString] = None


class _Unknown:
    """A value static analysis cannot know."""

    _instance = None

    def __new__(cls) -> "_Unknown":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


UNKNOWN = _Unknown()


@dataclass
class CallFact:
    """A call in the module, with its target resolved through the file's imports."""

    node: cst.Call
    #: qualified name through imports (``psycopg.connect``, ``sqlalchemy.create_engine``), or None
    qualname: Optional[str]
    #: the target as written (``conn.cursor``, ``asyncpg.create_pool``), or None for e.g. ``f()()``
    written: Optional[str]
    #: the last name of the target (``cursor`` for ``conn.cursor(...)``, ``connect`` for ``connect(...)``)
    last: str
    scope: "_Scope"

    def kwarg(self, name: str) -> Optional[cst.BaseExpression]:
        for arg in self.node.args:
            if arg.keyword is not None and arg.keyword.value == name:
                return arg.value
        return None

    def positional(self, index: int) -> Optional[cst.BaseExpression]:
        pos = [a for a in self.node.args if a.keyword is None and not a.star]
        return pos[index].value if index < len(pos) else None

    @property
    def has_star_kwargs(self) -> bool:
        return any(a.star == "**" for a in self.node.args)


@dataclass
class Facts:
    module: cst.Module
    imports: Dict[str, str]
    sql_sites: List[SqlSite] = field(default_factory=list)
    #: every call in the module, in source order
    calls: List[CallFact] = field(default_factory=list)
    #: every function definition with the scope of its body
    functions: List[Tuple[cst.FunctionDef, "_Scope"]] = field(default_factory=list)
    module_scope: Optional["_Scope"] = None
    extractor: Optional["Extractor"] = None

    def imported(self, prefixes: Sequence[str]) -> bool:
        return any(q == p or q.startswith(p + ".") for q in self.imports.values() for p in prefixes)

    def value(self, node: Optional[cst.BaseExpression], scope: Optional["_Scope"] = None) -> object:
        """The Python value of a literal expression (str, int, float, bool, None, dict, list, tuple), names
        resolved in ``scope`` (default: module); UNKNOWN for anything else."""
        assert self.extractor is not None
        if node is None:
            return UNKNOWN
        return self.extractor.literal(node, scope or self.module_scope)

    def string(self, node: Optional[cst.BaseExpression], scope: Optional["_Scope"] = None) -> Optional[str]:
        """Static string value with HOLE for unknown parts (see pinlint.strings), or None."""
        assert self.extractor is not None
        if node is None:
            return None
        sc = scope or self.module_scope
        return StringEvaluator(lambda n: self.extractor._lookup(n.value, sc)).value(node)

    def resolve(self, node: cst.BaseExpression) -> Optional[str]:
        """Qualified name of a Name/Attribute through the file's imports."""
        assert self.extractor is not None
        return self.extractor.qualified(node)


def dotted(node: cst.BaseExpression) -> Optional[str]:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts: List[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def _module_name(node: cst.BaseExpression) -> str:
    return dotted(node) or ""


class _Scope:
    __slots__ = ("parent", "kind", "assigns")

    def __init__(self, parent: Optional["_Scope"], kind: str) -> None:
        self.parent = parent
        self.kind = kind  # "module" | "function" | "class"
        self.assigns: Dict[str, List[cst.BaseExpression]] = {}


class _Collector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.imports: Dict[str, str] = {}
        self.module_scope = _Scope(None, "module")
        self.scope = self.module_scope
        self.calls: List[Tuple[cst.Call, _Scope]] = []
        self.functions: List[Tuple[cst.FunctionDef, _Scope]] = []

    # scopes -----------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.scope = _Scope(self.scope, "function")
        self.functions.append((node, self.scope))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        assert self.scope.parent is not None
        self.scope = self.scope.parent

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.scope = _Scope(self.scope, "function")

    def leave_Lambda(self, node: cst.Lambda) -> None:
        assert self.scope.parent is not None
        self.scope = self.scope.parent

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.scope = _Scope(self.scope, "class")

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        assert self.scope.parent is not None
        self.scope = self.scope.parent

    # imports ----------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = _module_name(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.imports[alias.asname.name.value] = full
            else:
                top = full.split(".")[0]
                self.imports[top] = top

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        base = "." * len(node.relative) + (_module_name(node.module) if node.module else "")
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            name = _module_name(alias.name)
            bound = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else name
            self.imports[bound] = f"{base}.{name}" if base and not base.endswith(".") else base + name

    # assignments ------------------------------------------------------------
    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.scope.assigns.setdefault(target.value, []).append(value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            self._bind(t.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        # ``sql += "..."``: the name no longer has one static value (two bindings make it ambiguous).
        if isinstance(node.target, cst.Name):
            self.scope.assigns.setdefault(node.target.value, []).extend((node.value, node.value))

    # calls ------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append((node, self.scope))


def _sql_argument(call: cst.Call) -> Optional[cst.BaseExpression]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in SQL_KEYWORD_ARGS:
            return arg.value
    if call.args and call.args[0].keyword is None and not call.args[0].star:
        return call.args[0].value
    return None


class Extractor:
    """Builds ``Facts`` for one module."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        collector = _Collector()
        module.visit(collector)
        self.collector = collector
        self.imports = collector.imports
        self.facts = Facts(module=module, imports=collector.imports, functions=collector.functions,
                           module_scope=collector.module_scope, extractor=self)
        self._server_db = self.facts.imported(POSTGRES_LIBS + MYSQL_LIBS + ORM_LIBS)
        self._sqlite_only = not self._server_db and self.facts.imported(SQLITE_LIBS)
        self._dialect = "mysql" if self.facts.imported(MYSQL_LIBS) and not self.facts.imported(POSTGRES_LIBS) else "postgres"

    # name resolution ----------------------------------------------------------
    def _lookup(self, name: str, scope: _Scope) -> Optional[cst.BaseExpression]:
        s: Optional[_Scope] = scope
        while s is not None:
            if s.kind != "class" or s is scope:
                values = s.assigns.get(name)
                if values is not None:
                    return values[0] if len(values) == 1 else None
            s = s.parent
        return None

    def qualified(self, node: cst.BaseExpression) -> Optional[str]:
        """The qualified name of a Name/Attribute through this file's imports."""
        name = dotted(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        if head in self.imports:
            base = self.imports[head]
            return f"{base}.{rest}" if rest else base
        return None

    def literal(self, node: cst.BaseExpression, scope: _Scope, depth: int = 0) -> object:
        if depth > 20:
            return UNKNOWN
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            text = StringEvaluator(lambda n: self._lookup(n.value, scope)).value(node)
            return UNKNOWN if text is None or HOLE in text else text
        if isinstance(node, cst.Integer):
            return int(node.evaluated_value)
        if isinstance(node, cst.Float):
            return float(node.evaluated_value)
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
            inner = self.literal(node.expression, scope, depth + 1)
            return -inner if isinstance(inner, (int, float)) and not isinstance(inner, bool) else UNKNOWN
        if isinstance(node, cst.Name):
            if node.value in ("True", "False", "None"):
                return {"True": True, "False": False, "None": None}[node.value]
            target = self._lookup(node.value, scope)
            return UNKNOWN if target is None else self.literal(target, scope, depth + 1)
        if isinstance(node, cst.Dict):
            out = {}
            for el in node.elements:
                if not isinstance(el, cst.DictElement):
                    return UNKNOWN  # ``**other``: the dict's keys are not all known
                key = self.literal(el.key, scope, depth + 1)
                if key is UNKNOWN or isinstance(key, (dict, list)):
                    return UNKNOWN
                out[key] = self.literal(el.value, scope, depth + 1)
            return out
        if isinstance(node, (cst.List, cst.Tuple)):
            items = [self.literal(el.value, scope, depth + 1) if isinstance(el, cst.Element) else UNKNOWN
                     for el in node.elements]
            return items if isinstance(node, cst.List) else tuple(items)
        if isinstance(node, cst.Call) and dotted(node.func) == "dict":
            if any(a.keyword is None for a in node.args):
                return UNKNOWN
            return {a.keyword.value: self.literal(a.value, scope, depth + 1) for a in node.args if a.keyword}
        return UNKNOWN

    # sinks --------------------------------------------------------------------
    def _framework(self, sink: str) -> Optional[str]:
        if sink in ("text", "exec_driver_sql"):
            return "sqlalchemy"
        f = self.facts
        if f.imported(("django",)):
            return "django"
        if sink in ("fetch", "fetchrow", "fetchval") or f.imported(("asyncpg",)):
            return "asyncpg"
        if f.imported(("psycopg", "psycopg_pool")):
            return "psycopg"
        if f.imported(("psycopg2",)):
            return "psycopg2"
        if f.imported(("sqlalchemy", "sqlmodel", "flask_sqlalchemy")):
            return "sqlalchemy"
        if f.imported(MYSQL_LIBS):
            return "mysql"
        return None

    def _is_sink(self, call: cst.Call) -> Optional[str]:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in SQL_METHODS:
            if self._sqlite_only:
                return None
            if self._server_db:
                return func.attr.value
            receiver = func.value
            while isinstance(receiver, cst.Call):
                receiver = receiver.func
            last = receiver.attr.value if isinstance(receiver, cst.Attribute) else (
                receiver.value if isinstance(receiver, cst.Name) else "")
            return func.attr.value if DB_RECEIVER_RE.match(last) else None
        qualified = self.qualified(func)
        if qualified in SQL_FUNCTIONS:
            return qualified.rsplit(".", 1)[-1]
        return None

    def _origin(self, node: cst.BaseExpression, scope: _Scope) -> cst.BaseExpression:
        """Follow names and pass-through calls to the expression where the SQL text is written."""
        for _ in range(20):
            if isinstance(node, cst.Name):
                target = self._lookup(node.value, scope)
                if target is None:
                    return node
                node = target
            elif isinstance(node, cst.Call) and node.args and node.args[0].keyword is None:
                func = node.func
                last = func.attr.value if isinstance(func, cst.Attribute) else (
                    func.value if isinstance(func, cst.Name) else "")
                if last not in PASS_THROUGH_FUNCS:
                    return node
                node = node.args[0].value
            else:
                return node
        return node

    def run(self) -> Facts:
        seen = set()
        for call, scope in self.collector.calls:
            written = dotted(call.func)
            func = call.func
            last = func.attr.value if isinstance(func, cst.Attribute) else (
                func.value if isinstance(func, cst.Name) else "")
            self.facts.calls.append(CallFact(call, self.qualified(func), written, last, scope))
            sink = self._is_sink(call)
            if sink is None:
                continue
            arg = _sql_argument(call)
            if arg is None:
                continue
            evaluator = StringEvaluator(lambda n, s=scope: self._lookup(n.value, s))
            text = evaluator.value(arg)
            if text is None or not text.strip():
                continue
            origin = self._origin(arg, scope)
            key = id(origin)
            if key in seen:
                continue
            seen.add(key)
            literal = origin if isinstance(origin, cst.SimpleString) and "\\" not in origin.value else None
            if literal is not None and literal.evaluated_value != text:
                literal = None
            self.facts.sql_sites.append(
                SqlSite(
                    text=text,
                    node=origin,
                    call=call,
                    sink=sink,
                    framework=self._framework(sink),
                    dialect=self._dialect,
                    literal=literal,
                )
            )
        return self.facts


def extract(module: cst.Module) -> Facts:
    return Extractor(module).run()
