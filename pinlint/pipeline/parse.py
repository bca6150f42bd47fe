"""Parse Python source once, with libcst.

libcst's native parser overflows its stack (a segmentation fault: the whole run dies) on a few thousand
nested brackets or ``or``/``and`` terms, and takes time cubic in the depth of long operator, subscript and
call chains. So before libcst sees a file, CPython's own parser (fast, and bounded: it refuses more than
200 nested brackets) checks it and an iterative walk measures the nesting depth *as libcst will build it*:
CPython keeps ``a or b or c`` and the ``for`` clauses of a comprehension flat, libcst nests them one level
per term (pinlint.pipeline.skeleton, which keeps the figures per function and class, so that what focus
blanks out does not count). A file nested deeper than any hand-written code becomes one PIN000
diagnostic instead of a crash or a hang. The same walk counts the nodes, which bounds the memory
libcst's tree will take (pinlint/pipeline/budget.py).
"""

from __future__ import annotations

import ast
import re
import sys
import warnings
from typing import TYPE_CHECKING, Callable, FrozenSet, List, Optional, Union

from pinlint.lazy import cst  # the project index uses bounded_ast_parse only: libcst is loaded on first use

from pinlint.pipeline.budget import max_nodes, memory_reason

if TYPE_CHECKING:  # pragma: no cover
    from pinlint.pipeline.focus import Focused
    from pinlint.pipeline.skeleton import Skeleton

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


def parse(text: str, focus: Optional[Callable[["Skeleton"], Optional["Focused"]]] = None,
          memory_bound: Optional[int] = None, starts: Optional[List[int]] = None,
          skeleton: Optional["Skeleton"] = None) -> cst.Module:
    """The libcst module of ``text``. ``focus`` (pinlint/pipeline/focus.py) may return the text with the
    statements that cannot matter blanked out, given the skeleton of CPython's tree; libcst then parses
    that. Code whose syntax trees would take more than ``memory_bound`` bytes is refused before a parser
    builds them. ``starts``: filled with the lines the module's statements start on, when CPython's tree
    gives them. ``skeleton``: the skeleton of this text's tree, when it is known already (the survey of
    a parallel run built it): then CPython does not parse the text again."""
    from pinlint.pipeline.skeleton import build

    syntax_error: Optional[ParseFailure] = None
    if skeleton is None:
        if memory_bound is not None:
            _check_estimate(text, memory_bound)
        try:
            skeleton = build(_ast_parse(text))  # type: ignore[arg-type]
        except SyntaxError as err:
            syntax_error = ParseFailure(f"syntax error: {err.msg}", err.lineno or 1, err.offset or 1)
            if "too many nested parentheses" in (err.msg or "") or "too many levels of indentation" in (err.msg or ""):
                raise syntax_error from None
        except (RecursionError, MemoryError):
            raise ParseFailure(TOO_DEEP) from None
        except ValueError as exc:  # e.g. NUL bytes (decode() refuses them first)
            raise ParseFailure(f"cannot parse: {exc}") from None

    focused = focus(skeleton) if focus is not None and skeleton is not None else None
    if skeleton is not None:
        # only what libcst will see (blanked statements cannot slow it down)
        _check_size(skeleton, focused.blanked if focused is not None else frozenset(), memory_bound)
    elif _bracket_depth(text) > MAX_BRACKETS:
        # CPython refused the file for another reason (a newer syntax, perhaps, which libcst may know):
        # never hand libcst more brackets than it survives.
        raise syntax_error  # type: ignore[misc]

    if sys.getrecursionlimit() < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)
    if focused is not None:
        try:
            module = cst.parse_module(focused.text)
        except Exception:  # never expected; the whole text decides
            _check_size(skeleton, frozenset(), memory_bound)  # type: ignore[arg-type]
        else:
            if starts is not None:
                starts[:] = statement_starts(skeleton, text, focused.blanked)  # type: ignore[arg-type]
            return module
    try:
        module = cst.parse_module(text)
        if starts is not None and skeleton is not None:
            starts[:] = statement_starts(skeleton, text)
        return module
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


def statement_starts(tree: Union["Skeleton", ast.Module], text: str, blanked: FrozenSet[int] = frozenset()) -> List[int]:
    """The line each top-level statement of libcst's module begins on (its first decorator's, if any;
    leading blank and comment lines not counted), from CPython's tree of the text or its skeleton
    (``Skeleton.statement_starts``; ``blanked``: the units focus blanked out). Empty where lines may be
    counted differently (a bare carriage return). pinlint.output.locate checks each statement's end
    against the next start."""
    from pinlint.pipeline.read import has_bare_cr
    from pinlint.pipeline.skeleton import Skeleton, build

    if has_bare_cr(text):
        return []
    return (tree if isinstance(tree, Skeleton) else build(tree)).statement_starts(blanked)


def _check_size(skeleton: "Skeleton", blanked: FrozenSet[int], memory_bound: Optional[int]) -> None:
    depth, nodes = skeleton.size(blanked)
    if depth > MAX_NESTING:
        raise ParseFailure(TOO_DEEP)
    if memory_bound is not None and nodes > max_nodes(memory_bound):
        raise ParseFailure(memory_reason(memory_bound))


#: One token of Python source, for an upper estimate of the size of its tree: a string literal (triple-quoted
#: or not, closed or not: never a failing scan), a comment, a word or number, one operator character.
_TOKEN = re.compile(
    r"""[rRbBuUfFtT]{0,2}(?:'\'\'(?:[^'\\]|\\.|'(?!''))*(?:'\'\'|\Z)|\"\"\"(?:[^"\\]|\\.|"(?!""))*(?:\"\"\"|\Z)"""
    r"""|'(?:[^'\\\r\n]|\\.)*'?|"(?:[^"\\\r\n]|\\.)*"?)|\#[^\r\n]*|\w+|[^\w\s]""",
    re.S,
)
#: CPython's tree has at most about this many nodes per token (``a+a``: BinOp, Name, Load, Add, Name, Load).
_NODES_PER_TOKEN = 2


def _check_estimate(text: str, bound: int) -> None:
    """Refuse a text whose CPython tree alone could exceed the memory bound, before CPython builds it.
    Cheap for every file of ordinary size (no scan); linear otherwise, stopping at the bound."""
    from pinlint.pipeline.budget import AST_BYTES_PER_NODE

    most_tokens = bound // (AST_BYTES_PER_NODE * _NODES_PER_TOKEN)
    if len(text) <= most_tokens:  # a token takes at least one character
        return
    tokens = 0
    for tokens, _ in enumerate(_TOKEN.finditer(text), 1):
        if tokens > most_tokens:
            raise ParseFailure(memory_reason(bound))


def bounded_ast_parse(source: Union[str, bytes], filename: str = "<unknown>") -> ast.AST:
    """CPython's tree of ``source`` under a low recursion limit: a tree too deep to walk, pickle or
    analyse raises RecursionError (or MemoryError) instead of being built. For the project index, so that
    it never holds a summary the workers cannot send (pinlint/pipeline/schedule.py)."""
    return _ast_parse(source, filename)


def _ast_parse(text: Union[str, bytes], filename: str = "<unknown>") -> ast.AST:
    old = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(_AST_RECURSION_LIMIT)
    except RecursionError:  # already deeper than that: keep the limit
        pass
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes and the like
            return ast.parse(text, filename=filename)
    except SystemError:
        # the per-file time budget's alarm ran in Python code that the compiler called back (a gc or
        # warnings callback) and its exception surfaced as "AST constructor recursion depth mismatch":
        # report the budget, as everywhere else
        from pinlint.pipeline.budget import checkpoint

        checkpoint()
        raise
    finally:
        sys.setrecursionlimit(old)


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
