"""MySQL executable comments (``/*! ... */``, ``/*M! ... */``): opened before tokenizing so that the SQL
inside them is classified, and remembered on the statements they were found in.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Dict, List, Tuple

from pinlint.sql.statement import Statement

_EXECUTABLE_START = re.compile(r"/\*M?!(?:\d{5,6}(?!\d))?")


def _skip_quoted(text: str, i: int) -> int:
    """Offset just past the quoted string or identifier starting at ``text[i]`` (or ``len(text)``)."""
    quote = text[i]
    j = i + 1
    n = len(text)
    while j < n:
        ch = text[j]
        if ch == "\\" and quote != "`":
            j += 2
            continue
        if ch == quote:
            if j + 1 < n and text[j + 1] == quote:  # a doubled quote stands for itself
                j += 2
                continue
            return j + 1
        j += 1
    return n


def open_executable_comments(text: str) -> Tuple[str, List[Tuple[int, int]]]:
    """``text`` with the markers of every executable comment blanked (same length), and the spans of
    those comments. Quotes, ``#`` / ``-- `` line comments and ordinary ``/* */`` comments are skipped.
    An unterminated executable comment is left alone (the tokenizer reports it)."""
    if "/*" not in text:
        return text, []
    n = len(text)
    blanks: List[Tuple[int, int]] = []
    spans: List[Tuple[int, int]] = []
    i = 0
    while i < n:
        ch = text[i]
        if ch in "'\"`":
            i = _skip_quoted(text, i)
        elif ch == "#" or (ch == "-" and text.startswith("--", i) and (i + 2 >= n or text[i + 2] in " \t\r\n")):
            newline = text.find("\n", i)
            i = n if newline < 0 else newline + 1
        elif ch == "/" and text.startswith("/*", i):
            opener = _EXECUTABLE_START.match(text, i)
            if opener is None:
                close = text.find("*/", i + 2)
                i = n if close < 0 else close + 2
                continue
            j = opener.end()
            close = -1
            while j < n:
                if text[j] in "'\"`":
                    j = _skip_quoted(text, j)
                elif text.startswith("*/", j):
                    close = j
                    break
                else:
                    j += 1
            if close < 0:
                break
            blanks += [(i, opener.end()), (close, close + 2)]
            spans.append((i, close + 2))
            i = close + 2
        else:
            i += 1
    if not blanks:
        return text, []
    parts: List[str] = []
    at = 0
    for start, end in blanks:
        parts += [text[at:start], " " * (end - start)]
        at = end
    parts.append(text[at:])
    return "".join(parts), spans


def attach_comments(statements: List[Statement], spans: List[Tuple[int, int]]) -> List[Statement]:
    """Record each executable comment on the statement that holds it (or, when it holds no token,
    on the statement before it; else the first one)."""
    if not spans or not statements:
        return statements
    found: Dict[int, List[Tuple[int, int]]] = {}
    for start, end in spans:
        index = next((k for k, st in enumerate(statements) if st.start < end and st.end > start), None)
        if index is None:
            before = [k for k, st in enumerate(statements) if st.start <= start]
            index = before[-1] if before else 0
        found.setdefault(index, []).append((start, end))
    return [replace(st, executable_comments=tuple(found[k])) if k in found else st
            for k, st in enumerate(statements)]
