"""A read-only walk over a libcst tree, several times faster than ``node.visit(visitor)``.

libcst's ``visit`` rebuilds every node it passes (``_visit_and_replace_children``: a new dataclass,
validated), even for a visitor that changes nothing, and descends into every whitespace, comma and
parenthesis node. The extractors only read the tree, and only look at expressions and statements. This
walk calls the same ``visit_<Node>`` / ``leave_<Node>`` methods (``visit_`` returning False skips the
children, as in libcst), in source order, and does not enter whitespace and punctuation.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Callable, Dict, List, Optional, Tuple

import libcst as cst

#: fields that hold only whitespace, comments and punctuation (never an expression or a statement)
_SKIPPED_FIELDS = frozenset({
    "leading_lines", "lines_after_decorators", "lpar", "rpar", "lbrace", "rbrace", "lbracket", "rbracket",
    "comma", "semicolon", "colon", "equal", "dot", "header", "footer", "trailing_whitespace", "newline",
    "asynchronous", "operator", "star", "whitespace", "indent", "first_colon", "second_colon",
})
#: fields in the order the source has them, where dataclass order differs (decorators come first)
_ORDER = {
    cst.FunctionDef: ("decorators", "name", "type_parameters", "params", "returns"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords"),
    cst.IfExp: ("body", "test"),
    cst.ExceptHandler: ("type", "name"),
    cst.ExceptStarHandler: ("type", "name"),
    cst.Arg: ("keyword",),
    cst.Parameters: ("posonly_params", "posonly_ind"),
}

_Entry = Tuple[Optional[Callable], Optional[Callable], Tuple[str, ...]]


@lru_cache(maxsize=None)
def node_fields(cls: type) -> Tuple[str, ...]:
    """The fields of a node class that can hold an expression or a statement, in source order."""
    names = [f.name for f in dataclasses.fields(cls)
             if f.name not in _SKIPPED_FIELDS and not f.name.startswith("whitespace")]
    first = [n for n in _ORDER.get(cls, ()) if n in names]
    return tuple(first + [n for n in names if n not in first])


def walk(node: cst.CSTNode, visitor: object) -> None:
    """Call ``visitor.visit_X(node)`` before and ``visitor.leave_X(node)`` after each node's children."""
    table: Dict[type, _Entry] = {}
    node_type = cst.CSTNode

    def entry(cls: type) -> _Entry:
        found = table.get(cls)
        if found is None:
            name = cls.__name__
            found = table[cls] = (getattr(visitor, "visit_" + name, None), getattr(visitor, "leave_" + name, None),
                                  node_fields(cls))
        return found

    # ``go`` gets itself as an argument: a closure that named itself would be a reference cycle, and keep
    # the visitor (with the tree it holds) alive until the garbage collector scans it
    def go(n: cst.CSTNode, go: Callable) -> None:
        visit, leave, fields = entry(type(n))
        if visit is None or visit(n) is not False:
            for name in fields:
                value = getattr(n, name)
                if isinstance(value, node_type):
                    go(value, go)
                elif type(value) in (tuple, list):
                    for child in value:
                        if isinstance(child, node_type):
                            go(child, go)
        if leave is not None:
            leave(n)

    go(node, go)


__all__: List[str] = ["node_fields", "walk"]
