"""What the classifier says about one SQL statement.

The classifier (``pinlint.sql.classify``) turns a SQL string into a list of
``Statement`` objects, one per top-level statement. Rules look only at these
objects; they never see raw SQL. Offsets are character offsets into the string
that was classified, so a finding can point at the statement inside a longer
literal.

Unknown parts of a string (a Python expression interpolated into an f-string,
a variable that could not be resolved) reach the classifier as the identifier
``HOLE``. Driver placeholders (``%s``, ``%(name)s``, ``:name``, ``$1``, ``?``)
are values, never identifiers; the classifier normalises them itself.
A field that a hole or a placeholder decides is ``None`` (unknown), and rules
stay quiet when the unknown part would decide the verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple

#: Identifier standing for a part of the SQL text that static analysis could not resolve.
HOLE = "__pinlint_hole__"

# Statement kinds (PostgreSQL). Every statement gets exactly one.
KINDS = frozenset(
    {
        "set",  # SET [SESSION|LOCAL] name {TO|=} ..., SET TIME ZONE, SET SCHEMA, SET NAMES
        "set_role",  # SET [SESSION|LOCAL] ROLE ...
        "set_session_authorization",  # SET [SESSION|LOCAL] SESSION AUTHORIZATION ...
        "set_session_characteristics",  # SET SESSION CHARACTERISTICS AS TRANSACTION ...
        "set_transaction",  # SET TRANSACTION ...  (transaction-scoped)
        "set_constraints",  # SET CONSTRAINTS ...  (transaction-scoped)
        "reset",  # RESET name | RESET ALL | RESET ROLE | RESET SESSION AUTHORIZATION
        "prepare",  # PREPARE name [(types)] AS statement
        "prepare_transaction",  # PREPARE TRANSACTION 'gid'  (two-phase commit, not a prepared statement)
        "execute",  # EXECUTE name [(args)]
        "deallocate",  # DEALLOCATE [PREPARE] {name | ALL}
        "discard",  # DISCARD {ALL | PLANS | SEQUENCES | TEMP | TEMPORARY}
        "listen",  # LISTEN channel
        "unlisten",  # UNLISTEN {channel | *}
        "notify",  # NOTIFY channel [, payload]
        "load",  # LOAD 'filename'
        "declare",  # DECLARE name ... CURSOR [{WITH|WITHOUT} HOLD] FOR query
        "close",  # CLOSE {name | ALL}
        "fetch",  # FETCH / MOVE
        "create_temp",  # CREATE [GLOBAL|LOCAL] {TEMP|TEMPORARY} {TABLE|VIEW|SEQUENCE} ..., SELECT ... INTO TEMP ...
        "lock_table",  # LOCK [TABLE] ...  (transaction-scoped)
        "transaction_control",  # BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, SAVEPOINT, RELEASE, ABORT
        "do",  # DO $$ ... $$  (calls in the body are listed; the rest of the body is opaque)
        "show",  # SHOW name
        "query",  # SELECT, WITH, VALUES, TABLE, INSERT, UPDATE, DELETE, MERGE, CALL, COPY, EXPLAIN ANALYZE ...
        "explain",  # EXPLAIN [VERBOSE] query: planned, not run (its calls are listed, none is executed)
        "other",  # any other recognisable SQL (CREATE TABLE, ALTER ... SET, GRANT, VACUUM, ...)
        "unknown",  # not recognisable as SQL, or does not tokenize
    }
)

# Statement kinds that only MySQL / MariaDB statements get (pinlint.sql.mysql). A MySQL statement gets
# one of these or one of KINDS, which keep their meaning where MySQL has the same statement: "set" (with
# ``assignments``), "set_transaction" (next-transaction scope only: ``SET TRANSACTION ...`` without
# GLOBAL/SESSION), "prepare" (PREPARE name FROM ...), "execute" (EXECUTE name [USING ...]), "deallocate"
# ({DEALLOCATE|DROP} PREPARE name), "create_temp" (CREATE TEMPORARY TABLE), "transaction_control",
# "show", "query" (also MySQL's DO expr, REPLACE, HANDLER), "other", "unknown".
MYSQL_KINDS = frozenset(
    {
        "lock_tables",  # LOCK {TABLE|TABLES} name lock_type [, ...]  (held by the session until UNLOCK TABLES)
        "flush_tables_read_lock",  # FLUSH {TABLE|TABLES} [name, ...] WITH READ LOCK  (held until UNLOCK TABLES)
    }
)

#: MySQL SET scopes (``Assignment.scope``).
USER = "user"  # @name: a user-defined variable
SESSION = "session"  # no modifier, SESSION, @@name, @@session.name: the session value of a system variable
LOCAL = "local"  # LOCAL, @@local.name (MySQL reads it as SESSION; RDS Proxy documents that it does not pin)
GLOBAL = "global"  # GLOBAL, PERSIST, PERSIST_ONLY, @@global.name, ...: the server's value, not the session's


@dataclass(frozen=True)
class Call:
    """A function call found in a statement (outside string literals and dollar-quoted bodies)."""

    #: lower-case function name without schema (``pg_catalog.pg_advisory_lock`` -> ``pg_advisory_lock``)
    name: str
    #: one entry per top-level argument: the literal lower-cased (``"false"``, ``"true"``, ``"1"``,
    #: ``"'timezone'"``), or ``None`` when the argument is not a plain literal (expression, placeholder, hole)
    args: Tuple[Optional[str], ...]
    #: offset of the function name in the classified string
    start: int


@dataclass(frozen=True)
class Assignment:
    """One assignment of a MySQL ``SET`` statement (``SET @a = 1, SESSION sql_mode = 'x'`` has two)."""

    #: ``USER``, ``SESSION``, ``LOCAL`` or ``GLOBAL``; None when a hole stands where the modifier goes
    scope: Optional[str]
    #: lower-case variable name without ``@``/``@@``/scope prefix (``sql_mode``, ``x`` for ``@x``);
    #: ``names`` for SET NAMES, ``charset`` for SET CHARACTER SET / SET CHARSET,
    #: ``transaction_isolation`` / ``transaction_read_only`` for SET {GLOBAL|SESSION} TRANSACTION ...;
    #: None when a hole or placeholder stands there
    name: Optional[str]
    #: the value text as written (None if any part of it is a placeholder or hole)
    value: Optional[str]
    #: offsets of the whole assignment in the classified string
    start: int
    end: int


@dataclass(frozen=True)
class Statement:
    kind: str
    #: offsets into the classified string: ``text == sql[start:end]`` (stripped of surrounding blanks, no ``;``)
    start: int
    end: int
    text: str
    #: SET / SET ROLE / SET SESSION AUTHORIZATION: "session" (default or SESSION) or "local" (LOCAL)
    scope: Optional[str] = None
    #: lower-case name: SET/RESET/SHOW parameter (``timezone`` for SET TIME ZONE, ``search_path`` for
    #: SET SCHEMA, ``client_encoding`` for SET NAMES, ``all`` for RESET ALL), prepared statement (PREPARE,
    #: EXECUTE, DEALLOCATE; ``all`` for DEALLOCATE ALL), DISCARD target (``all``, ``plans``, ``sequences``,
    #: ``temp``), channel (LISTEN/UNLISTEN/NOTIFY; ``*`` for UNLISTEN *), cursor (DECLARE/CLOSE), file
    #: (LOAD), temp object (CREATE TEMP). ``None`` when a hole or placeholder stands there.
    name: Optional[str] = None
    #: SET: the value text as written (``None`` if it is a placeholder or hole)
    value: Optional[str] = None
    #: DECLARE: True for WITH HOLD, False for WITHOUT HOLD (the default)
    hold: Optional[bool] = None
    #: CREATE TEMP TABLE: "drop", "delete_rows" or "preserve_rows" (the default when absent); None for MySQL
    on_commit: Optional[str] = None
    #: CREATE TEMP: "table", "view" or "sequence"
    temp_object: Optional[str] = None
    #: function calls anywhere in the statement (all kinds except ``unknown``; for ``do``, in its body)
    calls: Tuple[Call, ...] = field(default=())
    #: True when a hole stands in a position that decides the kind or the fields above
    dynamic: bool = False
    #: MySQL SET (kind "set"): one entry per assignment, in order (PostgreSQL statements: empty)
    assignments: Tuple[Assignment, ...] = field(default=())
    #: MySQL: spans of executable comments (``/*! ... */``, ``/*!50700 ... */``, ``/*M! ... */``) in
    #: this statement; their content is classified as SQL, as the server runs it
    executable_comments: Tuple[Tuple[int, int], ...] = field(default=())
