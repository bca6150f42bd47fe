"""PostgreSQL's lexical grammar as the classifier reads it: reserved words, names, qualified names,
string literals, and the function calls of a statement (one linear pass over its tokens).
"""

from __future__ import annotations

from typing import List, Optional, Tuple

from pinlint.sql.grammar import HOLE_VALUE, UNKNOWN_VALUE, Cursor, Value
from pinlint.sql.lexer import IDENT, NUMBER, PARAM, PUNCT, STRING, WORD, Token
from pinlint.sql.placeholders import unescape_percent
from pinlint.sql.statement import Call

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


def read_name(c: Cursor, reserved_ok: bool = False) -> Optional[Value]:
    """One identifier where PostgreSQL's grammar has a ``name``: an unreserved word (folded to
    lower case) or a quoted identifier (kept as written). A hole or a placeholder is accepted
    (text None). None when there is no name here."""
    tok = c.peek()
    if tok is None:
        return None
    if tok.hole and tok.cat in (WORD, IDENT):
        c.i += 1
        return HOLE_VALUE
    if tok.cat == PARAM:
        c.i += 1
        return UNKNOWN_VALUE
    if tok.cat == WORD and (reserved_ok or tok.up not in RESERVED):
        c.i += 1
        return Value(tok.text.lower())
    if tok.cat == IDENT:
        c.i += 1
        return UNKNOWN_VALUE if tok.unknown else Value(tok.text)
    return None


def read_dotted_name(c: Cursor) -> Optional[Value]:
    """``name [. name ...]`` (a qualified name), joined with dots."""
    parts = [read_name(c)]
    if parts[0] is None:
        return None
    while c.accept_punct("."):
        part = read_name(c, reserved_ok=True)
        if part is None:
            return None
        parts.append(part)
    if any(part.text is None for part in parts):
        return Value(None, any(part.dynamic for part in parts))
    return Value(".".join(part.text for part in parts))  # type: ignore[misc]


def read_string(c: Cursor) -> Optional[Value]:
    """A string literal (its content), a placeholder, or a hole. None when there is none here."""
    tok = c.peek()
    if tok is None:
        return None
    if tok.hole and tok.cat in (WORD, IDENT, STRING):
        c.i += 1
        return HOLE_VALUE
    if tok.cat == PARAM:
        c.i += 1
        return UNKNOWN_VALUE
    if tok.cat == STRING:
        c.i += 1
        return UNKNOWN_VALUE if tok.unknown else Value(unescape_percent(tok.text))
    return None


def read_word_or_string(c: Cursor) -> Optional[Value]:
    """PostgreSQL's ``NonReservedWord_or_Sconst``."""
    found = read_string(c)
    return found if found is not None else read_name(c)


def is_punct_token(tok: Optional[Token], text: str) -> bool:
    return tok is not None and tok.is_punct(text)


def _literal(toks: List[Token], lo: int, hi: int, sql: str) -> Optional[str]:
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


def _names_relation(toks: List[Token], first: int, k: int) -> bool:
    """Whether the (possibly dotted) name ending at ``toks[k]``, followed by ``(``, names a relation
    or a routine being defined rather than a function being called."""
    j = k
    while j - 2 >= first and toks[j - 1].is_punct(".") and toks[j - 2].cat in (WORD, IDENT):
        j -= 2
    return j > first and toks[j - 1].up in _RELATION_CONTEXT


def find_calls(toks: List[Token], first: int, sql: str) -> Tuple[Tuple[Call, ...], bool]:
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
                    dynamic = True  # the name is part known, part hole: listed as written (with the hole)
                if callee.hole or not callee.unknown:
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
