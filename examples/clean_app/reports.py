"""Reporting queries with SQLAlchemy, everything inside one transaction."""

from sqlalchemy import create_engine, text

engine = create_engine("postgresql+psycopg://app@pooler:6432/app")


def monthly_report(month: str):
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL statement_timeout = '10min'"))
        conn.execute(
            text("CREATE TEMP TABLE month_orders ON COMMIT DROP AS SELECT * FROM orders WHERE month = :m"),
            {"m": month},
        )
        return conn.execute(text("SELECT sum(total) FROM month_orders")).scalar()


def create_invoice(conn, customer_id: int) -> int:
    return conn.execute(
        text("INSERT INTO invoices (customer_id) VALUES (:c) RETURNING number"), {"c": customer_id}
    ).scalar()
