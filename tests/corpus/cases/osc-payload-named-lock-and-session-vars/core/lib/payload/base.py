import codecs
import collections
import logging
import os
import time

from typing import Any

import MySQLdb
from dba.osc.core.lib.sqlparse.fb_create import parse_create

from .. import constant, db as db_lib, hook, sql, util
from ..error import OSCError
from ..mysql_version import MySQLVersion
from ..sqlparse import ParseError
class Payload:
    def get_conn(self, dbname="") -> db_lib.MySQLSocketConnection:
        """
        Create the connection to MySQL instance, there will be only one
        connection during the whole schema change
        """
        try:
            conn = db_lib.MySQLSocketConnection(
                self.mysql_user,
                self.mysql_pass,
                self.socket,
                dbname,
                connect_function=self.get_conn_func,
                charset=self.charset,
            )
            if conn:
                conn.connect()
                if self.session_timeout:
                    conn.execute(
                        "SET SESSION wait_timeout = {}".format(self.session_timeout)
                    )
                return conn
        except MySQLdb.MySQLError as e:
            errcode, errmsg = e.args
            log.error("Error when connecting to MySQL [{}] {}".format(errcode, errmsg))
            raise OSCError(
                OSCError.Errors.GENERIC_MYSQL_ERROR,
                {"stage": "Connecting to MySQL", "errnum": errcode, "errmsg": errmsg},
            )
    def execute_sql(self, sql, args=None) -> int:
        """
        Execute the given sql against MySQL without caring about the result
        output
        """
        self._sql_now = sql
        self._sql_args_now = args
        log.debug(
            "Executing the following query on MySQL: [{}] Args: {}".format(sql, args)
        )
        return self._conn.execute(sql, args)
    def enable_priority_ddl(self):
        """
        Enable high priority DDL if current MySQL supports it
        """
        if self.is_high_pri_ddl_supported:
            self.execute_sql(sql.set_session_variable("high_priority_ddl"), (1,))

    def enable_sql_wsenv(self):
        if self.use_sql_wsenv:
            log.info("Try to enable enable_sql_wsenv")
            self.execute_sql(sql.set_session_variable("enable_sql_wsenv"), (1,))
    def set_variable(self, var_name, scope, value):
        """
        Set system variable value.
        """
        if scope == "global":
            sql_str = sql.set_global_variable(var_name)
        else:
            sql_str = sql.set_session_variable(var_name)

        self.execute_sql(sql_str, (value,))
    def get_osc_lock(self):
        """
        Grab a MySQL lock before we start OSC. This will prevent multiple
        OSC process running at the same time for single MySQL instance.
        Notice that the lock here is different from the ones in lock_tables.
        It is basically an exclusive meta lock instead of table locks
        """
        if self.skip_named_lock:
            log.warning(
                "Skipping attempt to get lock, " "because skip_named_lock is specified"
            )
            return
        result = self.query(sql.get_lock, (constant.OSC_LOCK_NAME,))
        if not result or not result[0]["lockstatus"] == 1:
            log.warning(f"failed lock result: {result}")
            if result:
                log.warning(f"failed lock status: {result[0]}")
            raise OSCError(OSCError.Errors.UNABLE_TO_GET_LOCK)
        else:
            log.warning(f"success lock result: {result}")
