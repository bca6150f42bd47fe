"""Dialect choice per SQL site (pinlint.facts.dialect), the config default, and the MySQL rules end to end."""

import textwrap

import pytest

from pinlint.api import check_source
from pinlint.config import ConfigError, Settings, apply_table
from pinlint.facts.dialect import MIXED, effective


def codes(source, **kw):
    """Codes of the SQL rules (PIN1xx PostgreSQL, PIN2xx MySQL) found in ``source``."""
    kw.setdefault("select", ["PIN1", "PIN2"])
    return sorted({d.code for d in check_source(textwrap.dedent(source), **kw)})


@pytest.mark.parametrize("header", [
    "import pymysql",
    "import MySQLdb",
    "import mysql.connector",
    "import aiomysql",
    "import asyncmy",
    "from pymysql.cursors import DictCursor",
    'from sqlalchemy import create_engine\nengine = create_engine("mysql+pymysql://u@h/db")',
    'from sqlalchemy import create_engine\nengine = create_engine("mariadb+mariadbconnector://u@h/db")',
    'from django.db import connection\nDATABASES = {"default": {"ENGINE": "django.db.backends.mysql"}}',
])
def test_mysql_evidence(header):
    # a temporary table is SQL of both dialects: the file's evidence decides
    source = header + "\n\ndef f(cur):\n    cur.execute(\"SET @x = 1\")\n    cur.execute(\"CREATE TEMPORARY TABLE t (id int)\")\n"
    assert codes(source) == ["PIN201", "PIN241"]
    # SQL only PostgreSQL means is PostgreSQL's wherever it is sent from (a PostgreSQL branch of the file)
    assert codes(header + "\n\ndef f(cur):\n    cur.execute(\"SET search_path TO app\")\n") == ["PIN101"]


@pytest.mark.parametrize("header", [
    "import psycopg",
    "import asyncpg",
    'from sqlalchemy import create_engine\nengine = create_engine("postgresql+psycopg2://u@h/db")',
])
def test_postgres_evidence(header):
    source = header + "\n\ndef f(cur):\n    cur.execute(\"CREATE TEMPORARY TABLE t (id int)\")\n"
    assert codes(source) == ["PIN141"]
    # SQL only MySQL means is MySQL's wherever it is sent from (a MySQL branch of the file)
    assert codes(header + "\n\ndef f(cur):\n    cur.execute(\"SET @x = 1\")\n") == ["PIN201"]


def test_without_evidence_each_statement_is_judged_in_the_dialect_only_it_can_be():
    # no driver in the file: `SET @x` can only be MySQL, `search_path` only PostgreSQL
    source = "def f(cur):\n    cur.execute(\"SET @x = 1\")\n    cur.execute(\"SET search_path TO app\")\n"
    assert codes(source) == ["PIN101", "PIN201"]


def test_config_default_applies_where_neither_the_code_nor_the_sql_shows_the_dialect():
    # a temporary table is SQL of both dialects: the configured one judges it
    source = "def f(cur):\n    cur.execute('CREATE TEMPORARY TABLE t (id int)')\n"
    assert codes(source, options={"dialect": "mysql"}) == ["PIN241"]
    assert codes(source, options={"dialect": "postgres"}) == ["PIN141"]
    # SQL only one dialect can mean is judged in that dialect, whatever the default
    only = "def f(cur):\n    cur.execute('SET @x = 1')\n    cur.execute('SET search_path TO app')\n"
    assert codes(only, options={"dialect": "mysql"}) == codes(only, options={"dialect": "postgres"}) \
        == ["PIN101", "PIN201"]


def test_config_default_does_not_override_the_code():
    source = "import psycopg\n\ndef f(cur):\n    cur.execute('SET @x = 1')\n    cur.execute('SET search_path TO app')\n"
    assert "PIN101" in codes(source, options={"dialect": "mysql"})


MIXED_FILE = '''
import psycopg
import pymysql

def mysql_side():
    conn = pymysql.connect(host="db")
    with conn.cursor() as cur:
        cur.execute("SET @tenant = 1")
        cur.execute("SET search_path TO app")

async def pg_side():
    with psycopg.connect("") as conn:
        conn.execute("SET search_path TO app")
        conn.execute("SET @tenant = 1")

def annotated(cur: pymysql.cursors.Cursor):
    cur.execute("SET foreign_key_checks = 0")

def unknown(cur):
    cur.execute("SET foreign_key_checks = 0")
    cur.execute("SET statement_timeout = 0")
    cur.execute("CREATE TEMPORARY TABLE t (id int)")
'''


def test_mixed_file_decides_per_call_site():
    diags = check_source(MIXED_FILE)
    found = sorted((d.start.row, d.code) for d in diags if d.code.startswith("PIN1") or d.code.startswith("PIN2"))
    # rows 20-21: the receiver leads nowhere, but the SQL can only be MySQL (foreign_key_checks) or
    # PostgreSQL (statement_timeout); row 22 could be either: no dialect-dependent rule judges it
    assert found == [(8, "PIN201"), (13, "PIN101"), (17, "PIN202"), (20, "PIN202"), (21, "PIN101")]


def test_mixed_file_unresolved_sites_use_the_config_default():
    diags = check_source(MIXED_FILE, options={"dialect": "postgres"})
    rows = {(d.start.row, d.code) for d in diags}
    assert (22, "PIN141") in rows and (22, "PIN241") not in rows
    diags = check_source(MIXED_FILE, options={"dialect": "mysql"})
    rows = {(d.start.row, d.code) for d in diags}
    assert (22, "PIN241") in rows and (22, "PIN141") not in rows


def test_sqlalchemy_engines_per_site():
    source = '''
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    pg = create_engine("postgresql+psycopg://u@h/db")
    my = create_engine("mysql+pymysql://u@h/db")

    def a():
        with pg.connect() as conn:
            conn.execute(text("SET search_path TO app"))

    def b():
        with Session(my) as session:
            session.execute(text("SET @x = 1"))
    '''
    assert codes(source) == ["PIN101", "PIN201"]


def test_effective_dialect():
    assert effective("mysql", "postgres") == "mysql"
    assert effective("postgres", "mysql", known=False) == "mysql"
    assert effective("postgres", None, known=False) == "postgres"
    assert effective(MIXED, None) is None
    assert effective(MIXED, "mysql") == "mysql"


def test_config_key_is_validated():
    assert apply_table(Settings(), {"dialect": "mysql"}, "f").targets.dialect == "mysql"
    with pytest.raises(ConfigError, match="dialect"):
        apply_table(Settings(), {"dialect": "oracle"}, "f")


WRAP = "import pymysql\n\nconn = pymysql.connect(host='db')\nconn.cursor().execute({!r})\n"


def mysql_findings(sql, **kw):
    return [d for d in check_source(WRAP.format(sql), **kw) if d.code.startswith("PIN2")]


@pytest.mark.parametrize("sql", [
    "SET NAMES utf8mb4", "SET CHARACTER SET utf8", "SET CHARSET utf8", "SET sql_mode = 'ANSI'",
    "SET time_zone = '+00:00'", "SET autocommit = 0", "SET SESSION wait_timeout = 60",
    "SET @@session.interactive_timeout = 60", "SET net_write_timeout = 60", "SET query_cache_type = 0",
    "SET auto_increment_increment = 2", "SET character_set_results = NULL", "SET collation_connection = 'x'",
    "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", "SET tx_isolation = 'READ-COMMITTED'",
    "SET transaction_read_only = 1", "SET session_track_schema = ON",
    "SET LOCAL sort_buffer_size = 1", "SET @@local.sort_buffer_size = 1",
    "SET GLOBAL max_connections = 10", "SET @@global.max_connections = 10",
    "UPDATE t SET a = 1", "ALTER TABLE t AUTO_INCREMENT = 5", "SELECT @x", "Set the value to 5",
    "SELECT GET_LOCK", "SELECT 'GET_LOCK(1)'", "SELECT row_count FROM stats", "RELEASE_LOCK('x')",
])
def test_clean_mysql(sql):
    assert mysql_findings(sql) == []


@pytest.mark.parametrize("sql, code", [
    ("SET @x = 1", "PIN201"),
    ("SET foreign_key_checks = 0", "PIN202"),
    ("SET session_track_gtids = OWN_GTID", "PIN202"),
    ("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "PIN203"),
    ("PREPARE s FROM 'SELECT 1'", "PIN211"),
    ("/*M! SELECT 1 */", "PIN221"),
    ("CREATE TEMPORARY TABLE t (id INT)", "PIN241"),
    ("SELECT GET_LOCK('a', 1)", "PIN251"),
    ("LOCK TABLES t WRITE", "PIN252"),
    ("FLUSH TABLES WITH READ LOCK", "PIN252"),
    ("SELECT FOUND_ROWS()", "PIN261"),
    ("SELECT ROW_COUNT()", "PIN261"),
])
def test_flagged_mysql(sql, code):
    found = mysql_findings(sql)
    assert [d.code for d in found] == [code]
    assert dict(found[0].effects) == {"rds-proxy": "pins"}


@pytest.mark.parametrize("sql", ["SET @x = 1", "SET foreign_key_checks = 0", "SET TRANSACTION READ ONLY"])
def test_exclude_variable_sets_turns_pinning_into_a_leak(sql):
    (d,) = mysql_findings(sql, options={"rds-proxy": {"exclude-variable-sets": True}})
    assert dict(d.effects) == {"rds-proxy": "leaks"}
    assert "leaks to other clients under RDS Proxy" in d.message


def test_exclude_variable_sets_does_not_affect_other_rules():
    (d,) = mysql_findings("SELECT GET_LOCK('a', 1)", options={"rds-proxy": {"exclude-variable-sets": True}})
    assert dict(d.effects) == {"rds-proxy": "pins"}


def test_mysql_rules_do_not_report_for_pgbouncer():
    assert mysql_findings("SET @x = 1", target="pgbouncer") == []


def test_postgres_rules_do_not_see_mysql_sites():
    diags = check_source(WRAP.format("SET search_path TO app; SELECT pg_advisory_lock(1); LISTEN x"))
    assert not [d for d in diags if d.code.startswith("PIN1")]


def test_mysql_rules_do_not_see_postgres_sites():
    source = "import psycopg\n\nwith psycopg.connect('') as conn:\n    conn.execute({!r})\n"
    diags = check_source(source.format("SET @x = 1; SELECT GET_LOCK('a', 1); LOCK TABLES t WRITE"))
    assert not [d for d in diags if d.code.startswith("PIN2")]


def test_finding_points_at_the_assignment():
    (d,) = mysql_findings("SET sql_mode = 'ANSI', foreign_key_checks = 0")
    line = WRAP.format("SET sql_mode = 'ANSI', foreign_key_checks = 0").splitlines()[3]
    assert line[d.start.column - 1:].startswith("foreign_key_checks")


def _project(tmp_path, files):
    from pinlint.api import run_options
    from pinlint.config import Settings
    from pinlint.pipeline.discover import discover
    from pinlint.pipeline.schedule import check_paths

    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    settings = Settings(root=tmp_path)
    paths = [str(p) for p in discover([str(tmp_path)], settings.all_excludes, tmp_path)]
    return check_paths(paths, run_options(settings), jobs=1)


HELPER = "def stage(cur):\n    cur.execute('CREATE TEMPORARY TABLE t (id int)')\n"


@pytest.mark.parametrize("deps, code, says", [
    ({"requirements.txt": "PyMySQL>=1.0\nSQLAlchemy\n"}, "PIN241", "requirements.txt names pymysql"),
    ({"pyproject.toml": '[project]\ndependencies = ["mysqlclient", "django"]\n'}, "PIN241", "pyproject.toml names mysqlclient"),
    ({"requirements.txt": "psycopg[binary]\n"}, "PIN141", "requirements.txt names psycopg"),
])
def test_the_project_s_dependencies_decide_sql_both_dialects_have(tmp_path, deps, code, says):
    diags = _project(tmp_path, {**deps, "app/helpers.py": HELPER})
    assert [d.code for d in diags] == [code] and says in diags[0].message


def test_a_project_of_both_dialects_assumes_nothing(tmp_path):
    diags = _project(tmp_path, {"requirements.txt": "pymysql\npsycopg2-binary\n", "app/helpers.py": HELPER})
    # no evidence picks one: the default (PostgreSQL), and the message says it was assumed
    assert [d.code for d in diags] == ["PIN141"] and "does not show the database driver" in diags[0].message
