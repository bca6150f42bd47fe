"""The observer on known cases: proves the oracle before anything relies on it."""

from __future__ import annotations

import pytest

from ._gate import require

pytestmark = pytest.mark.live
require(modules=("psycopg", "pymysql"), module_level=True)

import psycopg  # noqa: E402

from .observe import observe_mysql, observe_pg, pool_servers, reset_pool  # noqa: E402


# --------------------------------------------------------------------------
# the servers themselves


def test_pgbouncer_pool_has_exactly_one_server_connection(pgbouncer_tx):
    reset_pool(pgbouncer_tx)
    a = psycopg.connect(pgbouncer_tx.dsn, autocommit=True, prepare_threshold=None)
    b = psycopg.connect(pgbouncer_tx.dsn, autocommit=True, prepare_threshold=None)
    with a, b:
        pid_a = a.execute("SELECT pg_backend_pid()").fetchone()[0]
        pid_b = b.execute("SELECT pg_backend_pid()").fetchone()[0]
        assert pid_a == pid_b
        servers_ = [s for s in pool_servers(pgbouncer_tx) if s["database"] == pgbouncer_tx.dbname]
        assert len(servers_) == 1 and servers_[0]["remote_pid"] == pid_a


def test_server_default_timezone_is_not_utc(pg_server):
    with psycopg.connect(pg_server.dsn, autocommit=True) as c:
        assert c.execute("SHOW TimeZone").fetchone()[0] == pg_server.timezone != "UTC"


def test_mariadb_is_up(mariadb):
    import pymysql

    with pymysql.connect(**mariadb.connect_kwargs()) as c, c.cursor() as cur:
        cur.execute("SELECT DATABASE(), @@port")
        assert cur.fetchone() == (mariadb.database, mariadb.port)


# --------------------------------------------------------------------------
# PostgreSQL through the transaction-mode PgBouncer


def test_set_search_path_is_session_scoped(pgbouncer_tx):
    obs = observe_pg("SET search_path TO foo", bouncer=pgbouncer_tx)
    assert obs.error is None, obs
    assert obs.same_backend, obs
    assert obs.session_scoped, obs
    assert obs.mentions("search_path"), obs


def test_set_local_search_path_is_not(pgbouncer_tx):
    obs = observe_pg("SET LOCAL search_path TO foo", bouncer=pgbouncer_tx)
    assert not obs.session_scoped, obs


def test_set_time_zone_is_tracked_by_pgbouncer(pgbouncer_tx):
    obs = observe_pg("SET TIME ZONE 'UTC'", bouncer=pgbouncer_tx)
    tz = {n: s for n, s, _ in obs.baseline["settings"]}["TimeZone"]
    assert tz != "UTC"  # the server default differs, so a leak would show
    assert obs.error is None, obs
    assert not obs.session_scoped, obs
    # A itself does see UTC: the SET ran on the shared backend, PgBouncer
    # re-applies B's TimeZone before handing B the server.
    assert any("visible to A only" in n and "TimeZone" in n for n in obs.notes), obs
    assert {n: s for n, s, _ in obs.after["settings"]}["TimeZone"] == tz


def test_untracked_setting_leaks_while_tracked_does_not(pgbouncer_tx):
    obs = observe_pg("SET TIME ZONE 'UTC'; SET statement_timeout = '17s'", bouncer=pgbouncer_tx)
    assert obs.mentions("statement_timeout"), obs
    assert not obs.mentions("TimeZone"), obs


def test_application_name_is_reapplied_only_for_clients_that_sent_one(pgbouncer_tx):
    # PgBouncer 1.18 re-applies a tracked parameter only when B has a value for
    # it: B sent application_name at startup -> restored; B sent none (and the
    # server default is '') -> A's value leaks to B.
    tracked = observe_pg("SET application_name = 'a'", bouncer=pgbouncer_tx,
                         b_connect={"application_name": "b"})
    assert not tracked.session_scoped, tracked
    leaked = observe_pg("SET application_name = 'a'", bouncer=pgbouncer_tx)
    assert leaked.mentions("application_name = 'a'"), leaked


def test_intervalstyle_is_not_tracked_by_pgbouncer_1_18(pgbouncer_tx):
    # IntervalStyle is tracked only from 1.20 (track_extra_parameters)
    obs = observe_pg("SET IntervalStyle = 'iso_8601'", bouncer=pgbouncer_tx)
    assert obs.mentions("IntervalStyle"), obs


def test_custom_setting_placeholder_is_session_scoped(pgbouncer_tx):
    # custom placeholders (RLS tenant ids) are not listed in pg_settings
    obs = observe_pg("SELECT set_config('app.tenant_id', '42', false)", bouncer=pgbouncer_tx)
    assert obs.mentions("app.tenant_id"), obs
    local = observe_pg("SELECT set_config('app.tenant_id', '42', true)", bouncer=pgbouncer_tx)
    assert not local.session_scoped, local


def test_advisory_lock_is_session_scoped(pgbouncer_tx):
    obs = observe_pg("SELECT pg_advisory_lock(1)", bouncer=pgbouncer_tx)
    assert obs.session_scoped and obs.mentions("advisory lock"), obs


def test_advisory_xact_lock_is_not(pgbouncer_tx):
    obs = observe_pg("SELECT pg_advisory_xact_lock(1)", bouncer=pgbouncer_tx)
    assert not obs.session_scoped, obs


def test_prepare_is_session_scoped(pgbouncer_tx):
    obs = observe_pg("PREPARE q AS SELECT 1", bouncer=pgbouncer_tx, followup="EXECUTE q")
    assert obs.mentions("prepared statement left behind: q (SQL PREPARE)"), obs
    assert obs.followup_error and 'prepared statement "q" does not exist' in obs.followup_error, obs


def test_deallocate_changes_session_state(pgbouncer_tx):
    obs = observe_pg("DEALLOCATE q", setup="PREPARE q AS SELECT 1", bouncer=pgbouncer_tx)
    assert obs.mentions("prepared statement gone: q"), obs


def test_listen_is_session_scoped(pgbouncer_tx):
    obs = observe_pg("LISTEN ch", bouncer=pgbouncer_tx)
    assert obs.mentions("LISTEN channel left behind: ch"), obs


def test_notify_is_not(pgbouncer_tx):
    obs = observe_pg("NOTIFY ch, 'x'", bouncer=pgbouncer_tx)
    assert not obs.session_scoped, obs


def test_temp_table_is_session_scoped(pgbouncer_tx):
    obs = observe_pg("CREATE TEMP TABLE t(a int)", bouncer=pgbouncer_tx)
    assert obs.mentions("temporary relation left behind: t "), obs


def test_temp_table_on_commit_drop_is_not(pgbouncer_tx):
    obs = observe_pg("CREATE TEMP TABLE t(a int) ON COMMIT DROP", bouncer=pgbouncer_tx)
    assert obs.error is None, obs
    assert not obs.session_scoped, obs


def test_cursor_with_hold_is_session_scoped(pgbouncer_tx):
    obs = observe_pg("BEGIN; DECLARE c CURSOR WITH HOLD FOR SELECT 1; COMMIT", bouncer=pgbouncer_tx)
    assert obs.error is None, obs
    assert obs.mentions("cursor left behind: c (WITH HOLD)"), obs


def test_cursor_without_hold_is_not(pgbouncer_tx):
    obs = observe_pg("BEGIN; DECLARE c CURSOR FOR SELECT 1; FETCH 1 FROM c; COMMIT", bouncer=pgbouncer_tx)
    assert obs.error is None, obs
    assert not obs.session_scoped, obs


def test_open_transaction_pins_the_server(pgbouncer_tx):
    obs = observe_pg("BEGIN; SELECT 1", bouncer=pgbouncer_tx)
    assert obs.mentions("open transaction"), obs


def test_set_role_is_session_scoped(pgbouncer_tx):
    obs = observe_pg("SET ROLE pinlint_r", setup="DO $$BEGIN CREATE ROLE pinlint_r; "
                     "EXCEPTION WHEN duplicate_object THEN NULL; END$$", bouncer=pgbouncer_tx)
    assert obs.mentions("current_user = 'pinlint_r'"), obs


def test_nextval_leaves_sequence_state_as_a_note(pgbouncer_tx):
    # the session's lastval/currval changes, but that only matters to a later currval()/lastval()
    # without its own nextval(), which PIN162 reports; so it is a note, not a residue
    obs = observe_pg("SELECT nextval('pinlint_seq')", setup="CREATE SEQUENCE IF NOT EXISTS pinlint_seq",
                     bouncer=pgbouncer_tx)
    assert not obs.session_scoped, obs
    assert any("lastval()" in n for n in obs.notes), obs


def test_currval_on_another_backend_fails(pgbouncer_tx):
    obs = observe_pg("SELECT nextval('pinlint_seq')", setup="CREATE SEQUENCE IF NOT EXISTS pinlint_seq",
                     bouncer=pgbouncer_tx, followup="SELECT currval('pinlint_seq')")
    assert obs.followup_error and "not yet defined in this session" in obs.followup_error, obs


def test_load_module_is_session_scoped(pgbouncer_tx):
    obs = observe_pg("LOAD 'auto_explain'", bouncer=pgbouncer_tx)
    if obs.error and "could not access file" in obs.error:
        pytest.skip("auto_explain not installed")
    assert obs.mentions("auto_explain."), obs


def test_discard_all_is_not(pgbouncer_tx):
    obs = observe_pg("DISCARD ALL", bouncer=pgbouncer_tx)
    assert not obs.session_scoped, obs


def test_observations_start_clean(pgbouncer_tx):
    observe_pg("SET search_path TO foo; SELECT pg_advisory_lock(7); LISTEN x", bouncer=pgbouncer_tx)
    obs = observe_pg("SELECT 1", bouncer=pgbouncer_tx)
    assert not obs.session_scoped, obs
    base = {n: s for n, s, _ in obs.baseline["settings"]}
    assert base["search_path"] == '"$user", public'
    assert obs.baseline["advisory_locks"] == [] and obs.baseline["listening"] == []


# --------------------------------------------------------------------------
# statement mode


def test_statement_mode_refuses_multi_statement_transaction(pgbouncer_stmt):
    reset_pool(pgbouncer_stmt)
    conn = psycopg.connect(pgbouncer_stmt.dsn, prepare_threshold=None)  # not autocommit: BEGIN first
    with conn:
        with pytest.raises(psycopg.Error, match="transaction blocks not allowed in statement pooling mode"):
            conn.execute("SELECT 1")
            conn.execute("SELECT 2")
        assert conn.closed or conn.broken  # PgBouncer closes the client connection
    reset_pool(pgbouncer_stmt)


def test_statement_mode_accepts_a_transaction_sent_as_one_query(pgbouncer_stmt):
    # PgBouncer 1.18 only looks at the transaction state at ReadyForQuery: a whole
    # BEGIN ...; COMMIT in one simple Query message passes, and a WITH HOLD
    # cursor it declares then outlives the transaction on the shared backend.
    obs = observe_pg("BEGIN; DECLARE c CURSOR WITH HOLD FOR SELECT 1; COMMIT", bouncer=pgbouncer_stmt)
    assert obs.error is None, obs
    assert obs.mentions("cursor left behind: c (WITH HOLD)"), obs


def test_statement_mode_open_transaction_is_refused(pgbouncer_stmt):
    obs = observe_pg("BEGIN; SELECT 1", bouncer=pgbouncer_stmt)
    assert obs.error and "transaction blocks not allowed in statement pooling mode" in obs.error, obs


def test_statement_mode_set_still_leaks(pgbouncer_stmt):
    obs = observe_pg("SET search_path TO foo", bouncer=pgbouncer_stmt)
    assert obs.mentions("search_path"), obs


# --------------------------------------------------------------------------
# MariaDB directly


def test_mysql_user_variable_is_session_scoped(mariadb):
    obs = observe_mysql("SET @x = 1", server=mariadb)
    assert obs.mentions("@x = '1'"), obs


def test_mysql_get_lock_is_session_scoped(mariadb):
    obs = observe_mysql("SELECT GET_LOCK('a', 0)", server=mariadb)
    assert obs.mentions("User lock 'a'"), obs


def test_mysql_select_is_not(mariadb):
    obs = observe_mysql("SELECT 1", server=mariadb)
    assert obs.error is None and not obs.session_scoped, obs


def test_mysql_sql_mode_is_session_scoped(mariadb):
    obs = observe_mysql("SET SESSION sql_mode = 'ANSI'", server=mariadb)
    assert obs.mentions("SQL_MODE"), obs


def test_mysql_temporary_table_is_session_scoped(mariadb):
    obs = observe_mysql("CREATE TEMPORARY TABLE tt (a int)", server=mariadb)
    assert obs.mentions("temporary table tt"), obs


def test_mysql_lock_tables_is_session_scoped(mariadb):
    obs = observe_mysql("LOCK TABLES lt WRITE", setup="CREATE TABLE IF NOT EXISTS lt (a int)", server=mariadb)
    assert obs.mentions("Table metadata lock pinlint.lt"), obs


def test_mysql_prepare_is_session_scoped(mariadb):
    obs = observe_mysql("PREPARE s FROM 'SELECT 1'", server=mariadb)
    assert obs.mentions("prepared statements: +1"), obs


def test_mysql_open_transaction_is_session_scoped(mariadb):
    obs = observe_mysql("START TRANSACTION", server=mariadb)
    assert obs.mentions("open transaction"), obs


def test_mysql_release_lock_undoes_get_lock(mariadb):
    obs = observe_mysql("SELECT GET_LOCK('a', 0); SELECT RELEASE_LOCK('a')", server=mariadb)
    assert not obs.session_scoped, obs
