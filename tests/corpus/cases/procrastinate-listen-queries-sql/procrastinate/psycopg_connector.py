from __future__ import annotations

import contextlib
import importlib.metadata
import logging
from collections.abc import (
    AsyncGenerator,
    Callable,
    Iterable,
)
from typing import (
    TYPE_CHECKING,
    Any,
)

import packaging.version
from typing_extensions import LiteralString

from procrastinate import connector, exceptions, sql, sync_psycopg_connector, utils
class PsycopgConnector(connector.BaseAsyncConnector):
    def _make_dynamic_query(
        self,
        query: LiteralString,
        **identifiers: str,
    ) -> psycopg.sql.Composed:
        return psycopg.sql.SQL(query).format(
            **{key: psycopg.sql.Identifier(value) for key, value in identifiers.items()}
        )
    @wrap_exceptions()
    async def listen_notify(
        self, on_notification: connector.Notify, channels: Iterable[str]
    ) -> None:
        while True:
            async with self._get_standalone_connection() as connection:
                for channel_name in channels:
                    await connection.execute(
                        query=self._make_dynamic_query(
                            query=sql.queries["listen_queue"],
                            channel_name=channel_name,
                        ),
                    )
                await self._loop_notify(
                    on_notification=on_notification, connection=connection
                )
