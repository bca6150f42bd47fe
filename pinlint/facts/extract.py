"""Extract facts from a parsed module: imports, SQL sites (SQL text reaching a driver or ORM call).

One libcst traversal per file collects imports, simple assignments per scope and candidate calls;
names are resolved afterwards, from the innermost function scope out to the module. Qualified
names come from the file's own imports (``import sqlalchemy as sa``, ``from psycopg import
connect as c``), not from libcst's QualifiedNameProvider, which costs more than the parse.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

import libcst as cst

from pinlint.facts.catalog import (
    MAX_SQL_FILE_BYTES,
    MYSQL_LIBS,
    PASS_THROUGH_FUNCS,
    READ_METHODS,
    RESOURCE_READERS,
    SA_DDL_CALLS,
    SA_DDL_KEYWORDS,
    SA_FUNC_BASES,
    SA_FUNC_NAMES,
    SERVER_DB_LIBS,
    SQL_FUNCTIONS,
    SQL_KEYWORD_ARGS,
    SQL_METHODS,
    SQLITE_LIBS,
    is_sql_method_call,
)
from pinlint.facts.model import (
    UNKNOWN,
    CallFact,
    Facts,
    Scope,
    SqlSite,
    ValueSource,
    dotted,
    module_name_of,
    unwrap_await,
)
from pinlint.facts.strings import StringEvaluator
from pinlint.facts.walk import walk
from pinlint.sql.statement import HOLE

if TYPE_CHECKING:  # pragma: no cover
    from pinlint.facts.index.model import ProjectIndex, SqlText, Wrapper


class _Collector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.imports: Dict[str, str] = {}
        self.module_scope = Scope(None, "module")
        self.scope = self.module_scope
        self.calls: List[Tuple[cst.Call, Scope]] = []
        self.functions: List[Tuple[cst.FunctionDef, Scope]] = []
        #: calls inside a schema definition (``Column(server_default=func.nextval(...))``): stored, not run
        self.ddl_calls: set = set()
        self._ddl_depth = 0
        # Bindings and strings, for the driver rules (collected here so a file is walked only once):
        #: id(value node) -> the name it is bound to (``engine = create_engine(...)``, ``with ... as conn``)
        self.bound: Dict[int, str] = {}
        #: ``obj.attr = value``: attr -> values
        self.attr_assigns: Dict[str, List[cst.BaseExpression]] = {}
        #: ``x[key] = value``
        self.subscript_assigns: List[Tuple[cst.Subscript, cst.BaseExpression]] = []
        #: outermost string expressions outside docstrings (bare string statements)
        self.strings: List[cst.BaseExpression] = []
        self._string_depth = 0
        self._bare_string_depth = 0

    # scopes -----------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        cls = self.scope.cls if self.scope.kind == "class" else None
        self.scope = Scope(self.scope, "function", cls)
        self.functions.append((node, self.scope))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        assert self.scope.parent is not None
        self.scope = self.scope.parent

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.scope = Scope(self.scope, "function")

    def leave_Lambda(self, node: cst.Lambda) -> None:
        assert self.scope.parent is not None
        self.scope = self.scope.parent

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        outer = self.scope.cls + "." if self.scope.kind == "class" and self.scope.cls else ""
        self.scope = Scope(self.scope, "class", outer + node.name.value)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        assert self.scope.parent is not None
        self.scope = self.scope.parent

    # imports ----------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = module_name_of(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.imports[alias.asname.name.value] = full
            else:
                top = full.split(".")[0]
                self.imports[top] = top

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        base = "." * len(node.relative) + (module_name_of(node.module) if node.module else "")
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            name = module_name_of(alias.name)
            bound = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else name
            self.imports[bound] = f"{base}.{name}" if base and not base.endswith(".") else base + name

    # assignments ------------------------------------------------------------
    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.scope.assigns.setdefault(target.value, []).append(value)
            self.bound[id(unwrap_await(value))] = target.value
        elif isinstance(target, cst.Attribute):
            self.bound[id(unwrap_await(value))] = target.attr.value
            self.attr_assigns.setdefault(target.attr.value, []).append(value)
        elif isinstance(target, cst.Subscript):
            self.subscript_assigns.append((target, value))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            name = node.asname.name
            if isinstance(name, cst.Name):
                self.bound[id(unwrap_await(node.item))] = name.value
            elif isinstance(name, cst.Attribute):
                self.bound[id(unwrap_await(node.item))] = name.attr.value

    # strings ----------------------------------------------------------------
    def visit_Expr(self, node: cst.Expr) -> None:
        if isinstance(node.value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            self._bare_string_depth += 1  # a docstring or a comment, not configuration

    def leave_Expr(self, node: cst.Expr) -> None:
        if isinstance(node.value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            self._bare_string_depth -= 1

    def _string(self, node: cst.BaseExpression) -> None:
        if self._string_depth == 0 and self._bare_string_depth == 0:
            self.strings.append(node)
        self._string_depth += 1

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self._string(node)

    def leave_SimpleString(self, node: cst.SimpleString) -> None:
        self._string_depth -= 1

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        self._string(node)

    def leave_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        self._string_depth -= 1

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._string(node)

    def leave_FormattedString(self, node: cst.FormattedString) -> None:
        self._string_depth -= 1

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

    def visit_For(self, node: cst.For) -> None:
        # ``for stmt in STATEMENTS: cur.execute(stmt)``: the loop variable is bound to the loop (one
        # binding: each item of the iterable); any other binding makes the name ambiguous.
        if isinstance(node.target, cst.Name):
            self.scope.assigns.setdefault(node.target.value, []).append(node)  # type: ignore[arg-type]

    # calls ------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append((node, self.scope))
        if self._ddl_depth:
            self.ddl_calls.add(id(node))
        func = node.func
        last = func.attr.value if isinstance(func, cst.Attribute) else (func.value if isinstance(func, cst.Name) else "")
        if last in SA_DDL_CALLS:
            self._ddl_depth += 1

    def leave_Call(self, node: cst.Call) -> None:
        func = node.func
        last = func.attr.value if isinstance(func, cst.Attribute) else (func.value if isinstance(func, cst.Name) else "")
        if last in SA_DDL_CALLS:
            self._ddl_depth -= 1

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None and node.keyword.value in SA_DDL_KEYWORDS:
            self._ddl_depth += 1

    def leave_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None and node.keyword.value in SA_DDL_KEYWORDS:
            self._ddl_depth -= 1


def _sql_argument(call: cst.Call) -> Optional[cst.BaseExpression]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in SQL_KEYWORD_ARGS:
            return arg.value
    if call.args and call.args[0].keyword is None and not call.args[0].star:
        return call.args[0].value
    return None


class Extractor(ValueSource):
    """Builds ``Facts`` for one module."""

    def __init__(self, module: cst.Module, index: Optional["ProjectIndex"] = None, path: Optional[str] = None) -> None:
        self.module = module
        self.index = index
        self.path = path
        self.module_name: Optional[str] = index.module_of(path) if index is not None and path else None
        self._is_package = bool(path) and os.path.basename(path or "").startswith("__init__.")
        self._used: List["SqlText"] = []
        collector = _Collector()
        walk(module, collector)  # read-only: much faster than module.visit
        self.collector = collector
        self.imports = collector.imports
        self.facts = Facts(module=module, imports=collector.imports, functions=collector.functions,
                           module_scope=collector.module_scope, bound=collector.bound,
                           attr_assigns=collector.attr_assigns, subscript_assigns=collector.subscript_assigns,
                           strings=collector.strings, evaluator=self)
        self._server_db = self.facts.imported(SERVER_DB_LIBS)
        self._sqlite_only = not self._server_db and self.facts.imported(SQLITE_LIBS)
        self._dialects = None  # pinlint.facts.dialect.Dialects, built at the first SQL site

    @property
    def _dialect(self) -> Optional[str]:
        """The file's SQL dialect: "mysql", "postgres", "mixed" or None (see pinlint.facts.dialect)."""
        return self._dialect_of(None, None)

    def _dialect_of(self, call: Optional[cst.Call], scope: Optional[Scope]) -> Optional[str]:
        """The SQL dialect of the SQL site at ``call`` (see pinlint.facts.dialect)."""
        if self._dialects is None:
            from pinlint.facts.dialect import Dialects

            self._dialects = Dialects(self)
        if call is None or scope is None:
            return self._dialects.file
        return self._dialects.of_site(call, scope)

    # name resolution ----------------------------------------------------------
    def lookup(self, name: str, scope: Optional[Scope]) -> Optional[cst.BaseExpression]:
        return self._lookup(name, scope or self.collector.module_scope)

    def string(self, node: cst.BaseExpression, scope: Optional[Scope]) -> Optional[str]:
        sc = scope or self.collector.module_scope
        return StringEvaluator(lambda n: self._lookup(n.value, sc)).value(node)

    def _lookup(self, name: str, scope: Scope) -> Optional[cst.BaseExpression]:
        s: Optional[Scope] = scope
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

    def literal(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> object:
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
            receiver = func.value
            while isinstance(receiver, cst.Call):
                receiver = receiver.func
            last = receiver.attr.value if isinstance(receiver, cst.Attribute) else (
                receiver.value if isinstance(receiver, cst.Name) else "")
            return func.attr.value if is_sql_method_call(func.attr.value, last, self._server_db,
                                                         self._sqlite_only) else None
        qualified = self.qualified(func)
        if qualified in SQL_FUNCTIONS:
            return qualified.rsplit(".", 1)[-1]
        return None

    # the project index: other modules, class attributes, functions returning SQL, wrappers ---------
    def _absolute(self, qualname: str) -> str:
        assert self.index is not None
        return self.index.absolute(qualname, self.module_name, self._is_package)

    def _indexed(self, node: cst.BaseExpression, scope: Scope) -> Optional[Tuple["SqlText", ...]]:
        """SQL text that the project index knows for a name, attribute or call written in this file."""
        index = self.index
        if index is None:
            return None
        here = self.module_name
        if isinstance(node, cst.Call):
            if isinstance(node.func, cst.Attribute) and node.func.attr.value in READ_METHODS | RESOURCE_READERS:
                loaded = self._loaded_sql(node, scope)
                if loaded is not None:
                    return loaded
            name = dotted(node.func)
            if name is None:
                # ``Ops().set_time_zone_sql()``, ``get_ops().x()``: by method name
                return index.method_returned(node.func.attr.value) if isinstance(node.func, cst.Attribute) else None
            head, _, rest = name.partition(".")
            last = name.rsplit(".", 1)[-1]
            if head in self.imports:
                return index.returned(self._absolute(self.imports[head]) + ("." + rest if rest else ""))
            if not rest:
                return index.returned_in(here, name) if here else None
            if head in ("self", "cls") and "." not in rest:
                cls = self._class_of(scope)
                found = index.returned_in(here, f"{cls}.{rest}") if here and cls else None
                return found if found is not None else index.method_returned(last)
            if here and index.returned_in(here, name) is not None:
                return index.returned_in(here, name)
            return index.method_returned(last)
        name = dotted(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        found = None
        if head in self.imports:
            found = index.constant(self._absolute(self.imports[head]) + ("." + rest if rest else ""))
        elif head in ("self", "cls") and rest and "." not in rest:
            cls = self._class_of(scope)
            if cls and here:
                found = index.constant_in(here, f"{cls}.{rest}")
        elif here and rest:
            found = index.constant_in(here, name)
        return None if found is None else (found,)

    @staticmethod
    def _class_of(scope: Scope) -> Optional[str]:
        s: Optional[Scope] = scope
        while s is not None:
            if s.cls is not None:
                return s.cls
            s = s.parent
        return None

    def _loaded_sql(self, call: cst.Call, scope: Scope) -> Optional[Tuple["SqlText", ...]]:
        """``Path("queries/lock.sql").read_text()``, ``open(...).read()``, ``importlib.resources``: the
        text of a ``.sql`` file the code loads by name, unless the run lints that file in its own right."""
        from pinlint.facts.index.model import SqlText

        parts: List[str] = []

        def collect(node: cst.BaseExpression, depth: int = 0) -> None:
            if depth > 12:
                return
            if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
                collect(node.left, depth + 1)
                collect(node.right, depth + 1)
            elif isinstance(node, cst.Call):
                if isinstance(node.func, cst.Attribute):
                    collect(node.func.value, depth + 1)
                for arg in node.args:
                    if arg.keyword is None or arg.keyword.value in ("file", "path", "resource", "name"):
                        collect(arg.value, depth + 1)
            elif isinstance(node, cst.Attribute):
                collect(node.value, depth + 1)
            elif isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString, cst.Name)):
                text = StringEvaluator(lambda n: self._lookup(n.value, scope)).value(node)
                if text is not None and HOLE not in text and text.strip():
                    parts.append(text)

        collect(call.func.value if isinstance(call.func, cst.Attribute) else call.func)
        if call.func.attr.value in RESOURCE_READERS if isinstance(call.func, cst.Attribute) else False:
            for arg in call.args:
                collect(arg.value)
        if not parts or not parts[-1].lower().endswith(".sql"):
            return None
        rel = os.path.join(*[p.strip("/") if i else p for i, p in enumerate(parts[-3:]) if not p.endswith(".py")]
                           ) if len(parts) > 1 else parts[-1]
        base = os.path.dirname(os.path.abspath(self.path or "."))
        candidates = []
        if os.path.isabs(rel):
            candidates.append(rel)
        else:
            d = base
            for _ in range(6):
                candidates.append(os.path.join(d, rel))
                candidates.append(os.path.join(d, os.path.basename(rel)))
                parent = os.path.dirname(d)
                if parent == d:
                    break
                d = parent
        for candidate in candidates:
            if os.path.isfile(candidate) and os.path.getsize(candidate) <= MAX_SQL_FILE_BYTES:
                if self.index is not None and os.path.abspath(candidate) in self.index.files:
                    return None  # linted in its own right; its findings point into it
                try:
                    with open(candidate, encoding="utf-8", errors="replace") as fh:
                        text = fh.read()
                except OSError:
                    return None
                return (SqlText(text, os.path.relpath(candidate), 1, os.path.basename(candidate)),)
        return None

    def _other(self, node: cst.BaseExpression, scope: Scope) -> Optional[str]:
        found = self._indexed(node, scope)
        if found is None or len(found) != 1:
            return None
        self._used.append(found[0])
        return found[0].text

    def _evaluator(self, scope: Scope) -> StringEvaluator:
        return StringEvaluator(lambda n, s=scope: self._lookup(n.value, s),
                               other=(lambda n, s=scope: self._other(n, s)) if self.index is not None else None)

    def _wrapper(self, call: cst.Call, scope: Scope) -> Optional["Wrapper"]:
        """The project wrapper this call goes to, if the index knows it."""
        index = self.index
        if index is None:
            return None
        name = dotted(call.func)
        if name is None:
            # ``Database().query(...)``, ``get_db().run(...)``: by method name
            attr = call.func.attr.value if isinstance(call.func, cst.Attribute) else None
            return index.method_wrapper(attr) if attr and attr not in SQL_METHODS else None
        head, _, rest = name.partition(".")
        last = name.rsplit(".", 1)[-1]
        here = self.module_name
        if head in self.imports:
            return index.wrapper(self._absolute(self.imports[head]) + ("." + rest if rest else ""))
        if not rest:
            if self._lookup(name, scope) is not None or not here:
                return None
            found = index.wrapper_in(here, name)
            if found is None:
                # a helper nested in an enclosing function: ``def run(sql): conn.execute(sql)``
                prefix = f"{here}."
                hits = [w for q, w in index.wrappers if q.startswith(prefix) and q.endswith("." + name)
                        and not w.method]
                found = hits[0] if len(hits) == 1 else None
            return found
        if head in ("self", "cls") and "." not in rest:
            cls = self._class_of(scope)
            found = index.wrapper_in(here, f"{cls}.{rest}") if here and cls else None
            return found if found is not None else index.method_wrapper(last)
        if here and index.wrapper_in(here, name) is not None:
            return index.wrapper_in(here, name)
        return index.method_wrapper(last) if last not in SQL_METHODS else None

    def _func_text(self, call: cst.Call, scope: Scope) -> Optional[str]:
        """``func.pg_advisory_lock(1)`` (SQLAlchemy's expression language) as the SQL it runs."""
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in SA_FUNC_NAMES:
            return None
        if id(call) in self.collector.ddl_calls:
            return None
        base = self.qualified(func.value)
        if base not in SA_FUNC_BASES:
            written = dotted(func.value) or ""
            if not (written.endswith(".func") and self.facts.imported(("flask_sqlalchemy",))):
                return None
        args = []
        for arg in call.args:
            if arg.keyword is not None or arg.star:
                continue
            value = self.literal(arg.value, scope)
            if isinstance(value, bool):
                args.append("true" if value else "false")
            elif isinstance(value, (int, float)):
                args.append(str(value))
            elif isinstance(value, str):
                args.append("'" + value.replace("'", "''") + "'")
            elif value is None:
                args.append("NULL")
            else:
                args.append(HOLE)
        return f"SELECT {func.attr.value}({', '.join(args)})"

    def _origin(self, node: cst.BaseExpression, scope: Scope) -> cst.BaseExpression:
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
        self._seen: set = set()
        for call, scope in self.collector.calls:
            written = dotted(call.func)
            func = call.func
            last = func.attr.value if isinstance(func, cst.Attribute) else (
                func.value if isinstance(func, cst.Name) else "")
            self.facts.calls.append(CallFact(call, self.qualified(func), written, last, scope))
            sink = self._is_sink(call)
            wrapper = None
            if sink is None:
                synthesised = self._func_text(call, scope)
                if synthesised is not None:
                    self._add(synthesised, call, call, "func", scope, framework="sqlalchemy")
                    continue
                wrapper = self._wrapper(call, scope) if not self._sqlite_only else None
                if wrapper is None:
                    continue
                arg = CallFact(call, None, written, last, scope).kwarg(wrapper.keyword)
                if arg is None:
                    positional = [a for a in call.args if a.keyword is None]
                    if any(a.star for a in positional[: wrapper.position + 1]):
                        continue
                    arg = positional[wrapper.position].value if wrapper.position < len(positional) else None
                sink = wrapper.name
            else:
                arg = _sql_argument(call)
            if arg is None:
                continue
            origin = self._origin(arg, scope)
            if isinstance(origin, cst.For):
                self._loop_sites(origin, arg, call, sink, scope, wrapper)
                continue
            self._used = []
            text = self._evaluator(scope).value(arg)
            if text is None or not text.strip():
                continue
            if wrapper is not None and wrapper.transform:
                from pinlint.facts.strings import _brace_format, _percent_format

                text = _percent_format(text) if wrapper.transform == "%" else _brace_format(text)
            via = tuple(self._used)
            self._add(text, origin if not via else arg, call, sink, scope, via=via, wrapper=wrapper)
        return self.facts

    def _loop_sites(self, loop: cst.For, arg: cst.BaseExpression, call: cst.Call, sink: str, scope: Scope,
                    wrapper: Optional["Wrapper"]) -> None:
        """``for stmt in [...]: cur.execute(stmt)``: each statement of the iterable is a site."""
        iterable = self._origin(loop.iter, scope)
        if isinstance(iterable, (cst.List, cst.Tuple)):
            for el in iterable.elements:
                if isinstance(el, cst.Element):
                    self._used = []
                    text = self._evaluator(scope).value(el.value)
                    if text is not None and text.strip():
                        via = tuple(self._used)
                        self._add(text, self._origin(el.value, scope) if not via else arg, call, sink, scope,
                                  via=via, wrapper=wrapper)
            return
        found = self._indexed(iterable, scope) if isinstance(iterable, cst.Call) else None
        for item in found or ():
            self._add(item.text, arg, call, sink, scope, via=(item,), wrapper=wrapper, key=(id(arg), item))

    def _add(self, text: str, origin: cst.CSTNode, call: cst.Call, sink: str, scope: Scope,
             via: Tuple["SqlText", ...] = (), wrapper: Optional["Wrapper"] = None,
             framework: Optional[str] = None, key: object = None) -> None:
        key = key if key is not None else id(origin)
        if key in self._seen:
            return
        self._seen.add(key)
        dialect = self._dialect_of(call, scope)
        literal = origin if isinstance(origin, cst.SimpleString) and "\\" not in origin.value else None
        if literal is not None and literal.evaluated_value != text:
            literal = None
        self.facts.sql_sites.append(
            SqlSite(
                text=text,
                node=origin,
                call=call,
                sink=sink,
                framework=framework or self._framework(sink),
                dialect=dialect or "postgres",
                dialect_known=dialect is not None,
                literal=literal,
                via=via,
                wrapper=wrapper,
            )
        )


def extract(module: cst.Module, index: Optional["ProjectIndex"] = None, path: Optional[str] = None) -> Facts:
    return Extractor(module, index, path).run()
