import logging
import os
import sys
import warnings

from typing import Any

import MySQLdb
import MySQLdb.connections
import MySQLdb.cursors

from . import sql
def default_get_mysql_connection(
    user_name,
    user_pass,
    socket,
    dbname="",
    timeout=60,
    connect_timeout=10,
    charset=None,
) -> MySQLdb.connections.Connection:
    """
    Default method for connection to a MySQL instance.
    You can override this behaviour by define/import in cli.py and pass it to
    Payload at instantiation time.
    The function should return a valid Connection object just as
    MySQLdb.Connect does.
    """
    connection_config = {
        "unix_socket": socket,
        "db": dbname,
        "use_unicode": True,
        "connect_timeout": connect_timeout,
    }
    if charset:
        connection_config["charset"] = charset
    if user_name:
        connection_config["user"] = user_name
    if user_pass:
        connection_config["passwd"] = user_pass

    dbh = MySQLdb.Connect(**connection_config)
    dbh.autocommit(True)
    if timeout:
        cursor = dbh.cursor()
        cursor.execute("SET SESSION WAIT_TIMEOUT = %s", (timeout,))
    return dbh
class MySQLSocketConnection:
    def use(self, database_name):
        """Set context to a given database.
        @param database_name: A database that exists.
        @type database_name: str | unicode
        """
        self.conn.query("USE `{0}`".format(database_name))

    def set_no_binlog(self) -> None:
        """
        Disable session binlog events. As we run the schema change separately
        on instance, we usually don't want the changes to be populated through
        replication.
        """
        self.conn.query("SET SESSION SQL_LOG_BIN=0;")

    def set_binlog(self) -> None:
        """
        Enable session binlog events. Providing an option to run schema change
        via replication when applicable.
        """
        self.conn.query("SET SESSION SQL_LOG_BIN=1;")
