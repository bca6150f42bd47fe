"""Reach: SQL kept in constants, other modules, wrappers, functions, SQLAlchemy expressions and .sql files.

The rule examples (rules/PIN1*.toml, including multi-module ``files`` examples) cover each shape for
each rule; these tests cover the machinery: the project index, where findings are reported, noqa at
either place, the prefilter hook, configuration, and .sql files through the CLI.
"""

import json
import pickle
from pathlib import Path

import pytest

from pinlint.api import check_source
from pinlint.config import ConfigError, Settings, apply_table
from pinlint.pipeline.indexing import build_index, index_source
from pinlint.pipeline.markers import may_reach

DB = '''
import psycopg

_conn = psycopg.connect("")

def run(sql, *args):
    with _conn.cursor() as cur:
        cur.execute(sql, args)

def one(query, *args):
    return run(query, *args)

class Database:
    def query(self, statement, *params):
        with _conn.cursor() as cur:
            cur.execute(statement, params)
'''

SQL = '''
LOCK_SQL = "SELECT pg_try_advisory_lock(%s)"
XACT_SQL = "SELECT pg_advisory_xact_lock(%s)"
SUPPRESSED = "LISTEN jobs"  # noqa: PIN121
GREETING = "hello"

class Q:
    SET_PATH = "SET search_path TO " + "app"
'''


def _project(tmp_path, files):
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return tmp_path


def _index(root):
    paths = sorted(str(p) for p in Path(root).rglob("*.py"))
    return build_index(paths, str(root))


def _json(result):
    return json.loads(result.stdout) if result.stdout.strip() else []


JOBS = '''
from myapp.db import Database, one
from myapp.sql import LOCK_SQL, Q

def nightly():
    one(LOCK_SQL, 42)
    Database().query(Q.SET_PATH)
'''


@pytest.fixture
def project(tmp_path):
    return _project(tmp_path, {"myapp/__init__.py": "", "myapp/db.py": DB, "myapp/sql.py": SQL})


def test_index_collects_constants_class_attributes_and_wrappers(project):
    _project(project, {"myapp/jobs.py": JOBS})  # callers: the index looks at wrappers that are used
    index = _index(project)
    assert index.constant("myapp.sql.LOCK_SQL").text == "SELECT pg_try_advisory_lock(%s)"
    assert index.constant("myapp.sql.Q.SET_PATH").text == "SET search_path TO app"
    assert index.constant("myapp.sql.GREETING") is None  # holds nothing a rule can judge
    assert index.wrapper("myapp.db.run").position == 0
    assert index.wrapper("myapp.db.one").keyword == "query"  # inferred through run (fixpoint)
    assert index.method_wrapper("query").position == 0  # self is not counted
    assert index.constant("myapp.sql.SUPPRESSED").noqa == frozenset({"PIN121"})


def test_index_is_picklable_and_fingerprinted(project):
    index = _index(project)
    again = pickle.loads(pickle.dumps(index))
    assert again == index and hash(again) == hash(index)
    assert again.constant("myapp.sql.LOCK_SQL") is not None
    (project / "myapp/sql.py").write_text(SQL.replace("pg_try_advisory_lock", "pg_advisory_lock"))
    assert _index(project).fingerprint != index.fingerprint


def test_relative_imports_and_reexports(tmp_path):
    root = _project(tmp_path, {
        "pkg/__init__.py": "from .queries import LOCK\n",
        "pkg/queries.py": 'LOCK = "SELECT pg_advisory_lock(1)"\n',
        "pkg/sub/__init__.py": "",
        "pkg/sub/job.py": "",
    })
    index = _index(root)
    assert index.absolute("..queries.LOCK", "pkg.sub.job") == "pkg.queries.LOCK"
    assert index.absolute(".queries", "pkg", is_package=True) == "pkg.queries"
    assert index.constant("pkg.LOCK") is not None  # re-exported by the package


def test_cross_module_finding_is_reported_at_the_call_and_names_the_source(project, run_pinlint):
    _project(project, {"myapp/main.py": (
        "from myapp.sql import LOCK_SQL, XACT_SQL, Q\n"
        "from myapp.db import run, Database\n\n"
        "def go(k):\n"
        "    run(LOCK_SQL, k)\n"
        "    run(XACT_SQL, k)\n"
        "    Database().query(Q.SET_PATH)\n"
    )})
    result = run_pinlint("check", "--output-format", "json", "--no-cache", "--select", "PIN1", ".", cwd=project)
    found = {(d["filename"], d["location"]["row"], d["code"]): d["message"] for d in _json(result)}
    assert set(found) == {("myapp/main.py", 5, "PIN151"), ("myapp/main.py", 7, "PIN101")}
    assert "SQL text from `LOCK_SQL` at myapp/sql.py:2" in found[("myapp/main.py", 5, "PIN151")]
    assert "sent by `run()` at myapp/db.py:" in found[("myapp/main.py", 5, "PIN151")]


def test_noqa_at_the_definition_suppresses(project, run_pinlint):
    _project(project, {"myapp/main.py": "from myapp.sql import SUPPRESSED\nfrom myapp.db import run\n\nrun(SUPPRESSED)\n"})
    result = run_pinlint("check", "--output-format", "json", "--no-cache", "--select", "PIN1", ".", cwd=project)
    assert _json(result) == []


def test_single_file_run_still_sees_its_package(project, run_pinlint):
    _project(project, {"myapp/main.py": "from myapp.sql import LOCK_SQL\nfrom myapp.db import run\n\nrun(LOCK_SQL, 1)\n"})
    result = run_pinlint("check", "--output-format", "json", "--no-cache", "--select", "PIN1", "myapp/main.py",
                         cwd=project)
    assert [(d["location"]["row"], d["code"]) for d in _json(result)] == [(4, "PIN151")]
    # the message names the other module the same way as a run over the directory does
    whole = run_pinlint("check", "--output-format", "json", "--no-cache", "--select", "PIN1", ".", cwd=project)
    assert [d["message"] for d in _json(result)] == [d["message"] for d in _json(whole)
                                                     if d["filename"] == "myapp/main.py"]
    assert "at myapp/sql.py:" in _json(result)[0]["message"]


def test_prefilter_passes_files_that_name_indexed_sql(project):
    index = _index(project)
    assert may_reach(b"from myapp.sql import LOCK_SQL\nrun(LOCK_SQL)\n", index)
    assert not may_reach(b"import os\nprint(os.getcwd())\n", index)
    assert may_reach(b'Path("queries/lock.sql").read_text()', None)
    assert may_reach(b'" ".join(["SET", "x", "=", "1"])', None)


def test_sql_files_point_at_the_statement(tmp_path, run_pinlint):
    _project(tmp_path, {"db/setup.sql": (
        "-- connection setup\n"
        "SELECT 1;\n"
        "SET LOCAL work_mem = '64MB';\n"
        "  SELECT pg_advisory_lock(7);\n"
        "SET statement_timeout = 0; -- noqa: PIN101\n"
        "LISTEN jobs; -- noqa\n"
    )})
    result = run_pinlint("check", "--output-format", "json", "--no-cache", ".", cwd=tmp_path)
    assert [(d["filename"], d["location"]["row"], d["location"]["column"], d["code"]) for d in _json(result)] == [
        ("db/setup.sql", 4, 10, "PIN151"),
    ]


def test_sql_file_templates_with_format_fields(tmp_path, run_pinlint):
    # procrastinate keeps queries for str.format / psycopg.sql in one .sql file (`LISTEN {channel_name}`)
    _project(tmp_path, {"sql/queries.sql": (
        "-- listen_queue --\n"
        "SELECT 1;   LISTEN {channel_name};\n"
        "-- notify --\n"
        "NOTIFY {channel}, %s;\n"
        "SELECT {} FROM {table} WHERE pg_try_advisory_xact_lock({key});\n"
    )})
    result = run_pinlint("check", "--output-format", "json", "--no-cache", ".", cwd=tmp_path)
    found = _json(result)
    assert [(d["location"]["row"], d["location"]["column"], d["code"]) for d in found] == [(2, 13, "PIN121")]
    assert found[0]["message"].startswith("`LISTEN {channel_name}` acts on the server connection"), found[0]["message"]


def test_large_statement_in_sql_file_is_judged_per_statement(tmp_path, run_pinlint):
    big = "INSERT INTO t VALUES " + ", ".join(f"({i}, 'row number {i}')" for i in range(900)) + ";\n"
    small = "SELECT 1;\n" * 3000  # a large file of small statements
    _project(tmp_path, {"a.sql": small, "b.sql": "SELECT 2;\n" + big})
    result = run_pinlint("check", "--output-format", "json", "--no-cache", ".", cwd=tmp_path)
    assert [(d["filename"], d["location"]["row"], d["code"]) for d in _json(result)] == [("b.sql", 2, "PIN191")]


def test_loaded_sql_file_is_judged_at_the_call_when_not_linted_itself(tmp_path, run_pinlint):
    _project(tmp_path, {
        "app/queries/lock.sql": "SELECT pg_advisory_lock(1);\n",
        "app/jobs.py": (
            "import psycopg\nfrom pathlib import Path\n\n"
            "def go(conn):\n"
            "    conn.execute((Path(__file__).parent / 'queries' / 'lock.sql').read_text())\n"
        ),
    })
    alone = run_pinlint("check", "--output-format", "json", "--no-cache", "app/jobs.py", cwd=tmp_path)
    assert [(d["filename"], d["location"]["row"], d["code"]) for d in _json(alone)] == [("app/jobs.py", 5, "PIN151")]
    tree = run_pinlint("check", "--output-format", "json", "--no-cache", ".", cwd=tmp_path)
    # the .sql file is linted in its own right: reported there, once
    assert [(d["filename"], d["code"]) for d in _json(tree)] == [("app/queries/lock.sql", "PIN151")]


def test_sql_functions_setting_is_validated():
    settings = apply_table(Settings(), {"sql-functions": ["myapp.db.run"]}, "<test>")
    assert settings.sql_functions == ("myapp.db.run",)
    with pytest.raises(ConfigError):
        apply_table(Settings(), {"sql-functions": "myapp.db.run"}, "<test>")
    with pytest.raises(ConfigError):
        apply_table(Settings(), {"sql-functions": ["run"]}, "<test>")


def test_same_file_shapes_without_a_project():
    src = '''
import psycopg

class Jobs:
    LOCK = "SELECT pg_advisory_lock(%s)"

    def lock(self, conn, key):
        conn.execute(self.LOCK, (key,))

def setup_sql():
    return ["SET work_mem = '1GB'", "SELECT 1"]

def connect(conn):
    for stmt in setup_sql():
        conn.execute(stmt)
'''
    codes = sorted((d.start.row, d.code) for d in check_source(src))
    assert codes == [(8, "PIN151"), (15, "PIN101")]


def test_look_alikes_stay_quiet():
    src = '''
import subprocess
import psycopg
from sqlalchemy import Column, Integer, func

def run(cmd):
    return subprocess.run(cmd, shell=True)

run("SET x = 1")
id_col = Column(Integer, server_default=func.nextval("seq"))

def status(conn, fields):
    conn.execute(f"SELECT {fields} FROM t")
'''
    assert [d.code for d in check_source(src)] == []


def test_index_of_a_file_without_sql_is_empty():
    index = index_source("x.py", b"import os\n")
    assert not index.constants and not index.wrappers
