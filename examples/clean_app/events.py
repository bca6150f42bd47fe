"""Change notifications: LISTEN on a dedicated direct connection (not through the pooler)."""

import asyncpg

DIRECT_DSN_ENV = "DATABASE_DIRECT_URL"


async def watch_orders(direct_dsn: str, callback):
    conn = await asyncpg.connect(direct_dsn)
    await conn.add_listener("order_created", callback)
    return conn


async def export_all(pool: asyncpg.Pool):
    async with pool.acquire() as conn:
        return await conn.fetch("SELECT * FROM orders")
