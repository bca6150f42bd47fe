"""Change notifications: LISTEN on a dedicated direct connection (not through the pooler)."""

import asyncpg

DIRECT_DSN_ENV = "DATABASE_DIRECT_URL"


async def watch_orders(direct_dsn: str, callback):
    # a direct connection to the primary, bypassing the pooler; in a project, name it in
    # `[tool.pinlint] direct-connections = ["conn"]` instead of these noqa comments
    conn = await asyncpg.connect(direct_dsn)  # noqa: PIN302
    await conn.add_listener("order_created", callback)  # noqa: PIN309
    return conn


async def export_all(pool: asyncpg.Pool):
    async with pool.acquire() as conn:
        return await conn.fetch("SELECT * FROM orders")
