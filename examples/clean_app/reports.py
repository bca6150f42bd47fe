"""Reporting queries with SQLAlchemy, everything inside one transaction."""

from sqlalchemy import create_engine, text

engine = create_engine(
    "postgresql+psycopg://app@pooler:6432/app",
    connect_args={"prepare_threshold": None},
    pool_pre_ping=True,
)


def monthly_report(month: str):
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL statement_timeout = '10min'"))
        # a CTE instead of a temp table: temp tables pin RDS Proxy even with ON COMMIT DROP
        return conn.execute(
            text("WITH month_orders AS (SELECT * FROM orders WHERE month = :m) SELECT sum(total) FROM month_orders"),
            {"m": month},
        ).scalar()


def create_invoice(conn, customer_id: int) -> int:
    return conn.execute(
        text("INSERT INTO invoices (customer_id) VALUES (:c) RETURNING number"), {"c": customer_id}
    ).scalar()
