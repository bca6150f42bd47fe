import logging
import os
import random
import threading
import time
import typing as t
from contextlib import contextmanager

import psycopg2
import sqlalchemy as sa
from psycopg2.extras import LogicalReplicationConnection
from sqlalchemy.dialects import postgresql  # noqa
from sqlalchemy.engine.url import make_url
from sqlalchemy.orm import sessionmaker
class Base(object):
    def _try_lock_on(
        self, conn: sa.engine.Connection, key: t.Union[int, str]
    ) -> bool:
        """Acquire an advisory lock on *conn* without blocking."""
        if self.is_mysql_compat:
            row = conn.execute(
                sa.text("SELECT GET_LOCK(:name, 0)").bindparams(name=str(key))
            ).fetchone()
            return bool(row and row[0] == 1)
        row = conn.execute(
            sa.text("SELECT PG_TRY_ADVISORY_LOCK(:key)").bindparams(key=key)
        ).fetchone()
        return bool(row and row[0])

    def _unlock_on(
        self, conn: sa.engine.Connection, key: t.Union[int, str]
    ) -> bool:
        """Release an advisory lock on *conn*."""
        if self.is_mysql_compat:
            row = conn.execute(
                sa.text("SELECT RELEASE_LOCK(:name)").bindparams(name=str(key))
            ).fetchone()
            return bool(row and row[0] == 1)
        row = conn.execute(
            sa.text("SELECT PG_ADVISORY_UNLOCK(:key)").bindparams(key=key)
        ).fetchone()
        return bool(row and row[0])
def _pg_engine(
    database: str,
    user: t.Optional[str] = None,
    host: t.Optional[str] = None,
    password: t.Optional[str] = None,
    port: t.Optional[int] = None,
    echo: bool = False,
    sslmode: t.Optional[str] = None,
    sslrootcert: t.Optional[str] = None,
    url: t.Optional[str] = None,
) -> sa.engine.Engine:
    url, connect_args = _pg_connect_config(
        database=database,
        user=user,
        host=host,
        password=password,
        port=port,
        sslmode=sslmode,
        sslrootcert=sslrootcert,
        url=url,
    )

    # Use NullPool for testing to avoid connection exhaustion
    if SQLALCHEMY_USE_NULLPOOL:
        from sqlalchemy.pool import NullPool

        engine = sa.create_engine(
            url,
            echo=echo,
            connect_args=connect_args,
            poolclass=NullPool,
        )
    else:
        engine = sa.create_engine(
            url,
            echo=echo,
            connect_args=connect_args,
            pool_size=SQLALCHEMY_POOL_SIZE,
            max_overflow=SQLALCHEMY_MAX_OVERFLOW,
            pool_pre_ping=SQLALCHEMY_POOL_PRE_PING,
            pool_recycle=SQLALCHEMY_POOL_RECYCLE,
            pool_timeout=SQLALCHEMY_POOL_TIMEOUT,
        )

    # Set work_mem on each connection if configured.
    # This prevents temp file creation during complex queries with
    # LATERAL JOINs and JSON aggregation (typically needs 12-16MB).
    if PG_WORK_MEM and not IS_MYSQL_COMPAT:
        from sqlalchemy import event

        @event.listens_for(engine, "connect")
        def set_work_mem(dbapi_conn, connection_record):
            cursor = dbapi_conn.cursor()
            cursor.execute(f"SET work_mem = '{PG_WORK_MEM}'")
            cursor.close()

        logger.debug(f"Configured work_mem={PG_WORK_MEM} for new connections")

    return engine
