"""Engines and pools for the services that do not use Django, configured for a transaction pooler."""

import asyncpg
from psycopg_pool import ConnectionPool
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import create_async_engine

# search_path is the role's default: ALTER ROLE app SET search_path = app, public
# (a connection older than the pooler's idle-client timeout is replaced: pool_pre_ping)
engine = create_engine(
    "postgresql+psycopg://app@pooler:6432/app",
    pool_recycle=3600,
    connect_args={"prepare_threshold": None},
    pool_pre_ping=True,
)

async_engine = create_async_engine(
    "postgresql+asyncpg://app@pooler:6432/app?prepared_statement_cache_size=0",
    pool_pre_ping=True,
    connect_args={"statement_cache_size": 0},
)

# statement_timeout is the role's default too: no configure callback
pool = ConnectionPool(
    "host=pooler port=6432 dbname=app",
    kwargs={"prepare_threshold": None},
    check=ConnectionPool.check_connection,
)


async def asyncpg_pool(dsn: str) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        dsn,
        statement_cache_size=0,
    )


def export_orders(conn):
    last_id = 0
    while True:
        with conn.cursor() as cur:
            cur.execute("SELECT * FROM orders WHERE id > %s ORDER BY id LIMIT 1000", (last_id,))
            rows = cur.fetchall()
        if not rows:
            return
        yield from rows
        last_id = rows[-1][0]
