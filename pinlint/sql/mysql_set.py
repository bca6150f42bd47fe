"""MySQL's names, user variables, expressions and the SET statement (system and user variables,
NAMES / CHARACTER SET, TRANSACTION characteristics).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from pinlint.sql.grammar import HOLE_VALUE, UNKNOWN_VALUE, Cursor, Value
from pinlint.sql.lexer import IDENT, PARAM, PUNCT, STRING, WORD, Token
from pinlint.sql.statement import GLOBAL, LOCAL, SESSION, USER, Assignment

#: MySQL 8 / MariaDB reserved words that matter to the grammars below: never a bare name.
RESERVED = frozenset("""
    ACCESSIBLE ADD ALL ALTER ANALYZE AND AS ASC ASENSITIVE BEFORE BETWEEN BIGINT BINARY BLOB BOTH BY
    CALL CASCADE CASE CHANGE CHAR CHARACTER CHECK COLLATE COLUMN CONDITION CONSTRAINT CONTINUE CONVERT
    CREATE CROSS CUBE CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER CURSOR DATABASE
    DATABASES DEC DECIMAL DECLARE DEFAULT DELAYED DELETE DESC DESCRIBE DETERMINISTIC DISTINCT
    DISTINCTROW DIV DOUBLE DROP DUAL EACH ELSE ELSEIF ENCLOSED ESCAPED EXCEPT EXISTS EXIT EXPLAIN
    FALSE FETCH FLOAT FOR FORCE FOREIGN FROM FULLTEXT FUNCTION GENERATED GET GRANT GROUP GROUPING
    GROUPS HAVING HIGH_PRIORITY IF IGNORE IN INDEX INFILE INNER INOUT INSENSITIVE INSERT INT INTEGER
    INTERSECT INTERVAL INTO IS ITERATE JOIN KEY KEYS KILL LATERAL LEADING LEAVE LEFT LIKE LIMIT
    LINEAR LINES LOAD LOCALTIME LOCALTIMESTAMP LOCK LONG LOOP LOW_PRIORITY MATCH MAXVALUE MOD
    MODIFIES NATURAL NOT NULL NUMERIC OF ON OPTIMIZE OPTION OPTIONALLY OR ORDER OUT OUTER OUTFILE
    OVER PARTITION PRECISION PRIMARY PROCEDURE PURGE RANGE READ READS REAL RECURSIVE REFERENCES
    REGEXP RELEASE RENAME REPEAT REPLACE REQUIRE RESIGNAL RESTRICT RETURN REVOKE RIGHT RLIKE SCHEMA
    SCHEMAS SELECT SENSITIVE SEPARATOR SET SHOW SIGNAL SMALLINT SPATIAL SPECIFIC SQL SQLEXCEPTION
    SQLSTATE SQLWARNING SQL_BIG_RESULT SQL_CALC_FOUND_ROWS SQL_SMALL_RESULT SSL STARTING STORED
    STRAIGHT_JOIN TABLE TERMINATED THEN TO TRAILING TRIGGER TRUE UNDO UNION UNIQUE UNLOCK UNSIGNED
    UPDATE USAGE USE USING UTC_DATE UTC_TIME UTC_TIMESTAMP VALUES VARBINARY VARCHAR VARYING VIRTUAL
    WHEN WHERE WHILE WINDOW WITH WRITE XOR ZEROFILL
    """.split())


def read_name(c: Cursor) -> Optional[Value]:
    """An identifier: an unreserved word (lower-cased) or a backtick identifier (lower-cased too:
    the names read here, variables and prepared statements, compare case-insensitively). A hole or
    placeholder is accepted (text None)."""
    tok = c.peek()
    if tok is None:
        return None
    if tok.hole and tok.cat in (WORD, IDENT):
        c.i += 1
        return HOLE_VALUE
    if tok.cat == PARAM:
        c.i += 1
        return UNKNOWN_VALUE
    if (tok.cat == WORD and tok.up not in RESERVED) or tok.cat == IDENT:
        c.i += 1
        return UNKNOWN_VALUE if tok.unknown else Value(tok.text.lower())
    return None


def read_dotted_name(c: Cursor) -> Optional[Value]:
    """``name [. name]`` (a table or a structured variable such as ``cache.key_buffer_size``)."""
    first = read_name(c)
    if first is None:
        return None
    parts = [first]
    while c.accept_punct("."):
        tok = c.peek()
        if tok is None or tok.cat not in (WORD, IDENT):
            return None
        c.i += 1
        parts.append(HOLE_VALUE if tok.hole else UNKNOWN_VALUE if tok.unknown else Value(tok.text.lower()))
    if any(p.text is None for p in parts):
        return Value(None, any(p.dynamic for p in parts))
    return Value(".".join(p.text for p in parts))  # type: ignore[misc]


def _adjacent(a: Optional[Token], b: Optional[Token]) -> bool:
    return a is not None and b is not None and a.end == b.start


def read_user_variable(c: Cursor) -> Optional[Value]:
    """``@name``, ``@`name```, ``@'name'``, ``@"name"`` (no blank after ``@``); the name lower-cased."""
    at = c.peek()
    tok = c.peek(1)
    if at is None or not at.is_punct("@") or not _adjacent(at, tok):
        return None
    assert tok is not None
    if tok.cat not in (WORD, IDENT, STRING, PARAM):
        return None
    c.i += 2
    if tok.hole:
        return HOLE_VALUE
    if tok.unknown:
        return UNKNOWN_VALUE
    name = tok.text.lower()
    while c.peek() is not None and c.peek().is_punct(".") and _adjacent(tok, c.peek()):  # @a.b
        dot, following = c.peek(), c.peek(1)
        if not (_adjacent(dot, following) and following.cat == WORD):
            break
        c.i += 2
        tok = following
        if tok.unknown:
            return Value(None, tok.hole)
        name += "." + tok.text.lower()
    return Value(name)


def _is_assign_op(tok: Optional[Token]) -> bool:
    return tok is not None and (tok.is_punct("=") or tok.is_punct(":="))


def read_expression(c: Cursor) -> Optional[Value]:
    """A value expression up to the next top-level ``,`` or the end of the statement (at least one
    token, balanced parentheses); its text as written, None when a placeholder or hole is in it."""
    first = c.peek()
    if first is None or first.is_punct(","):
        return None
    depth = 0
    unknown = False
    last = first
    while True:
        tok = c.peek()
        if tok is None or (depth == 0 and tok.is_punct(",")):
            break
        if tok.cat == PUNCT:
            depth += (tok.text == "(") - (tok.text == ")")
            if depth < 0:
                return None
        unknown = unknown or tok.unknown
        last = tok
        c.i += 1
    if depth:
        return None
    return UNKNOWN_VALUE if unknown else Value(c.source(first, last))


def _charset_value(c: Cursor, collate: bool) -> Optional[Value]:
    """The character set of SET NAMES / SET CHARACTER SET (a name, string or DEFAULT), and for
    NAMES an optional ``COLLATE name``."""
    first = c.peek()
    if first is None:
        return None
    if not (first.cat in (WORD, IDENT, STRING, PARAM) and (first.cat != WORD or first.up not in RESERVED
                                                           or first.up == "DEFAULT")):
        return None
    c.i += 1
    unknown = first.unknown
    last = first
    if collate and c.accept("COLLATE"):
        tok = c.peek()
        if tok is None or tok.cat not in (WORD, IDENT, STRING, PARAM):
            return None
        c.i += 1
        unknown = unknown or tok.unknown
        last = tok
    return UNKNOWN_VALUE if unknown else Value(c.source(first, last))


_MODIFIERS = {"GLOBAL": GLOBAL, "SESSION": SESSION, "LOCAL": LOCAL, "PERSIST": GLOBAL, "PERSIST_ONLY": GLOBAL}


_ISOLATION_LEVELS = (("READ", "UNCOMMITTED"), ("READ", "COMMITTED"), ("REPEATABLE", "READ"), ("SERIALIZABLE",))


def read_characteristics(c: Cursor) -> Optional[List[Tuple[str, Optional[str], Token, Token]]]:
    """``ISOLATION LEVEL level | READ WRITE | READ ONLY`` [, ...] to the end of the statement, as
    (variable, value, first token, last token); None when malformed."""
    out: List[Tuple[str, Optional[str], Token, Token]] = []
    while True:
        first = c.peek()
        if first is None:
            return None
        if first.unknown:
            c.i += 1
            out.append(("", None, first, first))
        elif c.accept_words("ISOLATION", "LEVEL"):
            tok = c.peek()
            if tok is not None and tok.unknown:
                c.i += 1
                out.append(("transaction_isolation", None, first, tok))
            else:
                level = next((words for words in _ISOLATION_LEVELS if c.accept_words(*words)), None)
                if level is None:
                    return None
                out.append(("transaction_isolation", "-".join(level), first, c.toks[c.i - 1]))
        elif c.accept("READ"):
            mode = c.accept("WRITE", "ONLY")
            if not mode:
                return None
            out.append(("transaction_read_only", "ON" if mode == "ONLY" else "OFF", first, c.toks[c.i - 1]))
        else:
            return None
        if c.at_end():
            return out
        if not c.accept_punct(","):
            return None


def parse_set(c: Cursor) -> Optional[Dict[str, Any]]:
    """``SET assignment [, assignment ...]``, ``SET [GLOBAL|SESSION|LOCAL] TRANSACTION ...`` and the
    SET statements that are not variable assignments (PASSWORD, ROLE, DEFAULT ROLE, RESOURCE GROUP,
    STATEMENT ... FOR)."""
    c.i = 1
    word = c.word()
    if word == "TRANSACTION" and not _is_assign_op(c.peek(1)):
        c.i += 1
        return {"kind": "set_transaction"} if read_characteristics(c) is not None else None
    if word in ("GLOBAL", "SESSION", "LOCAL") and c.word(1) == "TRANSACTION" and not _is_assign_op(c.peek(2)):
        scope = _MODIFIERS[word]
        c.i += 2
        found = read_characteristics(c)
        if found is None:
            return None
        assignments = tuple(
            Assignment(scope, name or None, value, first.start, last.end) for name, value, first, last in found)
        return {"kind": "set", "assignments": assignments, "dynamic": any(not name for name, *_ in found)}
    if word in ("PASSWORD", "ROLE", "STATEMENT") or (word == "DEFAULT" and c.word(1) == "ROLE") or (
            word == "RESOURCE" and c.word(1) == "GROUP"):
        return {"kind": "other"} if len(c.toks) >= 3 else None
    assignments_: List[Assignment] = []
    carried = SESSION
    dynamic = False
    while True:
        found_ = _assignment(c, carried)
        if found_ is None:
            return None
        assignment, carried, hole = found_
        assignments_.append(assignment)
        dynamic = dynamic or hole
        if c.at_end():
            break
        if not c.accept_punct(","):
            return None
    return {"kind": "set", "assignments": tuple(assignments_), "dynamic": dynamic}


def _assignment(c: Cursor, carried: str) -> Optional[Tuple[Assignment, str, bool]]:
    """One assignment of a SET list: (the assignment, the modifier carried on, whether a hole decides it)."""
    first = c.peek()
    if first is None:
        return None
    scope: Optional[str] = carried
    dynamic = False
    name: Optional[Value]
    if first.is_punct("@"):
        name = read_user_variable(c)
        if name is None:
            return None
        scope = USER
    elif first.is_punct("@@"):
        c.i += 1
        modifier = c.word()
        if modifier in _MODIFIERS and c.peek(1) is not None and c.peek(1).is_punct("."):
            scope = _MODIFIERS[modifier]
            c.i += 2
        else:
            scope = SESSION
        name = read_dotted_name(c)
    else:
        modifier = c.word()
        if modifier in _MODIFIERS and not _is_assign_op(c.peek(1)):
            scope = carried = _MODIFIERS[modifier]
            c.i += 1
        elif c.at_hole() and c.peek(1) is not None and not _is_assign_op(c.peek(1)) \
                and not c.peek(1).is_punct("."):
            scope, dynamic = None, True  # SET {modifier} name = ...: a hole stands where the modifier goes
            c.i += 1
        if c.word() == "NAMES" and not _is_assign_op(c.peek(1)):
            c.i += 1
            return _charset_assignment(c, "names", first, collate=True, dynamic=dynamic)
        if c.word() == "CHARSET" and not _is_assign_op(c.peek(1)):
            c.i += 1
            return _charset_assignment(c, "charset", first, collate=False, dynamic=dynamic)
        if c.accept_words("CHARACTER", "SET"):
            return _charset_assignment(c, "charset", first, collate=False, dynamic=dynamic)
        name = read_dotted_name(c)
    if name is None or not _is_assign_op(c.peek()):
        return None
    c.i += 1
    value = read_expression(c)
    if value is None:
        return None
    assignment = Assignment(scope, name.text, value.text, first.start, c.toks[c.i - 1].end)
    return assignment, carried, dynamic or name.dynamic


def _charset_assignment(c: Cursor, name: str, first: Token, collate: bool,
                        dynamic: bool) -> Optional[Tuple[Assignment, str, bool]]:
    value = _charset_value(c, collate)
    if value is None:
        return None
    return Assignment(SESSION, name, value.text, first.start, c.toks[c.i - 1].end), SESSION, dynamic
