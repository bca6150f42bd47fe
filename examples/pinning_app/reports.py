"""Reporting queries with SQLAlchemy."""

from sqlalchemy import create_engine, text

engine = create_engine(
    "postgresql+psycopg://app@pooler:6432/app",
)


def monthly_report(month: str):
    with engine.connect() as conn:
        conn.execute(text("SET statement_timeout = '10min'"))
        conn.execute(text("CREATE TEMP TABLE month_orders AS SELECT * FROM orders WHERE month = :m"), {"m": month})
        return conn.execute(text("SELECT sum(total) FROM month_orders")).scalar()


def next_invoice_number(conn) -> int:
    return conn.execute(text("SELECT nextval('invoice_seq')")).scalar()
