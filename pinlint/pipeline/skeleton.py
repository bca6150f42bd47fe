"""What focus and the parse guard need of CPython's tree of a file, as plain data.

parse -> **skeleton** -> focus -> libcst. Focus (pinlint.pipeline.focus) decides which functions, methods and
classes to blank out from their lines, docstrings and the assignments around them; the parse guard
(pinlint.pipeline.parse) needs the depth and the number of nodes of what libcst will see, and the line each
top-level statement starts on. A ``Skeleton`` holds exactly that, for the *units* (a ``def`` or ``class``
at module level, or directly in a module-level class) and the statements around them. It is built from
the tree in one iterative walk, and it is small and picklable: the survey of a parallel run, which
parses a file for the project index anyway, sends it with the file's summary, so that pass 2 does not
parse the file with CPython a second time (``digest`` ties it to the bytes it was built from).
"""

from __future__ import annotations

import ast
import hashlib
from typing import Dict, FrozenSet, List, NamedTuple, Optional, Tuple

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_IMPORTS = (ast.Import, ast.ImportFrom)
_ASSIGNS = (ast.Assign, ast.AnnAssign, ast.AugAssign)
#: CPython statements with a block: never on one line with another statement (``a = 1; b = 2`` is one
#: libcst statement line, ``if a: b = 1; c = 2`` one ``If``)
_COMPOUND = tuple(getattr(ast, n) for n in ("FunctionDef", "AsyncFunctionDef", "ClassDef", "If", "For", "AsyncFor",
                                           "While", "Try", "TryStar", "With", "AsyncWith", "Match") if hasattr(ast, n))
#: CPython keeps these flat where libcst nests one level per element: ``a or b or c`` is one BoolOp,
#: libcst's BooleanOperation(BooleanOperation(a, b), c); a comprehension's ``for`` clauses are a list,
#: libcst's CompFor chain (``inner_for_in``).
FLAT_CHAINS = {ast.BoolOp: "values", ast.ListComp: "generators", ast.SetComp: "generators",
               ast.DictComp: "generators", ast.GeneratorExp: "generators"}


class Unit(NamedTuple):
    """A ``def`` or ``class`` that focus may blank out."""

    start: int  # first line, its first decorator's if it has one
    end: int
    name: str
    parent: int  # the index of the class it is defined in, or -1
    doc: Optional[Tuple[int, int]]  # the lines of its docstring
    only_defs: bool  # a class whose body holds only ``def`` and ``class`` statements


class Statement(NamedTuple):
    """A statement at module level."""

    first: int  # its first line, its first decorator's if it has one
    line: int  # the line CPython gives it
    end: int
    compound: bool
    unit: int  # the unit it is, or -1
    names_code: bool  # not a def, class, import or ``__all__ = [...]``: its names lead focus to helpers


class Assignment(NamedTuple):
    """An assignment at module level or in a module-level class's body."""

    line: int
    end: int
    targets: FrozenSet[str]


class Skeleton(NamedTuple):
    units: Tuple[Unit, ...]
    statements: Tuple[Statement, ...]
    assignments: Tuple[Assignment, ...]
    module_doc: Optional[Tuple[int, int]]
    #: (depth, nodes) of the tree libcst will build, per unit for its own nodes (its methods not
    #: counted), and for the nodes of no unit; depths are from the module's root
    sizes: Tuple[Tuple[int, int], ...]
    rest: Tuple[int, int]
    #: the digest of the bytes it was built from (``digest``); empty when built from text
    digest: bytes = b""

    def size(self, blanked: FrozenSet[int] = frozenset()) -> Tuple[int, int]:
        """(depth, nodes) of what libcst sees when the units ``blanked`` (indexes) are blanked out: a
        blanked class's methods are gone with it. As ``pinlint.pipeline.parse.measure`` counts them."""
        depth, nodes = self.rest
        for i, unit in enumerate(self.units):
            if i in blanked or (unit.parent >= 0 and unit.parent in blanked):
                continue
            d, n = self.sizes[i]
            depth = max(depth, d)
            nodes += n
        return depth, nodes

    def statement_starts(self, blanked: FrozenSet[int] = frozenset()) -> List[int]:
        """The line each top-level statement of libcst's module begins on (leading blank and comment
        lines not counted): simple statements on one line joined by ``;`` are one; a one-line ``def`` or
        ``class`` that focus blanked out (``blanked``: unit indexes) is gone."""
        out: List[int] = []
        previous: Optional[Statement] = None
        for st in self.statements:
            if st.unit >= 0 and st.unit in blanked and st.first == st.end:
                continue  # blanked to an empty line
            if previous is not None and not previous.compound and not st.compound and st.line == previous.end:
                previous = st
                continue  # ``a = 1; b = 2``
            out.append(st.first)
            previous = st
        return out


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _docstring(body: List[ast.stmt]) -> Optional[Tuple[int, int]]:
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return first.lineno, first.end_lineno or first.lineno
    return None


def _first_line(node: ast.stmt) -> int:
    return min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", None) or ()])


def _names_all(stmt: ast.stmt) -> bool:
    """``__all__ = [...]`` (or ``+=``): it names every public function, and calls none."""
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [getattr(stmt, "target", None)]
    return any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets)


def _targets(stmt: ast.stmt) -> FrozenSet[str]:
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]  # type: ignore[attr-defined]
    return frozenset(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))


_CHILD_FIELDS: Dict[type, Tuple[Tuple[str, ...], bool]] = {}


def child_fields(cls: type) -> Tuple[Tuple[str, ...], bool]:
    """The fields of a CPython ast class that hold child nodes, other than ``ctx``, in ``_fields``
    order (``ast.iter_child_nodes``'s), and whether it has a ``ctx`` (a leaf: Load, Store, Del)."""
    got = _CHILD_FIELDS.get(cls)
    if got is None:
        fields = getattr(cls, "_fields", ())
        got = _CHILD_FIELDS[cls] = (tuple(f for f in fields if f != "ctx"), "ctx" in fields)
    return got


def _sizes(tree: ast.Module, owner_of: Dict[int, int], count: int) -> Tuple[List[Tuple[int, int]], Tuple[int, int]]:
    """(depth, nodes) per unit (``owner_of``: the id of a unit's node -> its index) and for the rest, in one
    iterative walk: a node counts for the innermost unit it is in. Depths and counts as libcst will build
    the tree (``FLAT_CHAINS`` nest one level per element; a ``ctx`` leaf is a node one level down)."""
    depths = [0] * (count + 1)  # the last one: no unit
    nodes = [0] * (count + 1)
    stack = [(tree, 0, count)]
    pop, push = stack.pop, stack.append
    chains = FLAT_CHAINS
    ast_node = ast.AST
    while stack:
        node, depth, owner = pop()
        nodes[owner] += 1
        if depth > depths[owner]:
            depths[owner] = depth
        cls = type(node)
        field = chains.get(cls)
        depth += 1 if field is None else max(1, len(getattr(node, field)))
        fields, has_ctx = child_fields(cls)
        if has_ctx:
            nodes[owner] += 1
            if depth > depths[owner]:
                depths[owner] = depth
        for name in fields:
            value = getattr(node, name, None)
            if isinstance(value, ast_node):
                push((value, depth, owner_of.get(id(value), owner)))
            elif type(value) is list:
                for child in value:
                    if isinstance(child, ast_node):
                        push((child, depth, owner_of.get(id(child), owner)))
    return list(zip(depths[:count], nodes[:count])), (depths[count], nodes[count])


def build(tree: ast.Module, data: Optional[bytes] = None) -> Skeleton:
    """The skeleton of a module's tree (``data``: the bytes it was parsed from, for ``digest``)."""
    units: List[Unit] = []
    owner_of: Dict[int, int] = {}
    statements: List[Statement] = []
    assignments: List[Assignment] = []

    def unit(node: ast.stmt, parent: int) -> int:
        body = node.body  # type: ignore[attr-defined]
        owner_of[id(node)] = len(units)
        units.append(Unit(_first_line(node), node.end_lineno or node.lineno, node.name,  # type: ignore[attr-defined]
                          parent, _docstring(body), isinstance(node, ast.ClassDef) and all(isinstance(s, _DEFS) for s in body)))
        return len(units) - 1

    for stmt in tree.body:
        index = -1
        if isinstance(stmt, _DEFS):
            index = unit(stmt, -1)
            if isinstance(stmt, ast.ClassDef):
                for inner in stmt.body:
                    if isinstance(inner, _DEFS):
                        unit(inner, index)
                    elif isinstance(inner, _ASSIGNS):
                        assignments.append(Assignment(inner.lineno, inner.end_lineno or inner.lineno, _targets(inner)))
        elif isinstance(stmt, _ASSIGNS):
            assignments.append(Assignment(stmt.lineno, stmt.end_lineno or stmt.lineno, _targets(stmt)))
        statements.append(Statement(_first_line(stmt), stmt.lineno, stmt.end_lineno or stmt.lineno,
                                    isinstance(stmt, _COMPOUND), index,
                                    not isinstance(stmt, _DEFS + _IMPORTS) and not _names_all(stmt)))
    sizes, rest = _sizes(tree, owner_of, len(units))
    return Skeleton(tuple(units), tuple(statements), tuple(assignments), _docstring(tree.body), tuple(sizes), rest,
                    digest(data) if data is not None else b"")
