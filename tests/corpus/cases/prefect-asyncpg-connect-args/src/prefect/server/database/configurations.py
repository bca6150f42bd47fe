from __future__ import annotations

import logging
import sqlite3
import ssl
import traceback
from abc import ABC, abstractmethod
from asyncio import AbstractEventLoop, get_running_loop
from collections.abc import AsyncGenerator, Hashable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from functools import partial
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy import AdaptedConnection, event
from sqlalchemy.dialects.sqlite import aiosqlite
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.engine.url import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    AsyncSessionTransaction,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry
from typing_extensions import TypeAlias
class BaseDatabaseConfiguration(ABC):
    def __init__(
        self,
        connection_url: str,
        echo: Optional[bool] = None,
        timeout: Optional[float] = None,
        connection_timeout: Optional[float] = None,
        sqlalchemy_pool_size: Optional[int] = None,
        sqlalchemy_max_overflow: Optional[int] = None,
        connection_app_name: Optional[str] = None,
        statement_cache_size: Optional[int] = None,
        prepared_statement_cache_size: Optional[int] = None,
        search_path: Optional[str] = None,
    ) -> None:
        self.connection_url = connection_url
        self.echo: bool = echo or PREFECT_API_DATABASE_ECHO.value()
        self.timeout: Optional[float] = timeout or PREFECT_API_DATABASE_TIMEOUT.value()
        self.connection_timeout: Optional[float] = (
            connection_timeout or PREFECT_API_DATABASE_CONNECTION_TIMEOUT.value()
        )
        self.sqlalchemy_pool_size: Optional[int] = (
            sqlalchemy_pool_size
            or get_current_settings().server.database.sqlalchemy.pool_size
        )
        self.sqlalchemy_max_overflow: Optional[int] = (
            sqlalchemy_max_overflow
            or get_current_settings().server.database.sqlalchemy.max_overflow
        )
        self.connection_app_name: Optional[str] = (
            connection_app_name
            or get_current_settings().server.database.sqlalchemy.connect_args.application_name
        )
        # `is None`, not `or`: 0 is a meaningful value for both of these. Setting
        # statement_cache_size to 0 is required behind PgBouncer in transaction mode,
        # and 0 disables the prepared statement cache, so `or` would discard exactly
        # the value the settings describe as the reason to set them.
        self.statement_cache_size: Optional[int] = (
            statement_cache_size
            if statement_cache_size is not None
            else get_current_settings().server.database.sqlalchemy.connect_args.statement_cache_size
        )
        self.prepared_statement_cache_size: Optional[int] = (
            prepared_statement_cache_size
            if prepared_statement_cache_size is not None
            else get_current_settings().server.database.sqlalchemy.connect_args.prepared_statement_cache_size
        )
        self.search_path: Optional[str] = (
            search_path
            or get_current_settings().server.database.sqlalchemy.connect_args.search_path
        )

class AsyncPostgresConfiguration(BaseDatabaseConfiguration):
    async def engine(self) -> AsyncEngine:
        """Retrieves an async SQLAlchemy engine.

        Returns:
            AsyncEngine: a SQLAlchemy engine
        """

        loop = get_running_loop()

        cache_key = (
            loop,
            self.connection_url,
            self.echo,
            self.timeout,
        )
        if cache_key not in ENGINES:
            kwargs: dict[str, Any] = (
                get_current_settings().server.database.sqlalchemy.model_dump(
                    mode="json", exclude={"connect_args"}
                )
            )
            connect_args: dict[str, Any] = {}

            if self.timeout is not None:
                connect_args["command_timeout"] = self.timeout

            # In test mode, use a higher connection timeout to handle the heavy
            # load of parallel test execution (pytest-xdist). Establishing a new
            # asyncpg connection can occasionally take longer than the 5s default
            # under CI load, which surfaces as a TimeoutError during fixture
            # setup. Keep the configured value if the user has already raised it.
            connection_timeout = self.connection_timeout
            if PREFECT_TESTING_UNIT_TEST_MODE.value() is True:
                connection_timeout = max(connection_timeout or 0.0, 30.0)

            if connection_timeout is not None:
                connect_args["timeout"] = connection_timeout

            if self.statement_cache_size is not None:
                connect_args["statement_cache_size"] = self.statement_cache_size

            if self.prepared_statement_cache_size is not None:
                connect_args["prepared_statement_cache_size"] = (
                    self.prepared_statement_cache_size
                )

            server_settings: dict[str, str] = {}
            if self.connection_app_name is not None:
                server_settings["application_name"] = self.connection_app_name
            if self.search_path is not None:
                server_settings["search_path"] = self.search_path

            # asyncpg treats connection-URI query parameters like
            # `default_transaction_isolation` as startup server settings, but
            # SQLAlchemy's asyncpg dialect forwards URL query parameters as plain
            # keyword arguments. Move any such settings into the `server_settings`
            # connect argument so they are applied at connection startup.
            engine_url = make_url(self.connection_url)
            if "default_transaction_isolation" in engine_url.query:
                server_settings["default_transaction_isolation"] = (
                    engine_url.query["default_transaction_isolation"][-1]
                    if isinstance(
                        engine_url.query["default_transaction_isolation"], tuple
                    )
                    else engine_url.query["default_transaction_isolation"]
                )
                engine_url = engine_url.set(
                    query={
                        k: v
                        for k, v in engine_url.query.items()
                        if k != "default_transaction_isolation"
                    }
                )

            if server_settings:
                connect_args["server_settings"] = server_settings
            if connect_args:
                kwargs["connect_args"] = connect_args

            if self.sqlalchemy_pool_size is not None:
                kwargs["pool_size"] = self.sqlalchemy_pool_size

            if self.sqlalchemy_max_overflow is not None:
                kwargs["max_overflow"] = self.sqlalchemy_max_overflow

            engine = create_async_engine(
                engine_url,
                echo=self.echo,
                # Prefect's conditional concurrency-counter updates depend on
                # PostgreSQL's READ COMMITTED behavior: a waiting writer re-reads
                # the latest committed row and re-evaluates its predicate before
                # applying the change. Enforce the isolation level explicitly so
                # correctness does not depend on database or role defaults.
                isolation_level="READ COMMITTED",
                # "pre-ping" connections upon checkout to ensure they have not been
                # closed on the server side
                pool_pre_ping=True,
                # Use connections in LIFO order to help reduce connections
                # after spiky load and in general increase the likelihood
                # that a given connection pulled from the pool will be
                # usable.
                pool_use_lifo=True,
                **kwargs,
            )
