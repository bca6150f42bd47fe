import calendar
import collections
import datetime
import decimal
import hashlib
import itertools
import json
import logging
import operator
import re
import socket
import struct
import sys
import threading
import time
import types
import uuid
import warnings
try:
    import psycopg2
    from psycopg2 import extensions as pg_extensions
    from psycopg2.extras import register_uuid as pg_register_uuid
    from psycopg2.extras import Json as Json_pg2
    pg_register_uuid()
except ImportError:
    psycopg2 = Json_pg2 = None
try:
    import psycopg
    from psycopg.pq import TransactionStatus
    from psycopg.types.json import Json as Json_pg3
    from psycopg.types.json import Jsonb as Jsonb_pg3
except ImportError:
    psycopg = Json_pg3 = Jsonb_pg3 = None

try:
    import pymysql as mysql
except ImportError:
    try:
        import MySQLdb as mysql
    except ImportError:
        mysql = None

class Psycopg2Adapter(_BasePsycopgAdapter):
    def server_side_cursor(self, conn):
        # psycopg2 does not allow named cursors in autocommit, even if we ARE
        # inside a transaction - so specify withhold (not desirable!).
        return conn.cursor(name=str(uuid.uuid1()), withhold=True)
class Psycopg3Adapter(_BasePsycopgAdapter):
    def server_side_cursor(self, conn):
        # In a transaction a plain named cursor streams and is scoped to it.
        # Otherwise the server requires withhold, which spools at declare.
        in_txn = conn.pgconn.transaction_status == TransactionStatus.INTRANS
        return conn.cursor(name=str(uuid.uuid1()), withhold=not in_txn)
class PostgresqlDatabase(Database):
    def begin(self, isolation_level=None):
        if self.is_closed():
            self.connect()
        if isolation_level is None:
            isolation_level = self._isolation_level
        if isolation_level:
            txn_type = self._adapter.isolation_level_str(isolation_level)
            stmt = 'BEGIN TRANSACTION ISOLATION LEVEL %s' % txn_type
        else:
            stmt = 'BEGIN'
        with __exception_wrapper__:
            self.cursor().execute(stmt)

    def set_time_zone(self, timezone):
        self.execute_sql('set time zone \'%s\';' % timezone.replace("'", "''"))
