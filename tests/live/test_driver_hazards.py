"""Driver settings that break behind a transaction-mode PgBouncer (1.18: no
prepared-statement support), each with its fix, and a direct-PostgreSQL
control showing the hazard is the pooler's."""

from __future__ import annotations

import re

import pytest

from ._gate import require

pytestmark = pytest.mark.live
require(modules=("psycopg", "psycopg2", "asyncpg"), module_level=True)

from . import hazards  # noqa: E402
from .observe import reset_pool  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_pool(pgbouncer_tx):
    reset_pool(pgbouncer_tx)  # no prepared statements / cursors left by earlier tests
    yield
    reset_pool(pgbouncer_tx)


PG3_PREPARED = re.compile(r'prepared statement "_pg3_\d+" (already exists|does not exist)')
ASYNCPG_PREPARED = re.compile(r'prepared statement "__asyncpg_stmt_\w+__" (already exists|does not exist)')


# (a) psycopg 3 prepare_threshold


def test_psycopg3_default_prepare_threshold_breaks(pgbouncer_tx):
    got = hazards.psycopg3_prepared_statements(pgbouncer_tx.dsn)
    assert got is not None and PG3_PREPARED.search(got), got


def test_psycopg3_prepare_threshold_none_works(pgbouncer_tx):
    assert hazards.psycopg3_prepared_statements(pgbouncer_tx.dsn, prepare_threshold=None) is None


def test_psycopg3_default_is_fine_without_pooler(pg_server):
    assert hazards.psycopg3_prepared_statements(pg_server.dsn) is None


# (b) asyncpg statement cache


def test_asyncpg_default_statement_cache_breaks(pgbouncer_tx):
    got = hazards.asyncpg_statement_cache(pgbouncer_tx.dsn)
    assert got is not None and ASYNCPG_PREPARED.search(got), got


def test_asyncpg_statement_cache_size_0_works(pgbouncer_tx):
    assert hazards.asyncpg_statement_cache(pgbouncer_tx.dsn, statement_cache_size=0) is None


def test_asyncpg_default_is_fine_without_pooler(pg_server):
    assert hazards.asyncpg_statement_cache(pg_server.dsn) is None


# (c) psycopg2 named cursor WITH HOLD


def test_psycopg2_withhold_cursor_breaks(pgbouncer_tx):
    got = hazards.psycopg2_withhold_cursor(pgbouncer_tx.dsn_pool2)
    assert got is not None and 'cursor "pinlint_hold" does not exist' in got, got


def test_psycopg2_cursor_within_one_transaction_works(pgbouncer_tx):
    assert hazards.psycopg2_withhold_cursor(pgbouncer_tx.dsn_pool2, withhold=False) is None


def test_psycopg2_withhold_cursor_is_fine_without_pooler(pg_server):
    assert hazards.psycopg2_withhold_cursor(pg_server.dsn) is None
