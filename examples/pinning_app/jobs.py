"""A job runner: SQL reaches the driver through a project wrapper, a sibling module and a .sql file."""

from pathlib import Path

import psycopg
from sqlalchemy import func, select

from . import queries

_conn = psycopg.connect("")


def run(sql, *params):
    with _conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def start_job(name):
    run(queries.JOB_LOCK, name)
    run(queries.Session.TIMEOUT)
    for stmt in queries.session_setup():
        run(stmt)


def nightly():
    run((Path(__file__).parent / "sql" / "nightly.sql").read_text())


def next_invoice(session):
    return session.execute(select(func.nextval("invoice_seq"))).scalar_one()
