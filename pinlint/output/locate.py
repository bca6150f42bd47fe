"""Positions of findings, computed only for files that have findings, and only for the nodes asked for.

libcst's PositionProvider records a range for every node of the module (on a module of 400k short
lines: 51 s and gigabytes). The positions are the same thing done lean: one code generation pass over
the module that follows lines and columns exactly as libcst's ``PositionProvidingCodegenState`` does
(line breaks ``\\r\\n``, ``\\r`` and ``\\n``; syntactic ranges without surrounding whitespace, hoisted
start and end nodes), keeps no generated text, holds the ranges of one top-level statement at a time,
keeps only those of the nodes asked for, and stops after the last statement that holds one of them.
tests/test_locate.py checks that the ranges equal PositionProvider's for every node of every rule
example and of odd files (CRLF, lone CR, form feeds, tabs, non-ASCII, implicit concatenation).
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState

from pinlint.model import Position

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
#: libcst's own (position_provider.NEWLINE_RE)
_NEWLINE = re.compile(r"\r\n?|\n")

#: (line 1-based, column 0-based) pairs: start, end
_Range = Tuple[Tuple[int, int], Tuple[int, int]]


class _Done(Exception):
    """Every wanted node has its range: stop generating code."""


class _Syntactic:
    """``record_syntactic_position``: the node's range without its surrounding whitespace."""

    __slots__ = ("state", "node", "start_node", "end_node", "start")

    def __init__(self, state: "_PositionState", node, start_node, end_node) -> None:
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node

    def __enter__(self) -> None:
        self.start = (self.state.line, self.state.column)

    def __exit__(self, kind, value, tb) -> None:
        if kind is not None:
            return
        state = self.state
        start, end = self.start, (state.line, state.column)
        if self.start_node is not None:
            start = state.range_of(self.start_node)[0]
        if self.end_node is not None:
            end = state.range_of(self.end_node)[1]
        state.current[self.node] = (start, end)


class _Count:
    """Stands for the list of generated tokens: libcst's Module only asks whether it is empty."""

    __slots__ = ("n",)

    def __init__(self) -> None:
        self.n = 0

    def __len__(self) -> int:
        return self.n


class _PositionState(CodegenState):
    """Code generation that only counts lines and columns and records the ranges of wanted nodes."""

    def __init__(self, module: cst.Module, wanted: Iterable[cst.CSTNode]) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.line = 1
        self.column = 0
        self.stack: list = []
        #: ranges of the nodes of the top-level statement being generated
        self.current: Dict[cst.CSTNode, _Range] = {}
        #: ranges of the wanted nodes found so far
        self.found: Dict[cst.CSTNode, _Range] = {}
        self.wanted = set(wanted)
        self.missing = len(self.wanted)
        self.tokens = _Count()  # type: ignore[assignment]

    def range_of(self, node: cst.CSTNode) -> _Range:
        r = self.current.get(node)
        return r if r is not None else self.found[node]

    def _advance(self, value: str) -> None:
        if "\n" not in value and "\r" not in value:
            self.column += len(value)
            return
        segments = _NEWLINE.split(value)
        self.line += len(segments) - 1
        self.column = len(segments[-1])

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.tokens.n += 1  # type: ignore[attr-defined]
            self._advance(token)

    def add_token(self, value: str) -> None:
        self.tokens.n += 1  # type: ignore[attr-defined]
        self._advance(value)

    def pop_trailing_newline(self) -> None:
        pass  # the end of the module: every range is recorded by then (PositionProvider's do not move either)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.stack.append((self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self.stack.pop()
        current = self.current
        if node not in current and node not in self.found:  # a syntactic range is recorded already
            current[node] = (start, (self.line, self.column))
        if len(self.stack) == 1:  # a top-level statement (or header/footer line) is done
            self._flush()

    def _flush(self) -> None:
        wanted, found = self.wanted, self.found
        for node, r in self.current.items():
            if node in wanted:
                if node not in found:
                    self.missing -= 1
                found[node] = r
        self.current = {}
        if self.missing <= 0:
            raise _Done

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):  # type: ignore[override]
        return _Syntactic(self, node, start_node, end_node)


def positions(module: cst.Module, wanted: Iterable[cst.CSTNode],
              starts: Optional[Sequence[int]] = None) -> Dict[cst.CSTNode, _Range]:
    """The ranges ((line, column), (line, column)), 1-based lines and 0-based columns as libcst's
    PositionProvider gives them, of the ``wanted`` nodes of ``module`` (nodes not in it are absent).

    ``starts``: the line where each top-level statement of the module begins, not counting its leading
    blank and comment lines (``pinlint.pipeline.parse.statement_starts``, from CPython's tree). Then only
    the statements that hold a wanted node are generated, each from its own line; the line each one ends
    on must be where the next statement starts, or the whole module is generated after all."""
    wanted = list(wanted)
    if starts is not None and len(starts) == len(module.body):
        found = _by_statement(module, wanted, starts)
        if found is not None:
            return found
    state = _PositionState(module, wanted)
    if state.missing:
        try:
            module._codegen(state)
        except _Done:
            return state.found
        for node, r in state.current.items():  # the module node itself, if asked for
            if node in state.wanted:
                state.found[node] = r
    return state.found


def _by_statement(module: cst.Module, wanted: List[cst.CSTNode], starts: Sequence[int]
                  ) -> Optional[Dict[cst.CSTNode, _Range]]:
    """``positions`` from the top-level statements that hold a wanted node only, or None when a statement
    does not end where the next one starts or a wanted node is in no statement."""
    state = _PositionState(module, wanted)
    if not state.missing:
        return state.found
    body = module.body
    left = set(state.wanted)
    for k, stmt in enumerate(body):
        held = _holding(stmt, left)
        if not held:
            continue
        left -= held
        state.line, state.column, state.stack, state.current = _first_line(body[k], starts[k]), 0, [(1, 0)], {}
        try:
            stmt._codegen(state)
        except _Done:
            return state.found
        if k + 1 < len(body) and state.line != _first_line(body[k + 1], starts[k + 1]):
            return None
        if not left:
            return state.found
    return None  # a wanted node outside the statements (the module, its header or footer), or not in it


def _first_line(stmt: cst.CSTNode, start: int) -> int:
    """The line a top-level statement's code begins on: its leading blank and comment lines come first."""
    return start - len(getattr(stmt, "leading_lines", ()))


def _holding(stmt: cst.CSTNode, wanted: set) -> set:
    """The wanted nodes in ``stmt``'s tree, outside its whitespace and punctuation (a wanted node there is
    not found, and ``_by_statement`` then leaves the module to be generated whole)."""
    from pinlint.facts.walk import node_fields

    out = set()
    stack = [stmt]
    node_type = cst.CSTNode
    while stack:
        node = stack.pop()
        if node in wanted:
            out.add(node)
        for name in node_fields(type(node)):
            value = getattr(node, name)
            if isinstance(value, node_type):
                stack.append(value)
            elif type(value) in (tuple, list):
                stack.extend(c for c in value if isinstance(c, node_type))
    return out


class Locator:
    """Positions of the nodes of findings. ``nodes``: every node whose position may be asked for;
    ``starts``: as for ``positions``."""

    def __init__(self, module: cst.Module, nodes: Iterable[Optional[cst.CSTNode]],
                 starts: Optional[Sequence[int]] = None) -> None:
        self._positions = positions(module, [n for n in nodes if n is not None], starts)

    def range(self, node: cst.CSTNode) -> Tuple[Position, Position]:
        (sl, sc), (el, ec) = self._positions[node]
        # libcst: 1-based lines, 0-based columns; pinlint reports 1-based columns everywhere.
        return Position(sl, sc + 1), Position(el, ec + 1)

    def rows(self, node: Optional[cst.CSTNode]) -> Tuple[int, ...]:
        if node is None or node not in self._positions:
            return ()
        (sl, _), (el, _) = self._positions[node]
        return (sl, el)

    def in_literal(self, literal: cst.SimpleString, offset: int) -> Position:
        """Position of character ``offset`` of a literal's value: the source character it comes from
        (the backslash of an escape sequence)."""
        start, _ = self.range(literal)
        body_start = len(literal.prefix) + len(literal.quote)
        row, col = start.row, start.column + body_start
        value = literal.raw_value
        offset = raw_offset(literal, max(0, offset))
        offset = max(0, min(offset, len(value)))
        head = value[:offset]
        breaks = _LINE_BREAK.findall(head)  # \r\n, a lone \r and \n all end a line
        if breaks:
            row += len(breaks)
            col = 1 + len(head) - max(head.rfind("\n"), head.rfind("\r")) - 1
        else:
            col += len(head)
        return Position(row, col)


_SIMPLE_ESCAPES = "\\'\"abfnrtv"
_ESCAPE_LENGTH = {"x": 4, "u": 6, "U": 10}


def raw_offset(literal: cst.SimpleString, offset: int) -> int:
    """The offset in the literal's source body (``raw_value``) of character ``offset`` of its value,
    following Python's escape sequences (none in a raw string)."""
    raw = literal.raw_value
    if "\\" not in raw or "r" in literal.prefix.lower():
        return offset
    i = v = 0
    while i < len(raw) and v < offset:
        if raw[i] != "\\" or i + 1 >= len(raw):
            i, v = i + 1, v + 1
            continue
        c = raw[i + 1]
        if c in "\r\n":  # a backslash-newline continues the line and adds nothing to the value
            i += 3 if raw.startswith("\r\n", i + 1) else 2
        elif c in _SIMPLE_ESCAPES:
            i, v = i + 2, v + 1
        elif c in "01234567":
            n = 1
            while n < 3 and i + 1 + n < len(raw) and raw[i + 1 + n] in "01234567":
                n += 1
            i, v = i + 1 + n, v + 1
        elif c in _ESCAPE_LENGTH:
            i, v = i + _ESCAPE_LENGTH[c], v + 1
        elif c == "N" and raw.startswith("{", i + 2) and "}" in raw[i + 3:]:
            i, v = raw.index("}", i + 3) + 1, v + 1
        else:  # an unknown escape keeps its backslash: two characters of the value
            i, v = i + 1, v + 1
    while raw.startswith(("\\\n", "\\\r"), i):  # the character is on the line after a continuation
        i += 3 if raw.startswith("\\\r\n", i) else 2
    return i


def literal_pieces(node: Optional[cst.CSTNode]) -> Optional[Tuple[Tuple[cst.SimpleString, int], ...]]:
    """The text literals a string expression is written as (a literal, or an implicit concatenation of
    them), each with its value's length; None for anything else (f-strings, bytes)."""
    if isinstance(node, cst.SimpleString):
        if "b" in node.prefix.lower():
            return None
        try:
            value = node.evaluated_value
        except Exception:  # pragma: no cover - libcst evaluates every valid literal
            return None
        return ((node, len(value)),) if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left, right = literal_pieces(node.left), literal_pieces(node.right)
        return None if left is None or right is None else left + right
    return None


def piece_at(pieces: Tuple[Tuple[cst.SimpleString, int], ...], offset: int,
             end: bool = False) -> Tuple[cst.SimpleString, int]:
    """(literal, offset in its value) of character ``offset`` of the joined value; ``end``: an end
    offset (exclusive), placed at the end of the piece it closes."""
    at = 0
    for i, (piece, length) in enumerate(pieces):
        if offset < at + length or (end and offset <= at + length) or i == len(pieces) - 1:
            return piece, min(max(0, offset - at), length)
        at += length
    raise ValueError("no pieces")  # pragma: no cover - literal_pieces never returns an empty tuple
