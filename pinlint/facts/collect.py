"""One read-only libcst walk of a module: imports, simple assignments per scope, every call, function
definitions, and the bindings the driver rules follow (what a value is bound to, ``obj.attr = value``,
``x[key] = value``, the module's string expressions outside docstrings)."""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import libcst as cst

from pinlint.facts.catalog import ASSERTION_PREFIXES, DICT_METHODS, LAZY_IMPORTS, LIST_METHODS, SA_DDL_CALLS, SA_DDL_KEYWORDS
from pinlint.facts.model import AttrWrite, Scope, class_of, dotted, module_name_of, self_attr, unwrap_await


def annotation_name(node: cst.BaseExpression) -> Optional[str]:
    """The type an annotation names: ``asyncpg.Connection``, ``"Connection"``, ``Optional[Cursor]`` ->
    ``Cursor``, ``Cursor | None`` -> ``Cursor``."""
    for _ in range(5):
        if isinstance(node, cst.SimpleString):
            value = node.evaluated_value
            return value.strip() if isinstance(value, str) else None
        if isinstance(node, cst.Subscript) and node.slice and isinstance(node.slice[0].slice, cst.Index):
            node = node.slice[0].slice.value
        elif isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            node = node.left
        else:
            return dotted(node)
    return None


class Collector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.imports: Dict[str, str] = {}
        self.module_scope = Scope(None, "module")
        self.scope = self.module_scope
        self.calls: List[Tuple[cst.Call, Scope]] = []
        self.functions: List[Tuple[cst.FunctionDef, Scope]] = []
        #: calls inside a schema definition (``Column(server_default=func.nextval(...))``): stored, not run
        self.ddl_calls: set = set()
        #: calls inside the arguments of a test assertion (``assert_compile(x, "SET ...")``,
        #: ``self.assertEqual(..., CursorSQL("..."))``): expected SQL, not SQL the code sends
        self.asserted_calls: set = set()
        #: every class body's scope
        self.class_scopes: List[Scope] = []
        self._assert_depth = 0
        #: the compound statements (if/else, loops, try) around the node being walked, and a counter that
        #: orders bindings and calls (pinlint.facts.flow)
        self._blocks: List[int] = []
        self.order = 0
        #: id(call) -> its place in the walk, and the compound statements around it
        self.call_order: Dict[int, Tuple[int, Tuple[int, ...]]] = {}
        self._ddl_depth = 0
        # Bindings and strings, for the driver rules (collected here so a file is walked only once):
        #: id(value node) -> the name it is bound to (``engine = create_engine(...)``, ``with ... as conn``)
        self.bound: Dict[int, str] = {}
        #: ``obj.attr = value``: attr -> values
        self.attr_assigns: Dict[str, List[cst.BaseExpression]] = {}
        #: ``obj.attr = value`` with the object, in order (pinlint.facts.model.AttrWrite)
        self.attr_writes: List[AttrWrite] = []
        #: ``x[key] = value``
        self.subscript_assigns: List[Tuple[cst.Subscript, cst.BaseExpression]] = []
        #: module-level class definitions by name
        self.module_classes: Dict[str, List[cst.ClassDef]] = {}
        #: (class, attribute) -> the steps that build ``self.attr`` as a dict in any method of the class
        #: (``self.settings["search_path"] = ...``, ``self.settings.update(...)``), as ``dict_steps`` gives them
        self.attr_steps: Dict[Tuple[Optional[str], str], List[Tuple[str, cst.BaseExpression]]] = {}
        #: outermost string expressions outside docstrings (bare string statements)
        self.strings: List[cst.BaseExpression] = []
        self._string_depth = 0
        self._bare_string_depth = 0

    # scopes -----------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        cls = self.scope.cls if self.scope.kind == "class" else None
        self.scope = Scope(self.scope, "function", cls, node.name.value)
        self.functions.append((node, self.scope))
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            annotation = param.annotation.annotation if param.annotation is not None else None
            self.scope.params[param.name.value] = annotation_name(annotation) if annotation is not None else None
        for star in (params.star_arg, params.star_kwarg):  # ``*args`` / ``**kwargs``: the caller's too
            if isinstance(star, cst.Param):
                self.scope.params[star.name.value] = None

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        assert self.scope.parent is not None
        self.scope = self.scope.parent

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.scope = Scope(self.scope, "function")

    def leave_Lambda(self, node: cst.Lambda) -> None:
        assert self.scope.parent is not None
        self.scope = self.scope.parent

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if self.scope.kind == "module":
            self.module_classes.setdefault(node.name.value, []).append(node)
        outer = self.scope.cls + "." if self.scope.kind == "class" and self.scope.cls else ""
        self.scope = Scope(self.scope, "class", outer + node.name.value, node.name.value)
        self.class_scopes.append(self.scope)

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
    def _flow(self, name: str, op: str, value: cst.BaseExpression) -> None:
        self.order += 1
        self.scope.flow.setdefault(name, []).append((op, value, tuple(self._blocks), self.order))

    def _attr_step(self, container: cst.BaseExpression, op: str, value: cst.BaseExpression) -> None:
        attr = self_attr(container)
        if attr is not None:
            self.attr_steps.setdefault((class_of(self.scope), attr), []).append((op, value))

    def _lazy_import(self, name: str, value: cst.BaseExpression) -> None:
        """``asyncpg = LazyLoader("asyncpg", globals(), "asyncpg")`` at module level: an import."""
        if self.scope.kind != "module" or not isinstance(value, cst.Call):
            return
        func = dotted(value.func) or ""
        index = LAZY_IMPORTS.get(func, LAZY_IMPORTS.get(func.rsplit(".", 1)[-1]))
        positional = [a.value for a in value.args if a.keyword is None and not a.star]
        if index is None or index >= len(positional) or not isinstance(positional[index], cst.SimpleString):
            return
        module = positional[index].evaluated_value
        if isinstance(module, str) and module.replace(".", "").replace("_", "").isalnum():
            self.imports[name] = module

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self._lazy_import(target.value, value)
            self._flow(target.value, "=", value)
            self.scope.assigns.setdefault(target.value, []).append(value)
            self.bound[id(unwrap_await(value))] = target.value
        elif isinstance(target, cst.Attribute):
            self.bound[id(unwrap_await(value))] = target.attr.value
            self.attr_assigns.setdefault(target.attr.value, []).append(value)
            self.order += 1
            self.attr_writes.append(AttrWrite(dotted(target.value), target.attr.value, value, self.order, self.scope))
        elif isinstance(target, cst.Subscript):
            self.subscript_assigns.append((target, value))
            if len(target.slice) != 1 or not isinstance(target.slice[0].slice, cst.Index):
                return
            # ``kwargs["options"] = ...`` / ``self.kwargs["options"] = ...``: a step of building the
            # dict (pinlint.facts.flow); _attr_step keeps only ``self.<attr>`` containers
            step = cst.Tuple([cst.Element(target.slice[0].slice.value), cst.Element(value)])
            if isinstance(target.value, cst.Name):
                self._flow(target.value.value, "[]", step)
            else:
                self._attr_step(target.value, "[]", step)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            name = node.asname.name
            if isinstance(name, cst.Name):
                self.bound[id(unwrap_await(node.item))] = name.value
                self.scope.managed.setdefault(name.value, []).append(unwrap_await(node.item))
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
            if isinstance(node.operator, cst.AddAssign):
                self._flow(node.target.value, "+=", node.value)
            else:
                self._flow(node.target.value, "?", node.value)

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.scope.returns.append(node.value)

    def visit_Del(self, node: cst.Del) -> None:
        target = node.target
        if not (isinstance(target, cst.Subscript) and len(target.slice) == 1
                and isinstance(target.slice[0].slice, cst.Index)):
            return
        key = target.slice[0].slice.value
        if isinstance(target.value, cst.Name):
            self._flow(target.value.value, "del", key)  # ``del kwargs["x"]``
        else:
            self._attr_step(target.value, "del", key)  # ``del self.kwargs["x"]``

    def visit_For(self, node: cst.For) -> None:
        # ``for stmt in STATEMENTS: cur.execute(stmt)``: the loop variable is bound to the loop (one
        # binding: each item of the iterable); any other binding makes the name ambiguous.
        if isinstance(node.target, cst.Name):
            self.scope.assigns.setdefault(node.target.value, []).append(node)  # type: ignore[arg-type]
            self._flow(node.target.value, "?", node)  # type: ignore[arg-type]
        self._blocks.append(id(node))

    def leave_For(self, node: cst.For) -> None:
        self._blocks.pop()

    # compound statements: a binding inside one may or may not happen
    def _enter(self, node: cst.CSTNode) -> None:
        self._blocks.append(id(node))

    def _exit(self, node: cst.CSTNode) -> None:
        self._blocks.pop()

    visit_If = visit_Else = visit_While = visit_Try = visit_ExceptHandler = visit_Finally = _enter
    visit_TryStar = visit_ExceptStarHandler = visit_MatchCase = _enter
    leave_If = leave_Else = leave_While = leave_Try = leave_ExceptHandler = leave_Finally = _exit
    leave_TryStar = leave_ExceptStarHandler = leave_MatchCase = _exit

    # calls ------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append((node, self.scope))
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.attr.value in DICT_METHODS:
            self._flow(func.value.value, "m", node)  # ``kwargs.update(...)``: a step of building the dict
        elif isinstance(func, cst.Attribute) and func.attr.value in DICT_METHODS:
            self._attr_step(func.value, "m", node)  # ``self.kwargs.update(...)``
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.attr.value in LIST_METHODS:
            self.scope.appended.setdefault(func.value.value, []).append((self.order, node))  # ``stmts.append(...)``
        self.order += 1
        self.call_order[id(node)] = (self.order, tuple(self._blocks))
        if self._ddl_depth:
            self.ddl_calls.add(id(node))
        if self._assert_depth:
            self.asserted_calls.add(id(node))
        func = node.func
        last = func.attr.value if isinstance(func, cst.Attribute) else (func.value if isinstance(func, cst.Name) else "")
        if last in SA_DDL_CALLS:
            self._ddl_depth += 1
        if last.startswith(ASSERTION_PREFIXES):
            self._assert_depth += 1

    def leave_Call(self, node: cst.Call) -> None:
        func = node.func
        last = func.attr.value if isinstance(func, cst.Attribute) else (func.value if isinstance(func, cst.Name) else "")
        if last in SA_DDL_CALLS:
            self._ddl_depth -= 1
        if last.startswith(ASSERTION_PREFIXES):
            self._assert_depth -= 1

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None and node.keyword.value in SA_DDL_KEYWORDS:
            self._ddl_depth += 1

    def leave_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None and node.keyword.value in SA_DDL_KEYWORDS:
            self._ddl_depth -= 1
