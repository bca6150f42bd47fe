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
    DB_HANDLE_FACTORIES,
    DB_HANDLE_TYPES,
    MORE_SQL_KEYWORDS,
    MYSQL_LIBS,
    PASS_THROUGH_FUNCS,
    SA_FUNC_BASES,
    SA_FUNC_NAMES,
    SERVER_DB_LIBS,
    SQL_FUNCTIONS,
    SQL_KEYWORD_ARGS,
    SQL_METHODS,
    SQLITE_LIBS,
    is_sql_method_call,
)
from pinlint.facts.collect import Collector
from pinlint.facts.dialect import MIXED, name_dialect, text_dialect
from pinlint.facts.flow import PARAMETER, dict_steps, reaching
from pinlint.facts.index.model import fill_arguments
from pinlint.facts.model import (
    CallFact,
    Facts,
    Scope,
    SqlSite,
    ValueSource,
    class_of,
    dotted,
    self_attr,
    unwrap_await,
)
from pinlint.facts.reach import ProjectReach
from pinlint.facts.sources import OtherSources
from pinlint.facts.syntax import CstSyntax
from pinlint.facts.values import UNSEEN, Evaluator
from pinlint.facts.walk import walk
from pinlint.sql.statement import HOLE
from pinlint.sql.templates import brace_format, percent_format

if TYPE_CHECKING:  # pragma: no cover
    from pinlint.facts.index.model import ProjectIndex, SqlText, Wrapper
    from pinlint.facts.session_apis import Catalog


def _enclosing_names(scope: Scope) -> List[str]:
    """The names of the functions and classes around a scope, the innermost first."""
    names: List[str] = []
    s: Optional[Scope] = scope
    while s is not None:
        if s.name:
            names.append(s.name)
        s = s.parent
    return names


def _sql_argument(call: cst.Call) -> Optional[cst.BaseExpression]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in SQL_KEYWORD_ARGS:
            return arg.value
    if call.args and call.args[0].keyword is None and not call.args[0].star:
        return call.args[0].value
    return None


class Extractor(ValueSource, OtherSources):
    """Builds ``Facts`` for one module."""

    def __init__(self, module: cst.Module, index: Optional["ProjectIndex"] = None, path: Optional[str] = None,
                 apis: Optional["Catalog"] = None) -> None:
        self.module = module
        self.index = index
        self.path = path
        self.module_name: Optional[str] = index.module_of(path) if index is not None and path else None
        self._used: List["SqlText"] = []
        collector = Collector()
        walk(module, collector)  # read-only: much faster than module.visit
        self.collector = collector
        self.imports = collector.imports
        self.facts = Facts(module=module, imports=collector.imports, functions=collector.functions,
                           module_scope=collector.module_scope, bound=collector.bound,
                           attr_assigns=collector.attr_assigns, subscript_assigns=collector.subscript_assigns,
                           attr_writes=collector.attr_writes, call_order=collector.call_order,
                           strings=collector.strings, evaluator=self)
        self._server_db = self.facts.imported(SERVER_DB_LIBS)
        self._sqlite_only = not self._server_db and self.facts.imported(SQLITE_LIBS)
        is_package = bool(path) and os.path.basename(path or "").startswith("__init__.")
        self.reach = ProjectReach(index, self.module_name, is_package, self.imports, path,
                                  lambda node, scope: self._local(scope).text(node),
                                  lambda name, scope: self._lookup(name, scope) is not None) \
            if index is not None else None
        self._dialects = None  # pinlint.facts.dialect.Dialects, built at the first SQL site
        #: the module's functions and methods by name (a call resolves by one dict look-up)
        self._own_functions: Dict[str, List[Tuple[cst.FunctionDef, Scope]]] = {}
        for fn, fn_scope in collector.functions:
            self._own_functions.setdefault(fn.name.value, []).append((fn, fn_scope))
        self._django = self.facts.imported(("django",))
        #: the session-API catalog, when the module imports from one of its libraries or names an engine
        self._apis = apis if apis is not None else _default_apis(self.imports, collector.strings)

    def close(self) -> None:
        """Drop everything this extractor holds (``Facts.release``): the project reach and the dialects
        refer back to it, and through it to the syntax tree."""
        self.__dict__.clear()

    def _dialect_of(self, call: Optional[cst.Call], scope: Optional[Scope]) -> Tuple[Optional[str], bool]:
        """The SQL dialect of the SQL site at ``call`` and whether its receiver shows it
        (see pinlint.facts.dialect)."""
        if self._dialects is None:
            from pinlint.facts.dialect import Dialects

            self._dialects = Dialects(self)
        if call is None or scope is None:
            return self._dialects.file, False
        return self._dialects.of_site(call, scope)

    # name resolution ----------------------------------------------------------
    def lookup(self, name: str, scope: Optional[Scope]) -> Optional[cst.BaseExpression]:
        return self._lookup(name, scope or self.collector.module_scope)

    def string(self, node: cst.BaseExpression, scope: Optional[Scope]) -> Optional[str]:
        return self._local(scope or self.collector.module_scope).text(node)

    def texts(self, node: cst.BaseExpression, scope: Optional[Scope]) -> List[Optional[str]]:
        return self._local(scope or self.collector.module_scope).texts(node)

    def dict_items(self, node: cst.BaseExpression, scope: Optional[Scope]):
        return self._local(scope or self.collector.module_scope).dict_items(node)

    def setting_text(self, node: cst.BaseExpression, scope: Optional[Scope]) -> Optional[str]:
        return self._local(scope or self.collector.module_scope).setting_text(node)

    def _local(self, scope: Scope) -> Evaluator:
        """The evaluator of names bound in ``scope`` and the scopes around it (this module only)."""
        return Evaluator(CstSyntax, lambda n: self._lookup(n.value, scope), steps=lambda n: self._steps(n, scope))

    def _steps(self, node: cst.BaseExpression, scope: Scope
               ) -> Optional[Tuple[Optional[cst.BaseExpression], List[Tuple[str, cst.BaseExpression]]]]:
        """How the dict a name or ``self.attr`` holds was built (pinlint.facts.flow.dict_steps). For
        ``self.attr``: the one value the module assigns it (None when there is not exactly one) and the
        item stores and dict-method calls on it in any method of the class."""
        if isinstance(node, cst.Name):
            return dict_steps(scope, node.value)
        attr = self_attr(node)
        if attr is None:
            return None
        steps = self.collector.attr_steps.get((class_of(scope), attr), [])
        values = self.collector.attr_assigns.get(attr, [])
        if len(values) != 1 and not steps:
            return None
        return (values[0] if len(values) == 1 else None), steps

    def _expanded(self, call: cst.Call, scope: Scope) -> Tuple[Dict[str, cst.BaseExpression], bool]:
        """The keyword arguments a call passes with ``**``, as far as the module shows them: a dict built in
        the function (``kwargs = {...}; kwargs["options"] = ...``), returned by one of the module's
        functions or methods (``**self._connect_kwargs()``), or held by an attribute set once
        (``**self.kwargs``); and whether that is all of them."""
        out: Dict[str, cst.BaseExpression] = {}
        complete = True
        for arg in call.args:
            if arg.star != "**":
                continue
            found = self._dict_of(arg.value, scope, 0)
            if found is None:
                complete = False
            else:
                out.update(found[0])
                complete = complete and found[1]
        return out, complete

    def _dict_of(self, node: cst.BaseExpression, scope: Scope, depth: int
                 ) -> Optional[Tuple[Dict[str, cst.BaseExpression], bool]]:
        if depth > 4:
            return None
        node = unwrap_await(node)
        if isinstance(node, cst.Name):
            built = dict_steps(scope, node.value, params=True)
            if built is None:
                return self._forwarded(node.value, scope, depth)
            if built[0] is PARAMETER:
                base = self._forwarded(node.value, scope, depth)
            else:
                base = self._dict_of(built[0], scope, depth + 1)
            if base is None:
                # the caller's dict or one the module does not show, changed here: the keys set here are known
                return self._local(scope).apply_steps({}, UNSEEN, built[1]) if built[1] else None
            return self._local(scope).apply_steps(base[0], base[1], built[1])
        if isinstance(node, cst.Call) and dotted(node.func) != "dict":
            fn = self._own_function(node.func, scope)
            if fn is not None and len(fn.returns) == 1:
                return self._dict_of(fn.returns[0], fn, depth + 1)
            return None
        return self._local(scope).dict_items(node)

    def _subclassed(self, func: cst.BaseExpression) -> Optional[str]:
        """``class Pool(psycopg_pool.AsyncConnectionPool): ...`` defined once in the module with that one base
        and no constructor of its own: ``Pool(...)`` constructs the base, so the call is named after it."""
        if not isinstance(func, cst.Name):
            return None
        defs = self.collector.module_classes.get(func.value, [])
        if len(defs) != 1 or len(defs[0].bases) != 1 or defs[0].keywords:
            return None
        body = defs[0].body.body if isinstance(defs[0].body, cst.IndentedBlock) else ()
        if any(isinstance(stmt, cst.FunctionDef) and stmt.name.value in ("__init__", "__new__") for stmt in body):
            return None
        base = defs[0].bases[0].value
        return self.qualified(base) if dotted(base) != func.value else None

    def _forwarded(self, name: str, scope: Scope, depth: int) -> Optional[Tuple[Dict[str, cst.BaseExpression], bool]]:
        """``def create_pool(self, **kwargs): return asyncpg.create_pool(**kwargs)``: the keywords the
        module's calls of the function pass into its ``**`` parameter ``name`` (explicit ones that no named
        parameter takes, and their own ``**`` dicts), and whether that is all of them. None when ``name``
        is not that parameter or the module never calls the function."""
        fn = next((f for f, s in self.collector.functions if s is scope), None)
        star = fn.params.star_kwarg if fn is not None else None
        if not isinstance(star, cst.Param) or star.name.value != name:
            return None
        named = {p.name.value for p in (*fn.params.posonly_params, *fn.params.params, *fn.params.kwonly_params)}
        out: Dict[str, cst.BaseExpression] = {}
        complete, sites = True, 0
        for call, where in self.collector.calls:
            if where is scope or self._own_function(call.func, where) is not scope:
                continue
            sites += 1
            for arg in call.args:
                if arg.star == "**":
                    found = self._dict_of(arg.value, where, depth + 1)
                    if found is None:
                        complete = False
                    else:
                        out.update((k, v) for k, v in found[0].items() if k not in named)
                        complete = complete and found[1]
                elif arg.star:
                    complete = False
                elif arg.keyword is not None and arg.keyword.value not in named:
                    out[arg.keyword.value] = arg.value
        return (out, complete) if sites else None

    def _own_function(self, func: cst.BaseExpression, scope: Scope) -> Optional[Scope]:
        """The scope of the module's function (or this class's method, ``self.f``) a call names, if it is
        defined once."""
        if isinstance(func, cst.Name):
            name, cls = func.value, None
        elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
            name, cls = func.attr.value, class_of(scope)
        else:
            return None
        found = [s for _, s in self._own_functions.get(name, ()) if cls is None or s.cls == cls]
        return found[0] if len(found) == 1 else None

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

    def literal(self, node: cst.BaseExpression, scope: Optional[Scope]) -> object:
        return self._local(scope or self.collector.module_scope).literal(node)

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

    def _is_sink(self, call: cst.Call, scope: Scope) -> Optional[str]:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in SQL_METHODS:
            receiver = func.value
            while isinstance(receiver, cst.Call):
                receiver = receiver.func
            last = receiver.attr.value if isinstance(receiver, cst.Attribute) else (
                receiver.value if isinstance(receiver, cst.Name) else "")
            if is_sql_method_call(func.attr.value, last, self._server_db, self._sqlite_only):
                return func.attr.value
            return func.attr.value if not self._sqlite_only and self._db_handle(func.value, scope) else None
        qualified = self.qualified(func)
        if qualified in SQL_FUNCTIONS:
            return qualified.rsplit(".", 1)[-1]
        return None

    def _db_handle(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> bool:
        """Whether an expression is a database handle by how it was made: a name bound to (or managed by
        ``with``) a call of a handle factory (``db.cursor()``, ``engine.connect()``, ``pool.acquire()``) or of
        a server database library, or a parameter annotated with a handle type (``cur: Cursor``)."""
        if depth > 6:
            return False
        node = unwrap_await(node)
        if isinstance(node, cst.Call):
            func = node.func
            last = func.attr.value if isinstance(func, cst.Attribute) else (
                func.value if isinstance(func, cst.Name) else "")
            qualified = self.qualified(func) or ""
            return last in DB_HANDLE_FACTORIES or qualified.split(".")[0] in SERVER_DB_LIBS
        if not isinstance(node, cst.Name):
            return False
        s: Optional[Scope] = scope
        while s is not None:
            if s.kind != "class" or s is scope:
                values = s.assigns.get(node.value, []) + s.managed.get(node.value, [])
                if values:
                    return any(self._db_handle(v, s, depth + 1) for v in values if isinstance(v, cst.BaseExpression))
                if node.value in s.params:
                    annotation = s.params[node.value]
                    return annotation is not None and annotation.rsplit(".", 1)[-1] in DB_HANDLE_TYPES
            s = s.parent
        return False

    def _other(self, node: cst.BaseExpression, scope: Scope) -> Optional[str]:
        found = self.reach.text(node, scope) if self.reach is not None else None
        if found is None or len(found) != 1:
            return None
        self._used.append(found[0])
        if isinstance(node, cst.Call):
            local = self._local(scope)
            arguments = [local.text(a.value) for a in node.args if a.keyword is None and not a.star]
            return fill_arguments(found[0].text, arguments, HOLE)
        return found[0].text

    def _evaluator(self, scope: Scope, at: Optional[Tuple[int, Tuple[int, ...]]] = None) -> Evaluator:
        """The evaluator of SQL text at a call (``at``: its place in the walk, for the bindings that reach it)."""
        return Evaluator(CstSyntax, lambda n, s=scope: self._lookup(n.value, s),
                         other=(lambda n, s=scope: self._other(n, s)) if self.reach is not None else None,
                         flow=lambda n, s=scope: reaching(s, n.value, at),
                         listed=lambda n, s=scope: self._listed(n.value, s, at[0] if at is not None else None))

    def _listed(self, name: str, scope: Scope, at: Optional[int]) -> Optional[List[Optional[cst.BaseExpression]]]:
        """``stmts = ["SET ..."]; if x: stmts.append("LISTEN ..."); stmts.extend(more)``: the items of the
        list ``name`` holds at ``at`` (its place in the walk; None: anywhere in the scope), every append
        counted whether or not its branch runs; None for an item known only as a whole (``extend(more)``).
        None when the name is not bound to a list display in this scope followed by appends."""
        entries = scope.flow.get(name)
        steps = scope.appended.get(name)
        if not entries or not steps:
            return None
        binds = [(order, value) for op, value, _, order in entries if op == "=" and (at is None or order < at)]
        if not binds or not isinstance(binds[-1][1], (cst.List, cst.Tuple)) or \
                any(op != "=" for op, _, _, order in entries if order > binds[-1][0] and (at is None or order < at)):
            return None
        start, base = binds[-1]
        items: List[Optional[cst.BaseExpression]] = [e.value if isinstance(e, cst.Element) else None
                                                     for e in base.elements]
        for order, call in steps:
            if order < start or (at is not None and order >= at):
                continue
            method = call.func.attr.value  # type: ignore[attr-defined]
            args = [a.value for a in call.args if a.keyword is None and not a.star]
            if method == "append" and len(args) == 1:
                items.append(args[0])
            elif method == "insert" and len(args) == 2:
                items.append(args[1])
            elif method == "extend" and len(args) == 1 and isinstance(args[0], (cst.List, cst.Tuple)):
                items.extend(e.value if isinstance(e, cst.Element) else None for e in args[0].elements)
            else:
                items.append(None)
        return items

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
        if self._apis is not None and self._apis.engines:
            self._engine_sites()
        for call, scope in self.collector.calls:
            written = dotted(call.func)
            func = call.func
            last = func.attr.value if isinstance(func, cst.Attribute) else (
                func.value if isinstance(func, cst.Name) else "")
            fact = CallFact(call, self.qualified(func) or self._subclassed(func), written, last, scope)
            if any(a.star == "**" for a in call.args):
                fact.expanded, fact.expanded_complete = self._expanded(call, scope)
            self.facts.calls.append(fact)
            if self._apis is not None and self._api_site(call, scope, func, last):
                continue
            if last == "extra" and self._django and isinstance(func, cst.Attribute):
                self._extra_sites(call, scope)
                continue
            sink = self._is_sink(call, scope)
            wrapper = None
            if sink is None:
                synthesised = self._func_text(call, scope)
                if synthesised is not None:
                    self._add(synthesised, call, call, "func", scope, framework="sqlalchemy")
                    continue
                wrapper = self.reach.wrapper(call, scope) if self.reach is not None and not self._sqlite_only \
                    else None
                if wrapper is None:
                    self._generic_site(call, scope, last)
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
                for more in [a.value for a in call.args if a.keyword is not None and a.keyword.value in MORE_SQL_KEYWORDS]:
                    if not self._statement_list(more, call, sink, scope):
                        self._argument_sites(more, call, sink, scope, None)
                if arg is not None and self._statement_list(arg, call, sink, scope):
                    continue
            if arg is None:
                continue
            self._argument_sites(arg, call, sink, scope, wrapper)
        self._statement_list_constants()
        return self.facts

    def _statement_list(self, arg: cst.BaseExpression, call: cst.Call, sink: str, scope: Scope) -> bool:
        """``RunSQL(["SET ...", ("UPDATE ...", params)])``: each statement of a list literal is a site."""
        if not isinstance(arg, (cst.List, cst.Tuple)):
            return False
        for el in arg.elements:
            if not isinstance(el, cst.Element):
                continue
            item = el.value
            if isinstance(item, cst.Tuple) and item.elements and isinstance(item.elements[0], cst.Element):
                item = item.elements[0].value  # (sql, params)
            self._argument_sites(item, call, sink, scope, None)
        return True

    def _argument_sites(self, arg: cst.BaseExpression, call: cst.Call, sink: str, scope: Scope,
                        wrapper: Optional["Wrapper"]) -> None:
        """The SQL sites of one SQL argument: the texts it may hold (a loop over statements: each of them)."""
        origin = self._origin(arg, scope)
        if isinstance(origin, cst.For):
            self._loop_sites(origin, arg, call, sink, scope, wrapper)
            return
        texts = self._texts(arg, call, scope)
        if wrapper is not None and wrapper.transform:
            texts = [(percent_format(x) if wrapper.transform == "%" else brace_format(x), v) for x, v in texts]
        for k, (text, via) in enumerate(texts):
            if len(texts) == 1:
                self._add(text, origin if not via else arg, call, sink, scope, via=via, wrapper=wrapper)
            else:  # alternatives: reported at the argument
                self._add(text, arg, call, sink, scope, via=via, wrapper=wrapper, key=(id(arg), k),
                          alternative_of=id(arg))

    def _texts(self, arg: cst.BaseExpression, call: cst.Call, scope: Scope) -> List[Tuple[str, Tuple["SqlText", ...]]]:
        """The SQL texts an argument may hold, each with the places of the project it comes from."""
        self._used = []
        evaluator = self._evaluator(scope, self.collector.call_order.get(id(call)))
        alternatives = [x for x in evaluator.texts(arg) if x is not None and x.strip()]
        via = tuple(dict.fromkeys(self._used))
        return [(x, via) for x in alternatives]

    def _loop_sites(self, loop: cst.For, arg: cst.BaseExpression, call: cst.Call, sink: str, scope: Scope,
                    wrapper: Optional["Wrapper"]) -> None:
        """``for stmt in [...]: cur.execute(stmt)``: each statement of the iterable is a site."""
        iterable = self._origin(loop.iter, scope)
        listed = self._listed(loop.iter.value, scope, self.collector.call_order.get(id(call), (None,))[0]) \
            if isinstance(loop.iter, cst.Name) else None
        if isinstance(iterable, (cst.List, cst.Tuple)) or listed is not None:
            items = listed if listed is not None else [el.value for el in iterable.elements  # type: ignore[union-attr]
                                                       if isinstance(el, cst.Element)]
            for item in items:
                if item is not None:
                    self._used = []
                    text = self._evaluator(scope).text(item)
                    if text is not None and text.strip():
                        via = tuple(self._used)
                        self._add(text, self._origin(item, scope) if not via else arg, call, sink, scope,
                                  via=via, wrapper=wrapper)
            return
        found = self.reach.text(iterable, scope) if self.reach is not None and isinstance(iterable, cst.Call) \
            else None
        for item in found or ():
            self._add(fill_arguments(item.text, (), HOLE), arg, call, sink, scope, via=(item,), wrapper=wrapper,
                      key=(id(arg), item))

    def _add(self, text: str, origin: cst.CSTNode, call: Optional[cst.Call], sink: str, scope: Scope,
             via: Tuple["SqlText", ...] = (), wrapper: Optional["Wrapper"] = None,
             framework: Optional[str] = None, key: object = None, dialect: Optional[str] = None,
             api: Optional[str] = None, alternative_of: Optional[int] = None) -> None:
        key = key if key is not None else id(origin)
        if key in self._seen:
            return
        self._seen.add(key)
        reason = None
        if dialect is not None:
            by_receiver = True
        elif call is None:
            dialect, by_receiver = self._dialect_of(None, None)
        else:
            dialect, by_receiver = self._dialect_of(call, scope)
        if not by_receiver:
            # the receiver does not show the driver: SQL only one dialect can mean is that dialect's
            # (even in a file that imports a driver of the other), then the names around the code
            by_text = text_dialect(text)
            if by_text is not None and by_text[0] != dialect:
                dialect = by_text[0]  # no assumption: only that dialect has this SQL
            elif dialect in (None, MIXED):
                by_name = name_dialect(*_enclosing_names(scope), self.path)
                if by_name is not None:
                    dialect, reason = by_name[0], f"the code is in `{by_name[1]}`"
                elif dialect is None and self.index is not None and len(self.index.dialects) == 1:
                    dialect, reason = self.index.dialects[0]  # the only dialect the project shows
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
                dialect_reason=reason,
                literal=literal,
                via=via,
                wrapper=wrapper,
                api=api,
                alternative_of=alternative_of,
            )
        )


def _default_apis(imports: Dict[str, str], strings: List[cst.BaseExpression]) -> Optional["Catalog"]:
    """The bundled session-API catalog when the module may use one of its APIs (an import from one of
    its libraries, or a string naming an engine), else None (nothing to look up)."""
    from pinlint.facts.session_apis import catalog

    apis = catalog()
    tops = {q.split(".")[0] for q in imports.values()}
    if any(name.split(".")[0] in tops for name in apis.by_name):
        return apis
    if apis.engines and any(isinstance(s, cst.SimpleString) and "backend" in s.value for s in strings):
        return apis
    return None


def extract(module: cst.Module, index: Optional["ProjectIndex"] = None, path: Optional[str] = None) -> Facts:
    return Extractor(module, index, path).run()
