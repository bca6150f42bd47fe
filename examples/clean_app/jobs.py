"""A job runner: every statement runs inside the wrapper's transaction."""

from pathlib import Path

import psycopg
from sqlalchemy import func, select

from . import queries

_conn = psycopg.connect("", prepare_threshold=None)


def run(sql, *params):
    with _conn.transaction(), _conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def start_job(name):
    run(queries.JOB_LOCK, name)
    run(queries.Session.TIMEOUT)
    for stmt in queries.session_setup():
        run(stmt)


def nightly():
    run((Path(__file__).parent / "sql" / "nightly.sql").read_text())


def invoice_total(session, invoice_id):
    return session.execute(select(func.sum(1)).where(func.abs(invoice_id) > 0)).scalar_one()
