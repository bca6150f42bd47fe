"""Change notifications: LISTEN on a dedicated direct connection (not through the pooler)."""

import asyncpg

DIRECT_DSN_ENV = "DATABASE_DIRECT_URL"


async def watch_orders(dsn: str, callback):
    # `dsn` is a direct connection to the primary, bypassing the pooler (LISTEN needs a session of its
    # own); in a project, name it in `[tool.pinlint] direct-connections = ["conn"]` instead of the noqa
    conn = await asyncpg.connect(dsn, statement_cache_size=0)
    await conn.add_listener("order_created", callback)  # noqa: PIN309
    return conn


async def export_all(pool: asyncpg.Pool):
    async with pool.acquire() as conn:
        return await conn.fetch("SELECT * FROM orders")
