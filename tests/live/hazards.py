"""Driver hazards behind a transaction-mode pooler, reproduced with the real drivers.

Each function takes a DSN (URL form, ``postgresql://user@host:port/db``), runs
the driver the way an application would, and returns what happened: ``None``
when everything worked, else ``"<ExceptionClass>: <first line of message>"``.
Against a direct PostgreSQL DSN every one of them returns None; the hazard is
the pooler handing successive transactions of one client to different backends,
or one backend to several clients.

The lead pairs each with the pinlint finding on the same code, so keep each a
plain function whose body reads like application code.
"""

from __future__ import annotations

from typing import Optional

_LIBRARY_DEFAULT = object()


def _err(e: BaseException) -> str:
    msg = str(e).strip().splitlines()
    return f"{type(e).__name__}: {msg[0] if msg else ''}"


def psycopg3_prepared_statements(dsn: str, *, prepare_threshold=_LIBRARY_DEFAULT, rounds: int = 8) -> Optional[str]:
    """Two psycopg 3 clients run the same parameterised query ``rounds`` times,
    interleaved.  With the default ``prepare_threshold`` (5) psycopg prepares
    the query as ``_pg3_0`` on its 6th execution; through a pool of one server
    connection both clients prepare ``_pg3_0`` on the same backend (``already
    exists``); with several backends a client's EXECUTE lands on a backend
    without it (``does not exist``).  ``prepare_threshold=None`` is the fix."""
    import psycopg

    kw = {} if prepare_threshold is _LIBRARY_DEFAULT else {"prepare_threshold": prepare_threshold}
    c1 = psycopg.connect(dsn, autocommit=True, **kw)
    c2 = psycopg.connect(dsn, autocommit=True, **kw)
    try:
        for i in range(rounds):
            for conn in (c1, c2):
                (got,) = conn.execute("SELECT %s::int + 1", (i,)).fetchone()
                assert got == i + 1
        return None
    except psycopg.Error as e:
        return _err(e)
    finally:
        c1.close()
        c2.close()


_ASYNCPG_WORKER = r"""
import asyncio, json, sys
import asyncpg

async def main(dsn, kw, rounds):
    conn = await asyncpg.connect(dsn, **kw)
    try:
        for i in range(rounds):
            assert await conn.fetchval("SELECT $1::int + 1", i) == i + 1
        return None
    except asyncpg.PostgresError as e:
        msg = str(e).strip().splitlines()
        return f"{type(e).__name__}: {msg[0] if msg else ''}"
    finally:
        await conn.close()

print(json.dumps(asyncio.run(main(sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])))))
"""


def asyncpg_statement_cache(
    dsn: str, *, statement_cache_size=_LIBRARY_DEFAULT, workers: int = 2, rounds: int = 3
) -> Optional[str]:
    """``workers`` application processes (think gunicorn workers, or one app
    restarted) each run the same query with asyncpg, one after the other.

    asyncpg prepares every query as a named statement ``__asyncpg_stmt_<n>__``
    where n comes from a per-process counter, and with its default statement
    cache keeps it.  In transaction mode the statement outlives the client on
    the server connection (no server_reset_query), so the second process's
    ``__asyncpg_stmt_1__`` collides: ``prepared statement "__asyncpg_stmt_1__"
    already exists``.  (Two connections in ONE process do not collide: the
    counter is process-global.)  ``statement_cache_size=0`` is the fix.

    Returns the first worker error, or None."""
    import json
    import subprocess
    import sys

    kw = {} if statement_cache_size is _LIBRARY_DEFAULT else {"statement_cache_size": statement_cache_size}
    for _ in range(workers):
        proc = subprocess.run(
            [sys.executable, "-c", _ASYNCPG_WORKER, dsn, json.dumps(kw), str(rounds)],
            capture_output=True, text=True, timeout=60,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"asyncpg worker crashed:\n{proc.stderr}")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        if result is not None:
            return result
    return None


def psycopg2_withhold_cursor(dsn: str, *, withhold: bool = True) -> Optional[str]:
    """A psycopg2 named (server-side) cursor declared ``withhold=True`` and read
    after ``commit()``.  Meanwhile another client runs a transaction; PgBouncer
    hands it the server connection just released (LIFO), i.e. the one holding
    the cursor, so the FETCH of our next transaction lands on another backend:
    ``cursor "..." does not exist``.  Needs a pool of at least two server
    connections (``PgBouncer.dsn_pool2``); with one, the FETCH would just wait.

    ``withhold=False`` is the fix: declare, fetch and close in one transaction."""
    import psycopg2

    app = psycopg2.connect(dsn)
    other = psycopg2.connect(dsn)
    try:
        cur = app.cursor("pinlint_hold", withhold=withhold)
        cur.execute("SELECT generate_series(1, 10)")
        if withhold:
            first = cur.fetchmany(2)
            app.commit()  # the server connection goes back to the pool; the cursor stays on it
            with other.cursor() as oc:  # another client's transaction takes that connection
                oc.execute("SELECT 1")
            rest = cur.fetchall()  # new transaction -> another backend
            cur.close()
            app.commit()
        else:
            first = cur.fetchmany(2)
            rest = cur.fetchall()
            cur.close()
            app.commit()
            with other.cursor() as oc:
                oc.execute("SELECT 1")
        assert [r[0] for r in first + rest] == list(range(1, 11))
        return None
    except psycopg2.Error as e:
        return _err(e)
    finally:
        other.rollback()
        other.close()
        app.close()
