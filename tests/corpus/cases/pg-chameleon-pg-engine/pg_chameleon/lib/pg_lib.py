import io
import psycopg2
from psycopg2 import sql
from psycopg2.extras import RealDictCursor
import sys
import json
import datetime
import decimal
import time
import os
import binascii
from distutils.sysconfig import get_python_lib
import multiprocessing as mp
class pg_engine(object):
    def set_autocommit_db(self, auto_commit):
        """
            The method sets the auto_commit flag for the class connection self.pgsql_conn.
            In general the connection is always autocommit but in some operations (e.g. update_schema_mappings)
            is better to run the process in a single transaction in order to avoid inconsistencies.

            :param autocommit: boolean flag which sets autocommit on or off.

        """
        self.logger.debug("Changing the autocommit flag to %s" % auto_commit)
        self.pgsql_conn.set_session(autocommit=auto_commit)


    def connect_db(self):
        """
            Connects to PostgreSQL using the parameters stored in self.dest_conn. The dictionary is built using the parameters set via adding the key dbname to the self.pg_conn dictionary.
            This method's connection and cursors are widely used in the procedure except for the replay process which uses a
            dedicated connection and cursor.
        """
        if self.dest_conn and not self.pgsql_conn:
            strconn = "dbname=%(database)s user=%(user)s host=%(host)s password=%(password)s port=%(port)s"  % self.dest_conn
            self.pgsql_conn = psycopg2.connect(strconn)
            self.pgsql_conn .set_client_encoding(self.dest_conn["charset"])
            self.set_autocommit_db(True)
            self.pgsql_cur = self.pgsql_conn .cursor()
        elif not self.dest_conn:
            self.logger.error("Undefined database connection string. Exiting now.")
            sys.exit()
        elif self.pgsql_conn:
            self.logger.debug("There is already a database connection active.")


    def disconnect_db(self):
        """
            The method disconnects the postgres connection if there is any active. Otherwise ignore it.
        """
        if self.pgsql_conn:
            self.pgsql_conn.close()
            self.pgsql_conn = None

        if self.pgsql_cur:
            self.pgsql_cur = None

    def set_lock_timeout(self):
        """
            The method sets the lock timeout using the value stored in the class attribute lock_timeout.
        """
        self.logger.debug("Changing the lock timeout for the session to %s." % self.lock_timeout)
        self.pgsql_cur.execute("SET LOCK_TIMEOUT =%s;",  (self.lock_timeout, ))

    def unset_lock_timeout(self):
        """
            The method sets the lock timeout using the value stored in the class attribute lock_timeout.
        """
        self.logger.debug("Disabling the lock timeout for the session." )
        self.pgsql_cur.execute("SET LOCK_TIMEOUT ='0';")
    def set_read_paused(self, read_paused):
        """
            The method sets the read proces flag b_paused to true for the given source.
            The update is performed for the given source and for the negation of b_paused.
            This approach will prevent unnecessary updates on the table t_last_received.

            :param read_paused: the flag to set for the read replica process.
        """
        not_read_paused = not read_paused
        sql_pause = """
            UPDATE sch_chameleon.t_last_received
                SET b_paused=%s
            WHERE
                    i_id_source=%s
                AND	b_paused=%s
            ;
        """
        self.pgsql_cur.execute(sql_pause, (read_paused, self.i_id_source, not_read_paused))
