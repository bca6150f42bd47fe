import ipaddress
import logging
import traceback
from collections import namedtuple
import re
import pgspecial as special
import psycopg
import psycopg.sql
from psycopg.conninfo import make_conninfo
import sqlparse
class PGExecute:
    def connect(
        self,
        database=None,
        user=None,
        password=None,
        host=None,
        port=None,
        dsn=None,
        **kwargs,
    ):
        conn_params = self._conn_params.copy()
        if "dsn" in conn_params:
            other_params = {k: v for k, v in conn_params.items() if k != "dsn"}
            conn_info = make_conninfo(conn_params["dsn"], **other_params)
        else:
            conn_info = make_conninfo(**conn_params)
        conn = psycopg.connect(conn_info)
        conn.cursor_factory = ProtocolSafeCursor

        self._conn_params = conn_params
        if self.conn:
            self.conn.close()
        self.conn = conn
        self.conn.autocommit = True
    def explain_prefix(self):
        return "EXPLAIN (ANALYZE, COSTS, VERBOSE, BUFFERS, FORMAT JSON) "

    def get_timezone(self) -> str:
        query = psycopg.sql.SQL("show time zone")
        with self.conn.cursor() as cur:
            cur.execute(query)
            return cur.fetchone()[0]

    def set_timezone(self, timezone: str):
        query = psycopg.sql.SQL("set time zone {}").format(psycopg.sql.Identifier(timezone))
        with self.conn.cursor() as cur:
            cur.execute(query)
