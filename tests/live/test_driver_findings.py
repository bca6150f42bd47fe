"""Driver hazards, end to end: the same program is linted by pinlint and run through PgBouncer.

Each case is one small program written the way application code is (a literal driver call, no
``**kwargs`` indirection, so that pinlint judges exactly what runs). For the hazardous version the test
asserts both that pinlint reports it (for target ``pgbouncer``) and that running it through a
transaction-mode PgBouncer 1.18 fails with the error users see in production; for the fixed version,
that pinlint is quiet and the program works; and the program ``pinlint check --fix`` makes of the hazardous
version works too (the autofix, issue 16). tests/live/hazards.py holds the same reproductions as
library functions, with direct-PostgreSQL controls (test_driver_hazards.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from pinlint.api import check_source

from ._gate import require
from .observe import reset_pool

pytestmark = pytest.mark.live
require(modules=("psycopg", "psycopg2", "asyncpg"), module_level=True)

PSYCOPG3 = '''
import os
import psycopg

c1 = psycopg.connect(os.environ["DSN"], autocommit=True{extra})
c2 = psycopg.connect(os.environ["DSN"], autocommit=True{extra})
try:
    for i in range(8):
        for conn in (c1, c2):
            assert conn.execute("SELECT %s::int + 1", (i,)).fetchone()[0] == i + 1
    print("OK")
except psycopg.Error as e:
    print(f"{{type(e).__name__}}: {{e}}")
'''

ASYNCPG = '''
import asyncio
import os
import asyncpg


async def main():
    conn = await asyncpg.connect(os.environ["DSN"]{extra})
    try:
        for i in range(3):
            assert await conn.fetchval("SELECT $1::int + 1", i) == i + 1
        print("OK")
    except asyncpg.PostgresError as e:
        print(f"{{type(e).__name__}}: {{e}}")
    finally:
        await conn.close()

asyncio.run(main())
'''

PSYCOPG2_HOLD = '''
import os
import psycopg2

app = psycopg2.connect(os.environ["DSN"])
other = psycopg2.connect(os.environ["DSN"])
try:
    cur = app.cursor("report_rows", withhold=True)
    cur.execute("SELECT generate_series(1, 10)")
    first = cur.fetchmany(2)
    app.commit()
    with other.cursor() as oc:
        oc.execute("SELECT 1")
    rest = cur.fetchall()
    print("OK" if len(first + rest) == 10 else "wrong rows")
except psycopg2.Error as e:
    print(f"{type(e).__name__}: {e}")
'''

PSYCOPG2_IN_ONE_TRANSACTION = '''
import os
import psycopg2

app = psycopg2.connect(os.environ["DSN"])
other = psycopg2.connect(os.environ["DSN"])
try:
    cur = app.cursor("report_rows")
    cur.execute("SELECT generate_series(1, 10)")
    rows = cur.fetchall()
    cur.close()
    app.commit()
    with other.cursor() as oc:
        oc.execute("SELECT 1")
    print("OK" if len(rows) == 10 else "wrong rows")
except psycopg2.Error as e:
    print(f"{type(e).__name__}: {e}")
'''


def _run(program: str, dsn: str) -> str:
    proc = subprocess.run([sys.executable, "-c", program], env={**os.environ, "DSN": dsn},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def _codes(program: str) -> set:
    return {d.code for d in check_source(program, filename="app.py", target="pgbouncer")}


@pytest.fixture(autouse=True)
def _fresh_pool(pgbouncer_tx):
    reset_pool(pgbouncer_tx)
    yield
    reset_pool(pgbouncer_tx)


def test_psycopg3_default_prepare_threshold(pgbouncer_tx):
    program = PSYCOPG3.format(extra="")
    assert "PIN301" in _codes(program)
    assert re.search(r'prepared statement "_pg3_\d+" (already exists|does not exist)', _run(program, pgbouncer_tx.dsn))


def test_psycopg3_prepare_threshold_none(pgbouncer_tx):
    program = PSYCOPG3.format(extra=", prepare_threshold=None")
    assert "PIN301" not in _codes(program)
    assert _run(program, pgbouncer_tx.dsn) == "OK"


def _fixed(program: str, tmp_path) -> str:
    """The program after ``pinlint check --fix --target pgbouncer`` (the safe fixes, written to a file)."""
    from click.testing import CliRunner

    from pinlint.cli import cli

    path = tmp_path / "app.py"
    path.write_text(program, encoding="utf-8")
    r = CliRunner().invoke(cli, ["check", "--no-cache", "--target", "pgbouncer", "--fix", str(path)],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output  # nothing left
    return path.read_text(encoding="utf-8")


def test_psycopg3_fixed_by_pinlint_passes(pgbouncer_tx, tmp_path):
    """pinlint --fix on the failing program, then the fixed program through PgBouncer: it works."""
    program = PSYCOPG3.format(extra="")
    fixed = _fixed(program, tmp_path)
    assert fixed == PSYCOPG3.format(extra=", prepare_threshold=None")
    assert _codes(fixed) == set()
    assert _run(fixed, pgbouncer_tx.dsn) == "OK"


def test_asyncpg_default_statement_cache(pgbouncer_tx):
    program = ASYNCPG.format(extra="")
    assert "PIN302" in _codes(program)
    # two application processes one after the other (the statement counter is per process)
    results = [_run(program, pgbouncer_tx.dsn) for _ in range(2)]
    assert any(re.search(r'prepared statement "__asyncpg_stmt_\w+__" (already exists|does not exist)', r)
               for r in results), results


def test_asyncpg_statement_cache_size_zero(pgbouncer_tx):
    program = ASYNCPG.format(extra=", statement_cache_size=0")
    assert "PIN302" not in _codes(program)
    assert [_run(program, pgbouncer_tx.dsn) for _ in range(2)] == ["OK", "OK"]


def test_asyncpg_fixed_by_pinlint_passes(pgbouncer_tx, tmp_path):
    fixed = _fixed(ASYNCPG.format(extra=""), tmp_path)
    assert fixed == ASYNCPG.format(extra=", statement_cache_size=0")
    assert [_run(fixed, pgbouncer_tx.dsn) for _ in range(2)] == ["OK", "OK"]


def test_psycopg2_withhold_cursor(pgbouncer_tx):
    assert "PIN304" in _codes(PSYCOPG2_HOLD)
    # two server connections: the FETCH after commit lands on the one without the cursor
    assert re.search(r'cursor "report_rows" does not exist', _run(PSYCOPG2_HOLD, pgbouncer_tx.dsn_pool2))


def test_psycopg2_named_cursor_inside_one_transaction(pgbouncer_tx):
    assert "PIN304" not in _codes(PSYCOPG2_IN_ONE_TRANSACTION)
    assert _run(PSYCOPG2_IN_ONE_TRANSACTION, pgbouncer_tx.dsn_pool2) == "OK"
