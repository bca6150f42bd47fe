"""PostgreSQL grammars for prepared statements, cursors, LISTEN/NOTIFY, LOAD, DISCARD, DO, CREATE TEMP,
queries and EXPLAIN, and the parser table that picks a grammar by a statement's first word.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from pinlint.sql.grammar import HOLE_VALUE, Cursor, Dialect, Parser, Value, ends_here, named_statement
from pinlint.sql.lexer import NUMBER, PARAM, PUNCT, STRING, WORD, Lexer, Markers, Token, convert_tokens
from pinlint.sql.pg_names import find_calls, is_punct_token, read_dotted_name, read_name, read_string
from pinlint.sql.pg_set import (
    parse_begin,
    parse_end_transaction,
    parse_lock,
    parse_reset,
    parse_savepoint,
    parse_set,
    parse_show,
    parse_start,
)
from pinlint.sql.statement import Call

#: statements PREPARE accepts (PreparableStmt) and EXPLAIN treats as queries
_PREPARABLE = frozenset({"SELECT", "WITH", "VALUES", "TABLE", "INSERT", "UPDATE", "DELETE", "MERGE"})


#: statements a cursor accepts (SelectStmt)
_SELECTS = frozenset({"SELECT", "WITH", "VALUES", "TABLE"})


#: statements of kind "query"
_QUERIES = _PREPARABLE | {"CALL", "COPY"}


def _query_starts(c: Cursor, words: frozenset) -> bool:
    """A statement led by one of ``words`` (possibly after opening parentheses) starts here and
    has at least one more token."""
    ahead = 0
    while True:
        tok = c.peek(ahead)
        if tok is None or not tok.is_punct("("):
            break
        ahead += 1
    return c.word(ahead) in words and c.peek(ahead + 1) is not None


def _parse_prepare(c: Cursor) -> Optional[Dict[str, Any]]:
    """``PREPARE name [(type, ...)] AS statement`` and ``PREPARE TRANSACTION 'gid'``."""
    c.i = 1
    if c.word() == "TRANSACTION" and c.word(1) != "AS" and not is_punct_token(c.peek(1), "("):
        c.i += 1
        gid = read_string(c)
        return None if gid is None else ends_here(c, {"kind": "prepare_transaction", "dynamic": gid.dynamic})
    name = read_name(c)
    if name is None:
        return None
    if is_punct_token(c.peek(), "(") and not c.skip_parens():
        return None
    if not c.accept("AS") or not _query_starts(c, _PREPARABLE):
        return None
    return {"kind": "prepare", "name": name.text, "dynamic": name.dynamic, "calls_from": c.i}


def _parse_execute(c: Cursor) -> Optional[Dict[str, Any]]:
    """``EXECUTE name [(arg, ...)]``."""
    c.i = 1
    name = read_name(c)
    if name is None:
        return None
    calls_from = c.i
    if is_punct_token(c.peek(), "(") and not c.skip_parens():
        return None
    fields = named_statement("execute", name, c)
    if fields is not None:
        fields["calls_from"] = calls_from
    return fields


def _parse_deallocate(c: Cursor) -> Optional[Dict[str, Any]]:
    """``DEALLOCATE [PREPARE] {name | ALL}``."""
    c.i = 1
    if c.word() == "PREPARE" and c.peek(1) is not None:
        c.i += 1
    return named_statement("deallocate", Value("all") if c.accept("ALL") else read_name(c), c)


_DISCARD_TARGETS = {
    "ALL": "all",
    "PLANS": "plans",
    "SEQUENCES": "sequences",
    "TEMP": "temp",
    "TEMPORARY": "temp",
}


def _parse_discard(c: Cursor) -> Optional[Dict[str, Any]]:
    """``DISCARD {ALL | PLANS | SEQUENCES | TEMP | TEMPORARY}``."""
    c.i = 1
    if c.at_hole():
        c.i += 1
        return named_statement("discard", HOLE_VALUE, c)
    target = c.accept(*_DISCARD_TARGETS)
    return named_statement("discard", Value(_DISCARD_TARGETS[target]) if target else None, c)


def _parse_listen(c: Cursor) -> Optional[Dict[str, Any]]:
    """``LISTEN channel``."""
    c.i = 1
    return named_statement("listen", read_name(c), c)


def _parse_unlisten(c: Cursor) -> Optional[Dict[str, Any]]:
    """``UNLISTEN {channel | *}``."""
    c.i = 1
    return named_statement("unlisten", Value("*") if c.accept_punct("*") else read_name(c), c)


def _parse_notify(c: Cursor) -> Optional[Dict[str, Any]]:
    """``NOTIFY channel [, 'payload']``."""
    c.i = 1
    channel = read_name(c)
    if channel is not None and c.accept_punct(",") and read_string(c) is None:
        return None
    return named_statement("notify", channel, c)


def _parse_load(c: Cursor) -> Optional[Dict[str, Any]]:
    """``LOAD 'filename'``."""
    c.i = 1
    return named_statement("load", read_string(c), c)


_CURSOR_OPTIONS = ("BINARY", "ASENSITIVE", "INSENSITIVE", "SCROLL", "NO")


def _parse_declare(c: Cursor) -> Optional[Dict[str, Any]]:
    """``DECLARE name [BINARY] [ASENSITIVE|INSENSITIVE] [[NO] SCROLL] CURSOR [{WITH|WITHOUT} HOLD]
    FOR select``."""
    c.i = 1
    name = read_name(c)
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


def _parse_close(c: Cursor) -> Optional[Dict[str, Any]]:
    """``CLOSE {name | ALL}``."""
    c.i = 1
    return named_statement("close", Value("all") if c.accept("ALL") else read_name(c), c)


def _accept_count(c: Cursor) -> bool:
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


def _parse_fetch(c: Cursor) -> Optional[Dict[str, Any]]:
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
    return named_statement("fetch", read_name(c), c)


def _parse_do(c: Cursor) -> Optional[Dict[str, Any]]:
    """``DO [LANGUAGE lang] code [LANGUAGE lang]``; the code is a string and stays opaque."""
    c.i = 1
    if c.accept("LANGUAGE") and read_name(c) is None:
        return None
    body = c.peek()
    if read_string(c) is None:
        return None
    if c.accept("LANGUAGE") and read_name(c) is None:
        return None
    return ends_here(c, {"kind": "do", "calls": _body_calls(body, c.sql) if body is not None else ()})


def _body_calls(body: Token, sql: str) -> Tuple[Call, ...]:
    """The function calls in a DO block's code (``PERFORM pg_advisory_lock(1)``), positions in ``sql``."""
    if body.cat != STRING or body.unknown:
        return ()
    written = sql[body.start:body.end]
    offset = written.find(body.text)
    if offset < 0 or not body.text.strip():
        return ()
    code = body.text
    lexer = Lexer.postgres()
    raw, _ = lexer.tokenize(code)
    if not raw:
        return ()
    toks = convert_tokens(raw, code, Markers(()), lexer)
    calls, _ = find_calls(toks, 0, code)
    base = body.start + offset
    return tuple(Call(call.name, call.args, call.start + base) for call in calls)


_TEMP_OBJECTS = {"TABLE": "table", "VIEW": "view", "SEQUENCE": "sequence"}


_ON_COMMIT = {"DROP": "drop", "DELETE": "delete_rows", "PRESERVE": "preserve_rows"}


def _parse_other(c: Cursor) -> Optional[Dict[str, Any]]:
    """Any statement led by a known keyword, with at least two tokens."""
    return {"kind": "other"} if len(c.toks) >= 2 else None


def _parse_create(c: Cursor) -> Optional[Dict[str, Any]]:
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
    name = read_dotted_name(c)
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


def _on_commit(c: Cursor) -> Optional[Value]:
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
                return HOLE_VALUE
            if action.up == "DROP":
                return Value("drop")
            if action.up in ("DELETE", "PRESERVE") and j + 3 < len(toks) and toks[j + 3].up == "ROWS":
                return Value(_ON_COMMIT[action.up])
            return None
    return Value("preserve_rows")


def _parse_query(c: Cursor) -> Optional[Dict[str, Any]]:
    """SELECT, WITH, VALUES, TABLE, INSERT, UPDATE, DELETE, MERGE, CALL, COPY (at least two tokens;
    SELECT/WITH/VALUES/TABLE may be parenthesised). ``SELECT ... INTO {TEMP|TEMPORARY} [TABLE]
    name`` is ``create_temp``."""
    if not _query_starts(c, _QUERIES):
        return None
    if c.word() in ("SELECT", "WITH") or is_punct_token(c.peek(), "("):
        return _select_into_temp(c) or {"kind": "query"}
    return {"kind": "query"}


def _select_into_temp(c: Cursor) -> Optional[Dict[str, Any]]:
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
            name = read_dotted_name(c)
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


def _parse_explain(c: Cursor) -> Optional[Dict[str, Any]]:
    """``EXPLAIN [(option, ...)] [ANALYZE] [VERBOSE] statement``: a query when the statement is one,
    else ``other``."""
    c.i = 1
    analyze = False
    if is_punct_token(c.peek(), "("):
        opened = c.i
        if not c.skip_parens():
            return None
        options = [tok.up for tok in c.toks[opened:c.i]]
        for k, word in enumerate(options):
            if word in ("ANALYZE", "ANALYSE"):
                analyze = k + 1 >= len(options) or options[k + 1] not in ("FALSE", "OFF", "0")
    else:
        while True:
            word = c.accept("ANALYZE", "ANALYSE", "VERBOSE")
            if not word:
                break
            analyze = analyze or word != "VERBOSE"
    if _query_starts(c, _PREPARABLE):
        # EXPLAIN without ANALYZE plans the statement and does not run it
        return {"kind": "query"} if analyze else {"kind": "explain"}
    return _parse_other(c)


_POSTGRES_PARSERS: Dict[str, Parser] = {
    "SET": parse_set,
    "RESET": parse_reset,
    "SHOW": parse_show,
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
    "LOCK": parse_lock,
    "BEGIN": parse_begin,
    "START": parse_start,
    "COMMIT": parse_end_transaction,
    "END": parse_end_transaction,
    "ABORT": parse_end_transaction,
    "ROLLBACK": parse_end_transaction,
    "SAVEPOINT": parse_savepoint,
    "RELEASE": parse_savepoint,
    "DO": _parse_do,
    "EXPLAIN": _parse_explain,
    "(": _parse_query,
    **{word: _parse_query for word in _QUERIES},
    **{word: _parse_other for word in """
            ALTER ANALYZE ANALYSE CHECKPOINT CLUSTER COMMENT DROP GRANT IMPORT REASSIGN REFRESH
            REINDEX REVOKE SECURITY TRUNCATE VACUUM
            """.split()},
}


POSTGRES = Dialect(Lexer.postgres, _POSTGRES_PARSERS, find_calls)


#: MySQL has its own module (pinlint.sql.mysql), dispatched to by ``classify``.
DIALECTS: Dict[str, Dialect] = {"postgres": POSTGRES, "postgresql": POSTGRES}
