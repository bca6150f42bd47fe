from typing import Any, List, Optional, Union

commit = "COMMIT"
unlock_tables = "UNLOCK TABLES"
def select_into(left_vars, right_vars) -> str:
    """
    SQL component for selecting left session variable's value into right one
    """

    return "SELECT {} INTO {}".format(left_vars, right_vars)
def lock_tables(tables) -> str:
    lock_sql = "LOCK TABLE "
    lock_sql += ", ".join(
        ["`{}` WRITE".format(escape(tablename)) for tablename in tables]
    )
    return lock_sql
