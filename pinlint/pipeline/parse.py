"""Parse Python source once, with libcst.

libcst's native parser overflows its stack (a segmentation fault: the whole run dies) on a few thousand
nested brackets, and takes time cubic in the depth of long operator, subscript and call chains. So
before libcst sees a file, CPython's own parser (fast, and bounded: it refuses more than 200 nested
brackets) checks it and an iterative walk measures the nesting depth; a file nested deeper than any
hand-written code becomes one PIN000 diagnostic instead of a crash or a hang.
"""

from __future__ import annotations

import ast
import re
import sys
import warnings
from typing import TYPE_CHECKING, Callable, FrozenSet, Optional

import libcst as cst

if TYPE_CHECKING:  # pragma: no cover
    from pinlint.pipeline.focus import Focused

#: Deeper syntax trees are not analysed. Real code stays far below (generated lookup tables reach ~600);
#: libcst parses a 1000-deep chain in seconds, and the visitors need ~5 frames a level.
MAX_NESTING = 1000
#: Bracket depth that libcst's native parser survives with a wide margin (it crashes at ~2000).
MAX_BRACKETS = 500
#: Python recursion limit the analysis needs for MAX_NESTING (worker processes use the same).
RECURSION_LIMIT = 10000
#: While CPython's parser runs: bounds the depth of the tree it builds, whatever the process limit is.
_AST_RECURSION_LIMIT = 1000

TOO_DEEP = f"expressions nested too deeply to parse (more than {MAX_NESTING} levels)"


class ParseFailure(Exception):
    def __init__(self, reason: str, row: int = 1, column: int = 1) -> None:
        super().__init__(reason)
        self.reason = reason
        self.row = row
        self.column = column


def parse(text: str, focus: Optional[Callable[[ast.Module], Optional["Focused"]]] = None) -> cst.Module:
    """The libcst module of ``text``. ``focus`` (pinlint/pipeline/focus.py) may return the text with the
    statements that cannot matter blanked out, given CPython's tree; libcst then parses that."""
    tree: Optional[ast.AST] = None
    syntax_error: Optional[ParseFailure] = None
    try:
        tree = _ast_parse(text)
    except SyntaxError as err:
        syntax_error = ParseFailure(f"syntax error: {err.msg}", err.lineno or 1, err.offset or 1)
        if "too many nested parentheses" in (err.msg or "") or "too many levels of indentation" in (err.msg or ""):
            raise syntax_error from None
    except (RecursionError, MemoryError):
        raise ParseFailure(TOO_DEEP) from None
    except ValueError as exc:  # e.g. NUL bytes (decode() refuses them first)
        raise ParseFailure(f"cannot parse: {exc}") from None

    focused = focus(tree) if focus is not None and isinstance(tree, ast.Module) else None
    if tree is not None:
        # only what libcst will see (blanked statements cannot slow it down)
        if _too_deep(tree, focused.blanked if focused is not None else frozenset()):
            raise ParseFailure(TOO_DEEP)
    elif _bracket_depth(text) > MAX_BRACKETS:
        # CPython refused the file for another reason (a newer syntax, perhaps, which libcst may know):
        # never hand libcst more brackets than it survives.
        raise syntax_error  # type: ignore[misc]

    if sys.getrecursionlimit() < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)
    if focused is not None:
        try:
            return cst.parse_module(focused.text)
        except Exception:  # never expected; the whole text decides
            if _too_deep(tree):  # type: ignore[arg-type]
                raise ParseFailure(TOO_DEEP) from None
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        message = exc.message.splitlines()[0] if exc.message else "invalid syntax"
        if len(message) > 80:
            message = message[:77].rstrip(" ,") + "..."
        if syntax_error is not None:
            raise syntax_error from None
        # CPython accepts the file: say so, rather than blame the file
        raise ParseFailure(f"libcst cannot parse this valid Python ({message})", exc.raw_line,
                           exc.raw_column + 1) from None
    except RecursionError:
        raise ParseFailure(TOO_DEEP) from None
    except Exception as exc:  # CSTValidationError (``u'' b''``), ValueError, MemoryError...
        if syntax_error is not None:
            raise syntax_error from None
        raise ParseFailure(f"libcst cannot parse this valid Python ({type(exc).__name__}: {exc})") from None


def _ast_parse(text: str) -> ast.AST:
    old = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(_AST_RECURSION_LIMIT)
    except RecursionError:  # already deeper than that: keep the limit
        pass
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes and the like
            return ast.parse(text)
    finally:
        sys.setrecursionlimit(old)


def _too_deep(tree: ast.AST, skip: FrozenSet[int] = frozenset()) -> bool:
    """Whether the tree is nested more than MAX_NESTING levels (iterative: no recursion), not counting
    the nodes whose ids are in ``skip`` (statements blanked out before libcst sees the file)."""
    stack = [(tree, 0)]
    pop, push, children = stack.pop, stack.append, ast.iter_child_nodes
    while stack:
        node, depth = pop()
        if depth > MAX_NESTING:
            return True
        depth += 1
        for child in children(node):
            if id(child) not in skip:
                push((child, depth))
    return False


# Comments and string literals (their brackets do not nest), or one bracket.
_BRACKET_SCAN = re.compile(
    r"""\#[^\r\n]*"""
    r"""|[rRbBuUfFtT]{0,2}(?:'''(?:\\.|[^\\])*?'''|\"\"\"(?:\\.|[^\\])*?\"\"\"|'(?:\\.|[^'\\\r\n])*'|"(?:\\.|[^"\\\r\n])*")"""
    r"""|[()\[\]{}]""",
    re.S,
)
_STEP = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}


def _bracket_depth(text: str) -> int:
    """The deepest bracket nesting outside strings and comments (an estimate for files CPython refuses)."""
    if sum(text.count(c) for c in "([{") <= MAX_BRACKETS:
        return 0
    depth = deepest = 0
    for match in _BRACKET_SCAN.finditer(text):
        step = _STEP.get(match.group())
        if step:
            depth = max(0, depth + step)  # a stray closing bracket does not make the depth negative
            if depth > deepest:
                deepest = depth
    return deepest
