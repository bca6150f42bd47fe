"""The machinery the dialect grammars share: a cursor over one statement's tokens, the values read from
it, a dialect's grammar (lexer, parser per first word, call reader), and running a grammar over a SQL string.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

from pinlint.sql.lexer import PUNCT, WORD, Lexer, Markers, Token, convert_tokens, split_statements
from pinlint.sql.placeholders import unescape_percent
from pinlint.sql.statement import HOLE, Call, Statement


class Value(NamedTuple):
    """A name or value read from the SQL: ``text`` is None when a hole or placeholder stands there."""

    text: Optional[str]
    #: a hole decides it
    dynamic: bool = False


UNKNOWN_VALUE = Value(None, False)
HOLE_VALUE = Value(None, True)


class Cursor:
    """Reads one statement's tokens left to right; remembers the furthest token the grammar looked at."""

    __slots__ = ("toks", "sql", "i", "furthest")

    def __init__(self, toks: List[Token], sql: str) -> None:
        self.toks = toks
        self.sql = sql
        self.i = 0
        self.furthest = 0

    def peek(self, ahead: int = 0) -> Optional[Token]:
        j = self.i + ahead
        if j > self.furthest:
            self.furthest = j
        return self.toks[j] if j < len(self.toks) else None

    def word(self, ahead: int = 0) -> str:
        """The upper-cased word ``ahead`` tokens on, or "" when that token is not a bare word."""
        j = self.i + ahead
        if j > self.furthest:
            self.furthest = j
        return self.toks[j].up if j < len(self.toks) else ""

    def at_end(self) -> bool:
        return self.peek() is None

    def accept(self, *words: str) -> str:
        """Consume the current word if it is one of ``words``; return it ("" if not)."""
        word = self.word()
        if word and word in words:
            self.i += 1
            return word
        return ""

    def accept_words(self, *words: str) -> bool:
        """Consume ``words`` if they come next, in this order."""
        if all(self.word(k) == word for k, word in enumerate(words)):
            self.i += len(words)
            return True
        return False

    def accept_punct(self, text: str) -> bool:
        tok = self.peek()
        if tok is not None and tok.is_punct(text):
            self.i += 1
            return True
        return False

    def at_hole(self) -> bool:
        tok = self.peek()
        return tok is not None and tok.hole

    def skip_parens(self) -> bool:
        """Consume a balanced ``( ... )`` group; False (nothing consumed) if there is none."""
        if not self.accept_punct("("):
            return False
        opened = self.i - 1
        depth = 1
        for j in range(self.i, len(self.toks)):
            tok = self.toks[j]
            if tok.cat == PUNCT:
                depth += (tok.text == "(") - (tok.text == ")")
                if depth == 0:
                    self.i = j + 1
                    self.furthest = max(self.furthest, j)
                    return True
        self.furthest = len(self.toks)
        self.i = opened
        return False

    def source(self, first: Token, last: Token) -> str:
        """The SQL text from ``first`` to ``last`` as written."""
        return unescape_percent(self.sql[first.start : last.end])


def ends_here(c: Cursor, fields: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """``fields`` if the statement ends here, else None."""
    return fields if c.at_end() else None


def named_statement(kind: str, value: Optional[Value], c: Cursor) -> Optional[Dict[str, Any]]:
    """Fields of a statement that is ``KEYWORD ... <value>`` and ends there."""
    if value is None:
        return None
    return ends_here(c, {"kind": kind, "name": value.text, "dynamic": value.dynamic})


Parser = Callable[[Cursor], Optional[Dict[str, Any]]]


class Dialect(NamedTuple):
    """A dialect's grammar: its lexer, the parser for each first word, and how function calls are read."""

    lexer: Callable[[], Lexer]
    parsers: Dict[str, Parser]
    calls: Callable[[List[Token], int, str], Tuple[Tuple[Call, ...], bool]]


def run_grammar(sql: str, text: str, spans: Sequence[Tuple[int, int]], grammar: Dialect) -> List[Statement]:
    """Classify ``sql`` with ``grammar``: ``text`` is ``sql`` with its placeholders normalised (same length),
    ``spans`` where they are."""
    markers = Markers(spans)
    lexer = grammar.lexer()
    raw_tokens, complete = lexer.tokenize(text)
    segments = split_statements(raw_tokens, lexer.semicolon)
    # When tokenizing failed, the tokens after the last ``;`` belong to the failing statement.
    tail = None if complete else segments.pop()[0]
    statements = [_classify_segment(tokens, sql, markers, lexer, grammar) for tokens, _ in segments if tokens]
    if tail is not None:
        rest = _unknown_rest(sql, segments, tail)
        if rest is not None:
            statements.append(rest)
    return statements


def _classify_segment(
    raw: List[Any], sql: str, markers: Markers, lexer: Lexer, grammar: Dialect
) -> Statement:
    """Classify the sqlglot tokens of one statement."""
    head = convert_tokens(raw[:1], sql, markers, lexer)[0]
    parser = grammar.parsers.get(head.up if head.cat == WORD else head.text if head.cat == PUNCT else "")
    if parser is None:
        start, end = head.start, convert_tokens(raw[-1:], sql, markers, lexer)[-1].end
        return Statement("unknown", start, end, sql[start:end], dynamic=head.hole)
    toks = convert_tokens(raw, sql, markers, lexer)
    start, end = toks[0].start, toks[-1].end
    cursor = Cursor(toks, sql)
    fields = parser(cursor)
    if fields is None:
        looked_at = toks[: cursor.furthest + 1]
        return Statement("unknown", start, end, sql[start:end], dynamic=any(tok.hole for tok in looked_at))
    fields = dict(fields)
    kind = fields.pop("kind")
    calls_from = fields.pop("calls_from", 0)
    calls: Tuple[Call, ...] = fields.pop("calls", ())
    calls_dynamic = False
    if kind != "do":
        calls, calls_dynamic = grammar.calls(toks, calls_from, sql)
    dynamic = fields.pop("dynamic", False) or calls_dynamic
    return Statement(kind, start, end, sql[start:end], calls=calls, dynamic=dynamic, **fields)


def _unknown_rest(
    sql: str, segments: List[Tuple[List[Any], Optional[Any]]], tail: List[Any]
) -> Optional[Statement]:
    """One ``unknown`` statement from the statement that failed to tokenize to the end of ``sql``."""
    begin = segments[-1][1].end + 1 if segments and segments[-1][1] is not None else 0
    if tail:
        start = tail[0].start
    else:
        start = begin
        while start < len(sql) and sql[start].isspace():
            start += 1
    end = len(sql)
    while end > start and (sql[end - 1].isspace() or sql[end - 1] == ";"):
        end -= 1
    if end <= start:
        return None
    text = sql[start:end]
    return Statement("unknown", start, end, text, dynamic=HOLE in text)
