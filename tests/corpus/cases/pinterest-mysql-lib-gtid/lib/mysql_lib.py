import json
import datetime
import MySQLdb
import MySQLdb.cursors
import re
import time
import warnings

import _mysql_exceptions

import host_utils
import mysql_connect
from lib import environment_specific
def fix_errant_trx(gtids, target_instance, is_master=True):
    """ We have a set of GTIDs that don't belong.  Try to fix them.
        Args:
            gtids: A String of GTIDs eg:
            'bba7d5dd-fdfe-11e6-8b1e-12005f9b2b06:877821-877864, etc'
            target_instance: The hostaddr of the instance to use
            is_master: Is this a master?
        Returns:
            Nothing - either it works or it fails.
    """
    conn = connect_mysql(target_instance)
    cursor = conn.cursor()

    # not a master, we don't need to write these to the binlog.
    if not is_master:
        cursor.execute('SET SESSION sql_log_bin=0')

    sql = 'SET GTID_NEXT=%(gtid)s'
    # AFAIK, there is no 'bulk' way to do this.
    for gtid in gtids.split(','):
        #something we need to remove like '\nfa93a365-1307-11e7-944a-1204915fd524:1'
        (uuid, trx_list) = gtid.strip().split(':', 1)
        for trx in trx_list.split(':'):
            try:
                # it's a range.
                (start, end) = trx.split('-')
            except ValueError:
                # it's just a single transaction.
                (start, end) = (trx, trx)

            for i in xrange(int(start), int(end)+1):
                injected_trx = '{}:{}'.format(uuid, i)
                cursor.execute(sql, {'gtid': injected_trx})
                log.info(cursor._executed)
                conn.commit()
                cursor.execute('SET GTID_NEXT=AUTOMATIC')

    if not is_master:
        cursor.execute('SET SESSION sql_log_bin=1')
    conn.close()
def start_consistent_snapshot(conn, read_only=False, session_id=None):
    """ Start a transaction with a consistent view of data

    Args:
        instance - a hostAddr object
        read_only - set the transaction to be read_only
        session_id - a MySQL session ID to base the snapshot on
    """
    read_write_mode = 'READ ONLY' if read_only else 'READ WRITE'
    session = 'FROM SESSION {}'.format(session_id) if session_id else ''
    cursor = conn.cursor()
    cursor.execute("SET SESSION TRANSACTION ISOLATION "
                   "LEVEL REPEATABLE READ")
    cursor.execute("START TRANSACTION /*!50625 WITH CONSISTENT SNAPSHOT "
                   "{s}, {rwm} */".format(s=session, rwm=read_write_mode))
