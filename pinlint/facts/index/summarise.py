"""Per-file summaries for the project index (stdlib ``ast``): module constants, class attributes,
functions (what they return, which parameters they pass on to calls), imports and ``# noqa`` lines."""

from __future__ import annotations

import ast
import os
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterator, List, Optional, Sequence, Set, Tuple

from pinlint.facts.catalog import PASS_THROUGH_FUNCS, PASS_THROUGH_METHODS, SERVER_DB_LIBS

PASS_THROUGH = PASS_THROUGH_FUNCS | PASS_THROUGH_METHODS



# --------------------------------------------------------------------------------------------------
# per-file summaries (stdlib ast)


@dataclass
class FunctionSummary:
    key: str  # "f", "Class.m", "outer.inner"
    #: the line of the ``def`` (the function's tree is not kept: summaries must stay small)
    line: int
    params: List[str]
    method: bool
    cls: Optional[str]
    returns: List[ast.expr] = field(default_factory=list)
    #: (callee, position-or-keyword -> param name, transform, line) for every call passing a parameter
    calls: List[Tuple[ast.expr, List[Tuple[object, str, str]], int]] = field(default_factory=list)


@dataclass
class ModuleSummary:
    name: str
    path: str
    is_package: bool
    imports: Dict[str, str] = field(default_factory=dict)
    consts: Dict[str, ast.expr] = field(default_factory=dict)
    const_lines: Dict[str, Tuple[int, int]] = field(default_factory=dict)
    classes: Dict[str, List[str]] = field(default_factory=dict)
    functions: Dict[str, FunctionSummary] = field(default_factory=dict)
    server_db: bool = False
    noqa: Dict[int, FrozenSet[str]] = field(default_factory=dict)


def module_name(path: str, root: str) -> str:
    """The dotted module name of ``path`` under ``root`` (``pkg/mod.py`` -> ``pkg.mod``, a package's
    ``__init__`` -> the package); a path outside ``root`` counts from the file system's root. String
    work only (it runs for every file of a run)."""
    p = os.path.abspath(path)
    base = os.path.abspath(root)
    if base == os.sep:
        rel = p[1:]
    elif p == base or p.startswith(base + os.sep):
        rel = p[len(base) + 1:]
    else:
        rel = p.lstrip(os.sep)
    parts = [part for part in rel.split(os.sep) if part]
    if parts:
        parts[-1] = _stem(parts[-1])
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) or _stem(os.path.basename(p))


def _stem(name: str) -> str:
    """A file name without its last suffix, as pathlib cuts it (``.py`` and ``g.`` have none)."""
    i = name.rfind(".")
    return name[:i] if 0 < i < len(name) - 1 else name


def dotted_name(node: ast.expr) -> Optional[str]:
    parts: List[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


_NOQA_RE = re.compile(rb"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]*(?:[\s,]+[A-Z]+[0-9]*)*))?", re.IGNORECASE)


def _noqa_rows(data: bytes) -> Dict[int, FrozenSet[str]]:
    """``# noqa`` comments by line (a line scan: only definition lines are ever looked up)."""
    rows: Dict[int, FrozenSet[str]] = {}
    for row, line in enumerate(data.split(b"\n"), 1):
        if b"noqa" not in line:
            continue
        m = _NOQA_RE.search(line)
        if m:
            codes = m.group("codes")
            rows[row] = frozenset({"*"}) if codes is None else frozenset(
                c.decode().upper() for c in re.split(rb"[\s,]+", codes.strip()) if c)
    return rows


class _Summariser:
    """A walk over statements only (expressions are scanned for calls only inside functions of files
    that may define a wrapper): much cheaper than a full ``ast.NodeVisitor`` traversal."""

    def __init__(self, mod: ModuleSummary, want_calls: bool = True) -> None:
        self.mod = mod
        self.want_calls = want_calls
        self.stack: List[Tuple[str, str]] = []  # ("class"|"function", name)
        self.func: Optional[FunctionSummary] = None
        self.locals: Dict[str, List[ast.expr]] = {}
        self.ambiguous: Set[str] = set()
        #: how many compound statements whose body may not run are around the statement being read
        self.branches = 0

    def body(self, stmts: Sequence[ast.stmt]) -> None:
        for stmt in stmts:
            self.stmt(stmt)

    def stmt(self, node: ast.stmt) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self._function(node)
        elif isinstance(node, ast.ClassDef):
            self._class(node)
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                self._bind(t, node.value, node)
            self._calls(node.value)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self._bind(node.target, node.value, node)
                self._calls(node.value)
        elif isinstance(node, ast.AugAssign):
            if isinstance(node.target, ast.Name):
                prior = self.locals.get(node.target.id) if self.func is not None else None
                if prior is not None and len(prior) == 1 and isinstance(node.op, ast.Add) and not self.branches:
                    # ``sql = "LOCK TABLE "; sql += ", ".join(...)`` in straight-line code: one text
                    joined = ast.copy_location(ast.BinOp(prior[0], ast.Add(), node.value), prior[0])
                    joined.end_lineno, joined.end_col_offset = node.value.end_lineno, node.value.end_col_offset
                    self.locals[node.target.id] = [joined]
                elif self.func is not None:
                    self.locals.setdefault(node.target.id, []).extend((node.value, node.value))
                else:
                    self.ambiguous.add(".".join([n for _, n in self.stack] + [node.target.id]))
            self._calls(node.value)
        elif isinstance(node, ast.Return):
            if self.func is not None and node.value is not None:
                self.func.returns.append(node.value)
                self._calls(node.value)
        elif isinstance(node, ast.Expr):
            self._calls(node.value)
        elif isinstance(node, ast.Import):
            self._import(node)
        elif isinstance(node, ast.ImportFrom):
            self._import_from(node)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            if isinstance(node.target, ast.Name):
                if self.func is not None:
                    self.locals.setdefault(node.target.id, []).extend((node.iter, node.iter))
                else:
                    self.ambiguous.add(node.target.id)
            self._calls(node.iter)
            self._branch(node.body, node.orelse)
        elif isinstance(node, (ast.If, ast.While)):
            self._calls(node.test)
            self._branch(node.body, node.orelse)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                self._calls(item.context_expr)
            self.body(node.body)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            self._branch(node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody)
        elif type(node).__name__ == "Match":
            self._branch(*(case.body for case in node.cases))  # type: ignore[attr-defined]

    def _branch(self, *bodies: Sequence[ast.stmt]) -> None:
        """Statements that may or may not run (a branch, a loop body, a handler)."""
        self.branches += 1
        for stmts in bodies:
            self.body(stmts)
        self.branches -= 1

    # imports
    def _import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.mod.imports[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                self.mod.imports[top] = top
        if any(a.name.split(".")[0] in SERVER_DB_LIBS for a in node.names):
            self.mod.server_db = True

    def _import_from(self, node: ast.ImportFrom) -> None:
        base = "." * node.level + (node.module or "")
        if node.module and node.module.split(".")[0] in SERVER_DB_LIBS:
            self.mod.server_db = True
        for alias in node.names:
            if alias.name == "*":
                continue
            bound = alias.asname or alias.name
            self.mod.imports[bound] = f"{base}.{alias.name}" if base and not base.endswith(".") else base + alias.name

    # scopes
    def _class(self, node: ast.ClassDef) -> None:
        if self.func is None and all(k == "class" for k, _ in self.stack):
            name = ".".join([n for _, n in self.stack] + [node.name])
            self.mod.classes[name] = [d for d in (dotted_name(b) for b in node.bases) if d]
        self.stack.append(("class", node.name))
        self.body(node.body)
        self.stack.pop()

    def _function(self, node) -> None:
        outer_func, outer_locals = self.func, self.locals
        in_class = bool(self.stack) and self.stack[-1][0] == "class"
        key = ".".join([n for _, n in self.stack] + [node.name])
        args = node.args
        params = [a.arg for a in (*args.posonlyargs, *args.args)]
        decorators = {dotted_name(d) for d in node.decorator_list}
        method = in_class and "staticmethod" not in decorators
        fn = FunctionSummary(key, node.lineno, params, method, ".".join(n for _, n in self.stack) if in_class else None)
        fn.params_kw = [a.arg for a in args.kwonlyargs]  # type: ignore[attr-defined]
        if key in self.mod.functions:
            self.ambiguous.add(key)
        self.mod.functions[key] = fn
        self.func, self.locals = fn, {}
        self.stack.append(("function", node.name))
        self.body(node.body)
        self.stack.pop()
        # local bindings are read again only to evaluate what the function returns
        fn.locals = _reachable(self.locals, fn.returns) if fn.returns else {}  # type: ignore[attr-defined]
        self.func, self.locals = outer_func, outer_locals

    # assignments
    def _bind(self, target: ast.expr, value: ast.expr, node: ast.stmt) -> None:
        if not isinstance(target, ast.Name):
            return
        if self.func is not None:
            self.locals.setdefault(target.id, []).append(value)
            return
        if self.stack and any(k == "function" for k, _ in self.stack):
            return
        key = ".".join([n for _, n in self.stack] + [target.id])
        if key in self.mod.consts:
            self.ambiguous.add(key)
        self.mod.consts[key] = value
        self.mod.const_lines[key] = (node.lineno, getattr(node, "end_lineno", node.lineno) or node.lineno)

    # calls that pass a parameter on (wrapper inference)
    def _calls(self, expr: Optional[ast.expr]) -> None:
        fn = self.func
        if fn is None or expr is None or not self.want_calls or not (fn.params or getattr(fn, "params_kw", ())):
            return
        for node in _calls_in(expr):
            passed: List[Tuple[object, str, str]] = []
            for i, arg in enumerate(node.args):
                if isinstance(arg, ast.Starred):
                    break  # positions after ``*args`` are unknown
                hit = _param_of(arg, fn, self.locals)
                if hit is not None:
                    passed.append((i, hit[0], hit[1]))
            for kw in node.keywords:
                if kw.arg is not None:
                    hit = _param_of(kw.value, fn, self.locals)
                    if hit is not None:
                        passed.append((kw.arg, hit[0], hit[1]))
            if passed:
                fn.calls.append((node.func, passed, node.lineno))


def _reachable(local: Dict[str, List[ast.expr]], roots: Sequence[ast.expr]) -> Dict[str, List[ast.expr]]:
    """The bindings that evaluating ``roots`` (what a function returns) can read: every local name keeps
    its key (a name bound in the function is never a module's constant), and only the names the
    expressions reach, directly or through the values of other reached names, keep their values. The
    rest would only be sent to the main process and never read (a large share of a summary)."""
    wanted: Set[str] = set()
    todo = list(roots)
    while todo:
        for node in ast.walk(todo.pop()):
            if isinstance(node, ast.Name) and node.id not in wanted:
                wanted.add(node.id)
                todo.extend(local.get(node.id, ()))
    return {name: (values if name in wanted else []) for name, values in local.items()}


def _calls_in(expr: ast.expr) -> Iterator[ast.Call]:
    """The calls in ``expr``, in ``ast.walk``'s order (breadth first), without its generic traversal."""
    from pinlint.pipeline.skeleton import child_fields

    queue = deque([expr])
    popleft, append = queue.popleft, queue.append
    ast_node, call = ast.AST, ast.Call
    while queue:
        node = popleft()
        if type(node) is call:
            yield node
        for name in child_fields(type(node))[0]:
            value = getattr(node, name, None)
            if isinstance(value, ast_node):
                append(value)
            elif type(value) is list:
                for child in value:
                    if isinstance(child, ast_node):
                        append(child)


def _param_of(node: ast.expr, fn: FunctionSummary, local: Dict[str, List[ast.expr]], depth: int = 0,
              transform: str = "") -> Optional[Tuple[str, str]]:
    """The parameter whose value ``node`` passes on unchanged (or printf/format-ed), with the transform."""
    if depth > 10:
        return None
    if isinstance(node, ast.Name):
        if node.id in fn.params or node.id in getattr(fn, "params_kw", ()):
            if node.id in local:
                return None  # rebound in the body
            return node.id, transform
        values = local.get(node.id)
        if values is not None and len(values) == 1:
            return _param_of(values[0], fn, local, depth + 1, transform)
        return None
    if isinstance(node, ast.Call):
        name = node.func.attr if isinstance(node.func, ast.Attribute) else (
            node.func.id if isinstance(node.func, ast.Name) else "")
        if isinstance(node.func, ast.Attribute) and name in ("strip", "lstrip", "rstrip", "format"):
            return _param_of(node.func.value, fn, local, depth + 1, "{}" if name == "format" else transform)
        if name in PASS_THROUGH and node.args and not isinstance(node.args[0], ast.Starred):
            return _param_of(node.args[0], fn, local, depth + 1, transform)
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _param_of(node.left, fn, local, depth + 1, "%")
    return None


def summarise(path: str, data: bytes, name: str, want_calls: bool = True,
              tree: Optional[ast.Module] = None) -> Optional[ModuleSummary]:
    """One file's summary, or None if it does not parse. ``want_calls``: record the calls that pass a
    parameter on (only files that may define a wrapper need them). ``tree``: CPython's tree of ``data``,
    if the caller parsed it (with ``parse_for_index``)."""
    if tree is None:
        tree = parse_for_index(data, path)
        if tree is None:
            return None
    mod = ModuleSummary(name=name, path=path, is_package=os.path.basename(path).startswith("__init__."))
    summariser = _Summariser(mod, want_calls=want_calls)
    try:
        summariser.body(tree.body)
    except RecursionError:
        return None
    for key in summariser.ambiguous:
        mod.consts.pop(key, None)
        mod.functions.pop(key, None)
    if b"noqa" in data:
        mod.noqa = _noqa_rows(data)
    return mod


def parse_for_index(data: bytes, path: str) -> Optional[ast.Module]:
    """CPython's tree of a file for its summary, or None if it does not parse (or is too deep to pickle
    for the workers: then it is not indexed)."""
    from pinlint.pipeline.parse import bounded_ast_parse

    try:
        return bounded_ast_parse(data, path)  # type: ignore[return-value]
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
