import os
import subprocess
import traceback
import shlex

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.community.mysql.plugins.module_utils.database import mysql_quote_identifier
from ansible_collections.community.mysql.plugins.module_utils.mysql import (
    mysql_connect,
    mysql_driver,
    mysql_driver_fail_msg,
    mysql_common_argument_spec,
    get_server_implementation,
    get_server_version,
)
from ansible_collections.community.mysql.plugins.module_utils.version import LooseVersion
from ansible.module_utils.common.text.converters import to_native
def main():
    if state in ['absent', 'present'] and not sql_log_bin:
        cursor.execute("SET SQL_LOG_BIN=0;")

    server_implementation = get_server_implementation(cursor)
    server_version = get_server_version(cursor)
