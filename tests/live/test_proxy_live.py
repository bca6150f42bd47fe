"""``pinlint proxy`` in front of a real PostgreSQL, driven by psycopg 3, psycopg2, asyncpg, SQLAlchemy
(asyncpg and psycopg dialects) and Django (through the pytest plugin).

Checks: what the drivers and ORMs really send is reported with pinlint's rule codes (session SET,
LISTEN, session advisory lock, psycopg 3's named statements from its default prepare_threshold,
asyncpg's statement cache and its JIT toggle during type introspection, Django's TimeZone set_config);
SQL that is safe inside a transaction is not; results are the same with and without the proxy; a client
killed mid-query leaves the proxy serving others.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import os
import signal
import subprocess
import sys
import textwrap
import time
from decimal import Decimal

import pytest

from pinlint.proxy.launcher import RunningProxy

from ._gate import require

pytestmark = pytest.mark.live
require(modules=("psycopg", "psycopg2", "asyncpg", "sqlalchemy", "django"), module_level=True)


@pytest.fixture
def start_proxy(pg_server, tmp_path):
    started = []

    def start(target="any"):
        proxy = RunningProxy(f"{pg_server.host}:{pg_server.port}", target=target, cwd=str(tmp_path))
        started.append(proxy)
        return proxy

    yield start
    for proxy in started:
        proxy.stop()


def url(proxy, pg_server, scheme="postgresql"):
    return f"{scheme}://{pg_server.user}@{proxy.host}:{proxy.port}/{pg_server.dbname}"


def by_code(findings):
    out = {}
    for f in findings:
        out.setdefault(f["code"], []).append(f)
    return out


def reported_sql(findings):
    return " | ".join(f["sql"] or "" for f in findings)


# ---- drivers -------------------------------------------------------------------------------------


def test_psycopg3(start_proxy, pg_server):
    import psycopg

    proxy = start_proxy("pgbouncer")
    with psycopg.connect(url(proxy, pg_server), autocommit=True, application_name="psycopg3-app") as conn:
        conn.execute("SET search_path TO public")
        conn.execute("LISTEN jobs")
        conn.execute("SELECT pg_advisory_lock(4242)")
        conn.execute("SELECT pg_advisory_unlock(4242)")
        for i in range(7):  # the default prepare_threshold (5): then prepared as _pg3_0
            assert conn.execute("SELECT %s::int * 2", (i,)).fetchone() == (2 * i,)
        with conn.transaction():
            conn.execute("SET LOCAL statement_timeout = '5s'")
            conn.execute("SELECT pg_advisory_xact_lock(7)")
            conn.execute("CREATE TEMP TABLE scratch (id int) ON COMMIT DROP")
            conn.execute("INSERT INTO scratch VALUES (1)")
    result = proxy.stop()
    assert result.returncode == 1, result.stderr
    codes = by_code(result.findings)
    assert set(codes) == {"PIN101", "PIN121", "PIN151", "PIN152", "PIN301"}, result.summary  # PIN152: the unlock, in its own transaction
    assert codes["PIN101"][0]["sql"] == "SET search_path TO public"
    assert codes["PIN101"][0]["client"]["application_name"] == "psycopg3-app"
    assert codes["PIN301"][0]["count"] == 1 and "`_pg3_N`" in codes["PIN301"][0]["message"]
    sent = reported_sql(result.findings)
    assert "SET LOCAL" not in sent and "xact_lock" not in sent and "ON COMMIT DROP" not in sent
    assert "1 of 1 sessions would break or leak state (100%)" in result.summary


def test_rds_proxy_judges_transaction_blocks_too(start_proxy, pg_server):
    import psycopg

    proxy = start_proxy("rds-proxy")
    with psycopg.connect(url(proxy, pg_server), prepare_threshold=None) as conn:  # not autocommit
        conn.execute("SET LOCAL work_mem = '8MB'")
        conn.execute("SELECT pg_advisory_xact_lock(8)")
        conn.execute("CREATE TEMP TABLE t_rds (id int) ON COMMIT DROP")
        conn.commit()
    result = proxy.stop()
    # AWS: any temporary table pins RDS Proxy, ON COMMIT DROP included; SET LOCAL and xact locks do not
    assert [f["code"] for f in result.findings] == ["PIN141"], result.summary
    assert "1 of 1 sessions would be pinned (100%); first cause per session: PIN141" in result.summary


def test_psycopg2(start_proxy, pg_server):
    import psycopg2

    proxy = start_proxy()
    conn = psycopg2.connect(url(proxy, pg_server), application_name="psycopg2-app")
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SET statement_timeout = %s", ("30s",))
            cur.execute("SELECT pg_try_advisory_lock(%s)", (99,))
            assert cur.fetchone() == (True,)
            cur.execute("SELECT pg_advisory_unlock_all()")
        conn.autocommit = False
        with conn.cursor() as cur:  # psycopg2 opens a transaction: SET LOCAL ends with it
            cur.execute("SET LOCAL lock_timeout = '1s'")
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (5,))
        conn.commit()
    finally:
        conn.close()
    result = proxy.stop()
    codes = by_code(result.findings)
    assert set(codes) == {"PIN101", "PIN151", "PIN152"}, result.summary  # PIN152: unlock_all, in its own transaction
    assert codes["PIN101"][0]["sql"] == "SET statement_timeout = '30s'"  # the text sent, with the value


async def _asyncpg_session(dsn, **kwargs):
    import asyncpg

    conn = await asyncpg.connect(dsn, **kwargs)
    try:
        await conn.execute("DROP TYPE IF EXISTS proxy_mood; CREATE TYPE proxy_mood AS ENUM ('ok', 'sad')")
        assert await conn.fetchval("SELECT 'sad'::proxy_mood") == "sad"  # a type asyncpg must introspect
        assert await conn.fetchval("SELECT $1::int + 1", 41) == 42
        async with conn.transaction():
            await conn.execute("SET LOCAL work_mem = '4MB'")
            await conn.execute("SELECT pg_advisory_xact_lock(11)")
    finally:
        await conn.close()


def test_asyncpg_statement_cache_and_jit_toggle(start_proxy, pg_server):
    proxy = start_proxy()
    asyncio.run(_asyncpg_session(url(proxy, pg_server)))
    result = proxy.stop()
    codes = by_code(result.findings)
    assert set(codes) == {"PIN104", "PIN302"}, result.summary
    (jit,) = codes["PIN104"]
    assert "sets jit for the session" in jit["message"] and "set_config('jit', 'off', false)" in jit["sql"]
    assert "`__asyncpg_stmt_N__`" in codes["PIN302"][0]["message"]


def test_asyncpg_without_statement_cache_still_toggles_jit(start_proxy, pg_server):
    proxy = start_proxy()
    asyncio.run(_asyncpg_session(url(proxy, pg_server), statement_cache_size=0))
    result = proxy.stop()
    assert "PIN104" in by_code(result.findings), result.summary  # what static analysis cannot see


def test_sqlalchemy_asyncpg(start_proxy, pg_server):
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    async def main(dsn):
        engine = create_async_engine(dsn)
        try:
            async with engine.begin() as conn:
                await conn.execute(text("DROP TYPE IF EXISTS sa_mood"))
                await conn.execute(text("CREATE TYPE sa_mood AS ENUM ('a', 'b')"))
            async with engine.connect() as conn:
                assert (await conn.execute(text("SELECT 'b'::sa_mood"))).scalar() == "b"
                await conn.execute(text("SELECT set_config('app.tenant', 't1', true)"))
                await conn.commit()
        finally:
            await engine.dispose()

    proxy = start_proxy()
    asyncio.run(main(url(proxy, pg_server, "postgresql+asyncpg")))
    result = proxy.stop()
    codes = by_code(result.findings)
    assert set(codes) == {"PIN104", "PIN302"}, result.summary  # set_config(..., true) is fine
    assert "jit" in codes["PIN104"][0]["message"]


# ---- results are the same with and without the proxy -------------------------------------------------


def _workload(dsn):
    import psycopg

    out = {}
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as conn:
        notices = []
        conn.add_notice_handler(lambda d: notices.append(d.message_primary))
        out["rows"] = conn.execute("SELECT g, md5(g::text), g * 1.5, now() - now(), repeat('x', g % 97) "
                                   "FROM generate_series(1, 50000) g").fetchall()
        out["binary"] = conn.cursor(binary=True).execute(
            "SELECT g::bigint, g::numeric / 7, ARRAY[g, -g], '{\"a\": 1}'::jsonb FROM generate_series(1, 2000) g"
        ).fetchall()
        with conn.cursor().copy("COPY (SELECT g, g::text FROM generate_series(1, 20000) g) TO STDOUT") as copy:
            out["copy_out"] = b"".join(bytes(b) for b in copy)
        conn.execute("CREATE TEMP TABLE copied (a int, b text)")
        with conn.cursor().copy("COPY copied FROM STDIN") as copy:
            for i in range(5000):
                copy.write_row((i, f"row {i}"))
        out["copy_in"] = conn.execute("SELECT count(*), sum(a), max(b) FROM copied").fetchone()
        conn.execute("DO $$ BEGIN RAISE NOTICE 'hello from plpgsql'; END $$")
        out["notices"] = notices
        try:
            conn.execute("SELECT 1 / 0")
        except psycopg.errors.DivisionByZero as exc:
            out["error"] = (exc.sqlstate, str(exc))
        out["after_error"] = conn.execute("SELECT 'still fine'").fetchone()
    return out


def test_results_equal_with_and_without_the_proxy(start_proxy, pg_server):
    proxy = start_proxy()
    direct = _workload(pg_server.dsn)
    proxied = _workload(url(proxy, pg_server))
    assert proxied == direct
    assert direct["copy_in"] == (5000, sum(range(5000)), "row 999")
    assert direct["error"][0] == "22012" and direct["notices"] == ["hello from plpgsql"]
    assert isinstance(direct["binary"][0][1], Decimal)
    result = proxy.stop()
    assert [f["code"] for f in result.findings] == ["PIN141"], result.summary  # the temp table, nothing else


# ---- a client killed mid-query ---------------------------------------------------------------------


KILLED_CLIENT = '''
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True, application_name="doomed") as conn:
    print("connected", flush=True)
    conn.execute("SELECT pg_sleep(60)")
'''


def test_a_killed_client_leaves_the_proxy_serving_others(start_proxy, pg_server):
    import psycopg

    proxy = start_proxy()
    doomed = subprocess.Popen([sys.executable, "-c", KILLED_CLIENT, url(proxy, pg_server)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert doomed.stdout.readline().strip() == "connected"
        with psycopg.connect(pg_server.dsn, autocommit=True) as direct:
            deadline = time.monotonic() + 20
            while not direct.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'doomed' "
                                     "AND state = 'active'").fetchone()[0]:
                assert time.monotonic() < deadline, "the doomed query never started"
                time.sleep(0.05)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(10)
        with psycopg.connect(url(proxy, pg_server), autocommit=True, prepare_threshold=None) as conn:
            assert conn.execute("SELECT 'served'").fetchone() == ("served",)
            conn.execute("LISTEN after_kill")
        assert proxy.alive()
    finally:
        if doomed.poll() is None:
            doomed.kill()
        with psycopg.connect(pg_server.dsn, autocommit=True) as direct:  # the server still sleeps for it
            direct.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'doomed'")
    result = proxy.stop()
    assert result.returncode == 1 and [f["code"] for f in result.findings] == ["PIN121"]
    assert "2 client sessions" in result.summary


# ---- the pytest plugin (Django; SQLAlchemy with DATABASE_URL) -----------------------------------------


def _plugin_args():
    """Load the plugin: through its entry point when pinlint is installed with it, else by module name."""
    eps = importlib.metadata.entry_points(group="pytest11")
    if any(ep.value == "pinlint.proxy.pytest_plugin" for ep in eps):
        return []
    return ["-p", "pinlint.proxy.pytest_plugin"]


DJANGO_CONFTEST = '''
import os

import django
from django.conf import settings

# read when the settings are configured, as a settings module would: the plugin has rewritten them by now
settings.configure(
    DATABASES={"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "postgres", "USER": "postgres",
                           "HOST": os.environ["PGHOST"], "PORT": os.environ["PGPORT"]}},
    TIME_ZONE="UTC", USE_TZ=True, INSTALLED_APPS=[],
)
django.setup()
'''

DJANGO_TEST = '''
from django.db import connection


def test_query():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('TimeZone')")
        assert cursor.fetchone() == ("UTC",)
'''


def _run_pytest(tmp_path, files, args, env):
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *_plugin_args(), *args],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "DATABASE_URL", "PINLINT_PROXY"))}
    env.update(extra)
    return env


def test_pytest_plugin_with_django(pg_server, tmp_path):
    files = {"conftest.py": DJANGO_CONFTEST, "test_app.py": DJANGO_TEST}
    env = _env(PGHOST=pg_server.host, PGPORT=str(pg_server.port))
    r = _run_pytest(tmp_path, files, ["--pinlint-proxy", "--pinlint-proxy-report", "report.json"], env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "= pinlint =" in r.stdout and "1 passed" in r.stdout
    # Django's connection setup: set_config('TimeZone', 'UTC', false), the server's zone being another
    assert "PIN104 `set_config(..., false)` sets timezone for the session" in r.stdout, r.stdout
    assert "pinlint proxy: 127.0.0.1:" in r.stdout  # the report header names the proxy
    import json

    assert [f["code"] for f in json.loads((tmp_path / "report.json").read_text())] == ["PIN104"]
    strict = _run_pytest(tmp_path, files, ["--pinlint-proxy-strict"], env)
    assert strict.returncode == 1 and "1 passed" in strict.stdout and "failing the run" in strict.stdout


SQLALCHEMY_TEST = '''
import os

from sqlalchemy import create_engine, text

ENGINE = create_engine(os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1))


def test_repeated_query():
    with ENGINE.connect() as conn:
        for i in range(8):
            assert conn.execute(text("SELECT :i * 3"), {"i": i}).scalar() == 3 * i
'''


def test_pytest_plugin_with_sqlalchemy_and_database_url(pg_server, tmp_path):
    env = _env(DATABASE_URL=pg_server.dsn + "?application_name=sa-tests")
    args = ["--pinlint-proxy", "--pinlint-proxy-target", "pgbouncer"]
    r = _run_pytest(tmp_path, {"test_sa.py": SQLALCHEMY_TEST}, args, env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PIN301 Named prepared statement `_pg3_N`" in r.stdout, r.stdout
    assert "first from application_name 'sa-tests'" in r.stdout


def test_pytest_plugin_is_off_unless_asked(pg_server, tmp_path):
    env = _env(PGHOST=pg_server.host, PGPORT=str(pg_server.port))
    r = _run_pytest(tmp_path, {"conftest.py": DJANGO_CONFTEST, "test_app.py": DJANGO_TEST}, [], env)
    assert r.returncode == 0 and "1 passed" in r.stdout, r.stdout
    assert "= pinlint =" not in r.stdout and "pinlint proxy" not in r.stdout  # no proxy, no section
