"""Engines and pools for the services that do not use Django."""

import asyncpg
from psycopg_pool import ConnectionPool
from sqlalchemy import create_engine, event
from sqlalchemy.ext.asyncio import create_async_engine

# SQLAlchemy + psycopg 3: psycopg prepares a query after its fifth run
engine = create_engine(
    "postgresql+psycopg://app@pooler:6432/app",
    pool_recycle=3600,
)


@event.listens_for(engine, "connect")
def set_search_path(dbapi_connection, connection_record):
    cursor = dbapi_connection.cursor()
    cursor.execute("SET search_path TO app, public")
    cursor.close()


# SQLAlchemy + asyncpg: two statement caches, both on
async_engine = create_async_engine(
    "postgresql+asyncpg://app@pooler:6432/app",
    pool_pre_ping=True,
)


def configure(conn):
    conn.execute("SET statement_timeout = '30s'")
    conn.commit()


# psycopg_pool: max_lifetime defaults to 3600 s, longer than RDS Proxy's idle-client timeout
pool = ConnectionPool(
    "host=pooler port=6432 dbname=app",
    configure=configure,
)


async def asyncpg_pool(dsn: str) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        dsn,
        server_settings={"search_path": "app"},
    )


def export_orders(conn):
    with conn.cursor("export_orders", withhold=True) as cur:
        cur.execute("SELECT * FROM orders")
        conn.commit()
        yield from cur
