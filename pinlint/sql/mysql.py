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

from typing import Any, Dict, List, Optional, Tuple

from pinlint.sql.grammar import Cursor, Dialect, ends_here, run_grammar
from pinlint.sql.lexer import IDENT, NUMBER, PARAM, STRING, WORD, Lexer
from pinlint.sql.mysql_comments import attach_comments, open_executable_comments
from pinlint.sql.mysql_set import RESERVED, parse_set, read_dotted_name, read_expression, read_name, read_user_variable
from pinlint.sql.pg_names import find_calls
from pinlint.sql.placeholders import normalize
from pinlint.sql.statement import HOLE, USER, Assignment, Statement


def _lock_type(c: Cursor) -> bool:
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


def _parse_lock(c: Cursor) -> Optional[Dict[str, Any]]:
    """``LOCK {TABLE|TABLES} name [[AS] alias] lock_type [, ...] [WAIT n | NOWAIT]``;
    ``LOCK INSTANCE FOR BACKUP`` is ``other``."""
    c.i = 1
    if c.accept_words("INSTANCE", "FOR", "BACKUP"):
        return ends_here(c, {"kind": "other"})
    if not c.accept("TABLE", "TABLES"):
        return None
    if c.at_hole() and (c.peek(1) is None or c.peek(1).is_punct(",")):
        # ``"LOCK TABLES {}".format(", ".join(locks))``: the table list is built at run time; whatever it
        # holds, the statement locks tables
        return {"kind": "lock_tables"}
    while True:
        if read_dotted_name(c) is None:
            return None
        if c.accept("AS"):
            if read_name(c) is None:
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
    return ends_here(c, {"kind": "lock_tables"})


def _parse_flush(c: Cursor) -> Optional[Dict[str, Any]]:
    """``FLUSH [NO_WRITE_TO_BINLOG|LOCAL] {TABLE|TABLES} [name, ...] WITH READ LOCK`` is
    ``flush_tables_read_lock``; ``... FOR EXPORT``, plain ``FLUSH TABLES`` and other FLUSH
    statements are ``other``."""
    c.i = 1
    c.accept("NO_WRITE_TO_BINLOG", "LOCAL")
    if not c.accept("TABLE", "TABLES"):
        return _parse_other(c)
    if not c.at_end() and c.word() not in ("WITH", "FOR"):
        while True:
            if read_dotted_name(c) is None:
                return None
            if not c.accept_punct(","):
                break
    if c.accept_words("WITH", "READ", "LOCK"):
        return ends_here(c, {"kind": "flush_tables_read_lock"})
    if c.accept_words("FOR", "EXPORT"):
        return ends_here(c, {"kind": "other"})
    return ends_here(c, {"kind": "other"})


def _parse_create(c: Cursor) -> Optional[Dict[str, Any]]:
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
    name = read_dotted_name(c)
    if name is None or c.at_end():
        return None
    return {"kind": "create_temp", "temp_object": "table", "name": name.text, "dynamic": name.dynamic}


def _parse_prepare(c: Cursor) -> Optional[Dict[str, Any]]:
    """``PREPARE name FROM {'statement' | @variable}``."""
    c.i = 1
    name = read_name(c)
    if name is None or not c.accept("FROM"):
        return None
    tok = c.peek()
    if tok is not None and (tok.cat in (STRING, PARAM) or tok.hole):
        c.i += 1
    elif read_user_variable(c) is None:
        return None
    return ends_here(c, {"kind": "prepare", "name": name.text, "dynamic": name.dynamic})


def _parse_execute(c: Cursor) -> Optional[Dict[str, Any]]:
    """``EXECUTE name [USING expr [, expr ...]]``; MariaDB's ``EXECUTE IMMEDIATE 'sql'`` (prepare,
    run and deallocate in one statement) is ``other``."""
    c.i = 1
    if c.word() == "IMMEDIATE" and c.peek(1) is not None:
        return {"kind": "other"}
    name = read_name(c)
    if name is None:
        return None
    if c.accept("USING"):
        while True:
            if read_expression(c) is None:
                return None
            if not c.accept_punct(","):
                break
    return ends_here(c, {"kind": "execute", "name": name.text, "dynamic": name.dynamic})


def _parse_deallocate(c: Cursor) -> Optional[Dict[str, Any]]:
    """``{DEALLOCATE|DROP} PREPARE name``; any other DROP is ``other``."""
    verb = c.word()
    c.i = 1
    if not c.accept("PREPARE"):
        return _parse_other(c) if verb == "DROP" else None
    name = read_name(c)
    if name is None:
        return None
    return ends_here(c, {"kind": "deallocate", "name": name.text, "dynamic": name.dynamic})


def _parse_other(c: Cursor) -> Optional[Dict[str, Any]]:
    """Any statement led by a known keyword, with at least two tokens."""
    return {"kind": "other"} if len(c.toks) >= 2 else None


def _parse_show(c: Cursor) -> Optional[Dict[str, Any]]:
    return {"kind": "show"} if len(c.toks) >= 2 else None


_QUERIES = frozenset({"SELECT", "WITH", "INSERT", "REPLACE", "UPDATE", "DELETE", "CALL", "VALUES", "TABLE",
                      "DO", "HANDLER"})


def _parse_query(c: Cursor) -> Optional[Dict[str, Any]]:
    """A statement that runs the expressions in it (SELECT, WITH, INSERT, REPLACE, UPDATE, DELETE,
    CALL, VALUES, TABLE, DO, HANDLER; SELECT may be parenthesised), with at least two tokens."""
    ahead = 0
    while c.peek(ahead) is not None and c.peek(ahead).is_punct("("):
        ahead += 1
    if c.word(ahead) not in _QUERIES or c.peek(ahead + 1) is None:
        return None
    assignments = _user_variable_assignments(c)
    return {"kind": "query", "assignments": assignments} if assignments else {"kind": "query"}


def _user_variable_assignments(c: Cursor) -> Tuple[Assignment, ...]:
    """User variables a query sets: ``SELECT @v := expr`` and ``SELECT ... INTO @a, @b``."""
    out: List[Assignment] = []
    toks = c.toks

    def variable_at(i: int) -> Optional[Tuple[Assignment, int]]:
        c.i = i
        first = c.peek()
        value = read_user_variable(c)
        if value is None or first is None:
            return None
        return Assignment(scope=USER, name=value.text, value=None, start=first.start, end=toks[c.i - 1].end), c.i

    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.up == "INTO" and i + 1 < len(toks) and toks[i + 1].is_punct("@"):
            j = i + 1
            while j < len(toks):
                found = variable_at(j)
                if found is None:
                    break
                out.append(found[0])
                j = found[1]
                if j < len(toks) and toks[j].is_punct(","):
                    j += 1
                else:
                    break
            i = max(j, i + 1)
            continue
        if tok.is_punct("@"):
            found = variable_at(i)
            if found is not None and found[1] < len(toks) and toks[found[1]].is_punct(":="):
                out.append(found[0])
                i = found[1]
                continue
        i += 1
    c.i = len(toks)
    return tuple(out)


def _parse_begin(c: Cursor) -> Optional[Dict[str, Any]]:
    """``BEGIN [WORK]``."""
    c.i = 1
    c.accept("WORK")
    return ends_here(c, {"kind": "transaction_control"})


def _parse_start(c: Cursor) -> Optional[Dict[str, Any]]:
    """``START TRANSACTION [WITH CONSISTENT SNAPSHOT [FROM SESSION id] | READ ONLY | READ WRITE] [, ...]``,
    options that are holes included."""
    c.i = 1
    if not c.accept("TRANSACTION"):
        return _parse_other(c)  # START SLAVE / START REPLICA / START GROUP_REPLICATION ...
    while not c.at_end():
        if c.at_hole():  # an option filled in at run time (``{rwm}``): still a START TRANSACTION
            c.i += 1
        elif c.accept_words("WITH", "CONSISTENT", "SNAPSHOT"):
            # Percona Server's ``... FROM SESSION <id>`` (the snapshot of another session), or a hole there
            if c.accept_words("FROM", "SESSION") and not c.at_end():
                c.i += 1
            elif c.at_hole():
                c.i += 1
        elif not (c.accept_words("READ", "ONLY") or c.accept_words("READ", "WRITE")):
            return None
        if not c.at_end() and not c.accept_punct(","):
            return None
    return {"kind": "transaction_control"}


def _parse_end_transaction(c: Cursor) -> Optional[Dict[str, Any]]:
    """``{COMMIT|ROLLBACK} [WORK] [AND [NO] CHAIN] [[NO] RELEASE]``,
    ``ROLLBACK [WORK] TO [SAVEPOINT] name``."""
    verb = c.word()
    c.i = 1
    c.accept("WORK")
    if verb == "ROLLBACK" and c.accept("TO"):
        c.accept("SAVEPOINT")
        return None if read_name(c) is None else ends_here(c, {"kind": "transaction_control"})
    if c.accept("AND"):
        c.accept("NO")
        if not c.accept("CHAIN"):
            return None
    c.accept("NO")
    c.accept("RELEASE")
    return ends_here(c, {"kind": "transaction_control"})


def _parse_savepoint(c: Cursor) -> Optional[Dict[str, Any]]:
    """``SAVEPOINT name`` and ``RELEASE SAVEPOINT name``."""
    verb = c.word()
    c.i = 1
    if verb == "RELEASE" and not c.accept("SAVEPOINT"):
        return None
    return None if read_name(c) is None else ends_here(c, {"kind": "transaction_control"})


def _parse_xa(c: Cursor) -> Optional[Dict[str, Any]]:
    return {"kind": "transaction_control"} if len(c.toks) >= 2 else None


_PARSERS = {
    "SET": parse_set,
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


MYSQL = Dialect(Lexer.mysql, _PARSERS, find_calls)  # type: ignore[arg-type]


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
    text, comments = open_executable_comments(text)
    return attach_comments(run_grammar(sql, text, spans, MYSQL), comments)
