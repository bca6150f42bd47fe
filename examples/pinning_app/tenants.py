"""Per-tenant schemas with psycopg 3: the classic search_path leak."""

import psycopg

TENANT_LOCK = "SELECT pg_advisory_lock(hashtext(%s))"


def orders_for(conn: psycopg.Connection, tenant: str):
    conn.execute(f"SET search_path TO tenant_{tenant}, public")
    return conn.execute("SELECT id, total FROM orders ORDER BY id").fetchall()


def migrate_tenant(conn: psycopg.Connection, tenant: str) -> None:
    conn.execute(TENANT_LOCK, (tenant,))
    try:
        conn.execute("ALTER TABLE orders ADD COLUMN IF NOT EXISTS note text")
    finally:
        conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (tenant,))
