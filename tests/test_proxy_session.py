"""pinlint.proxy.session / judge / report: what a session sent, judged with pinlint's rules (no network)."""

from __future__ import annotations

import json

import pytest

from pinlint.proxy import session as session_mod
from pinlint.proxy.judge import Judge
from pinlint.proxy.report import Collector
from pinlint.proxy.session import Session

from proxy_messages import bind, msg, parse, query


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        self.now += 1
        return self.now


@pytest.fixture(scope="module")
def judges(tmp_path_factory):
    cfg = tmp_path_factory.mktemp("cfg") / "pinlint.toml"
    cfg.write_text('[pgbouncer]\npool-mode = "statement"\n')
    # "both": the two targets these tests were written for (any is every target: tests/test_targets.py)
    return {"both": Judge("pgbouncer,rds-proxy"), "pgbouncer": Judge("pgbouncer"), "rds-proxy": Judge("rds-proxy"),
            "statement": Judge("pgbouncer", str(cfg))}


class Run:
    """Sessions fed hand-built protocol bytes."""

    def __init__(self, judge: Judge) -> None:
        self.judge = judge
        self.collector = Collector(judge.targets.names, judge.pool_mode, clock=Clock())
        self.n = 0

    def session(self, *params, peer="127.0.0.1:5000") -> Session:
        self.n += 1
        s = Session(self.n, peer, self.judge, self.collector)
        s.start(params or (("user", "app"), ("database", "app")))
        s.ready("I")
        return s

    def codes(self):
        return sorted(f["code"] for f in self.collector.findings())


def simple(s: Session, *sqls: str, status="I") -> None:
    for sql in sqls:
        s.client_bytes(query(sql))
        s.ready(status)


def test_session_set_is_reported_with_check_keys(judges):
    run = Run(judges["both"])
    s = run.session(("user", "app"), ("application_name", "api"))
    simple(s, "SET search_path TO app, public")
    s.close()
    (f,) = run.collector.findings()
    assert f["code"] == "PIN101" and f["name"] == "set-session-parameter"
    assert f["message"].startswith("`SET search_path` lasts for the session")
    assert set(f) >= {"code", "name", "message", "help", "severity", "fix", "url", "targets", "sql", "count",
                      "first_seen", "client"}
    assert f["sql"] == "SET search_path TO app, public" and f["count"] == 1
    assert f["client"] == {"application_name": "api", "peer": "127.0.0.1:5000"}
    assert f["targets"] == ["pgbouncer", "rds-proxy"]
    assert f["first_seen"].endswith("Z")


def test_each_statement_of_a_multi_statement_query(judges):
    run = Run(judges["both"])
    s = run.session()
    simple(s, "SELECT 1; LISTEN jobs; SELECT pg_advisory_lock(42); SET LOCAL work_mem = '1MB'")
    assert run.codes() == ["PIN121", "PIN151"]


def test_transaction_safe_sql_inside_a_transaction_block(judges):
    run = Run(judges["pgbouncer"])
    s = run.session()
    s.client_bytes(query("BEGIN"))
    s.ready("T")
    simple(s, "SET LOCAL statement_timeout = '5s'", "SELECT pg_advisory_xact_lock(7)",
           "CREATE TEMP TABLE scratch (id int) ON COMMIT DROP", "INSERT INTO scratch VALUES (1)",
           "SELECT currval(pg_get_serial_sequence('t', 'id'))", status="T")
    simple(s, "COMMIT")
    assert run.codes() == []


def test_currval_without_the_insert_in_its_transaction(judges):
    run = Run(judges["pgbouncer"])
    s = run.session()
    simple(s, "INSERT INTO t (v) VALUES (1)", "SELECT currval('t_id_seq')")  # two transactions (autocommit)
    assert run.codes() == ["PIN162"]


def test_rds_proxy_pins_on_a_temp_table_even_on_commit_drop(judges):
    run = Run(judges["rds-proxy"])
    s = run.session()
    s.client_bytes(query("BEGIN; CREATE TEMP TABLE x (a int) ON COMMIT DROP; COMMIT"))
    s.ready("I")
    assert run.codes() == ["PIN141"]  # AWS: temporary tables pin, ON COMMIT DROP included


def test_cursor_context_spans_the_transaction_block(judges):
    """Statement mode: a WITHOUT HOLD cursor breaks unless it is used in the same transaction. Inside
    a transaction block the FETCH in a later message counts."""
    run = Run(judges["statement"])
    s = run.session()
    s.client_bytes(query("BEGIN"))
    s.ready("T")
    simple(s, "DECLARE c CURSOR FOR SELECT 1", "FETCH 10 FROM c", "CLOSE c", status="T")
    simple(s, "COMMIT")
    assert run.codes() == []
    simple(s, "DECLARE d CURSOR FOR SELECT 1")  # alone in its (implicit) transaction
    assert run.codes() == ["PIN131"]


def test_set_config_jit_names_jit(judges):
    run = Run(judges["both"])
    s = run.session()
    s.client_bytes(parse("", "SELECT current_setting('jit') AS cur, set_config('jit', 'off', false) AS new")
                   + bind("", "") + msg(b"E", b"\0\0\0\0\0") + msg(b"S", b""))
    s.ready("I")
    (f,) = run.collector.findings()
    assert f["code"] == "PIN104" and "sets jit for the session" in f["message"]


@pytest.mark.parametrize("name, code, shown", [
    ("_pg3_{}", "PIN301", "`_pg3_N`"),
    ("__asyncpg_stmt_{:x}a__", "PIN302", "`__asyncpg_stmt_N__`"),  # asyncpg counts in hex
    ("s{}", "PIN303", "`sN`"),
])
def test_named_prepared_statements(judges, name, code, shown):
    run = Run(judges["both"])
    s = run.session()
    for i in range(3):
        s.client_bytes(parse(name.format(i + 9), "SELECT $1") + msg(b"S", b""))
        s.ready("I")
    (f,) = run.collector.findings()
    assert f["code"] == code and shown in f["message"] and f["count"] == 3 and f["sessions"] == 1
    assert f["targets"] == ["pgbouncer"] and f["sql"] == "SELECT $1"


def test_unnamed_parse_is_fine(judges):
    run = Run(judges["both"])
    s = run.session()
    s.client_bytes(parse("", "SELECT $1") + bind("", "") + msg(b"S", b""))
    s.ready("I")
    assert run.codes() == []


def test_named_statement_closed_in_its_transaction_is_fine(judges):
    run = Run(judges["pgbouncer"])
    s = run.session()
    s.client_bytes(query("BEGIN"))
    s.ready("T")
    s.client_bytes(parse("__asyncpg_stmt_2__", "SELECT 1") + msg(b"S", b""))
    s.ready("T")
    s.client_bytes(bind("", "__asyncpg_stmt_2__") + msg(b"C", b"S__asyncpg_stmt_2__\0") + msg(b"S", b""))
    s.ready("T")
    simple(s, "COMMIT")
    assert run.codes() == []


def test_bind_of_a_named_statement_runs_its_sql_again(judges):
    run = Run(judges["rds-proxy"])
    s = run.session()
    s.client_bytes(parse("_pg3_0", "SELECT pg_advisory_lock($1)") + msg(b"S", b""))
    s.ready("I")
    for _ in range(4):
        s.client_bytes(bind("", "_pg3_0") + msg(b"E", b"\0\0\0\0\0") + msg(b"S", b""))
        s.ready("I")
    (f,) = run.collector.findings()  # PIN301 is not reported for RDS Proxy
    assert f["code"] == "PIN151" and f["count"] == 4


def test_max_prepared_statements_makes_named_statements_fine(tmp_path):
    cfg = tmp_path / "pinlint.toml"
    cfg.write_text("[pgbouncer]\nmax-prepared-statements = 200\n")
    run = Run(Judge("pgbouncer", str(cfg)))
    s = run.session()
    s.client_bytes(parse("_pg3_0", "SELECT 1") + msg(b"S", b""))
    s.ready("I")
    assert run.codes() == []


def test_startup_parameters(judges):
    run = Run(judges["both"])
    run.session(("user", "app"), ("database", "app"), ("application_name", "x"), ("client_encoding", "UTF8"),
                ("TimeZone", "UTC"), ("options", "-c search_path=app"), ("jit", "off"), ("_pq_.foo", "1"))
    by_target = {(f["code"], tuple(f["targets"])) for f in run.collector.findings()}
    assert by_target == {("PIN308", ("pgbouncer", "rds-proxy")), ("PIN308", ("pgbouncer",))}
    messages = " ".join(f["message"] for f in run.collector.findings())
    assert "`options=-c search_path=app`" in messages and "`jit`" in messages
    assert all(f["sql"] is None for f in run.collector.findings())


def test_options_with_tracked_parameters_only_refused_by_rds_proxy(judges):
    run = Run(judges["both"])
    run.session(("user", "app"), ("options", "-c TimeZone=UTC"))
    (f,) = run.collector.findings()
    assert f["targets"] == ["rds-proxy"]


def test_select_and_ignore_from_the_configuration(tmp_path):
    cfg = tmp_path / "pinlint.toml"
    cfg.write_text('ignore = ["PIN101"]\n')
    run = Run(Judge("pgbouncer,rds-proxy", str(cfg)))
    simple(run.session(), "SET search_path TO app", "LISTEN x")
    assert run.codes() == ["PIN121"]


def test_counts_sessions_and_first_client(judges):
    run = Run(judges["both"])
    a = run.session(("user", "u"), ("application_name", "first"), peer="127.0.0.1:1")
    b = run.session(("user", "u"), ("application_name", "second"), peer="127.0.0.1:2")
    simple(a, "SET search_path TO a", "SET search_path TO b")
    simple(b, "SET search_path TO c")
    (f,) = run.collector.findings()
    assert (f["count"], f["sessions"], f["sql"]) == (3, 2, "SET search_path TO a")
    assert f["client"]["application_name"] == "first"


def test_summary_shares_and_backend_connections(judges):
    run = Run(judges["both"])
    pinned = run.session()
    simple(pinned, "SET search_path TO app")  # pinned from here on
    busy = run.session()
    busy.client_bytes(query("BEGIN"))
    busy.ready("T")  # in a transaction: needs a backend now
    idle = run.session()
    idle.client_bytes(query("LISTEN jobs"))
    idle.ready("I")
    for s in (pinned, busy, idle):
        s.close()
    c = run.collector
    assert (c.sessions, c.peak_open) == (3, 3)
    assert c.peak_backends == 3  # two pinned sessions + one in a transaction
    text = c.summary("report.json")
    assert "3 client sessions (at most 3 at once)" in text
    assert "2 of 3 sessions would be pinned (67%); first cause per session: PIN101 set-session-parameter 1, " \
           "PIN121 listen 1" in text
    assert "backend connections needed: at most 3 at once" in text
    assert "PgBouncer (transaction mode):" in text and "2 of 3 sessions would break or leak state" in text
    assert text.endswith("Report: report.json")
    assert c.exit_code == 1


def test_no_findings_summary_and_exit_code(judges):
    run = Run(judges["rds-proxy"])
    s = run.session()
    simple(s, "SELECT 1", "BEGIN; SET LOCAL work_mem = '1MB'; COMMIT")
    s.close()
    text = run.collector.summary()
    assert "0 of 1 sessions would be pinned" in text and "No findings." in text and "PgBouncer" not in text
    assert run.collector.exit_code == 0


def test_report_file_is_json(judges, tmp_path):
    run = Run(judges["both"])
    simple(run.session(), "LISTEN jobs")
    path = tmp_path / "out" / "report.json"
    run.collector.write(str(path))
    assert [f["code"] for f in json.loads(path.read_text())] == ["PIN121"]


def test_malformed_client_bytes_stop_inspection_not_traffic(judges):
    run = Run(judges["both"])
    s = run.session()
    s.client_bytes(b"Q\0\0\0\1garbage")  # length 1
    assert s.desynced
    s.client_bytes(query("SET search_path TO x"))  # no longer read
    s.ready("I")
    s.close()
    assert run.codes() == [] and "not inspected: 1 connection" in run.collector.summary()


def test_memory_per_session_is_bounded(judges, monkeypatch):
    monkeypatch.setattr(session_mod, "MAX_UNIT_TEXTS", 10)
    run = Run(judges["both"])
    s = run.session()
    s.client_bytes(query("BEGIN"))
    s.ready("T")
    for i in range(35):
        s.client_bytes(query(f"SELECT {i}"))
        assert len(s._texts) <= 10
    huge = "SELECT '" + "x" * (session_mod.SQL_CAP + 1000) + "'"
    s.client_bytes(query(huge))
    assert max(len(t) for t in s._texts) <= session_mod.SQL_CAP
    for i in range(session_mod.MAX_PREPARED + 50):
        s.client_bytes(parse(f"s{i}", "SELECT 1"))
    assert len(s._prepared) <= session_mod.MAX_PREPARED


def test_a_bug_in_judging_does_not_raise(judges, monkeypatch):
    run = Run(judges["both"])
    s = run.session()

    def boom(texts):
        raise RuntimeError("bug")

    monkeypatch.setattr(run.judge, "sql", boom)
    simple(s, "SET search_path TO x")
    s.close()
    assert run.collector.judging_failures == 1
