"""Session-scoped live servers for the oracle tests (tests/live/).

Fixtures (all session-scoped, started once, stopped at the end of the session):

- ``pg_server``     -> servers.PgServer   (host, port, dsn, conninfo, timezone, log_tail())
- ``pgbouncer_tx``  -> servers.PgBouncer  transaction mode, pool of ONE server connection
                       (host, port, dsn, dsn_pool2, admin_dsn, pool_mode, server, log_tail())
- ``pgbouncer_stmt``-> servers.PgBouncer  statement mode, same shape
- ``mariadb``       -> servers.MariaDB    (host, port, dsn, connect_kwargs(), log_tail())

Missing server binaries or Python drivers skip the live tests locally, but
FAIL them when $CI is set, so CI never silently skips the oracle.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import pytest

from . import servers
from ._gate import require as _require

_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.live)


@pytest.fixture(scope="session")
def _sigterm_runs_teardown():
    """SIGTERM (a CI timeout, ``kill``) would end Python without finalisers and
    leave the temp dirs behind (the servers themselves die with us through
    PR_SET_PDEATHSIG).  Turn it into KeyboardInterrupt so pytest tears down."""
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


@pytest.fixture(scope="session")
def pg_server(_sigterm_runs_teardown):
    _require(("initdb", "postgres"), ("psycopg",))
    with servers.postgres_server() as pg:
        yield pg


@pytest.fixture(scope="session")
def pgbouncer_tx(pg_server):
    _require(("pgbouncer",))
    with servers.pgbouncer(pg_server, pool_mode="transaction") as b:
        yield b


@pytest.fixture(scope="session")
def pgbouncer_stmt(pg_server):
    _require(("pgbouncer",))
    with servers.pgbouncer(pg_server, pool_mode="statement") as b:
        yield b


@pytest.fixture(scope="session")
def mariadb(_sigterm_runs_teardown):
    _require(("mariadbd", "mariadb-install-db"), ("pymysql",))
    with servers.mariadb_server() as m:
        yield m
