import argparse
import difflib
import pprint
import re
import MySQLdb
import sys
from lib import host_utils
from lib import mysql_lib
def manage_mysql_grants(instance, action):
    try:
        conn = mysql_lib.connect_mysql(instance)
    except MySQLdb.OperationalError as detail:
        (error_code, msg) = detail.args
        if (error_code != mysql_lib.MYSQL_ERROR_HOST_ACCESS_DENIED and
                error_code != mysql_lib.MYSQL_ERROR_ACCESS_DENIED):
            raise

        if instance.hostname == host_utils.HOSTNAME.split('.')[0]:
            print ('Could not connect to instance, but it looks like '
                   'instance is on localhost. Going to try defaults for '
                   'authentication.')
            conn = mysql_lib.connect_mysql(instance, 'bootstrap')
        else:
            raise

    grants = mysql_lib.get_all_mysql_grants()

    # nuke
    conn.query("SET SQL_LOG_BIN=0")
    if action == 'nuke_then_import':
        conn.query("SET SQL_SAFE_UPDATES = 0")
        conn.query("delete from mysql.user")
        conn.query("delete from mysql.db")
        conn.query("delete from mysql.proxies_priv")
