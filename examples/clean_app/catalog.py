"""The product catalog lives in a MySQL database (PyMySQL), next to the PostgreSQL services."""

import pymysql

conn = pymysql.connect(host="catalog-proxy.example.internal", user="catalog", database="catalog",
                       charset="utf8mb4")


def search(term: str, page: int):
    with conn.cursor() as cur:
        # a per-statement optimizer hint instead of a session variable
        cur.execute(
            "SELECT /*+ MAX_EXECUTION_TIME(2000) */ id, name FROM products WHERE name LIKE %s LIMIT 20 OFFSET %s",
            (f"%{term}%", page * 20),
        )
        rows = cur.fetchall()
        cur.execute("SELECT COUNT(*) FROM products WHERE name LIKE %s", (f"%{term}%",))
        total = cur.fetchone()[0]
    return rows, total


def reindex(job_id: int):
    conn.begin()
    with conn.cursor() as cur:
        # a row lock held by the transaction, not a named lock held by the session
        cur.execute("SELECT 1 FROM job_locks WHERE name = 'catalog-reindex' FOR UPDATE")
        cur.execute(
            "UPDATE products SET indexed_at = NOW(), job = %s WHERE indexed_at < NOW() - INTERVAL 1 DAY",
            (job_id,),
        )
    conn.commit()


def restock(sku: int, qty: int):
    conn.begin()
    with conn.cursor() as cur:
        cur.execute("SET NAMES utf8mb4")  # tracked by RDS Proxy: no pinning
        cur.execute("SELECT qty FROM inventory WHERE sku = %s FOR UPDATE", (sku,))
        cur.execute("UPDATE inventory SET qty = qty + %s WHERE sku = %s", (qty, sku))
    conn.commit()
