"""PostgreSQL grammars for SET, RESET, SHOW, transaction control and LOCK.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from pinlint.sql.grammar import UNKNOWN_VALUE, Cursor, Value, ends_here, named_statement
from pinlint.sql.lexer import IDENT, NUMBER, PARAM, PUNCT, STRING, WORD
from pinlint.sql.pg_names import RESERVED, read_dotted_name, read_name, read_string, read_word_or_string

_SCOPES = {"SESSION": "session", "LOCAL": "local"}


#: reserved words that are valid SET values
_VALUE_KEYWORDS = frozenset({"ON", "TRUE", "FALSE"})


#: ``SET role = x`` and ``SET session_authorization = x`` are SET ROLE / SET SESSION AUTHORIZATION
_PARAMETER_KINDS = {"role": "set_role", "session_authorization": "set_session_authorization"}


def _is_assignment(c: Cursor, ahead: int) -> bool:
    tok = c.peek(ahead)
    return tok is not None and (tok.up == "TO" or tok.is_punct("="))


def _value_item(c: Cursor) -> Optional[bool]:
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


def _value_list(c: Cursor) -> Optional[Value]:
    """``DEFAULT`` or ``value [, value ...]`` up to the end of the statement, as written."""
    first = c.peek()
    if first is None:
        return None
    if c.accept("DEFAULT"):
        return Value(c.source(first, first)) if c.at_end() else None
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
    return UNKNOWN_VALUE if unknown else Value(c.source(first, c.toks[c.i - 1]))


def _rest(c: Cursor) -> Value:
    """Every remaining token, as written (None if any of them is unknown)."""
    first, last = c.toks[c.i], c.toks[-1]
    unknown = any(tok.unknown for tok in c.toks[c.i :])
    c.i = len(c.toks)
    return UNKNOWN_VALUE if unknown else Value(c.source(first, last))


def _single_value(c: Cursor) -> Optional[Value]:
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
    return UNKNOWN_VALUE if unknown else Value(c.source(first, c.toks[-1]))


def _time_zone_value(c: Cursor) -> Optional[Value]:
    """``zone_value``: a string, number, word (LOCAL), DEFAULT or ``INTERVAL ...``."""
    if c.word() == "INTERVAL" and c.peek(1) is not None:
        return _rest(c)
    return _single_value(c)


def parse_set(c: Cursor) -> Optional[Dict[str, Any]]:
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


def _set_body(c: Cursor) -> Optional[Dict[str, Any]]:
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
            return _set_fields("client_encoding", UNKNOWN_VALUE if c.at_end() else _single_value(c))
        if c.accept_words("XML", "OPTION"):
            if not c.accept("DOCUMENT", "CONTENT"):
                return None
            return ends_here(c, {"kind": "set", "name": "xmloption", "value": c.toks[c.i - 1].text})
        if c.accept("ROLE"):
            return named_statement("set_role", read_word_or_string(c), c)
        if c.accept_words("SESSION", "AUTHORIZATION"):
            if c.accept("DEFAULT"):
                return ends_here(c, {"kind": "set_session_authorization", "name": "default"})
            return named_statement("set_session_authorization", read_word_or_string(c), c)
        if c.accept("TRANSACTION"):
            if c.accept("SNAPSHOT"):
                return None if read_string(c) is None else ends_here(c, {"kind": "set_transaction"})
            return {"kind": "set_transaction"} if _transaction_modes(c, required=True) else None
        if c.accept("CONSTRAINTS"):
            return _set_constraints(c)
    return _set_parameter(c)


def _set_fields(name: str, value: Optional[Value]) -> Optional[Dict[str, Any]]:
    if value is None:
        return None
    return {"kind": "set", "name": name, "value": value.text}


def _set_parameter(c: Cursor) -> Optional[Dict[str, Any]]:
    """``name {TO|=} values`` or ``name FROM CURRENT``."""
    name = read_dotted_name(c)
    if name is None:
        return None
    param = None if name.text is None else name.text.lower()
    if c.accept_words("FROM", "CURRENT"):
        return ends_here(c, {"kind": "set", "name": param, "dynamic": name.dynamic})
    if not (c.accept("TO") or c.accept_punct("=")):
        return None
    if param in _PARAMETER_KINDS:
        value = Value("default") if c.accept("DEFAULT") else read_word_or_string(c)
        return named_statement(_PARAMETER_KINDS[param], value, c)
    value = _value_list(c)
    if value is None:
        return None
    return {"kind": "set", "name": param, "value": value.text, "dynamic": name.dynamic}


def _set_constraints(c: Cursor) -> Optional[Dict[str, Any]]:
    if not c.accept("ALL"):
        while True:
            if read_dotted_name(c) is None:
                return None
            if not c.accept_punct(","):
                break
    if not c.accept("DEFERRED", "IMMEDIATE"):
        return None
    return ends_here(c, {"kind": "set_constraints"})


def _parameter_name(c: Cursor) -> Optional[Value]:
    """The parameter of RESET/SHOW: ALL, TIME ZONE, TRANSACTION ISOLATION LEVEL,
    SESSION AUTHORIZATION or a (dotted) parameter name, lower-cased."""
    if c.accept("ALL"):
        return Value("all")
    if c.accept_words("TIME", "ZONE"):
        return Value("timezone")
    if c.accept_words("TRANSACTION", "ISOLATION", "LEVEL"):
        return Value("transaction_isolation")
    if c.accept_words("SESSION", "AUTHORIZATION"):
        return Value("session_authorization")
    name = read_dotted_name(c)
    if name is None or name.text is None:
        return name
    return Value(name.text.lower())


def parse_reset(c: Cursor) -> Optional[Dict[str, Any]]:
    """``RESET {name | ALL | ROLE | SESSION AUTHORIZATION | TIME ZONE | TRANSACTION ISOLATION LEVEL}``."""
    c.i = 1
    return named_statement("reset", _parameter_name(c), c)


def parse_show(c: Cursor) -> Optional[Dict[str, Any]]:
    """``SHOW {name | ALL | TIME ZONE | TRANSACTION ISOLATION LEVEL | SESSION AUTHORIZATION}``."""
    c.i = 1
    return named_statement("show", _parameter_name(c), c)


def _transaction_control(c: Cursor) -> Optional[Dict[str, Any]]:
    """Fields of a transaction control statement that ends here."""
    return ends_here(c, {"kind": "transaction_control"})


def _transaction_mode(c: Cursor) -> bool:
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


def _transaction_modes(c: Cursor, required: bool) -> bool:
    """``mode [[,] mode ...]`` up to the end of the statement."""
    count = 0
    while not c.at_end():
        if count and c.accept_punct(",") and c.at_end():
            return False
        if not _transaction_mode(c):
            return False
        count += 1
    return count > 0 or not required


def parse_begin(c: Cursor) -> Optional[Dict[str, Any]]:
    """``BEGIN [WORK|TRANSACTION] [mode ...]``."""
    c.i = 1
    c.accept("WORK", "TRANSACTION")
    return _transaction_control(c) if _transaction_modes(c, required=False) else None


def parse_start(c: Cursor) -> Optional[Dict[str, Any]]:
    """``START TRANSACTION [mode ...]``."""
    c.i = 1
    if not c.accept("TRANSACTION"):
        return None
    return _transaction_control(c) if _transaction_modes(c, required=False) else None


def parse_end_transaction(c: Cursor) -> Optional[Dict[str, Any]]:
    """``{COMMIT|END|ABORT|ROLLBACK} [WORK|TRANSACTION] [AND [NO] CHAIN]``,
    ``ROLLBACK [WORK|TRANSACTION] TO [SAVEPOINT] name``, ``{COMMIT|ROLLBACK} PREPARED 'gid'``."""
    verb = c.word()
    c.i = 1
    if verb in ("COMMIT", "ROLLBACK") and c.accept("PREPARED"):
        return None if read_string(c) is None else _transaction_control(c)
    c.accept("WORK", "TRANSACTION")
    if verb == "ROLLBACK" and c.accept("TO"):
        c.accept("SAVEPOINT")
        return None if read_name(c) is None else _transaction_control(c)
    if c.accept("AND"):
        c.accept("NO")
        if not c.accept("CHAIN"):
            return None
    return _transaction_control(c)


def parse_savepoint(c: Cursor) -> Optional[Dict[str, Any]]:
    """``SAVEPOINT name`` and ``RELEASE [SAVEPOINT] name``."""
    verb = c.word()
    c.i = 1
    if verb == "RELEASE":
        c.accept("SAVEPOINT")
    return None if read_name(c) is None else _transaction_control(c)


def parse_lock(c: Cursor) -> Optional[Dict[str, Any]]:
    """``LOCK [TABLE] [ONLY] name [*] [, ...] [IN lockmode MODE] [NOWAIT]``."""
    c.i = 1
    c.accept("TABLE")
    while True:
        c.accept("ONLY")
        if read_dotted_name(c) is None:
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
    return ends_here(c, {"kind": "lock_table"})
