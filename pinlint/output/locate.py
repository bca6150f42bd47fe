"""Positions of findings: computed only for files that have findings (PositionProvider is costly)."""

from __future__ import annotations

import re
from typing import Dict, Optional, Tuple

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from pinlint.model import Position

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class Locator:
    def __init__(self, module: cst.Module) -> None:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        self._positions: Dict[cst.CSTNode, CodeRange] = dict(wrapper.resolve(PositionProvider))

    def range(self, node: cst.CSTNode) -> Tuple[Position, Position]:
        r = self._positions[node]
        # libcst: 1-based lines, 0-based columns; pinlint reports 1-based columns everywhere.
        return Position(r.start.line, r.start.column + 1), Position(r.end.line, r.end.column + 1)

    def rows(self, node: Optional[cst.CSTNode]) -> Tuple[int, ...]:
        if node is None or node not in self._positions:
            return ()
        r = self._positions[node]
        return (r.start.line, r.end.line)

    def in_literal(self, literal: cst.SimpleString, offset: int) -> Position:
        """Position of character ``offset`` of a plain literal's value (no escapes in the source)."""
        start, _ = self.range(literal)
        body_start = len(literal.prefix) + len(literal.quote)
        row, col = start.row, start.column + body_start
        value = literal.raw_value
        offset = max(0, min(offset, len(value)))
        head = value[:offset]
        breaks = _LINE_BREAK.findall(head)  # \r\n, a lone \r and \n all end a line
        if breaks:
            row += len(breaks)
            col = 1 + len(head) - max(head.rfind("\n"), head.rfind("\r")) - 1
        else:
            col += len(head)
        return Position(row, col)
