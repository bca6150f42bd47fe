"""Change notifications with asyncpg."""

import asyncpg


async def watch_orders(dsn: str):
    conn = await asyncpg.connect(dsn)
    await conn.execute("LISTEN order_created")
    return conn


async def export_all(pool: asyncpg.Pool):
    async with pool.acquire() as conn:
        await conn.execute("DECLARE export_cur CURSOR WITH HOLD FOR SELECT * FROM orders")
        return await conn.fetch("FETCH 1000 FROM export_cur")
