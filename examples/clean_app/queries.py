"""SQL kept apart from the code that runs it: transaction-scoped versions."""

JOB_LOCK = "SELECT pg_try_advisory_xact_lock(hashtext(%s))"


class Session:
    TIMEOUT = "SET LOCAL statement_timeout = " + "'30s'"


def session_setup():
    return ["SET LOCAL search_path TO reporting, public", "SET LOCAL work_mem = '256MB'"]
