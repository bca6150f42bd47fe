from __future__ import annotations

import contextlib
import inspect
from operator import itemgetter
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

import psycopg
import sqlglot as sg
import sqlglot.expressions as sge
class Backend(
    SupportsTempTables,
    SQLBackend,
    CanListCatalog,
    CanCreateDatabase,
    HasCurrentCatalog,
    HasCurrentDatabase,
    PyArrowExampleLoader,
):
    def do_connect(
        self,
        host: str | None = None,
        user: str | None = None,
        password: str | None = None,
        port: int = 5432,
        database: str | None = None,
        schema: str | None = None,
        autocommit: bool = True,
        **kwargs: Any,
    ) -> None:
        import psycopg

        self.con = psycopg.connect(
            host=host,
            port=port,
            user=user,
            password=password,
            dbname=database,
            autocommit=autocommit,
            **kwargs,
        )

        self._post_connect()
    def _post_connect(self) -> None:
        import pandas as pd

        self.con.adapters.register_dumper(type(pd.NaT), NatDumper)
        with (con := self.con).cursor() as cursor, con.transaction():
            cursor.execute("SET TIMEZONE = UTC")
            if schema := self._con_kwargs.get("schema"):
                # The `false` means this setting will persist beyond this transaction
                cursor.execute("SELECT set_config('search_path', %s, false)", (schema,))
