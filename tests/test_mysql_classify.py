"""The MySQL classifier (pinlint.sql.mysql): statement kinds, SET assignments, executable comments."""

import pytest

from pinlint.sql.classify import classify
from pinlint.sql.mysql import classify_mysql
from pinlint.sql.statement import GLOBAL, HOLE, LOCAL, SESSION, USER


def one(sql):
    statements = classify_mysql(sql)
    assert len(statements) == 1, statements
    return statements[0]


def assignments(sql):
    st = one(sql)
    assert st.kind == "set", st
    return [(a.scope, a.name, a.value) for a in st.assignments]


def test_dispatch_from_classify():
    assert classify("SET @x = 1", "mysql")[0].assignments
    assert classify("SET @x = 1", "mariadb")[0].kind == "set"
    assert not classify("SET search_path TO app", "postgres")[0].assignments


@pytest.mark.parametrize("sql, expected", [
    ("SET @x = 1", [(USER, "x", "1")]),
    ("SET @X := 1", [(USER, "x", "1")]),
    ("SET @`my var` = 'a'", [(USER, "my var", "'a'")]),
    ("SET @'q' = 2", [(USER, "q", "2")]),
    ("SET sql_mode = 'ANSI'", [(SESSION, "sql_mode", "'ANSI'")]),
    ("SET SESSION wait_timeout = 5", [(SESSION, "wait_timeout", "5")]),
    ("SET @@wait_timeout = 5", [(SESSION, "wait_timeout", "5")]),
    ("SET @@session.wait_timeout = 5", [(SESSION, "wait_timeout", "5")]),
    ("SET @@global.max_connections = 5", [(GLOBAL, "max_connections", "5")]),
    ("SET @@local.sort_buffer_size = 5", [(LOCAL, "sort_buffer_size", "5")]),
    ("SET LOCAL sort_buffer_size = 5", [(LOCAL, "sort_buffer_size", "5")]),
    ("SET PERSIST max_connections = 5", [(GLOBAL, "max_connections", "5")]),
    ("SET GLOBAL a = 1, b = 2", [(GLOBAL, "a", "1"), (GLOBAL, "b", "2")]),
    ("SET a = 1, GLOBAL b = 2, c = 3", [(SESSION, "a", "1"), (GLOBAL, "b", "2"), (GLOBAL, "c", "3")]),
    ("SET NAMES utf8mb4", [(SESSION, "names", "utf8mb4")]),
    ("SET NAMES 'utf8mb4' COLLATE 'utf8mb4_bin'", [(SESSION, "names", "'utf8mb4' COLLATE 'utf8mb4_bin'")]),
    ("SET CHARACTER SET utf8", [(SESSION, "charset", "utf8")]),
    ("SET CHARSET DEFAULT", [(SESSION, "charset", "DEFAULT")]),
    ("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
     [(SESSION, "transaction_isolation", "READ-COMMITTED")]),
    ("SET GLOBAL TRANSACTION READ ONLY", [(GLOBAL, "transaction_read_only", "ON")]),
    ("SET sql_mode = CONCAT(@@sql_mode, ',X'), @y = (SELECT 1, 2)",
     [(SESSION, "sql_mode", "CONCAT(@@sql_mode, ',X')"), (USER, "y", "(SELECT 1, 2)")]),
    ("SET @x = %s", [(USER, "x", None)]),
    ("SET @x = %(v)s", [(USER, "x", None)]),
    ("SET time_zone = DEFAULT", [(SESSION, "time_zone", "DEFAULT")]),
])
def test_set_assignments(sql, expected):
    assert assignments(sql) == expected


def test_assignment_spans_point_into_the_string():
    sql = "SET @a = 1, SESSION sql_mode = 'x'"
    first, second = one(sql).assignments
    assert sql[first.start:first.end] == "@a = 1"
    assert sql[second.start:second.end] == "SESSION sql_mode = 'x'"


def test_holes():
    st = one(f"SET {HOLE} wait_timeout = 1")
    assert st.dynamic and st.assignments[0].scope is None
    st = one(f"SET {HOLE} = 1")
    assert st.dynamic and st.assignments[0].name is None
    st = one(f"SET @{HOLE} = 1")
    assert st.assignments[0].scope == USER and st.assignments[0].name is None


@pytest.mark.parametrize("sql, kind", [
    ("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "set_transaction"),
    ("SET TRANSACTION READ ONLY, ISOLATION LEVEL REPEATABLE READ", "set_transaction"),
    ("LOCK TABLES t READ", "lock_tables"),
    ("LOCK TABLE t AS a READ LOCAL, db.u WRITE", "lock_tables"),
    ("LOCK TABLES t LOW_PRIORITY WRITE NOWAIT", "lock_tables"),
    ("FLUSH TABLES WITH READ LOCK", "flush_tables_read_lock"),
    ("FLUSH LOCAL TABLES a, b WITH READ LOCK", "flush_tables_read_lock"),
    ("FLUSH TABLES a FOR EXPORT", "other"),
    ("FLUSH TABLES", "other"),
    ("FLUSH PRIVILEGES", "other"),
    ("UNLOCK TABLES", "other"),
    ("LOCK INSTANCE FOR BACKUP", "other"),
    ("CREATE TEMPORARY TABLE t (id INT)", "create_temp"),
    ("CREATE OR REPLACE TEMPORARY TABLE IF NOT EXISTS t LIKE u", "create_temp"),
    ("CREATE TABLE t (id INT)", "other"),
    ("DROP TEMPORARY TABLE t", "other"),
    ("PREPARE s FROM 'SELECT 1'", "prepare"),
    ("PREPARE s FROM @sql", "prepare"),
    ("EXECUTE s", "execute"),
    ("EXECUTE s USING @a, @b", "execute"),
    ("EXECUTE IMMEDIATE 'SELECT 1'", "other"),
    ("DEALLOCATE PREPARE s", "deallocate"),
    ("DROP PREPARE s", "deallocate"),
    ("SELECT GET_LOCK('a', 1)", "query"),
    ("DO GET_LOCK('a', 1)", "query"),
    ("REPLACE INTO t VALUES (1)", "query"),
    ("(SELECT 1)", "query"),
    ("BEGIN", "transaction_control"),
    ("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY", "transaction_control"),
    ("COMMIT AND NO CHAIN", "transaction_control"),
    ("ROLLBACK TO SAVEPOINT s1", "transaction_control"),
    ("SHOW VARIABLES LIKE 'sql_mode'", "show"),
    ("USE shop", "other"),
    ("SET PASSWORD = PASSWORD('x')", "other"),
    ("SET ROLE admin", "other"),
    ("SET STATEMENT max_statement_time = 1 FOR SELECT 1", "other"),
])
def test_kinds(sql, kind):
    assert one(sql).kind == kind


def test_temp_table_name():
    st = one("CREATE TEMPORARY TABLE `Recent` (id INT)")
    assert (st.name, st.temp_object, st.on_commit) == ("recent", "table", None)


@pytest.mark.parametrize("text", [
    "Set the value to 5",
    "Lock tables before the migration",
    "Prepare yourself",
    "Execute",
    "SET x TO 1",  # PostgreSQL's TO is not MySQL
    "SET @x = 1, 2",
    "SET x = (1",
    "Create temporary table",
    "{\"set\": 1}",
    "https://example.org/set?x=1",
    "SELECT 'unterminated",
])
def test_not_sql_is_unknown(text):
    assert all(st.kind == "unknown" for st in classify_mysql(text))


def test_calls_outside_strings_only():
    st = one("SELECT GET_LOCK('x', 10), 'FOUND_ROWS()' AS note, ROW_COUNT()")
    assert [c.name for c in st.calls] == ["get_lock", "row_count"]
    assert st.calls[0].args == ("'x'", "10")


def test_statements_and_offsets():
    sql = "  SELECT 1; SET @a = 2 ;\n # a comment\n LOCK TABLES t READ;"
    statements = classify_mysql(sql)
    assert [s.kind for s in statements] == ["query", "set", "lock_tables"]
    for st in statements:
        assert sql[st.start:st.end] == st.text


@pytest.mark.parametrize("sql, comment", [
    ("/*!40101 SET NAMES utf8 */", "/*!40101 SET NAMES utf8 */"),
    ("SELECT /*!50000 SQL_NO_CACHE */ 1", "/*!50000 SQL_NO_CACHE */"),
    ("SELECT 1 /*M!100100 , 2 */", "/*M!100100 , 2 */"),
    ("SELECT 1 /*! */", "/*! */"),
    ("/*!SET @a = '*/' */", "/*!SET @a = '*/' */"),
])
def test_executable_comments(sql, comment):
    statements = classify_mysql(sql)
    spans = [span for st in statements for span in st.executable_comments]
    assert [sql[s:e] for s, e in spans] == [comment]


def test_executable_comment_content_is_sql():
    st = one("/*!40101 SET @old = @@sql_mode */")
    assert st.kind == "set" and st.assignments[0].scope == USER


@pytest.mark.parametrize("sql", [
    "SELECT '/*! in a string */'",
    "SELECT \"/*!x*/\"",
    "SELECT `/*!x*/` FROM t",
    "SELECT 1 -- /*! line comment",
    "SELECT 1 # /*! hash comment",
    "SELECT /* ordinary */ 1",
    "SELECT /*+ BKA(t) */ 1",
])
def test_not_executable_comments(sql):
    assert not any(st.executable_comments for st in classify_mysql(sql))


def test_never_raises_on_odd_input():
    for text in ["", ";;;", "/*!", "/*! SET", "@", "@@", "SET @", "SET @@", "SET @@session.", "'" * 7,
                 "SET @x = 1 /*! */ ; /*M!", "\x00SET", "SET NAMES", "LOCK TABLES", "EXECUTE s USING"]:
        classify_mysql(text)


def test_every_mysql_kind_is_produced():
    from pinlint.sql.statement import KINDS, MYSQL_KINDS

    produced = {one(sql).kind for sql in ("LOCK TABLES t READ", "FLUSH TABLES WITH READ LOCK")}
    assert produced == MYSQL_KINDS and not (MYSQL_KINDS & KINDS)
