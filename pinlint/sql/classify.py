"""Split a SQL string into statements and say what each one is (PostgreSQL grammar, tokens only).

Public API: :func:`classify`.

How it works:

1. Driver placeholders are normalised to ``?`` without changing the string's length
   (:mod:`pinlint.sql.placeholders`), so token offsets are offsets into the original string.
2. sqlglot's PostgreSQL tokenizer reads the string (quotes, dollar quotes, comments). Its "command"
   shortcut, which would swallow everything after DO/EXPLAIN/RESET/... into one string token, is
   switched off. The sqlglot parser is never used.
3. Tokens are split into statements on ``;``. The first word of a statement selects a small,
   strict grammar (one ``_parse_*`` function per statement family). A statement that does not match
   its grammar, or that starts with no known keyword, is ``unknown``: this is how prose, log text,
   JSON and URLs are told apart from SQL.
4. Function calls are collected from the tokens in one linear pass.

Conventions:

* ``Statement.start``/``end`` span from the statement's first token to its last one. Comments before
  the first token or after the last one are NOT part of ``text`` (comments between tokens are);
  blanks and the terminating ``;`` are never part of it. ``sql[start:end] == text`` always.
* Names follow PostgreSQL's identifier rules: unquoted words are folded to lower case, quoted
  identifiers and string literals keep their case. Run-time parameter names (SET/RESET/SHOW) are
  always lower case, since PostgreSQL looks them up case-insensitively.
* Text reported from the SQL (SET values, literal call arguments, names) reads ``%%`` as ``%``.
* A string that does not tokenize (an unterminated quote, dollar quote, quoted identifier or
  comment) keeps the statements before the failing one; the failing statement and everything after
  it become one ``unknown`` statement. It starts at the failing statement's first token, or at its
  first non-blank character when no token of it was read.
* The statement splitter never raises and runs in time linear in the length of the string.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

from pinlint.sql.placeholders import normalize, unescape_percent
from pinlint.sql.statement import HOLE, Call, Statement

__all__ = ["classify"]


# --------------------------------------------------------------------------------------------
# Tokens
# --------------------------------------------------------------------------------------------

WORD = "word"  # a bare word: keyword or unquoted identifier
IDENT = "ident"  # a quoted identifier; ``text`` is the name without quotes
STRING = "string"  # any string literal ('', E'', $$..$$, B'', X'', U&''); ``text`` is the content
NUMBER = "number"
PARAM = "param"  # a driver placeholder
PUNCT = "punct"  # operators and punctuation

_WORD_RE = re.compile(r"[^\W\d][\w$]*")

#: PostgreSQL's reserved key words: never a bare name (table, cursor, channel, parameter, ...).
RESERVED = frozenset("""
    ALL ANALYSE ANALYZE AND ANY ARRAY AS ASC ASYMMETRIC BOTH CASE CAST CHECK COLLATE COLUMN
    CONSTRAINT CREATE CURRENT_CATALOG CURRENT_DATE CURRENT_ROLE CURRENT_TIME CURRENT_TIMESTAMP
    CURRENT_USER DEFAULT DEFERRABLE DESC DISTINCT DO ELSE END EXCEPT FALSE FETCH FOR FOREIGN FROM
    GRANT GROUP HAVING IN INITIALLY INTERSECT INTO LATERAL LEADING LIMIT LOCALTIME LOCALTIMESTAMP
    NOT NULL OFFSET ON ONLY OR ORDER PLACING PRIMARY REFERENCES RETURNING SELECT SESSION_USER SOME
    SYMMETRIC SYSTEM_USER TABLE THEN TO TRAILING TRUE UNION UNIQUE USER USING VARIADIC WHEN WHERE
    WINDOW WITH
    """.split())

#: Words that may stand before ``(`` without being a function call.
_NOT_FUNCTIONS = RESERVED | frozenset("""
    BETWEEN BY CONFLICT CUBE EXISTS FILTER ILIKE INCLUDE JOIN KEY LIKE MATERIALIZED OVER ROLLUP SET
    SETS VALUES
    """.split())

#: Words after which ``name (`` names a relation with a column list (``INSERT INTO t (a)``) or a
#: routine being defined (``CREATE FUNCTION f(int)``), not a call.
_RELATION_CONTEXT = frozenset("""
    AGGREGATE ANALYSE ANALYZE COPY EXISTS FUNCTION INDEX INTO PROCEDURE REFERENCES ROUTINE TABLE
    TYPE VACUUM VIEW WITH
    """.split())


class _Token:
    """One token of a statement, in the classifier's own terms."""

    __slots__ = ("cat", "text", "up", "start", "end", "hole", "unknown")

    def __init__(self, cat: str, text: str, start: int, end: int, unknown: bool) -> None:
        self.cat = cat
        self.text = text
        #: upper-cased text for words, "" otherwise
        self.up = text.upper() if cat == WORD else ""
        self.start = start
        #: exclusive end offset
        self.end = end
        #: a hole (unknown Python text) stands in this word, quoted identifier or string
        self.hole = cat in (WORD, IDENT, STRING) and HOLE in text
        #: the token's value is not known statically (hole or driver placeholder inside)
        self.unknown = unknown or self.hole or cat == PARAM

    def is_punct(self, text: str) -> bool:
        return self.cat == PUNCT and self.text == text

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"_Token({self.cat}, {self.text!r}, {self.start}, {self.end})"


def _text_category(text: str) -> str:
    """WORD or PUNCT for a token that is neither a literal nor a quoted identifier."""
    return WORD if _WORD_RE.fullmatch(text) else PUNCT


def _type_category(type_name: str) -> Optional[str]:
    """The category a sqlglot token type always has, or None when it depends on the text."""
    if type_name == "IDENTIFIER":
        return IDENT
    if type_name.endswith("STRING"):
        return STRING
    if type_name == "NUMBER":
        return NUMBER
    if type_name == "PLACEHOLDER":
        return PARAM
    return None


class _Markers:
    """The driver placeholders of the classified string (spans from :func:`normalize`)."""

    __slots__ = ("starts", "ends")

    def __init__(self, spans: Sequence[Tuple[int, int]]) -> None:
        self.starts = [start for start, _ in spans]
        self.ends = [end for _, end in spans]

    def first_from(self, offset: int) -> int:
        """Index of the first marker starting at or after ``offset``."""
        return bisect_left(self.starts, offset)


def _convert(raw_tokens: Sequence[Any], sql: str, markers: _Markers, lexer: "_Lexer") -> List[_Token]:
    """Turn sqlglot tokens into ``_Token`` objects (offsets into ``sql``). A token holding a
    placeholder's ``?`` is stretched over the whole placeholder as written (``%(name)s``)."""
    tokens: List[_Token] = []
    categories = lexer.categories
    starts, ends = markers.starts, markers.ends
    m = markers.first_from(raw_tokens[0].start)
    next_marker = starts[m] if m < len(starts) else len(sql)
    for raw in raw_tokens:
        start, end = raw.start, raw.end + 1
        has_marker = False
        if next_marker < end:
            while m < len(starts) and starts[m] < start:  # markers in comments
                m += 1
            while m < len(starts) and starts[m] < end:  # markers in this token (the last may reach past it)
                has_marker = True
                end = max(end, ends[m])
                m += 1
            next_marker = starts[m] if m < len(starts) else len(sql)
        cat = categories.get(raw.token_type) or _text_category(raw.text)
        if cat == PUNCT and " " in raw.text:
            # sqlglot reads some keyword pairs as one token ("ORDER BY", "DOUBLE PRECISION").
            for part in re.finditer(r"\S+", sql[start:end]):
                tokens.append(_Token(WORD, part.group(), start + part.start(), start + part.end(), False))
            continue
        tokens.append(_Token(cat, raw.text, start, end, has_marker))
    return tokens


# --------------------------------------------------------------------------------------------
# Reading a statement
# --------------------------------------------------------------------------------------------


class _Value(NamedTuple):
    """A name or value read from the SQL: ``text`` is None when a hole or placeholder stands there."""

    text: Optional[str]
    #: a hole decides it
    dynamic: bool = False


_UNKNOWN = _Value(None, False)
_HOLE = _Value(None, True)


class _Cursor:
    """Reads one statement's tokens left to right; remembers the furthest token the grammar looked at."""

    __slots__ = ("toks", "sql", "i", "furthest")

    def __init__(self, toks: List[_Token], sql: str) -> None:
        self.toks = toks
        self.sql = sql
        self.i = 0
        self.furthest = 0

    def peek(self, ahead: int = 0) -> Optional[_Token]:
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

    def source(self, first: _Token, last: _Token) -> str:
        """The SQL text from ``first`` to ``last`` as written."""
        return unescape_percent(self.sql[first.start : last.end])


def _name(c: _Cursor, reserved_ok: bool = False) -> Optional[_Value]:
    """One identifier where PostgreSQL's grammar has a ``name``: an unreserved word (folded to
    lower case) or a quoted identifier (kept as written). A hole or a placeholder is accepted
    (text None). None when there is no name here."""
    tok = c.peek()
    if tok is None:
        return None
    if tok.hole and tok.cat in (WORD, IDENT):
        c.i += 1
        return _HOLE
    if tok.cat == PARAM:
        c.i += 1
        return _UNKNOWN
    if tok.cat == WORD and (reserved_ok or tok.up not in RESERVED):
        c.i += 1
        return _Value(tok.text.lower())
    if tok.cat == IDENT:
        c.i += 1
        return _UNKNOWN if tok.unknown else _Value(tok.text)
    return None


def _dotted_name(c: _Cursor) -> Optional[_Value]:
    """``name [. name ...]`` (a qualified name), joined with dots."""
    parts = [_name(c)]
    if parts[0] is None:
        return None
    while c.accept_punct("."):
        part = _name(c, reserved_ok=True)
        if part is None:
            return None
        parts.append(part)
    if any(part.text is None for part in parts):
        return _Value(None, any(part.dynamic for part in parts))
    return _Value(".".join(part.text for part in parts))  # type: ignore[misc]


def _string(c: _Cursor) -> Optional[_Value]:
    """A string literal (its content), a placeholder, or a hole. None when there is none here."""
    tok = c.peek()
    if tok is None:
        return None
    if tok.hole and tok.cat in (WORD, IDENT, STRING):
        c.i += 1
        return _HOLE
    if tok.cat == PARAM:
        c.i += 1
        return _UNKNOWN
    if tok.cat == STRING:
        c.i += 1
        return _UNKNOWN if tok.unknown else _Value(unescape_percent(tok.text))
    return None


def _word_or_string(c: _Cursor) -> Optional[_Value]:
    """PostgreSQL's ``NonReservedWord_or_Sconst``."""
    found = _string(c)
    return found if found is not None else _name(c)


def _end(c: _Cursor, fields: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """``fields`` if the statement ends here, else None."""
    return fields if c.at_end() else None


def _named(kind: str, value: Optional[_Value], c: _Cursor) -> Optional[Dict[str, Any]]:
    """Fields of a statement that is ``KEYWORD ... <value>`` and ends there."""
    if value is None:
        return None
    return _end(c, {"kind": kind, "name": value.text, "dynamic": value.dynamic})


# --------------------------------------------------------------------------------------------
# SET / RESET / SHOW
# --------------------------------------------------------------------------------------------

_SCOPES = {"SESSION": "session", "LOCAL": "local"}
#: reserved words that are valid SET values
_VALUE_KEYWORDS = frozenset({"ON", "TRUE", "FALSE"})
#: ``SET role = x`` and ``SET session_authorization = x`` are SET ROLE / SET SESSION AUTHORIZATION
_PARAMETER_KINDS = {"role": "set_role", "session_authorization": "set_session_authorization"}


def _is_assignment(c: _Cursor, ahead: int) -> bool:
    tok = c.peek(ahead)
    return tok is not None and (tok.up == "TO" or tok.is_punct("="))


def _value_item(c: _Cursor) -> Optional[bool]:
    """One SET value (``var_value``): a string, number (optionally signed), unreserved word,
    ON/TRUE/FALSE, quoted identifier, placeholder or hole. Returns whether it is unknown, or None
    when there is no value here."""
    tok = c.peek()
    if tok is None:
        return None
    if tok.cat == PUNCT and tok.text in ("+", "-"):
        number = c.peek(1)
        if number is None or number.cat not in (NUMBER, PARAM):
            return None
        c.i += 2
        return number.unknown
    if tok.cat in (STRING, IDENT, NUMBER, PARAM) or (
        tok.cat == WORD and (tok.up not in RESERVED or tok.up in _VALUE_KEYWORDS)
    ):
        c.i += 1
        return tok.unknown
    return None


def _value_list(c: _Cursor) -> Optional[_Value]:
    """``DEFAULT`` or ``value [, value ...]`` up to the end of the statement, as written."""
    first = c.peek()
    if first is None:
        return None
    if c.accept("DEFAULT"):
        return _Value(c.source(first, first)) if c.at_end() else None
    unknown = False
    while True:
        item = _value_item(c)
        if item is None:
            return None
        unknown = unknown or item
        if c.at_end():
            break
        if not c.accept_punct(","):
            return None
    return _UNKNOWN if unknown else _Value(c.source(first, c.toks[c.i - 1]))


def _rest(c: _Cursor) -> _Value:
    """Every remaining token, as written (None if any of them is unknown)."""
    first, last = c.toks[c.i], c.toks[-1]
    unknown = any(tok.unknown for tok in c.toks[c.i :])
    c.i = len(c.toks)
    return _UNKNOWN if unknown else _Value(c.source(first, last))


def _single_value(c: _Cursor) -> Optional[_Value]:
    """``DEFAULT`` or exactly one value, ending the statement."""
    first = c.peek()
    if first is None:
        return None
    if c.accept("DEFAULT"):
        unknown: Optional[bool] = False
    else:
        unknown = _value_item(c)
    if unknown is None or not c.at_end():
        return None
    return _UNKNOWN if unknown else _Value(c.source(first, c.toks[-1]))


def _time_zone_value(c: _Cursor) -> Optional[_Value]:
    """``zone_value``: a string, number, word (LOCAL), DEFAULT or ``INTERVAL ...``."""
    if c.word() == "INTERVAL" and c.peek(1) is not None:
        return _rest(c)
    return _single_value(c)


def _parse_set(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``SET [SESSION|LOCAL] ...`` in all its forms (see ``_set_body``), and
    ``SET SESSION CHARACTERISTICS AS TRANSACTION mode [, ...]``."""
    c.i = 1
    if c.accept_words("SESSION", "CHARACTERISTICS"):
        if not c.accept_words("AS", "TRANSACTION") or not _transaction_modes(c, required=True):
            return None
        return {"kind": "set_session_characteristics"}
    scope: Optional[str] = "session"
    dynamic = False
    scope_word = c.word()
    if scope_word in _SCOPES and not _is_assignment(c, 1) and c.word(1) != "AUTHORIZATION":
        scope = _SCOPES[scope_word]
        c.i += 1
    elif c.at_hole() and c.peek(1) is not None and not _is_assignment(c, 1) and not c.peek(1).is_punct("."):
        # SET {scope} name TO value: the hole stands where SESSION or LOCAL goes
        scope, dynamic = None, True
        c.i += 1
    fields = _set_body(c)
    if fields is None:
        return None
    if fields["kind"] in ("set", "set_role", "set_session_authorization"):
        fields["scope"] = scope
    fields["dynamic"] = fields.get("dynamic", False) or dynamic
    return fields


def _set_body(c: _Cursor) -> Optional[Dict[str, Any]]:
    """What follows ``SET [SESSION|LOCAL]``:

    * ``name {TO|=} {DEFAULT | value [, ...]}`` and ``name FROM CURRENT`` (name may be dotted)
    * ``TIME ZONE zone`` (name ``timezone``), ``SCHEMA 'x'`` (``search_path``),
      ``NAMES ['x']`` (``client_encoding``), ``XML OPTION {DOCUMENT|CONTENT}`` (``xmloption``)
    * ``ROLE role`` / ``SESSION AUTHORIZATION {user | DEFAULT}``
    * ``TRANSACTION {SNAPSHOT 'id' | mode [, ...]}``
    * ``CONSTRAINTS {ALL | name [, ...]} {DEFERRED | IMMEDIATE}``
    """
    if not _is_assignment(c, 1):
        if c.accept_words("TIME", "ZONE"):
            return _set_fields("timezone", _time_zone_value(c))
        if c.accept("SCHEMA"):
            tok = c.peek()
            if tok is None or not (tok.cat in (STRING, PARAM) or tok.hole):
                return None
            return _set_fields("search_path", _single_value(c))
        if c.accept("NAMES"):
            return _set_fields("client_encoding", _UNKNOWN if c.at_end() else _single_value(c))
        if c.accept_words("XML", "OPTION"):
            if not c.accept("DOCUMENT", "CONTENT"):
                return None
            return _end(c, {"kind": "set", "name": "xmloption", "value": c.toks[c.i - 1].text})
        if c.accept("ROLE"):
            return _named("set_role", _word_or_string(c), c)
        if c.accept_words("SESSION", "AUTHORIZATION"):
            if c.accept("DEFAULT"):
                return _end(c, {"kind": "set_session_authorization", "name": "default"})
            return _named("set_session_authorization", _word_or_string(c), c)
        if c.accept("TRANSACTION"):
            if c.accept("SNAPSHOT"):
                return None if _string(c) is None else _end(c, {"kind": "set_transaction"})
            return {"kind": "set_transaction"} if _transaction_modes(c, required=True) else None
        if c.accept("CONSTRAINTS"):
            return _set_constraints(c)
    return _set_parameter(c)


def _set_fields(name: str, value: Optional[_Value]) -> Optional[Dict[str, Any]]:
    if value is None:
        return None
    return {"kind": "set", "name": name, "value": value.text}


def _set_parameter(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``name {TO|=} values`` or ``name FROM CURRENT``."""
    name = _dotted_name(c)
    if name is None:
        return None
    param = None if name.text is None else name.text.lower()
    if c.accept_words("FROM", "CURRENT"):
        return _end(c, {"kind": "set", "name": param, "dynamic": name.dynamic})
    if not (c.accept("TO") or c.accept_punct("=")):
        return None
    if param in _PARAMETER_KINDS:
        value = _Value("default") if c.accept("DEFAULT") else _word_or_string(c)
        return _named(_PARAMETER_KINDS[param], value, c)
    value = _value_list(c)
    if value is None:
        return None
    return {"kind": "set", "name": param, "value": value.text, "dynamic": name.dynamic}


def _set_constraints(c: _Cursor) -> Optional[Dict[str, Any]]:
    if not c.accept("ALL"):
        while True:
            if _dotted_name(c) is None:
                return None
            if not c.accept_punct(","):
                break
    if not c.accept("DEFERRED", "IMMEDIATE"):
        return None
    return _end(c, {"kind": "set_constraints"})


def _parameter_name(c: _Cursor) -> Optional[_Value]:
    """The parameter of RESET/SHOW: ALL, TIME ZONE, TRANSACTION ISOLATION LEVEL,
    SESSION AUTHORIZATION or a (dotted) parameter name, lower-cased."""
    if c.accept("ALL"):
        return _Value("all")
    if c.accept_words("TIME", "ZONE"):
        return _Value("timezone")
    if c.accept_words("TRANSACTION", "ISOLATION", "LEVEL"):
        return _Value("transaction_isolation")
    if c.accept_words("SESSION", "AUTHORIZATION"):
        return _Value("session_authorization")
    name = _dotted_name(c)
    if name is None or name.text is None:
        return name
    return _Value(name.text.lower())


def _parse_reset(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``RESET {name | ALL | ROLE | SESSION AUTHORIZATION | TIME ZONE | TRANSACTION ISOLATION LEVEL}``."""
    c.i = 1
    return _named("reset", _parameter_name(c), c)


def _parse_show(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``SHOW {name | ALL | TIME ZONE | TRANSACTION ISOLATION LEVEL | SESSION AUTHORIZATION}``."""
    c.i = 1
    return _named("show", _parameter_name(c), c)


# --------------------------------------------------------------------------------------------
# Transactions
# --------------------------------------------------------------------------------------------


def _transaction_control(c: _Cursor) -> Optional[Dict[str, Any]]:
    """Fields of a transaction control statement that ends here."""
    return _end(c, {"kind": "transaction_control"})


def _transaction_mode(c: _Cursor) -> bool:
    """``ISOLATION LEVEL level | READ {WRITE|ONLY} | [NOT] DEFERRABLE`` (or a hole/placeholder)."""
    tok = c.peek()
    if tok is None:
        return False
    if tok.unknown:
        c.i += 1
        return True
    if c.accept_words("ISOLATION", "LEVEL"):
        tok = c.peek()
        if tok is not None and tok.unknown:
            c.i += 1
            return True
        if c.accept("SERIALIZABLE"):
            return True
        if c.accept("REPEATABLE"):
            return bool(c.accept("READ"))
        return c.accept("READ") != "" and c.accept("COMMITTED", "UNCOMMITTED") != ""
    if c.accept("READ"):
        return c.accept("WRITE", "ONLY") != ""
    c.accept("NOT")
    return c.accept("DEFERRABLE") != ""


def _transaction_modes(c: _Cursor, required: bool) -> bool:
    """``mode [[,] mode ...]`` up to the end of the statement."""
    count = 0
    while not c.at_end():
        if count and c.accept_punct(",") and c.at_end():
            return False
        if not _transaction_mode(c):
            return False
        count += 1
    return count > 0 or not required


def _parse_begin(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``BEGIN [WORK|TRANSACTION] [mode ...]``."""
    c.i = 1
    c.accept("WORK", "TRANSACTION")
    return _transaction_control(c) if _transaction_modes(c, required=False) else None


def _parse_start(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``START TRANSACTION [mode ...]``."""
    c.i = 1
    if not c.accept("TRANSACTION"):
        return None
    return _transaction_control(c) if _transaction_modes(c, required=False) else None


def _parse_end_transaction(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``{COMMIT|END|ABORT|ROLLBACK} [WORK|TRANSACTION] [AND [NO] CHAIN]``,
    ``ROLLBACK [WORK|TRANSACTION] TO [SAVEPOINT] name``, ``{COMMIT|ROLLBACK} PREPARED 'gid'``."""
    verb = c.word()
    c.i = 1
    if verb in ("COMMIT", "ROLLBACK") and c.accept("PREPARED"):
        return None if _string(c) is None else _transaction_control(c)
    c.accept("WORK", "TRANSACTION")
    if verb == "ROLLBACK" and c.accept("TO"):
        c.accept("SAVEPOINT")
        return None if _name(c) is None else _transaction_control(c)
    if c.accept("AND"):
        c.accept("NO")
        if not c.accept("CHAIN"):
            return None
    return _transaction_control(c)


def _parse_savepoint(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``SAVEPOINT name`` and ``RELEASE [SAVEPOINT] name``."""
    verb = c.word()
    c.i = 1
    if verb == "RELEASE":
        c.accept("SAVEPOINT")
    return None if _name(c) is None else _transaction_control(c)


def _parse_lock(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``LOCK [TABLE] [ONLY] name [*] [, ...] [IN lockmode MODE] [NOWAIT]``."""
    c.i = 1
    c.accept("TABLE")
    while True:
        c.accept("ONLY")
        if _dotted_name(c) is None:
            return None
        c.accept_punct("*")
        if not c.accept_punct(","):
            break
    if c.accept("IN"):
        words = 0
        while c.accept("ACCESS", "ROW", "SHARE", "UPDATE", "EXCLUSIVE") or c.at_hole():
            if c.at_hole():
                c.i += 1
            words += 1
        if not words or not c.accept("MODE"):
            return None
    c.accept("NOWAIT")
    return _end(c, {"kind": "lock_table"})


# --------------------------------------------------------------------------------------------
# Prepared statements, cursors, notifications, LOAD, DISCARD, DO
# --------------------------------------------------------------------------------------------

#: statements PREPARE accepts (PreparableStmt) and EXPLAIN treats as queries
_PREPARABLE = frozenset({"SELECT", "WITH", "VALUES", "TABLE", "INSERT", "UPDATE", "DELETE", "MERGE"})
#: statements a cursor accepts (SelectStmt)
_SELECTS = frozenset({"SELECT", "WITH", "VALUES", "TABLE"})
#: statements of kind "query"
_QUERIES = _PREPARABLE | {"CALL", "COPY"}


def _query_starts(c: _Cursor, words: frozenset) -> bool:
    """A statement led by one of ``words`` (possibly after opening parentheses) starts here and
    has at least one more token."""
    ahead = 0
    while True:
        tok = c.peek(ahead)
        if tok is None or not tok.is_punct("("):
            break
        ahead += 1
    return c.word(ahead) in words and c.peek(ahead + 1) is not None


def _parse_prepare(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``PREPARE name [(type, ...)] AS statement`` and ``PREPARE TRANSACTION 'gid'``."""
    c.i = 1
    if c.word() == "TRANSACTION" and c.word(1) != "AS" and not _is_punct(c.peek(1), "("):
        c.i += 1
        gid = _string(c)
        return None if gid is None else _end(c, {"kind": "prepare_transaction", "dynamic": gid.dynamic})
    name = _name(c)
    if name is None:
        return None
    if _is_punct(c.peek(), "(") and not c.skip_parens():
        return None
    if not c.accept("AS") or not _query_starts(c, _PREPARABLE):
        return None
    return {"kind": "prepare", "name": name.text, "dynamic": name.dynamic, "calls_from": c.i}


def _parse_execute(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``EXECUTE name [(arg, ...)]``."""
    c.i = 1
    name = _name(c)
    if name is None:
        return None
    calls_from = c.i
    if _is_punct(c.peek(), "(") and not c.skip_parens():
        return None
    fields = _named("execute", name, c)
    if fields is not None:
        fields["calls_from"] = calls_from
    return fields


def _parse_deallocate(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``DEALLOCATE [PREPARE] {name | ALL}``."""
    c.i = 1
    if c.word() == "PREPARE" and c.peek(1) is not None:
        c.i += 1
    return _named("deallocate", _Value("all") if c.accept("ALL") else _name(c), c)


_DISCARD_TARGETS = {
    "ALL": "all",
    "PLANS": "plans",
    "SEQUENCES": "sequences",
    "TEMP": "temp",
    "TEMPORARY": "temp",
}


def _parse_discard(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``DISCARD {ALL | PLANS | SEQUENCES | TEMP | TEMPORARY}``."""
    c.i = 1
    if c.at_hole():
        c.i += 1
        return _named("discard", _HOLE, c)
    target = c.accept(*_DISCARD_TARGETS)
    return _named("discard", _Value(_DISCARD_TARGETS[target]) if target else None, c)


def _parse_listen(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``LISTEN channel``."""
    c.i = 1
    return _named("listen", _name(c), c)


def _parse_unlisten(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``UNLISTEN {channel | *}``."""
    c.i = 1
    return _named("unlisten", _Value("*") if c.accept_punct("*") else _name(c), c)


def _parse_notify(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``NOTIFY channel [, 'payload']``."""
    c.i = 1
    channel = _name(c)
    if channel is not None and c.accept_punct(",") and _string(c) is None:
        return None
    return _named("notify", channel, c)


def _parse_load(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``LOAD 'filename'``."""
    c.i = 1
    return _named("load", _string(c), c)


_CURSOR_OPTIONS = ("BINARY", "ASENSITIVE", "INSENSITIVE", "SCROLL", "NO")


def _parse_declare(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``DECLARE name [BINARY] [ASENSITIVE|INSENSITIVE] [[NO] SCROLL] CURSOR [{WITH|WITHOUT} HOLD]
    FOR select``."""
    c.i = 1
    name = _name(c)
    if name is None:
        return None
    while True:
        option = c.accept(*_CURSOR_OPTIONS)
        if option == "NO" and not c.accept("SCROLL"):
            return None
        if not option:
            break
    if not c.accept("CURSOR"):
        return None
    hold: Optional[bool] = False
    dynamic = name.dynamic
    if c.at_hole():
        c.i += 1
        hold, dynamic = None, True
    else:
        keep = c.accept("WITH", "WITHOUT")
        if keep and not c.accept("HOLD"):
            return None
        hold = keep == "WITH"
    if not c.accept("FOR") or not _query_starts(c, _SELECTS):
        return None
    return {"kind": "declare", "name": name.text, "hold": hold, "dynamic": dynamic, "calls_from": c.i}


def _parse_close(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``CLOSE {name | ALL}``."""
    c.i = 1
    return _named("close", _Value("all") if c.accept("ALL") else _name(c), c)


def _accept_count(c: _Cursor) -> bool:
    """A row count: an integer (optionally signed) or a placeholder/hole."""
    tok = c.peek()
    if tok is not None and tok.cat == PUNCT and tok.text in ("+", "-"):
        following = c.peek(1)
        if following is not None and following.cat == NUMBER:
            c.i += 2
            return True
        return False
    if tok is not None and (tok.cat in (NUMBER, PARAM) or tok.hole):
        c.i += 1
        return True
    return False


def _parse_fetch(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``{FETCH|MOVE} [direction] [FROM|IN] cursor`` where direction is NEXT, PRIOR, FIRST, LAST,
    ALL, {ABSOLUTE|RELATIVE} count, count, {FORWARD|BACKWARD} [count|ALL]."""
    c.i = 1
    if c.accept("ABSOLUTE", "RELATIVE"):
        if not _accept_count(c):
            return None
    elif c.accept("FORWARD", "BACKWARD"):
        if not c.accept("ALL"):
            _accept_count(c)
    elif not c.accept("NEXT", "PRIOR", "FIRST", "LAST", "ALL"):
        if c.peek(1) is not None:  # a lone token is the cursor name, even a placeholder
            _accept_count(c)
    c.accept("FROM", "IN")
    return _named("fetch", _name(c), c)


def _parse_do(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``DO [LANGUAGE lang] code [LANGUAGE lang]``; the code is a string and stays opaque."""
    c.i = 1
    if c.accept("LANGUAGE") and _name(c) is None:
        return None
    if _string(c) is None:
        return None
    if c.accept("LANGUAGE") and _name(c) is None:
        return None
    return _end(c, {"kind": "do"})


# --------------------------------------------------------------------------------------------
# CREATE TEMP, queries and other statements
# --------------------------------------------------------------------------------------------

_TEMP_OBJECTS = {"TABLE": "table", "VIEW": "view", "SEQUENCE": "sequence"}
_ON_COMMIT = {"DROP": "drop", "DELETE": "delete_rows", "PRESERVE": "preserve_rows"}


def _parse_other(c: _Cursor) -> Optional[Dict[str, Any]]:
    """Any statement led by a known keyword, with at least two tokens."""
    return {"kind": "other"} if len(c.toks) >= 2 else None


def _parse_create(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``CREATE [OR REPLACE] [GLOBAL|LOCAL] {TEMP|TEMPORARY} [UNLOGGED] [RECURSIVE]
    {TABLE|VIEW|SEQUENCE} [IF NOT EXISTS] name ... [ON COMMIT {DROP|DELETE ROWS|PRESERVE ROWS}]``
    is ``create_temp``; any other CREATE is ``other``."""
    c.i = 1
    c.accept_words("OR", "REPLACE")
    if c.at_hole():  # CREATE {kind} ...: the hole decides whether the object is temporary
        return {"kind": "other", "dynamic": True}
    if c.accept("GLOBAL", "LOCAL") and c.word() not in ("TEMP", "TEMPORARY"):
        return None
    if not c.accept("TEMP", "TEMPORARY"):
        return _parse_other(c)
    c.accept("UNLOGGED")
    c.accept("RECURSIVE")
    obj = c.accept(*_TEMP_OBJECTS)
    if not obj:
        return None
    c.accept_words("IF", "NOT", "EXISTS")
    name = _dotted_name(c)
    if name is None:
        return None
    fields = {
        "kind": "create_temp",
        "temp_object": _TEMP_OBJECTS[obj],
        "name": name.text,
        "dynamic": name.dynamic,
    }
    if obj == "SEQUENCE":
        return fields
    if c.at_end():
        return None
    if obj == "TABLE":
        on_commit = _on_commit(c)
        if on_commit is None:
            return None
        fields["on_commit"] = on_commit.text
        fields["dynamic"] = name.dynamic or on_commit.dynamic
    return fields


def _on_commit(c: _Cursor) -> Optional[_Value]:
    """The ``ON COMMIT`` action of CREATE TEMP TABLE, looked for outside parentheses and before the
    ``AS`` of CREATE TABLE AS; "preserve_rows" when absent, None when malformed."""
    depth = 0
    toks = c.toks
    for j in range(c.i, len(toks)):
        tok = toks[j]
        if tok.cat == PUNCT:
            depth += (tok.text == "(") - (tok.text == ")")
            continue
        if depth or tok.cat != WORD:
            continue
        if tok.up == "AS":
            break
        if tok.up == "ON" and j + 2 < len(toks) and toks[j + 1].up == "COMMIT":
            action = toks[j + 2]
            if action.hole:
                return _HOLE
            if action.up == "DROP":
                return _Value("drop")
            if action.up in ("DELETE", "PRESERVE") and j + 3 < len(toks) and toks[j + 3].up == "ROWS":
                return _Value(_ON_COMMIT[action.up])
            return None
    return _Value("preserve_rows")


def _parse_query(c: _Cursor) -> Optional[Dict[str, Any]]:
    """SELECT, WITH, VALUES, TABLE, INSERT, UPDATE, DELETE, MERGE, CALL, COPY (at least two tokens;
    SELECT/WITH/VALUES/TABLE may be parenthesised). ``SELECT ... INTO {TEMP|TEMPORARY} [TABLE]
    name`` is ``create_temp``."""
    if not _query_starts(c, _QUERIES):
        return None
    if c.word() in ("SELECT", "WITH") or _is_punct(c.peek(), "("):
        return _select_into_temp(c) or {"kind": "query"}
    return {"kind": "query"}


def _select_into_temp(c: _Cursor) -> Optional[Dict[str, Any]]:
    """Fields of ``SELECT ... INTO TEMP name``, or None for any other query."""
    depth = 0
    toks = c.toks
    for j, tok in enumerate(toks):
        if tok.cat == PUNCT:
            depth += (tok.text == "(") - (tok.text == ")")
        elif depth == 0 and tok.up == "INTO" and j > 0 and toks[j - 1].up not in ("INSERT", "MERGE"):
            c.i = j + 1
            if c.at_hole():
                return {"kind": "query", "dynamic": True}
            if not c.accept("TEMP", "TEMPORARY"):
                return None
            c.accept("TABLE")
            name = _dotted_name(c)
            if name is None:
                return None
            return {
                "kind": "create_temp",
                "temp_object": "table",
                "name": name.text,
                "on_commit": "preserve_rows",
                "dynamic": name.dynamic,
            }
    return None


def _parse_explain(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``EXPLAIN [(option, ...)] [ANALYZE] [VERBOSE] statement``: a query when the statement is one,
    else ``other``."""
    c.i = 1
    if not (_is_punct(c.peek(), "(") and c.skip_parens()):
        while c.accept("ANALYZE", "ANALYSE", "VERBOSE"):
            pass
    if _query_starts(c, _PREPARABLE):
        return {"kind": "query"}
    return _parse_other(c)


def _is_punct(tok: Optional[_Token], text: str) -> bool:
    return tok is not None and tok.is_punct(text)


# --------------------------------------------------------------------------------------------
# Function calls
# --------------------------------------------------------------------------------------------


def _literal(toks: List[_Token], lo: int, hi: int, sql: str) -> Optional[str]:
    """The argument ``toks[lo:hi]`` as a lower-cased literal, or None if it is not one."""
    if hi - lo == 2 and toks[lo].cat == PUNCT and toks[lo].text in ("-", "+"):
        number = toks[lo + 1]
        if number.cat == NUMBER and not number.unknown:
            return toks[lo].text.replace("+", "") + number.text.lower()
        return None
    if hi - lo != 1:
        return None
    tok = toks[lo]
    if tok.unknown:
        return None
    if tok.cat == STRING:
        return unescape_percent(sql[tok.start : tok.end]).lower()
    if tok.cat == NUMBER:
        return tok.text.lower()
    if tok.cat == WORD and tok.up in ("TRUE", "FALSE", "NULL"):
        return tok.up.lower()
    return None


def _names_relation(toks: List[_Token], first: int, k: int) -> bool:
    """Whether the (possibly dotted) name ending at ``toks[k]``, followed by ``(``, names a relation
    or a routine being defined rather than a function being called."""
    j = k
    while j - 2 >= first and toks[j - 1].is_punct(".") and toks[j - 2].cat in (WORD, IDENT):
        j -= 2
    return j > first and toks[j - 1].up in _RELATION_CONTEXT


def _calls(toks: List[_Token], first: int, sql: str) -> Tuple[Tuple[Call, ...], bool]:
    """Every ``name(`` / ``schema.name(`` from ``toks[first:]``, with literal arguments; and
    whether a hole stands where a function name goes. The statement's leading keyword is never a
    function (``EXPLAIN (ANALYZE) ...``). One pass, no recursion."""
    found: List[Tuple[str, int, List[Optional[str]]]] = []
    #: one frame per open parenthesis: [index into found or -1, index of the token before the current argument]
    frames: List[List[int]] = []
    dynamic = False

    def close_argument(frame: List[int], at: int, closing: bool) -> None:
        index, opened = frame
        frame[1] = at
        if index < 0:
            return
        args = found[index][2]
        if closing and at - opened == 1 and (not args or at == len(toks)):
            return  # f(), or an unbalanced call that ends after a comma
        args.append(_literal(toks, opened + 1, at, sql))

    for i in range(first, len(toks)):
        tok = toks[i]
        if tok.cat != PUNCT:
            continue
        if tok.text == "(":
            index = -1
            callee = toks[i - 1] if i > max(first, 1) else None
            if (
                callee is not None
                and callee.cat in (WORD, IDENT)
                and callee.up not in _NOT_FUNCTIONS
                and not _names_relation(toks, first, i - 1)
            ):
                if callee.hole:
                    dynamic = True
                elif not callee.unknown:
                    index = len(found)
                    found.append((callee.text.lower(), callee.start, []))
            frames.append([index, i])
        elif tok.text == "," and frames:
            close_argument(frames[-1], i, closing=False)
        elif tok.text == ")" and frames:
            close_argument(frames.pop(), i, closing=True)
    while frames:  # unbalanced: the arguments read so far
        close_argument(frames.pop(), len(toks), closing=True)
    return tuple(Call(name, tuple(args), start) for name, start, args in found), dynamic


# --------------------------------------------------------------------------------------------
# Dialects and the entry point
# --------------------------------------------------------------------------------------------

_Parser = Callable[[_Cursor], Optional[Dict[str, Any]]]

_POSTGRES_PARSERS: Dict[str, _Parser] = {
    "SET": _parse_set,
    "RESET": _parse_reset,
    "SHOW": _parse_show,
    "PREPARE": _parse_prepare,
    "EXECUTE": _parse_execute,
    "DEALLOCATE": _parse_deallocate,
    "DISCARD": _parse_discard,
    "LISTEN": _parse_listen,
    "UNLISTEN": _parse_unlisten,
    "NOTIFY": _parse_notify,
    "LOAD": _parse_load,
    "DECLARE": _parse_declare,
    "CLOSE": _parse_close,
    "FETCH": _parse_fetch,
    "MOVE": _parse_fetch,
    "CREATE": _parse_create,
    "LOCK": _parse_lock,
    "BEGIN": _parse_begin,
    "START": _parse_start,
    "COMMIT": _parse_end_transaction,
    "END": _parse_end_transaction,
    "ABORT": _parse_end_transaction,
    "ROLLBACK": _parse_end_transaction,
    "SAVEPOINT": _parse_savepoint,
    "RELEASE": _parse_savepoint,
    "DO": _parse_do,
    "EXPLAIN": _parse_explain,
    "(": _parse_query,
    **{word: _parse_query for word in _QUERIES},
    **{word: _parse_other for word in """
            ALTER ANALYZE ANALYSE CHECKPOINT CLUSTER COMMENT DROP GRANT IMPORT REASSIGN REFRESH
            REINDEX REVOKE SECURITY TRUNCATE VACUUM
            """.split()},
}


class _Lexer:
    """sqlglot's tokenizer for one dialect, set up for the classifiers (PostgreSQL here, MySQL in
    pinlint.sql.mysql). Built on first use: importing sqlglot is slow, and importing this module must
    not do it."""

    _shared: Dict[str, "_Lexer"] = {}

    def __init__(self, dialect: str = "postgres") -> None:
        from sqlglot.dialects.dialect import Dialect
        from sqlglot.tokens import TokenType

        base = Dialect.get_or_raise(dialect).tokenizer_class

        class StatementTokenizer(base):  # type: ignore[misc, valid-type]
            # sqlglot reads everything after a "command" keyword (DO, EXPLAIN, RESET, PREPARE,
            # DECLARE, EXECUTE, FETCH, SHOW, ...) as one string; the classifier needs the tokens.
            COMMANDS: set = set()

        self.dialect = dialect
        self.tokenizer_class = StatementTokenizer
        self.semicolon = TokenType.SEMICOLON
        #: token type -> category, for the types whose category does not depend on the text
        self.categories: Dict[Any, str] = {}
        for token_type in TokenType:
            category = _type_category(token_type.name)
            if category is not None:
                self.categories[token_type] = category

    @classmethod
    def for_dialect(cls, dialect: str) -> "_Lexer":
        lexer = cls._shared.get(dialect)
        if lexer is None:
            lexer = cls._shared[dialect] = cls(dialect)
        return lexer

    @classmethod
    def postgres(cls) -> "_Lexer":
        return cls.for_dialect("postgres")

    @classmethod
    def mysql(cls) -> "_Lexer":
        return cls.for_dialect("mysql")

    def tokenize(self, text: str) -> Tuple[List[Any], bool]:
        """The tokens of ``text`` and whether tokenizing got to the end. On failure, the tokens
        read before the failing point."""
        tokenizer = self.tokenizer_class(dialect=self.dialect)
        try:
            return tokenizer.tokenize(text), True
        except Exception:  # sqlglot's TokenError, or anything else its scanner trips on
            try:
                partial = list(tokenizer.tokens)
            except Exception:  # pragma: no cover - defensive: tokenizer state unavailable
                partial = []
            return partial, False


class _Dialect(NamedTuple):
    lexer: Callable[[], _Lexer]
    parsers: Dict[str, _Parser]


_POSTGRES = _Dialect(_Lexer.postgres, _POSTGRES_PARSERS)
#: MySQL has its own module (pinlint.sql.mysql), dispatched to by ``classify``.
_DIALECTS: Dict[str, _Dialect] = {"postgres": _POSTGRES, "postgresql": _POSTGRES}


def classify(sql: str, dialect: str = "postgres") -> List[Statement]:
    """Split ``sql`` into top-level statements and classify each one (see :mod:`pinlint.sql.statement`).

    Never raises; statements that are not recognisable SQL (or do not tokenize) are ``unknown``.
    ``dialect`` selects the grammar: ``"mysql"`` (or ``"mariadb"``) is :mod:`pinlint.sql.mysql`;
    PostgreSQL's is used for any other value.
    """
    if str(dialect).lower() in ("mysql", "mariadb"):
        from pinlint.sql.mysql import classify_mysql

        return classify_mysql(sql)
    grammar = _DIALECTS.get(str(dialect).lower(), _POSTGRES)
    text, spans = normalize(sql)
    markers = _Markers(spans)
    lexer = grammar.lexer()
    raw_tokens, complete = lexer.tokenize(text)
    segments = _split(raw_tokens, lexer.semicolon)
    # When tokenizing failed, the tokens after the last ``;`` belong to the failing statement.
    tail = None if complete else segments.pop()[0]
    statements = [_classify_segment(tokens, sql, markers, lexer, grammar) for tokens, _ in segments if tokens]
    if tail is not None:
        rest = _unknown_rest(sql, segments, tail)
        if rest is not None:
            statements.append(rest)
    return statements


def _split(raw_tokens: List[Any], semicolon: Any) -> List[Tuple[List[Any], Optional[Any]]]:
    """Split tokens on ``;``: a list of (tokens of the statement, its ``;`` token or None)."""
    segments: List[Tuple[List[Any], Optional[Any]]] = []
    current: List[Any] = []
    for raw in raw_tokens:
        if raw.token_type is semicolon:
            segments.append((current, raw))
            current = []
        else:
            current.append(raw)
    segments.append((current, None))
    return segments


def _classify_segment(
    raw: List[Any], sql: str, markers: _Markers, lexer: _Lexer, grammar: _Dialect
) -> Statement:
    """Classify the sqlglot tokens of one statement."""
    head = _convert(raw[:1], sql, markers, lexer)[0]
    parser = grammar.parsers.get(head.up if head.cat == WORD else head.text if head.cat == PUNCT else "")
    if parser is None:
        start, end = head.start, _convert(raw[-1:], sql, markers, lexer)[-1].end
        return Statement("unknown", start, end, sql[start:end], dynamic=head.hole)
    toks = _convert(raw, sql, markers, lexer)
    start, end = toks[0].start, toks[-1].end
    cursor = _Cursor(toks, sql)
    fields = parser(cursor)
    if fields is None:
        looked_at = toks[: cursor.furthest + 1]
        return Statement("unknown", start, end, sql[start:end], dynamic=any(tok.hole for tok in looked_at))
    fields = dict(fields)
    kind = fields.pop("kind")
    calls_from = fields.pop("calls_from", 0)
    calls: Tuple[Call, ...] = ()
    calls_dynamic = False
    if kind != "do":
        calls, calls_dynamic = _calls(toks, calls_from, sql)
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
