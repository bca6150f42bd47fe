"""Per-tenant schemas with psycopg 3, scoped to the transaction."""

import psycopg

TENANT_LOCK = "SELECT pg_advisory_xact_lock(hashtext(%s))"


def orders_for(conn: psycopg.Connection, tenant: str):
    with conn.transaction():
        conn.execute(f"SET LOCAL search_path TO tenant_{tenant}, public")
        return conn.execute("SELECT id, total FROM orders ORDER BY id").fetchall()


def migrate_tenant(conn: psycopg.Connection, tenant: str) -> None:
    with conn.transaction():
        conn.execute(TENANT_LOCK, (tenant,))
        conn.execute("ALTER TABLE orders ADD COLUMN IF NOT EXISTS note text")
