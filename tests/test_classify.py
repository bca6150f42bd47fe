"""Table-driven tests of pinlint.sql.classify (PostgreSQL grammar)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pinlint.sql.classify import classify
from pinlint.sql.placeholders import normalize
from pinlint.sql.statement import HOLE, KINDS, Call, Statement

H = HOLE


def one(sql: str) -> Statement:
    """The single statement of ``sql``."""
    statements = classify(sql)
    assert len(statements) == 1, statements
    return statements[0]


def check_offsets(sql: str, statements: list) -> None:
    for st in statements:
        assert 0 <= st.start <= st.end <= len(sql)
        assert sql[st.start : st.end] == st.text
        assert st.text == st.text.strip()
        assert not st.text.endswith(";") or st.kind == "unknown"
        assert st.kind in KINDS


# ---------------------------------------------------------------------------------------------
# Every kind, positive cases: sql -> expected fields (kind plus any field that must match)
# ---------------------------------------------------------------------------------------------

POSITIVE = [
    # SET
    (
        "SET search_path TO app, public",
        dict(kind="set", scope="session", name="search_path", value="app, public"),
    ),
    (
        "SET SESSION statement_timeout = '5s'",
        dict(kind="set", scope="session", name="statement_timeout", value="'5s'"),
    ),
    ("set LOCAL Work_Mem = '64MB'", dict(kind="set", scope="local", name="work_mem", value="'64MB'")),
    ("SET app.user_id = 42", dict(kind="set", name="app.user_id", value="42")),
    ('SET "App"."Tenant" = 1', dict(kind="set", name="app.tenant", value="1")),
    ('SET search_path TO "$user", public', dict(kind="set", name="search_path", value='"$user", public')),
    ("SET x TO DEFAULT", dict(kind="set", name="x", value="DEFAULT")),
    ("SET x = -1", dict(kind="set", name="x", value="-1")),
    ("SET enable_seqscan TO off", dict(kind="set", name="enable_seqscan", value="off")),
    ("SET enable_seqscan = on", dict(kind="set", name="enable_seqscan", value="on")),
    ("SET x FROM CURRENT", dict(kind="set", name="x", value=None)),
    ("SET TIME ZONE 'UTC'", dict(kind="set", scope="session", name="timezone", value="'UTC'")),
    ("SET LOCAL TIME ZONE LOCAL", dict(kind="set", scope="local", name="timezone", value="LOCAL")),
    ("SET TIME ZONE INTERVAL '-08:00' HOUR TO MINUTE", dict(kind="set", name="timezone")),
    ("SET SCHEMA 'app'", dict(kind="set", name="search_path", value="'app'")),
    ("SET NAMES 'UTF8'", dict(kind="set", name="client_encoding", value="'UTF8'")),
    ("SET XML OPTION CONTENT", dict(kind="set", name="xmloption")),
    ("SET transaction_isolation = 'serializable'", dict(kind="set", name="transaction_isolation")),
    # SET ROLE / SESSION AUTHORIZATION / CHARACTERISTICS / TRANSACTION / CONSTRAINTS
    ("SET ROLE admin", dict(kind="set_role", scope="session", name="admin")),
    ("SET LOCAL ROLE 'Admin'", dict(kind="set_role", scope="local", name="Admin")),
    ('SET SESSION ROLE "Admin"', dict(kind="set_role", scope="session", name="Admin")),
    ("SET ROLE NONE", dict(kind="set_role", name="none")),
    ("SET role = 'admin'", dict(kind="set_role", scope="session", name="admin")),
    ("SET SESSION AUTHORIZATION bob", dict(kind="set_session_authorization", scope="session", name="bob")),
    (
        "SET LOCAL SESSION AUTHORIZATION DEFAULT",
        dict(kind="set_session_authorization", scope="local", name="default"),
    ),
    (
        "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE",
        dict(kind="set_session_characteristics"),
    ),
    ("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", dict(kind="set_transaction")),
    ("SET TRANSACTION READ WRITE NOT DEFERRABLE", dict(kind="set_transaction")),
    ("SET TRANSACTION SNAPSHOT '00000003-0000001B-1'", dict(kind="set_transaction")),
    ("SET CONSTRAINTS ALL DEFERRED", dict(kind="set_constraints")),
    ("SET CONSTRAINTS a, s.b IMMEDIATE", dict(kind="set_constraints")),
    # RESET / SHOW
    ("RESET search_path", dict(kind="reset", name="search_path")),
    ("RESET ALL", dict(kind="reset", name="all")),
    ("RESET ROLE", dict(kind="reset", name="role")),
    ("RESET SESSION AUTHORIZATION", dict(kind="reset", name="session_authorization")),
    ("RESET TIME ZONE", dict(kind="reset", name="timezone")),
    ("RESET App.User_Id", dict(kind="reset", name="app.user_id")),
    ("SHOW search_path", dict(kind="show", name="search_path")),
    ("SHOW ALL", dict(kind="show", name="all")),
    ("SHOW TRANSACTION ISOLATION LEVEL", dict(kind="show", name="transaction_isolation")),
    # prepared statements
    ("PREPARE q AS SELECT 1", dict(kind="prepare", name="q")),
    ("PREPARE Q (int, text) AS SELECT * FROM t WHERE id = $1", dict(kind="prepare", name="q")),
    ('PREPARE "Q" AS INSERT INTO t VALUES (1)', dict(kind="prepare", name="Q")),
    ("PREPARE transaction AS SELECT 1", dict(kind="prepare", name="transaction")),
    ("PREPARE TRANSACTION 'gid-1'", dict(kind="prepare_transaction")),
    ("EXECUTE q", dict(kind="execute", name="q")),
    ("EXECUTE q (1, 'a')", dict(kind="execute", name="q")),
    ("DEALLOCATE q", dict(kind="deallocate", name="q")),
    ("DEALLOCATE PREPARE q", dict(kind="deallocate", name="q")),
    ("DEALLOCATE ALL", dict(kind="deallocate", name="all")),
    ("DEALLOCATE PREPARE ALL", dict(kind="deallocate", name="all")),
    # DISCARD
    ("DISCARD ALL", dict(kind="discard", name="all")),
    ("DISCARD PLANS", dict(kind="discard", name="plans")),
    ("DISCARD SEQUENCES", dict(kind="discard", name="sequences")),
    ("DISCARD TEMP", dict(kind="discard", name="temp")),
    ("DISCARD TEMPORARY", dict(kind="discard", name="temp")),
    # notifications
    ("LISTEN jobs", dict(kind="listen", name="jobs")),
    ('LISTEN "Jobs"', dict(kind="listen", name="Jobs")),
    ("UNLISTEN jobs", dict(kind="unlisten", name="jobs")),
    ("UNLISTEN *", dict(kind="unlisten", name="*")),
    ("NOTIFY jobs", dict(kind="notify", name="jobs")),
    ("NOTIFY jobs, 'payload'", dict(kind="notify", name="jobs")),
    # LOAD
    ("LOAD 'auto_explain'", dict(kind="load", name="auto_explain")),
    ("LOAD '$libdir/plugins/auto_explain'", dict(kind="load", name="$libdir/plugins/auto_explain")),
    # cursors
    ("DECLARE c CURSOR FOR SELECT 1", dict(kind="declare", name="c", hold=False)),
    ("DECLARE c CURSOR WITH HOLD FOR SELECT * FROM t", dict(kind="declare", name="c", hold=True)),
    ("DECLARE c CURSOR WITHOUT HOLD FOR SELECT 1", dict(kind="declare", name="c", hold=False)),
    (
        "DECLARE c BINARY INSENSITIVE NO SCROLL CURSOR WITH HOLD FOR VALUES (1)",
        dict(kind="declare", name="c", hold=True),
    ),
    ("DECLARE c ASENSITIVE SCROLL CURSOR FOR TABLE t", dict(kind="declare", name="c", hold=False)),
    ("CLOSE c", dict(kind="close", name="c")),
    ("CLOSE ALL", dict(kind="close", name="all")),
    ("FETCH c", dict(kind="fetch")),
    ("FETCH NEXT FROM c", dict(kind="fetch")),
    ("FETCH 10 IN c", dict(kind="fetch")),
    ("FETCH FORWARD ALL FROM c", dict(kind="fetch")),
    ("FETCH ABSOLUTE -1 FROM c", dict(kind="fetch")),
    ("MOVE BACKWARD 5 IN c", dict(kind="fetch")),
    # temporary objects
    (
        "CREATE TEMP TABLE t (a int)",
        dict(kind="create_temp", name="t", temp_object="table", on_commit="preserve_rows"),
    ),
    (
        "CREATE GLOBAL TEMPORARY TABLE IF NOT EXISTS t (a int) ON COMMIT DELETE ROWS",
        dict(kind="create_temp", name="t", temp_object="table", on_commit="delete_rows"),
    ),
    (
        "CREATE LOCAL TEMP TABLE t ON COMMIT DROP AS SELECT 1",
        dict(kind="create_temp", name="t", temp_object="table", on_commit="drop"),
    ),
    (
        "CREATE TEMP TABLE t (a int) ON COMMIT PRESERVE ROWS",
        dict(kind="create_temp", name="t", temp_object="table", on_commit="preserve_rows"),
    ),
    (
        "CREATE TEMP UNLOGGED TABLE t (a int)",
        dict(kind="create_temp", name="t", temp_object="table", on_commit="preserve_rows"),
    ),
    (
        "CREATE TEMP VIEW v AS SELECT 1",
        dict(kind="create_temp", name="v", temp_object="view", on_commit=None),
    ),
    ("CREATE OR REPLACE TEMP VIEW v AS SELECT 1", dict(kind="create_temp", name="v", temp_object="view")),
    (
        "CREATE TEMP RECURSIVE VIEW v (n) AS VALUES (1) UNION ALL SELECT n + 1 FROM v",
        dict(kind="create_temp", name="v", temp_object="view"),
    ),
    (
        "CREATE TEMPORARY SEQUENCE s",
        dict(kind="create_temp", name="s", temp_object="sequence", on_commit=None),
    ),
    (
        "SELECT * INTO TEMP TABLE t FROM x",
        dict(kind="create_temp", name="t", temp_object="table", on_commit="preserve_rows"),
    ),
    ("SELECT a INTO TEMPORARY t FROM x", dict(kind="create_temp", name="t", temp_object="table")),
    ("WITH x AS (SELECT 1) SELECT * INTO TEMP t FROM x", dict(kind="create_temp", name="t")),
    # LOCK
    ("LOCK t", dict(kind="lock_table")),
    ("LOCK TABLE ONLY s.t *, u IN SHARE ROW EXCLUSIVE MODE NOWAIT", dict(kind="lock_table")),
    ("LOCK TABLE t IN ACCESS EXCLUSIVE MODE", dict(kind="lock_table")),
    # transaction control
    ("BEGIN", dict(kind="transaction_control")),
    ("BEGIN WORK", dict(kind="transaction_control")),
    ("BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE", dict(kind="transaction_control")),
    ("START TRANSACTION", dict(kind="transaction_control")),
    ("START TRANSACTION READ WRITE", dict(kind="transaction_control")),
    ("COMMIT", dict(kind="transaction_control")),
    ("COMMIT AND NO CHAIN", dict(kind="transaction_control")),
    ("END TRANSACTION", dict(kind="transaction_control")),
    ("ROLLBACK", dict(kind="transaction_control")),
    ("ABORT WORK", dict(kind="transaction_control")),
    ("ROLLBACK TO SAVEPOINT s", dict(kind="transaction_control")),
    ("ROLLBACK TO s", dict(kind="transaction_control")),
    ("SAVEPOINT s", dict(kind="transaction_control")),
    ("RELEASE s", dict(kind="transaction_control")),
    ("RELEASE SAVEPOINT s", dict(kind="transaction_control")),
    ("COMMIT PREPARED 'gid-1'", dict(kind="transaction_control")),
    ("ROLLBACK PREPARED 'gid-1'", dict(kind="transaction_control")),
    # DO
    ("DO $$ BEGIN PERFORM 1; END $$", dict(kind="do")),
    ("DO LANGUAGE plpgsql $body$ BEGIN NULL; END $body$", dict(kind="do")),
    ("DO 'BEGIN NULL; END' LANGUAGE plpgsql", dict(kind="do")),
    # queries
    ("SELECT 1", dict(kind="query")),
    ("select * from t", dict(kind="query")),
    ("WITH x AS (SELECT 1) SELECT * FROM x", dict(kind="query")),
    ("VALUES (1), (2)", dict(kind="query")),
    ("TABLE t", dict(kind="query")),
    ("INSERT INTO t (a) VALUES (1)", dict(kind="query")),
    ("UPDATE t SET a = 1", dict(kind="query")),
    ("DELETE FROM t WHERE id = 1", dict(kind="query")),
    ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", dict(kind="query")),
    ("CALL p(1)", dict(kind="query")),
    ("COPY t FROM STDIN", dict(kind="query")),
    ("(SELECT 1) UNION (SELECT 2)", dict(kind="query")),
    ("SELECT a INTO t FROM x", dict(kind="query")),
    ("SELECT a INTO UNLOGGED t FROM x", dict(kind="query")),
    ("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", dict(kind="query")),
    ("EXPLAIN SELECT 1", dict(kind="explain")),  # planned, not run
    ("EXPLAIN VERBOSE SELECT 1", dict(kind="explain")),
    ("EXPLAIN (ANALYZE false) SELECT 1", dict(kind="explain")),
    ("DO $$ BEGIN PERFORM pg_advisory_lock(1); END $$", dict(kind="do")),
    ("EXPLAIN ANALYZE SELECT 1", dict(kind="query")),
    ("EXPLAIN (ANALYZE, BUFFERS) UPDATE t SET a = 1", dict(kind="query")),
    # other
    ("ALTER ROLE r SET search_path TO x", dict(kind="other")),
    ("ALTER DATABASE d SET timezone = 'UTC'", dict(kind="other")),
    ("CREATE TABLE t (a int)", dict(kind="other")),
    ("CREATE TABLE t (a int) ON COMMIT DROP", dict(kind="other")),
    ("CREATE UNLOGGED TABLE t (a int)", dict(kind="other")),
    ("CREATE INDEX i ON t (a)", dict(kind="other")),
    ("DROP TABLE t", dict(kind="other")),
    ("GRANT SELECT ON t TO r", dict(kind="other")),
    ("REVOKE ALL ON t FROM r", dict(kind="other")),
    ("VACUUM ANALYZE t", dict(kind="other")),
    ("ANALYZE t", dict(kind="other")),
    ("TRUNCATE t", dict(kind="other")),
    ("COMMENT ON TABLE t IS 'x'", dict(kind="other")),
    ("REFRESH MATERIALIZED VIEW v", dict(kind="other")),
    ("CLUSTER t USING i", dict(kind="other")),
    ("REINDEX TABLE t", dict(kind="other")),
    ("EXPLAIN CREATE TABLE t AS SELECT 1", dict(kind="other")),
]


@pytest.mark.parametrize("sql, expected", POSITIVE, ids=[sql for sql, _ in POSITIVE])
def test_kinds_and_fields(sql: str, expected: dict) -> None:
    st = one(sql)
    for field, value in expected.items():
        assert getattr(st, field) == value, (field, st)
    check_offsets(sql, [st])
    assert st.dynamic is False


def test_every_kind_is_covered() -> None:
    covered = {expected["kind"] for _, expected in POSITIVE}
    assert covered == KINDS - {"unknown"}


# ---------------------------------------------------------------------------------------------
# Not SQL, or SQL-looking text that breaks its statement's grammar
# ---------------------------------------------------------------------------------------------

NOT_SQL = [
    "Set the value to 5",
    "set x",
    "set x to",
    "set to to 1",
    "SET work_mem = 64MB",
    "SET x TO 1 2",
    "SET TIME ZONE",
    "SET ROLE",
    "SET ROLE a b",
    "SET SCHEMA app",
    "SET CONSTRAINTS ALL",
    "SET TRANSACTION",
    "SET TRANSACTION ISOLATION LEVEL SOMETIMES",
    "listen to me",
    "listen",
    "LISTEN a, b",
    "unlisten everything now",
    "notify the user",
    "load data",
    "LOAD auto_explain",
    "discard changes",
    "DISCARD",
    "prepare the report",
    "prepare p as",
    "PREPARE p AS VACUUM",
    "PREPARE TRANSACTION",
    "execute the query now",
    "EXECUTE",
    "deallocate the memory",
    "declare war",
    "declare c cursor for",
    "DECLARE c CURSOR FOR DELETE FROM t",
    "DECLARE c CURSOR WITH FOR SELECT 1",
    "reset the counter now",
    "RESET",
    "show me the money",
    "close the door",
    "fetch the data",
    "move on",
    "lock the door",
    "LOCK t IN MODE",
    "begin the process",
    "start the engine",
    "commit to the plan",
    "rollback to",
    "release the kraken",
    "savepoint",
    "do it now",
    "DO",
    "CREATE TEMP",
    "CREATE TEMP TABLE",
    "CREATE TEMP FUNCTION f()",
    "CREATE LOCAL TABLE t (a int)",
    "CREATE TEMP TABLE t (a int) ON COMMIT NOTHING",
    "",
    "   ",
    "hello",
    "select",
    "update",
    "Create",
    "VACUUM",
    "2024-01-01 12:00:00 INFO connection started",
    '{"a": 1, "b": [1, 2]}',
    "https://example.com/a?b=c&d=:e",
    "user@example.com",
]


@pytest.mark.parametrize("sql", NOT_SQL)
def test_not_sql_is_unknown(sql: str) -> None:
    statements = classify(sql)
    assert all(st.kind == "unknown" for st in statements), statements
    assert all(st.calls == () and st.name is None for st in statements)
    assert len(statements) == (1 if sql.strip() else 0)
    check_offsets(sql, statements)


# ---------------------------------------------------------------------------------------------
# Statement splitting and offsets
# ---------------------------------------------------------------------------------------------


def test_three_statements_with_offsets() -> None:
    sql = "SAVEPOINT s; SET LOCAL ROLE x; SET application_name TO y"
    statements = classify(sql)
    assert [(st.kind, st.scope, st.start, st.end, st.text) for st in statements] == [
        ("transaction_control", None, 0, 11, "SAVEPOINT s"),
        ("set_role", "local", 13, 29, "SET LOCAL ROLE x"),
        ("set", "session", 31, 56, "SET application_name TO y"),
    ]
    assert statements[1].name == "x"
    assert (statements[2].name, statements[2].value) == ("application_name", "y")


@pytest.mark.parametrize(
    "sql, texts",
    [
        ("SELECT 1;", ["SELECT 1"]),
        ("  SELECT 1 ;  ", ["SELECT 1"]),
        (";;SELECT 1;;;SELECT 2;", ["SELECT 1", "SELECT 2"]),
        ("BEGIN;\n  SET LOCAL x = 1;\nCOMMIT;\n", ["BEGIN", "SET LOCAL x = 1", "COMMIT"]),
        ("SELECT ';' ; SELECT $$;$$", ["SELECT ';'", "SELECT $$;$$"]),
        ('SELECT ";" FROM t; SHOW x', ['SELECT ";" FROM t', "SHOW x"]),
        ("SELECT 1 -- no; split\n; SHOW x", ["SELECT 1", "SHOW x"]),
        ("SELECT 1 /* a; b */ + 2; SHOW x", ["SELECT 1 /* a; b */ + 2", "SHOW x"]),
        (";", []),
        ("-- only a comment", []),
        ("/* only */ ; -- comments", []),
    ],
)
def test_splitting(sql: str, texts: list) -> None:
    statements = classify(sql)
    assert [st.text for st in statements] == texts
    check_offsets(sql, statements)


@pytest.mark.parametrize(
    "sql, kind, text",
    [
        ("-- switch schema\nSET search_path TO app", "set", "SET search_path TO app"),
        ("/* a */ /* b */ LISTEN jobs", "listen", "LISTEN jobs"),
        ("/* nested /* comment */ */ DISCARD ALL", "discard", "DISCARD ALL"),
        ("SET ROLE admin -- trailing comment", "set_role", "SET ROLE admin"),
        ("SELECT 1 /* trailing */", "query", "SELECT 1"),
    ],
)
def test_comments_do_not_change_the_kind_and_are_outside_text(sql: str, kind: str, text: str) -> None:
    # Convention: text spans first token .. last token; comments around it are excluded.
    st = one(sql)
    assert (st.kind, st.text) == (kind, text)
    check_offsets(sql, [st])


def test_comment_between_keywords() -> None:
    st = one("SET /* scope */ LOCAL /* name */ work_mem = '1MB'")
    assert (st.kind, st.scope, st.name, st.value) == ("set", "local", "work_mem", "'1MB'")


# ---------------------------------------------------------------------------------------------
# Placeholders
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "SET search_path TO %s",
        "SET search_path TO %(schema)s",
        "SET search_path TO :schema",
        "SET search_path TO $1",
        "SET search_path TO ?",
        "SET search_path TO %b",
        "SET search_path = %(schema)t",
    ],
)
def test_placeholder_value_is_unknown(sql: str) -> None:
    st = one(sql)
    assert (st.kind, st.name, st.value, st.dynamic) == ("set", "search_path", None, False)
    assert st.text == sql


@pytest.mark.parametrize("marker", ["%s", "%(n)s", ":n", "$1", "?"])
def test_placeholder_in_name_positions(marker: str) -> None:
    listen = one(f"LISTEN {marker}")
    assert (listen.kind, listen.name, listen.dynamic) == ("listen", None, False)
    load = one(f"LOAD {marker}")
    assert (load.kind, load.name) == ("load", None)
    notify = one(f"NOTIFY chan, {marker}")
    assert (notify.kind, notify.name) == ("notify", "chan")


@pytest.mark.parametrize("marker", ["%s", "%(n)s", ":n", "$1", "?"])
def test_placeholder_argument_is_none(marker: str) -> None:
    sql = f"SELECT pg_advisory_lock({marker}), set_config('a', {marker}, false)"
    assert one(sql).calls == (
        Call("pg_advisory_lock", (None,), 7),
        Call("set_config", ("'a'", None, "false"), sql.index("set_config")),
    )


def test_placeholders_in_comments_do_not_touch_the_next_token() -> None:
    st = one("-- filter: x = %s, :name\nSET search_path TO app /* ? */")
    assert (st.kind, st.value, st.text) == ("set", "app", "SET search_path TO app")


def test_placeholder_offsets_cover_the_marker_as_written() -> None:
    sql = "SELECT * FROM t WHERE a = %(a)s AND b = :b AND c = $12; SHOW x"
    first, second = classify(sql)
    assert first.text == "SELECT * FROM t WHERE a = %(a)s AND b = :b AND c = $12"
    assert (second.kind, second.start) == ("show", sql.index("SHOW"))


@pytest.mark.parametrize(
    "sql, value",
    [
        ("SET x TO '%%'", "'%'"),  # %% is the escape of % in pyformat
        ("SET x = 'a::b'", "'a::b'"),
        ("SET x = 'a:b'", "'a:b'"),
    ],
)
def test_not_placeholders(sql: str, value: str) -> None:
    st = one(sql)
    assert (st.kind, st.value) == ("set", value)


def test_casts_and_assignments_are_not_placeholders() -> None:
    st = one("SELECT f(a::text, x => 1, arr[1:n], $1::int)")
    assert st.kind == "query"
    assert st.calls == (Call("f", (None, None, None, None), 7),)
    assert normalize("a::text x := 1 arr[lo:hi] %%s")[1] == []


def test_normalize_keeps_length_and_reports_spans() -> None:
    sql = "SELECT %s, %(a)s, :b, $1, ?, '%%'"
    text, spans = normalize(sql)
    assert len(text) == len(sql)
    assert [sql[a:b] for a, b in spans] == ["%s", "%(a)s", ":b", "$1", "?"]
    assert all(text[a] == "?" and text[a + 1 : b].strip() == "" for a, b in spans)


# ---------------------------------------------------------------------------------------------
# Holes
# ---------------------------------------------------------------------------------------------

HOLE_CASES = [
    # (sql, kind, expected fields, dynamic)
    (f"{H}", "unknown", {}, True),
    (f"{H} TO 1", "unknown", {}, True),
    (f"{H}; SELECT 1", "unknown", {}, True),
    (f"SET {H} TO 1", "set", {"name": None, "value": "1", "scope": "session"}, True),
    (f"SET app.{H} = 1", "set", {"name": None}, True),
    (f"SET search_path TO {H}", "set", {"name": "search_path", "value": None}, False),
    (f"SET search_path TO {H}, public", "set", {"name": "search_path", "value": None}, False),
    (f"SET search_path TO tenant_{H}", "set", {"name": "search_path", "value": None}, False),
    (f"SET {H} search_path TO x", "set", {"name": "search_path", "scope": None}, True),
    (f"SET TIME ZONE {H}", "set", {"name": "timezone", "value": None}, False),
    (f"SET ROLE {H}", "set_role", {"name": None}, True),
    (f"SET SESSION AUTHORIZATION {H}", "set_session_authorization", {"name": None}, True),
    (f"SET {H}", "unknown", {}, True),
    (f"RESET {H}", "reset", {"name": None}, True),
    (f"SHOW {H}", "show", {"name": None}, True),
    (f"LISTEN {H}", "listen", {"name": None}, True),
    (f'LISTEN "{H}"', "listen", {"name": None}, True),
    (f"NOTIFY c, '{H}'", "notify", {"name": "c"}, False),
    (f"LOAD '{H}'", "load", {"name": None}, True),
    (f"DISCARD {H}", "discard", {"name": None}, True),
    (f"PREPARE {H} AS SELECT 1", "prepare", {"name": None}, True),
    (f"EXECUTE {H}", "execute", {"name": None}, True),
    (f"DEALLOCATE {H}", "deallocate", {"name": None}, True),
    (f"DECLARE c CURSOR {H} FOR SELECT 1", "declare", {"name": "c", "hold": None}, True),
    (f"CLOSE {H}", "close", {"name": None}, True),
    (f"CREATE {H} TABLE t (a int)", "other", {}, True),
    (f"CREATE TEMP TABLE {H} (a int)", "create_temp", {"name": None, "on_commit": "preserve_rows"}, True),
    (f"CREATE TEMP TABLE t (a int) ON COMMIT {H}", "create_temp", {"name": "t", "on_commit": None}, True),
    (f"SELECT * FROM {H} WHERE id = 1", "query", {}, False),
    (f"INSERT INTO {H} (a, b) VALUES (1, 2)", "query", {}, False),
    # a function name with a hole is listed as written (a check may know every name it can be)
    (f"SELECT {H}(1)", "query", {"calls": (Call(H, ("1",), 7),)}, True),
    (f"SELECT pg_advisory_lock{H}(1)", "query", {"calls": (Call("pg_advisory_lock" + H, ("1",), 7),)}, True),
    (f"SELECT * INTO {H} FROM t", "query", {}, True),
    (f"BEGIN ISOLATION LEVEL {H}", "transaction_control", {}, False),
    (f"LOCK t IN {H} MODE", "lock_table", {}, False),
    (f"Hello {H}, welcome", "unknown", {}, False),
]


@pytest.mark.parametrize("sql, kind, fields, dynamic", HOLE_CASES, ids=[c[0] for c in HOLE_CASES])
def test_holes(sql: str, kind: str, fields: dict, dynamic: bool) -> None:
    st = classify(sql)[0]
    assert st.kind == kind, st
    for field, value in fields.items():
        assert getattr(st, field) == value, (field, st)
    assert st.dynamic is dynamic, st


def test_hole_argument_is_none_but_call_is_kept() -> None:
    st = one(f"SELECT set_config('search_path', {H}, false)")
    assert st.calls == (Call("set_config", ("'search_path'", None, "false"), 7),)
    assert st.dynamic is False


# ---------------------------------------------------------------------------------------------
# Function calls
# ---------------------------------------------------------------------------------------------

CALL_CASES = [
    ("SELECT pg_advisory_lock(1)", (Call("pg_advisory_lock", ("1",), 7),)),
    ("SELECT pg_catalog.pg_advisory_xact_lock(%s)", (Call("pg_advisory_xact_lock", (None,), 18),)),
    ("SELECT nextval('s')", (Call("nextval", ("'s'",), 7),)),
    (
        "SELECT set_config('search_path', 'app', false)",
        (Call("set_config", ("'search_path'", "'app'", "false"), 7),),
    ),
    ("select SET_CONFIG('TimeZone', 'UTC', TRUE)", (Call("set_config", ("'timezone'", "'utc'", "true"), 7),)),
    ("SELECT pg_advisory_lock(-5)", (Call("pg_advisory_lock", ("-5",), 7),)),
    ("SELECT pg_try_advisory_lock(1, 2)", (Call("pg_try_advisory_lock", ("1", "2"), 7),)),
    ("SELECT now()", (Call("now", (), 7),)),
    ("SELECT f(NULL, 1.5, a, a + 1, 'x' || 'y')", (Call("f", ("null", "1.5", None, None, None), 7),)),
    ("SELECT f(E'x', $$y$$)", (Call("f", ("e'x'", "$$y$$"), 7),)),
    (
        "SELECT g(h(1), i(j('k')))",
        (
            Call("g", (None, None), 7),
            Call("h", ("1",), 9),
            Call("i", (None,), 15),
            Call("j", ("'k'",), 17),
        ),
    ),
    ("SELECT (SELECT pg_advisory_lock(1))", (Call("pg_advisory_lock", ("1",), 15),)),
    ('SELECT "Lock"(1), public."Other"(2)', (Call("lock", ("1",), 7), Call("other", ("2",), 25))),
    ("SELECT count(*) FROM t WHERE a IN (1, 2) AND EXISTS (SELECT 1)", (Call("count", (None,), 7),)),
    ("SELECT * FROM pg_try_advisory_lock(1)", (Call("pg_try_advisory_lock", ("1",), 14),)),
    ("INSERT INTO t (a, b) VALUES (nextval('s'), 2)", (Call("nextval", ("'s'",), 29),)),
    ("EXPLAIN (ANALYZE) SELECT pg_advisory_lock(1)", (Call("pg_advisory_lock", ("1",), 25),)),
    ("EXPLAIN SELECT pg_advisory_lock(1)", (Call("pg_advisory_lock", ("1",), 15),)),  # listed, not executed
    ("DO $$ BEGIN PERFORM pg_advisory_lock(7); END $$", (Call("pg_advisory_lock", ("7",), 20),)),
    ("UPDATE t SET a = lower(b)", (Call("lower", (None,), 17),)),
    ("SELECT 'pg_advisory_lock(1)'", ()),
    ('SELECT "pg_advisory_lock" FROM t', ()),
    ("SELECT f(", (Call("f", (), 7),)),
    ("SELECT f(1, ", (Call("f", ("1",), 7),)),
]


@pytest.mark.parametrize("sql, calls", CALL_CASES, ids=[sql for sql, _ in CALL_CASES])
def test_calls(sql: str, calls: tuple) -> None:
    st = one(sql)
    assert st.calls == calls
    for call in st.calls:  # start is the offset of the name as written (quoted or not)
        assert sql[call.start :].lstrip('"').lower().startswith(call.name)


def test_call_start_points_at_the_name() -> None:
    sql = "SELECT 1; SELECT pg_catalog.pg_advisory_lock(1)"
    call = classify(sql)[1].calls[0]
    assert sql[call.start :].startswith("pg_advisory_lock(")


def test_calls_in_other_statement_kinds() -> None:
    assert one("DECLARE c CURSOR FOR SELECT nextval('s')").calls == (Call("nextval", ("'s'",), 28),)
    assert one("PREPARE p (int) AS SELECT pg_advisory_lock($1)").calls == (
        Call("pg_advisory_lock", (None,), 26),
    )
    assert one("EXECUTE p (now())").calls == (Call("now", (), 11),)
    assert one("CREATE TEMP TABLE t AS SELECT nextval('s')").calls == (Call("nextval", ("'s'",), 30),)


def test_definition_names_are_not_calls() -> None:
    assert one("CREATE TABLE IF NOT EXISTS t (a int)").calls == ()
    assert one("CREATE TEMP TABLE t (a int DEFAULT nextval('s'))").calls == (Call("nextval", ("'s'",), 35),)
    assert one("COPY t (a, b) FROM STDIN").calls == ()


def test_function_body_is_opaque() -> None:
    st = one("CREATE FUNCTION f() RETURNS void AS $$ SELECT pg_advisory_lock(1) $$ LANGUAGE sql")
    assert st.kind == "other"
    assert "pg_advisory_lock" not in {call.name for call in st.calls}


def test_do_block_is_one_statement_with_the_calls_of_its_body() -> None:
    sql = "DO $$ BEGIN EXECUTE 'SET x TO 1'; END $$"
    st = one(sql)
    assert (st.kind, st.calls, st.text) == ("do", (), sql)
    tagged_sql = "DO $fn$ BEGIN PERFORM pg_advisory_lock(1); END $fn$"
    tagged = one(tagged_sql)
    assert (tagged.kind, tagged.calls) == ("do", (Call("pg_advisory_lock", ("1",), tagged_sql.index("pg_")),))
    # a call's position points into the body, where it is written
    lang = "DO LANGUAGE plpgsql $$ BEGIN PERFORM pg_try_advisory_lock(2); END $$"
    assert one(lang).calls[0].start == lang.index("pg_try")


def test_dollar_quoted_strings_hide_semicolons_and_calls() -> None:
    sql = "SELECT $tag$ ; SET x TO 1; $tag$, f($$a;b$$); SHOW x"
    statements = classify(sql)
    assert [st.kind for st in statements] == ["query", "show"]
    assert statements[0].calls == (Call("f", ("$$a;b$$",), sql.index("f(")),)


# ---------------------------------------------------------------------------------------------
# Strings that do not tokenize
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql, before, rest",
    [
        ("SELECT 'abc", [], "SELECT 'abc"),
        ("SET x TO 'abc", [], "SET x TO 'abc"),
        ('SELECT "abc', [], 'SELECT "abc'),
        ("SELECT $$abc", [], "SELECT $$abc"),
        ("DO $x$ BEGIN END", [], "DO $x$ BEGIN END"),
        ("SELECT 1 /* unterminated", [], "SELECT 1 /* unterminated"),
        ("SELECT 1; SET search_path TO 'app", ["query"], "SET search_path TO 'app"),
        ("BEGIN; SELECT 1;  /* open", ["transaction_control", "query"], "/* open"),
        ("SELECT 1; SELECT 'a; b' ; SELECT 'c ;  ", ["query", "query"], "SELECT 'c"),
    ],
)
def test_untokenizable_rest_is_one_unknown_statement(sql: str, before: list, rest: str) -> None:
    statements = classify(sql)
    assert [st.kind for st in statements[:-1]] == before
    last = statements[-1]
    assert (last.kind, last.text, last.calls) == ("unknown", rest, ())
    check_offsets(sql, statements)


def test_hole_in_untokenizable_text_is_dynamic() -> None:
    st = one(f"SELECT '{H}")
    assert (st.kind, st.dynamic) == ("unknown", True)


# ---------------------------------------------------------------------------------------------
# API details
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", ["postgres", "POSTGRES", "postgresql", "anything"])  # mysql: pinlint.sql.mysql
def test_dialect_parameter_defaults_to_postgres(dialect: str) -> None:
    assert classify("LISTEN jobs", dialect=dialect) == classify("LISTEN jobs")


def test_results_are_statement_objects_in_order() -> None:
    statements = classify("SHOW a; SHOW b; SHOW c")
    assert all(isinstance(st, Statement) for st in statements)
    assert [st.name for st in statements] == ["a", "b", "c"]
    assert [st.start for st in statements] == sorted(st.start for st in statements)


def test_importing_the_classifier_does_not_import_sqlglot() -> None:
    code = "import sys, pinlint.sql.classify; assert 'sqlglot' not in sys.modules, 'sqlglot imported'"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
