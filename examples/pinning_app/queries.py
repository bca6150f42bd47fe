"""SQL kept apart from the code that runs it: constants, a class of statements, a function returning SQL."""

JOB_LOCK = "SELECT pg_try_advisory_lock(hashtext(%s))"


class Session:
    TIMEOUT = "SET statement_timeout = " + "'30s'"


def session_setup():
    return ["SET search_path TO reporting, public", "SET work_mem = '256MB'"]
