"""asyncpg's JIT toggle during type introspection, observed on a live PostgreSQL (PIN311).

A throwaway PostgreSQL 15 runs with ``log_statement = 'all'``. Each case is one small program, linted by
pinlint for RDS Proxy and run against the server; the test then reads what the server logged for that
run. What it shows (asyncpg/connection.py ``_introspect_types``):

- a statement with a result or parameter of an enum type makes asyncpg send
  ``set_config('jit', 'off', false)`` (and restore it afterwards): PIN311 reports it;
- a scalar codec registered up front (``set_type_codec("mood", ...)``) means no introspection and no
  set_config: PIN311 is quiet;
- a tuple codec on a composite type is set up through the same introspection: PIN311 reports it;
- ``ALTER ROLE ... SET jit = off`` removes only the restoring set_config, not the first one (so it is no
  remedy on its own);
- clearing asyncpg's JIT capability (``_server_caps._replace(jit=False)``) removes both;
- SQLAlchemy's asyncpg dialect, which registers JSON codecs on every connect, sends none.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pinlint.api import check_source

from . import servers
from ._gate import require

pytestmark = pytest.mark.live
require(("initdb", "postgres"), ("psycopg", "asyncpg"), module_level=True)

TOGGLE = "set_config('jit', 'off', false)"
RESTORE = "set_config('jit', $1, false)"

ENUM_QUERY = '''
import asyncio
import os
import asyncpg


async def main():
    conn = await asyncpg.connect(os.environ["DSN"])
    try:
{setup}
        print(await conn.fetchval("SELECT 'happy'::mood"))
    finally:
        await conn.close()

asyncio.run(main())
'''

SCALAR_CODEC = '''        await conn.set_type_codec("mood", schema="public", encoder=str, decoder=str)'''
NO_JIT_CAPABILITY = '''        conn._server_caps = conn._server_caps._replace(jit=False)'''

COMPOSITE_CODEC = '''
import asyncio
import os
import asyncpg


async def main():
    conn = await asyncpg.connect(os.environ["DSN"])
    try:
        await conn.set_type_codec("pair", schema="public", format="tuple",
                                  encoder=lambda v: v, decoder=lambda v: v)
        print(await conn.fetchval("SELECT 1"))
    finally:
        await conn.close()

asyncio.run(main())
'''

SQLALCHEMY_JSON = '''
import asyncio
import os

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine


async def main():
    engine = create_async_engine(os.environ["DSN"].replace("postgresql://", "postgresql+asyncpg://"))
    async with engine.connect() as conn:
        print((await conn.execute(text("SELECT '{\\"a\\": 1}'::jsonb"))).scalar())
    await engine.dispose()

asyncio.run(main())
'''


@pytest.fixture(scope="module")
def pg_logged(_sigterm_runs_teardown):
    with servers.postgres_server(extra_conf={"log_statement": "all"}) as pg:
        import psycopg

        with psycopg.connect(pg.conninfo, autocommit=True) as conn:
            conn.execute("CREATE TYPE mood AS ENUM ('happy', 'sad')")
            conn.execute("CREATE TYPE pair AS (a int, b text)")
            conn.execute("CREATE ROLE jitoff LOGIN")
            conn.execute("ALTER ROLE jitoff SET jit = off")
        yield pg


def run(pg, program: str, user: str = servers.PG_USER) -> str:
    """Run the program against the server; the statements the server logged meanwhile."""
    start = pg.log_path.stat().st_size
    dsn = f"postgresql://{user}@{pg.host}:{pg.port}/{pg.dbname}"
    proc = subprocess.run([sys.executable, "-c", program], env={**os.environ, "DSN": dsn},
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    with open(pg.log_path, encoding="utf-8", errors="replace") as fh:
        fh.seek(start)
        return fh.read()


def pin311(program: str):
    return [d for d in check_source(program, target="rds-proxy") if d.code == "PIN311"]


def test_enum_result_toggles_jit_and_is_reported(pg_logged):
    program = ENUM_QUERY.format(setup="")
    log = run(pg_logged, program)
    assert TOGGLE in log and RESTORE in log, log
    assert pin311(program), "PIN311 should report the enum result"


def test_scalar_codec_up_front_avoids_the_toggle(pg_logged):
    program = ENUM_QUERY.format(setup=SCALAR_CODEC)
    log = run(pg_logged, program)
    assert "pg_type" in log and "'happy'::mood" in log  # the codec's lookup, then the query
    assert TOGGLE not in log, log
    assert not pin311(program)


def test_composite_tuple_codec_toggles_jit_and_is_reported(pg_logged):
    log = run(pg_logged, COMPOSITE_CODEC)
    assert TOGGLE in log, log
    assert pin311(COMPOSITE_CODEC)


def test_role_with_jit_off_still_gets_the_first_set_config(pg_logged):
    log = run(pg_logged, ENUM_QUERY.format(setup=""), user="jitoff")
    assert TOGGLE in log, log
    assert RESTORE not in log, log


def test_clearing_the_jit_capability_avoids_the_toggle(pg_logged):
    log = run(pg_logged, ENUM_QUERY.format(setup=NO_JIT_CAPABILITY))
    assert "'happy'::mood" in log  # the query ran
    assert TOGGLE not in log and RESTORE not in log, log


def test_sqlalchemy_json_codecs_send_no_set_config(pg_logged):
    pytest.importorskip("greenlet")
    log = run(pg_logged, SQLALCHEMY_JSON)
    assert "jsonb" in log  # the query ran
    assert TOGGLE not in log, log
    assert not pin311(SQLALCHEMY_JSON)
