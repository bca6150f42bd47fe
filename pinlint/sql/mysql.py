"""Split a MySQL / MariaDB SQL string into statements and say what each one is (tokens only).

Public API: :func:`classify_mysql` (reached through ``pinlint.sql.classify.classify(sql, "mysql")``).

It works like the PostgreSQL classifier (:mod:`pinlint.sql.classify`, whose token, cursor and
statement-splitting machinery it reuses) with MySQL's lexical rules and grammar:

1. Driver placeholders (``%s``, ``%(name)s``, ``?``) are normalised to ``?`` without changing the
   string's length (:mod:`pinlint.sql.placeholders`).
2. Executable comments (``/*! ... */``, ``/*!50700 ... */``, ``/*M! ... */``, ``/*M!100100 ... */``)
   are opened: their markers are blanked (same length), so their content is classified as the SQL the
   server runs, and each statement records the comments it holds (``Statement.executable_comments``).
   Quotes and ordinary comments (``#``, ``-- ``, ``/* */``) are respected while looking for them.
3. sqlglot's MySQL tokenizer reads the string (backtick identifiers, ``"..."`` strings, backslash
   escapes, ``#`` comments, ``@``/``@@``), with its "command" shortcut switched off. The sqlglot
   parser is never used.
4. Tokens are split on ``;``; the first word of a statement selects a small, strict grammar. A
   statement that does not match it, or starts with no known keyword, is ``unknown``: prose, log text
   and JSON are told apart from SQL that way.

Statement kinds are documented in :mod:`pinlint.sql.statement`. MySQL specifics:

* ``SET`` (kind ``set``) lists its assignments in ``Statement.assignments``: ``@user`` variables
  (scope ``user``), system variables with the scope MySQL gives them (no modifier, ``SESSION``,
  ``@@name``, ``@@session.name``: ``session``; ``LOCAL``/``@@local.``: ``local``; ``GLOBAL``,
  ``PERSIST``, ``PERSIST_ONLY``, ``@@global.``: ``global``). As in MySQL, a modifier carries over to
  the later assignments of the statement that have none. ``SET NAMES`` is the assignment ``names``,
  ``SET CHARACTER SET``/``SET CHARSET`` is ``charset``. ``SET {GLOBAL|SESSION|LOCAL} TRANSACTION ...``
  is a ``set`` of ``transaction_isolation`` / ``transaction_read_only``; ``SET TRANSACTION ...``
  without a modifier (the next transaction only) is ``set_transaction``.
* ``SET PASSWORD``, ``SET ROLE``, ``SET DEFAULT ROLE``, ``SET RESOURCE GROUP`` and MariaDB's
  ``SET STATEMENT ... FOR ...`` are ``other``.
* ``DO expr`` evaluates its expressions, so it is a ``query``, like ``REPLACE`` and ``HANDLER``.
* Names: unquoted identifiers and variable names are folded to lower case (MySQL compares variable
  and prepared-statement names case-insensitively).

Never raises; runs in time linear in the length of the string.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Dict, List, Optional, Tuple

from pinlint.sql.classify import (
    IDENT,
    NUMBER,
    PARAM,
    PUNCT,
    STRING,
    WORD,
    _classify_segment,
    _Cursor,
    _Dialect,
    _end,
    _Lexer,
    _Markers,
    _split,
    _Token,
    _unknown_rest,
    _Value,
)
from pinlint.sql.placeholders import normalize
from pinlint.sql.statement import GLOBAL, HOLE, LOCAL, SESSION, USER, Assignment, Statement

__all__ = ["classify_mysql"]

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

_UNKNOWN = _Value(None, False)
_HOLE = _Value(None, True)


# --------------------------------------------------------------------------------------------
# Executable comments
# --------------------------------------------------------------------------------------------

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


def _open_executable_comments(text: str) -> Tuple[str, List[Tuple[int, int]]]:
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


def _attach_comments(statements: List[Statement], spans: List[Tuple[int, int]]) -> List[Statement]:
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


# --------------------------------------------------------------------------------------------
# Reading names and values
# --------------------------------------------------------------------------------------------


def _name(c: _Cursor) -> Optional[_Value]:
    """An identifier: an unreserved word (lower-cased) or a backtick identifier (lower-cased too:
    the names read here, variables and prepared statements, compare case-insensitively). A hole or
    placeholder is accepted (text None)."""
    tok = c.peek()
    if tok is None:
        return None
    if tok.hole and tok.cat in (WORD, IDENT):
        c.i += 1
        return _HOLE
    if tok.cat == PARAM:
        c.i += 1
        return _UNKNOWN
    if (tok.cat == WORD and tok.up not in RESERVED) or tok.cat == IDENT:
        c.i += 1
        return _UNKNOWN if tok.unknown else _Value(tok.text.lower())
    return None


def _dotted_name(c: _Cursor) -> Optional[_Value]:
    """``name [. name]`` (a table or a structured variable such as ``cache.key_buffer_size``)."""
    first = _name(c)
    if first is None:
        return None
    parts = [first]
    while c.accept_punct("."):
        tok = c.peek()
        if tok is None or tok.cat not in (WORD, IDENT):
            return None
        c.i += 1
        parts.append(_HOLE if tok.hole else _UNKNOWN if tok.unknown else _Value(tok.text.lower()))
    if any(p.text is None for p in parts):
        return _Value(None, any(p.dynamic for p in parts))
    return _Value(".".join(p.text for p in parts))  # type: ignore[misc]


def _adjacent(a: Optional[_Token], b: Optional[_Token]) -> bool:
    return a is not None and b is not None and a.end == b.start


def _user_variable(c: _Cursor) -> Optional[_Value]:
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
        return _HOLE
    if tok.unknown:
        return _UNKNOWN
    name = tok.text.lower()
    while c.peek() is not None and c.peek().is_punct(".") and _adjacent(tok, c.peek()):  # @a.b
        dot, following = c.peek(), c.peek(1)
        if not (_adjacent(dot, following) and following.cat == WORD):
            break
        c.i += 2
        tok = following
        if tok.unknown:
            return _Value(None, tok.hole)
        name += "." + tok.text.lower()
    return _Value(name)


def _is_assign_op(tok: Optional[_Token]) -> bool:
    return tok is not None and (tok.is_punct("=") or tok.is_punct(":="))


def _expression(c: _Cursor) -> Optional[_Value]:
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
    return _UNKNOWN if unknown else _Value(c.source(first, last))


def _charset_value(c: _Cursor, collate: bool) -> Optional[_Value]:
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
    return _UNKNOWN if unknown else _Value(c.source(first, last))


# --------------------------------------------------------------------------------------------
# SET
# --------------------------------------------------------------------------------------------

_MODIFIERS = {"GLOBAL": GLOBAL, "SESSION": SESSION, "LOCAL": LOCAL, "PERSIST": GLOBAL, "PERSIST_ONLY": GLOBAL}
_ISOLATION_LEVELS = (("READ", "UNCOMMITTED"), ("READ", "COMMITTED"), ("REPEATABLE", "READ"), ("SERIALIZABLE",))


def _characteristics(c: _Cursor) -> Optional[List[Tuple[str, Optional[str], _Token, _Token]]]:
    """``ISOLATION LEVEL level | READ WRITE | READ ONLY`` [, ...] to the end of the statement, as
    (variable, value, first token, last token); None when malformed."""
    out: List[Tuple[str, Optional[str], _Token, _Token]] = []
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


def _parse_set(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``SET assignment [, assignment ...]``, ``SET [GLOBAL|SESSION|LOCAL] TRANSACTION ...`` and the
    SET statements that are not variable assignments (PASSWORD, ROLE, DEFAULT ROLE, RESOURCE GROUP,
    STATEMENT ... FOR)."""
    c.i = 1
    word = c.word()
    if word == "TRANSACTION" and not _is_assign_op(c.peek(1)):
        c.i += 1
        return {"kind": "set_transaction"} if _characteristics(c) is not None else None
    if word in ("GLOBAL", "SESSION", "LOCAL") and c.word(1) == "TRANSACTION" and not _is_assign_op(c.peek(2)):
        scope = _MODIFIERS[word]
        c.i += 2
        found = _characteristics(c)
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


def _assignment(c: _Cursor, carried: str) -> Optional[Tuple[Assignment, str, bool]]:
    """One assignment of a SET list: (the assignment, the modifier carried on, whether a hole decides it)."""
    first = c.peek()
    if first is None:
        return None
    scope: Optional[str] = carried
    dynamic = False
    name: Optional[_Value]
    if first.is_punct("@"):
        name = _user_variable(c)
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
        name = _dotted_name(c)
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
        name = _dotted_name(c)
    if name is None or not _is_assign_op(c.peek()):
        return None
    c.i += 1
    value = _expression(c)
    if value is None:
        return None
    assignment = Assignment(scope, name.text, value.text, first.start, c.toks[c.i - 1].end)
    return assignment, carried, dynamic or name.dynamic


def _charset_assignment(c: _Cursor, name: str, first: _Token, collate: bool,
                        dynamic: bool) -> Optional[Tuple[Assignment, str, bool]]:
    value = _charset_value(c, collate)
    if value is None:
        return None
    return Assignment(SESSION, name, value.text, first.start, c.toks[c.i - 1].end), SESSION, dynamic


# --------------------------------------------------------------------------------------------
# Locks, temporary tables, prepared statements
# --------------------------------------------------------------------------------------------


def _lock_type(c: _Cursor) -> bool:
    """``READ [LOCAL] | [LOW_PRIORITY] WRITE | WRITE CONCURRENT`` (or a hole)."""
    if c.at_hole():
        c.i += 1
        return True
    if c.accept("READ"):
        c.accept("LOCAL")
        return True
    if c.accept("LOW_PRIORITY"):
        return c.accept("WRITE") != ""
    if c.accept("WRITE"):
        c.accept("CONCURRENT")
        return True
    return False


def _parse_lock(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``LOCK {TABLE|TABLES} name [[AS] alias] lock_type [, ...] [WAIT n | NOWAIT]``;
    ``LOCK INSTANCE FOR BACKUP`` is ``other``."""
    c.i = 1
    if c.accept_words("INSTANCE", "FOR", "BACKUP"):
        return _end(c, {"kind": "other"})
    if not c.accept("TABLE", "TABLES"):
        return None
    while True:
        if _dotted_name(c) is None:
            return None
        if c.accept("AS"):
            if _name(c) is None:
                return None
        elif c.word() not in ("READ", "WRITE", "LOW_PRIORITY") and not c.at_hole():
            tok = c.peek()
            if tok is not None and (tok.cat == IDENT or (tok.cat == WORD and tok.up not in RESERVED)):
                c.i += 1  # alias
        if not _lock_type(c):
            return None
        if not c.accept_punct(","):
            break
    if c.accept("WAIT"):
        tok = c.peek()
        if tok is None or tok.cat not in (NUMBER, PARAM):
            return None
        c.i += 1
    else:
        c.accept("NOWAIT")
    return _end(c, {"kind": "lock_tables"})


def _parse_flush(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``FLUSH [NO_WRITE_TO_BINLOG|LOCAL] {TABLE|TABLES} [name, ...] WITH READ LOCK`` is
    ``flush_tables_read_lock``; ``... FOR EXPORT``, plain ``FLUSH TABLES`` and other FLUSH
    statements are ``other``."""
    c.i = 1
    c.accept("NO_WRITE_TO_BINLOG", "LOCAL")
    if not c.accept("TABLE", "TABLES"):
        return _parse_other(c)
    if not c.at_end() and c.word() not in ("WITH", "FOR"):
        while True:
            if _dotted_name(c) is None:
                return None
            if not c.accept_punct(","):
                break
    if c.accept_words("WITH", "READ", "LOCK"):
        return _end(c, {"kind": "flush_tables_read_lock"})
    if c.accept_words("FOR", "EXPORT"):
        return _end(c, {"kind": "other"})
    return _end(c, {"kind": "other"})


def _parse_create(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``CREATE [OR REPLACE] TEMPORARY TABLE [IF NOT EXISTS] name ...`` is ``create_temp``; any other
    CREATE is ``other``."""
    c.i = 1
    c.accept_words("OR", "REPLACE")
    if c.at_hole():  # CREATE {kind} ...: the hole decides whether the table is temporary
        return {"kind": "other", "dynamic": True}
    if not c.accept("TEMPORARY"):
        return _parse_other(c)
    if not c.accept("TABLE"):
        return None
    c.accept_words("IF", "NOT", "EXISTS")
    name = _dotted_name(c)
    if name is None or c.at_end():
        return None
    return {"kind": "create_temp", "temp_object": "table", "name": name.text, "dynamic": name.dynamic}


def _parse_prepare(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``PREPARE name FROM {'statement' | @variable}``."""
    c.i = 1
    name = _name(c)
    if name is None or not c.accept("FROM"):
        return None
    tok = c.peek()
    if tok is not None and (tok.cat in (STRING, PARAM) or tok.hole):
        c.i += 1
    elif _user_variable(c) is None:
        return None
    return _end(c, {"kind": "prepare", "name": name.text, "dynamic": name.dynamic})


def _parse_execute(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``EXECUTE name [USING expr [, expr ...]]``; MariaDB's ``EXECUTE IMMEDIATE 'sql'`` (prepare,
    run and deallocate in one statement) is ``other``."""
    c.i = 1
    if c.word() == "IMMEDIATE" and c.peek(1) is not None:
        return {"kind": "other"}
    name = _name(c)
    if name is None:
        return None
    if c.accept("USING"):
        while True:
            if _expression(c) is None:
                return None
            if not c.accept_punct(","):
                break
    return _end(c, {"kind": "execute", "name": name.text, "dynamic": name.dynamic})


def _parse_deallocate(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``{DEALLOCATE|DROP} PREPARE name``; any other DROP is ``other``."""
    verb = c.word()
    c.i = 1
    if not c.accept("PREPARE"):
        return _parse_other(c) if verb == "DROP" else None
    name = _name(c)
    if name is None:
        return None
    return _end(c, {"kind": "deallocate", "name": name.text, "dynamic": name.dynamic})


# --------------------------------------------------------------------------------------------
# Transactions, queries and other statements
# --------------------------------------------------------------------------------------------


def _parse_other(c: _Cursor) -> Optional[Dict[str, Any]]:
    """Any statement led by a known keyword, with at least two tokens."""
    return {"kind": "other"} if len(c.toks) >= 2 else None


def _parse_show(c: _Cursor) -> Optional[Dict[str, Any]]:
    return {"kind": "show"} if len(c.toks) >= 2 else None


_QUERIES = frozenset({"SELECT", "WITH", "INSERT", "REPLACE", "UPDATE", "DELETE", "CALL", "VALUES", "TABLE",
                      "DO", "HANDLER"})


def _parse_query(c: _Cursor) -> Optional[Dict[str, Any]]:
    """A statement that runs the expressions in it (SELECT, WITH, INSERT, REPLACE, UPDATE, DELETE,
    CALL, VALUES, TABLE, DO, HANDLER; SELECT may be parenthesised), with at least two tokens."""
    ahead = 0
    while c.peek(ahead) is not None and c.peek(ahead).is_punct("("):
        ahead += 1
    if c.word(ahead) not in _QUERIES or c.peek(ahead + 1) is None:
        return None
    return {"kind": "query"}


def _parse_begin(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``BEGIN [WORK]``."""
    c.i = 1
    c.accept("WORK")
    return _end(c, {"kind": "transaction_control"})


def _parse_start(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``START TRANSACTION [WITH CONSISTENT SNAPSHOT | READ ONLY | READ WRITE] [, ...]``."""
    c.i = 1
    if not c.accept("TRANSACTION"):
        return _parse_other(c)  # START SLAVE / START REPLICA / START GROUP_REPLICATION ...
    while not c.at_end():
        if not (c.accept_words("WITH", "CONSISTENT", "SNAPSHOT") or c.accept_words("READ", "ONLY")
                or c.accept_words("READ", "WRITE")):
            return None
        if not c.at_end() and not c.accept_punct(","):
            return None
    return {"kind": "transaction_control"}


def _parse_end_transaction(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``{COMMIT|ROLLBACK} [WORK] [AND [NO] CHAIN] [[NO] RELEASE]``,
    ``ROLLBACK [WORK] TO [SAVEPOINT] name``."""
    verb = c.word()
    c.i = 1
    c.accept("WORK")
    if verb == "ROLLBACK" and c.accept("TO"):
        c.accept("SAVEPOINT")
        return None if _name(c) is None else _end(c, {"kind": "transaction_control"})
    if c.accept("AND"):
        c.accept("NO")
        if not c.accept("CHAIN"):
            return None
    c.accept("NO")
    c.accept("RELEASE")
    return _end(c, {"kind": "transaction_control"})


def _parse_savepoint(c: _Cursor) -> Optional[Dict[str, Any]]:
    """``SAVEPOINT name`` and ``RELEASE SAVEPOINT name``."""
    verb = c.word()
    c.i = 1
    if verb == "RELEASE" and not c.accept("SAVEPOINT"):
        return None
    return None if _name(c) is None else _end(c, {"kind": "transaction_control"})


def _parse_xa(c: _Cursor) -> Optional[Dict[str, Any]]:
    return {"kind": "transaction_control"} if len(c.toks) >= 2 else None


_PARSERS = {
    "SET": _parse_set,
    "LOCK": _parse_lock,
    "FLUSH": _parse_flush,
    "CREATE": _parse_create,
    "PREPARE": _parse_prepare,
    "EXECUTE": _parse_execute,
    "DEALLOCATE": _parse_deallocate,
    "DROP": _parse_deallocate,
    "SHOW": _parse_show,
    "BEGIN": _parse_begin,
    "START": _parse_start,
    "COMMIT": _parse_end_transaction,
    "ROLLBACK": _parse_end_transaction,
    "SAVEPOINT": _parse_savepoint,
    "RELEASE": _parse_savepoint,
    "XA": _parse_xa,
    "(": _parse_query,
    **{word: _parse_query for word in _QUERIES},
    **{word: _parse_other for word in """
            ALTER ANALYZE BINLOG CACHE CHANGE CHECK CHECKSUM DESC DESCRIBE EXPLAIN GRANT INSTALL KILL
            LOAD OPTIMIZE PURGE RENAME REPAIR RESET REVOKE SIGNAL RESIGNAL STOP TRUNCATE UNINSTALL
            UNLOCK USE
            """.split()},
}


_MYSQL = _Dialect(_Lexer.mysql, _PARSERS)  # type: ignore[arg-type]


def classify_mysql(sql: str) -> List[Statement]:
    """Split ``sql`` into top-level statements and classify each one with MySQL's grammar.

    Never raises: statements that are not recognisable SQL (or do not tokenize) are ``unknown``.
    """
    try:
        return _classify(sql)
    except Exception:  # pragma: no cover - defensive: a classifier bug must not stop the lint
        start = len(sql) - len(sql.lstrip())
        end = len(sql.rstrip())
        if end <= start:
            return []
        return [Statement("unknown", start, end, sql[start:end], dynamic=HOLE in sql)]


def _classify(sql: str) -> List[Statement]:
    text, spans = normalize(sql)
    text, comments = _open_executable_comments(text)
    markers = _Markers(spans)
    lexer = _Lexer.mysql()
    raw_tokens, complete = lexer.tokenize(text)
    segments = _split(raw_tokens, lexer.semicolon)
    tail = None if complete else segments.pop()[0]
    statements = [_classify_segment(tokens, sql, markers, lexer, _MYSQL)  # type: ignore[arg-type]
                  for tokens, _ in segments if tokens]
    if tail is not None:
        rest = _unknown_rest(sql, segments, tail)
        if rest is not None:
            statements.append(rest)
    return _attach_comments(statements, comments)
