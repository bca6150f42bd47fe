from typing import Any, List, Optional, Union


get_lock = "SELECT get_lock(%s, 0) as lockstatus"
release_lock = "SELECT release_lock(%s) as lockstatus"
def set_global_variable(variable) -> str:
    return "SET GLOBAL {} = %s".format(variable)


def set_session_variable(variable) -> str:
    return "SET SESSION {} = %s".format(variable)

