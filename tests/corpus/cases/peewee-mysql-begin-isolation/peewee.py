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

class MySQLDatabase(Database):
    sql_mode = 'PIPES_AS_CONCAT'

    def init(self, database, mariadb=None, **kwargs):
        if mariadb is not None:
            self.mariadb = mariadb
        params = {
            'charset': 'utf8',
            'sql_mode': self.sql_mode,
            'use_unicode': True}
        params.update(kwargs)
        super(MySQLDatabase, self).init(database, **params)
    def begin(self, isolation_level=None):
        if self.is_closed():
            self.connect()
        with __exception_wrapper__:
            curs = self.cursor()
            if isolation_level:
                curs.execute('SET TRANSACTION ISOLATION LEVEL %s' %
                             isolation_level)
            curs.execute('BEGIN')
