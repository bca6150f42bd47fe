"""The product catalog lives in a MySQL database (PyMySQL), next to the PostgreSQL services."""

import pymysql

conn = pymysql.connect(host="catalog-proxy.example.internal", user="catalog", database="catalog")


def search(term: str, page: int):
    with conn.cursor() as cur:
        cur.execute("SET SESSION max_execution_time = 2000")
        cur.execute(
            "SELECT SQL_CALC_FOUND_ROWS id, name FROM products WHERE name LIKE %s LIMIT 20 OFFSET %s",
            (f"%{term}%", page * 20),
        )
        rows = cur.fetchall()
        cur.execute("SELECT FOUND_ROWS()")
        total = cur.fetchone()[0]
    return rows, total


def reindex(job_id: int):
    with conn.cursor() as cur:
        cur.execute("SELECT GET_LOCK('catalog-reindex', 0)")
        cur.execute("SET @job = %s", (job_id,))
        cur.execute("CREATE TEMPORARY TABLE stale_ids (id INT PRIMARY KEY)")
        cur.execute("INSERT INTO stale_ids SELECT id FROM products WHERE indexed_at < NOW() - INTERVAL 1 DAY")
        cur.execute("UPDATE products SET indexed_at = NOW(), job = @job WHERE id IN (SELECT id FROM stale_ids)")
        cur.execute("SELECT RELEASE_LOCK('catalog-reindex')")


def restock(sku: int, qty: int):
    with conn.cursor() as cur:
        cur.execute("/*!40101 SET NAMES utf8mb4 */")
        cur.execute("LOCK TABLES inventory WRITE")
        cur.execute("UPDATE inventory SET qty = qty + %s WHERE sku = %s", (qty, sku))
        cur.execute("UNLOCK TABLES")
