"""Fix plans (pinlint/checks/fixes.py) -> the text edits of ``Diagnostic.fix``, with 1-based positions.

Called by the pipeline for the findings of one file, only in a run that computes fixes
(``RunOptions.fixes``). Every edit is placed by the positions of the libcst tree's nodes and checked
against the source text (a replaced node's text must be what the tree says it is; an added argument goes
where the container's layout says), so the rest of the file keeps its formatting and comments. A plan that
cannot be placed exactly is dropped: the finding then has no fix, never a wrong one.

SQL text written in another module (``SqlSite.via``: a constant, a function's returned literal) is edited
there: that file's text is tokenized, the string literals of the statement on the constant's line that
spell exactly the SQL text are found, and the edit lands inside one of them (``Edit.filename``). The
--fix engine (pinlint/output/fix.py) reads files it has already edited in memory through ``OVERLAY``.
"""

from __future__ import annotations

import ast
import bisect
import os
import tokenize
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Sequence, Tuple

from pinlint.model import Diagnostic, Edit, Fix, Position

if TYPE_CHECKING:  # pragma: no cover
    from pinlint.evaluate import Finding
    from pinlint.facts.model import Facts, SqlSite

#: absolute path -> bytes: files the --fix engine has edited but not written (``overlay``)
OVERLAY: Dict[str, bytes] = {}


@contextmanager
def overlay(files: Dict[str, bytes]) -> Iterator[None]:
    """Read these files' bytes instead of the disk's while resolving edits in other modules."""
    saved = dict(OVERLAY)
    OVERLAY.clear()
    OVERLAY.update({os.path.abspath(p): b for p, b in files.items()})
    try:
        yield
    finally:
        OVERLAY.clear()
        OVERLAY.update(saved)


def read_text(path: str) -> Optional[str]:
    from pinlint.pipeline.read import SourceError, decode, read_bytes

    data = OVERLAY.get(os.path.abspath(path))
    try:
        return decode(data if data is not None else read_bytes(path))
    except (SourceError, SyntaxError):
        return None


class _Text:
    """A file's text with offset <-> position conversions (the universal line model of edit.py)."""

    def __init__(self, text: str) -> None:
        from pinlint.output.edit import line_starts

        self.text = text
        self.starts = line_starts(text)

    def offset(self, p: Position) -> int:
        from pinlint.output.edit import offset

        return offset(self.text, self.starts, p)

    def position(self, at: int) -> Position:
        row = bisect.bisect_right(self.starts, at)
        return Position(row, at - self.starts[row - 1] + 1)

    def row_start(self, row: int) -> int:
        return self.starts[row - 1] if row <= len(self.starts) else len(self.text)

    def row_body_end(self, row: int) -> int:
        """Offset of the end of a row's text, before its line break."""
        from pinlint.output.edit import split_eol

        start = self.row_start(row)
        end = self.row_start(row + 1) if row < len(self.starts) else len(self.text)
        body, _ = split_eol(self.text[start:end])
        return start + len(body)

    def eol(self, row: int) -> str:
        from pinlint.output.edit import split_eol

        start = self.row_start(row)
        end = self.row_start(row + 1) if row < len(self.starts) else len(self.text)
        return split_eol(self.text[start:end])[1] or "\n"

    def row_text(self, row: int) -> str:
        return self.text[self.row_start(row): self.row_body_end(row)]


class _Unplaceable(Exception):
    """An edit of a plan cannot be placed exactly: the plan is dropped."""


def attach_fixes(diags: List[Diagnostic], fixable: Sequence[Tuple["Finding", Diagnostic]], facts: "Facts",
                 text: str, filename: str, options) -> List[Diagnostic]:
    """``diags`` with the fix of each of ``fixable`` (a finding with a fix builder, and its diagnostic)
    attached where the plan applies and can be placed."""
    from pinlint.checks.fixes import FixContext

    fctx = FixContext(facts, options.targets, filename)
    plans = []
    for finding, diag in fixable:
        safety = finding.spec.fix_safety
        if safety == "none" or finding.fix is None:
            continue
        try:
            plan = finding.fix(fctx)
        except Exception:  # a fix builder's bug costs the fix, never the run's findings
            plan = None
        if plan is not None and plan.edits:
            applicability = "unsafe" if "unsafe" in (safety, plan.applicability) else "safe"
            plans.append((diag, plan, applicability))
    if not plans:
        return diags
    from pinlint.output.locate import Locator

    locator = Locator(facts.module, [n for _, plan, _ in plans for e in plan.edits for n in _nodes(e)])
    own = _Text(text)
    fixes: Dict[int, Fix] = {}
    for diag, plan, applicability in plans:
        try:
            edits, where = _place(plan.edits, locator, own, filename, facts)
        except (_Unplaceable, KeyError, ValueError):
            continue
        title = plan.title + (f"; edits {where}" if where else "")
        fixes[id(diag)] = Fix(title=title, applicability=applicability, edits=tuple(edits))
    return [replace(d, fix=fixes[id(d)]) if id(d) in fixes else d for d in diags]


def _nodes(edit: object) -> List[object]:
    """The nodes whose positions an edit needs."""
    import libcst as cst

    from pinlint.checks import fixes as F

    if isinstance(edit, F.Replace):
        return [edit.node]
    if isinstance(edit, F.AddElement):
        c = edit.container
        elements = list(c.args) if isinstance(c, cst.Call) else list(c.elements)
        out: List[object] = [c]
        if isinstance(c, cst.Call):
            out.append(c.func)
        if elements:
            out += [elements[-1], elements[-1].value]
        return out
    if isinstance(edit, F.LiteralSpan):
        return [edit.literal]
    if isinstance(edit, F.SqlSpan):
        return [n for n, _ in _pieces(edit.site.literal or edit.site.node) if n is not None]
    if isinstance(edit, F.Remove):
        return [edit.statement]
    if isinstance(edit, F.Unwrap):
        t = edit.statement
        return [t, t.finalbody, t.body.body[0]] if t.body.body and t.finalbody is not None else [t]
    return []


def _place(edits: Sequence[object], locator, own: _Text, filename: str, facts: "Facts"
           ) -> Tuple[List[Edit], str]:
    """The text edits of a plan, and where it edits another module (for the title; "" when it does not)."""
    from pinlint.checks import fixes as F

    out: List[Tuple[Optional[str], _Text, int, int, str]] = []
    where = ""
    for e in edits:
        if isinstance(e, F.Replace):
            start, end = _span(locator, own, e.node)
            if own.text[start:end] != facts.module.code_for_node(e.node):
                raise _Unplaceable("the node's text is not what the tree says")
            out.append((None, own, start, end, e.code))
        elif isinstance(e, F.AddElement):
            out += [(None, own, a, b, t) for a, b, t in _add_element(e, locator, own)]
        elif isinstance(e, F.LiteralSpan):
            if F.plain_literal(e.literal) is None:
                raise _Unplaceable("not a plain literal")
            start, _ = _span(locator, own, e.literal)
            body = start + len(e.literal.prefix) + len(e.literal.quote)
            out.append((None, own, body + e.start, body + e.end, e.text))
        elif isinstance(e, F.SqlSpan):
            placed = _sql_span(e, locator, own, filename)
            out.append(placed[:5])
            where = where or placed[5]
        elif isinstance(e, F.Remove):
            out.append(_remove(e, locator, own))
        elif isinstance(e, F.Unwrap):
            out.append(_unwrap(e, locator, own))
        else:
            raise _Unplaceable(f"unknown edit {type(e).__name__}")
    return [Edit(t.position(a), t.position(b), content, path) for path, t, a, b, content in out], where


def _span(locator, text: _Text, node) -> Tuple[int, int]:
    start, end = locator.range(node)
    return text.offset(start), text.offset(end)


# -- adding an argument or an entry ---------------------------------------------------------------------

def _skip(text: str, at: int, stop: int = -1) -> Tuple[int, bool, Optional[int]]:
    """From ``at``, skip blanks, line breaks, comments and at most one comma: (offset of the next other
    character, whether a line break was skipped, offset of the comma or None)."""
    broke, comma = False, None
    n = len(text) if stop < 0 else stop
    while at < n:
        c = text[at]
        if c in " \t\f\\":
            at += 1
        elif c in "\r\n":
            broke = True
            at += 1
        elif c == "#":
            while at < n and text[at] not in "\r\n":
                at += 1
        elif c == "," and comma is None:
            comma = at
            at += 1
        else:
            break
    return at, broke, comma


def _add_element(e, locator, own: _Text) -> List[Tuple[int, int, str]]:
    import libcst as cst

    c = e.container
    is_call = isinstance(c, cst.Call)
    elements = list(c.args) if is_call else list(c.elements)
    close = ")" if is_call else "}"
    text = own.text
    if not elements:
        if is_call:
            at, _, _ = _skip(text, _span(locator, own, c.func)[1])
            if text[at:at + 1] != "(":
                raise _Unplaceable("no opening parenthesis")
            inner = at + 1
        else:
            start, _ = _span(locator, own, c)
            inner = text.index("{", start) + 1
        at, broke, _ = _skip(text, inner)
        if text[at:at + 1] != close or broke:
            raise _Unplaceable("an empty container over several lines")
        return [(inner, inner, e.code)]
    last = elements[-1]
    value_end = _span(locator, own, last.value)[1]
    at, broke, comma = _skip(text, value_end)
    if text[at:at + 1] != close:
        raise _Unplaceable("the container does not close after its last element")
    if not broke:  # one line: `f(a, new)`, `f(a, new,)`
        if comma is not None:
            return [(comma + 1, comma + 1, " " + e.code + ",")]
        return [(value_end, value_end, ", " + e.code)]
    # one element per line: the new one on a line of its own, indented as the last one
    first = locator.range(last)[0]
    line = own.row_text(first.row)
    indent = line[: first.column - 1]
    row = own.position(value_end).row
    if indent.strip() or (comma is not None and own.position(comma).row != row):
        raise _Unplaceable("an element that does not start its line")
    eol_at = own.row_body_end(row)
    new_line = own.eol(row) + indent + e.code
    if comma is not None:
        return [(eol_at, eol_at, new_line + ",")]
    return [(value_end, value_end, ","), (eol_at, eol_at, new_line)]


# -- SQL text where it is written ------------------------------------------------------------------------

def _pieces(node) -> List[Tuple[Optional[object], Optional[str]]]:
    """The string pieces a SQL text is made of, in order: (node, its value when it is known and its source
    spells it character for character, else None)."""
    import libcst as cst

    from pinlint.checks.fixes import plain_literal

    if isinstance(node, cst.SimpleString):
        return [(node, node.raw_value if plain_literal(node) is not None else None)]
    if isinstance(node, cst.ConcatenatedString):
        return _pieces(node.left) + _pieces(node.right)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return _pieces(node.left) + _pieces(node.right)
    if isinstance(node, cst.FormattedString):
        out: List[Tuple[Optional[object], Optional[str]]] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText) and not any(s in part.value for s in ("{{", "}}", "\\")):
                out.append((part, part.value))
            else:
                out.append((None, None))
        return out
    return [(None, None)]


def _in_pieces(pieces, text: str, start: int, end: int) -> Tuple[object, int]:
    """(piece, offset into it) of the span [start, end) of ``text``, which the pieces must spell up to it."""
    at = 0
    for node, value in pieces:
        if value is None or not text.startswith(value, at):
            break
        if at <= start and end <= at + len(value) and node is not None:
            return node, start - at
        at += len(value)
    raise _Unplaceable("the SQL span is not inside one plain literal")


def _sql_span(e, locator, own: _Text, filename: str):
    import libcst as cst

    from pinlint.evaluate import shown_path

    site: "SqlSite" = e.site
    if site.via:
        if len(site.via) != 1 or site.via[0].text != site.text or site.via[0].path.endswith(".sql"):
            raise _Unplaceable("SQL text assembled from several places")
        origin = site.via[0]
        same = os.path.abspath(origin.path) == os.path.abspath(filename)
        text = own if same else _Text(read_text(origin.path) or "")
        start, end = _in_statement(text.text, origin.line, site.text, e.start, e.end)
        return (None if same else origin.path, text, start, end, e.text,
                f"`{origin.what}` at {shown_path(origin.path)}:{origin.line}")
    node, at = _in_pieces(_pieces(site.literal or site.node), site.text, e.start, e.end)
    begin, _ = _span(locator, own, node)
    if isinstance(node, cst.SimpleString):
        begin += len(node.prefix) + len(node.quote)
    return None, own, begin + at, begin + at + (e.end - e.start), e.text, ""


def _in_statement(text: str, line: int, sql: str, start: int, end: int) -> Tuple[int, int]:
    """Offsets in ``text`` of the span [start, end) of ``sql``, which one run of string literals of the
    statement on ``line`` spells exactly (``X = "a" + "b"``, ``return ["a", "b"]``)."""
    from pinlint.output.edit import line_starts, tokens

    try:
        toks = tokens(text)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        raise _Unplaceable("the module does not tokenize") from None
    statement: List[tokenize.TokenInfo] = []
    current: List[tokenize.TokenInfo] = []
    for tok in toks:
        current.append(tok)
        if tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            if current[0].start[0] <= line <= tok.end[0]:
                statement = current
                break
            current = []
    toks = [t for t in statement if t.type not in (tokenize.NL, tokenize.COMMENT)]
    runs: List[List[Tuple[tokenize.TokenInfo, Optional[str]]]] = []
    i = 0
    while i < len(toks):
        if toks[i].type != tokenize.STRING:
            i += 1
            continue
        j = i
        run = []
        while True:  # "a" "b", "a" + "b": one text
            run.append((toks[j], _literal_value(toks[j].string)))
            j += 1
            if j < len(toks) and toks[j].type == tokenize.STRING:
                continue
            if j + 1 < len(toks) and toks[j].string == "+" and toks[j + 1].type == tokenize.STRING:
                j += 1
                continue
            break
        before = toks[i - 1] if i else None
        after = toks[j] if j < len(toks) else None
        whole_before = before is None or before.type in (tokenize.INDENT, tokenize.DEDENT, tokenize.NEWLINE) \
            or before.string in ("=", "(", "[", "{", ",", ":", "return", "yield")
        whole_after = after is None or after.type in (tokenize.NEWLINE, tokenize.ENDMARKER) \
            or after.string in (",", ")", "]", "}")
        if whole_before and whole_after:  # not part of a larger expression ("a" % x, x + "a")
            runs.append(run)
        i = j
    matches = [r for r in runs if all(v is not None for _, v in r) and "".join(v for _, v in r) == sql]
    if len(matches) != 1:
        raise _Unplaceable("no single literal spells the SQL text")
    starts = line_starts(text)
    at = 0
    for tok, value in matches[0]:
        assert value is not None
        if at <= start and end <= at + len(value):
            prefix_len = len(tok.string) - len(tok.string.lstrip("rRuU"))
            quote = tok.string[prefix_len:prefix_len + 3] if tok.string[prefix_len:prefix_len + 3] in ('"""', "'''") \
                else tok.string[prefix_len]
            raw = tok.string[prefix_len + len(quote): len(tok.string) - len(quote)]
            if raw != value:
                raise _Unplaceable("the literal has escapes")
            body = starts[tok.start[0] - 1] + tok.start[1] + prefix_len + len(quote)
            return body + start - at, body + end - at
        at += len(value)
    raise _Unplaceable("the SQL span is not inside one literal")


def _literal_value(source: str) -> Optional[str]:
    prefix = source[: len(source) - len(source.lstrip("rRuUbBfF"))]
    if any(c in prefix.lower() for c in "bf"):
        return None
    try:
        value = ast.literal_eval(source)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


# -- removing a statement ---------------------------------------------------------------------------------

def _rows(locator, node) -> Tuple[int, int]:
    start, end = locator.range(node)
    last = end.row - 1 if end.column == 1 and end.row > start.row else end.row
    return start.row, last


def _remove(e, locator, own: _Text):
    first, last = _rows(locator, e.statement)
    start = locator.range(e.statement)[0]
    if own.row_text(first)[: start.column - 1].strip():
        raise _Unplaceable("the statement shares its line")
    return None, own, own.row_start(first), own.row_start(last + 1), ""


def _unwrap(e, locator, own: _Text):
    from pinlint.output.edit import tokens

    t = e.statement
    if t.finalbody is None or not t.body.body:
        raise _Unplaceable("not a try/finally")
    first, last = _rows(locator, t)
    final_row = locator.range(t.finalbody)[0].row
    body_start = locator.range(t.body.body[0])[0]
    try_line, body_line = own.row_text(first), own.row_text(body_start.row)
    outer = try_line[: len(try_line) - len(try_line.lstrip())]
    inner = body_line[: body_start.column - 1]
    if inner.strip() or not inner.startswith(outer) or len(inner) <= len(outer) or body_start.row <= first:
        raise _Unplaceable("an unusual layout")
    try:
        multiline = any(tok.type == tokenize.STRING and tok.start[0] != tok.end[0] and first <= tok.start[0] <= last
                        for tok in tokens(own.text))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        raise _Unplaceable("the module does not tokenize") from None
    if multiline:
        raise _Unplaceable("a string over several lines would change")
    extra = inner[len(outer):]
    out = []
    for row in range(first + 1, final_row):
        line = own.text[own.row_start(row): own.row_start(row + 1)]
        if not line.strip():
            out.append(line)
        elif line.startswith(outer + extra):
            out.append(outer + line[len(outer) + len(extra):])
        else:
            raise _Unplaceable("a line of the body is not indented as the body")
    return None, own, own.row_start(first), own.row_start(last + 1), "".join(out)
