"""The command line as users run it: formats, exit codes, selection, configuration, suppression."""

import json

import pytest

from tests.conftest import ROOT

LEAK = 'import psycopg\n\ndef f(conn):\n    conn.execute("SET search_path TO app")\n'
CLEAN = 'import psycopg\n\ndef f(conn):\n    conn.execute("SET LOCAL search_path TO app")\n'


def test_findings_exit_1_concise(run_pinlint, write):
    write("app.py", LEAK)
    r = run_pinlint("check", ".")
    assert r.returncode == 1, r.stderr
    first = r.stdout.splitlines()[0]
    assert first.startswith("app.py:4:19: PIN101 `SET search_path` lasts for the session")
    assert "pins the session under RDS Proxy" in first and "PgBouncer transaction mode" in first
    assert "Found 1 finding in 1 file." in r.stdout


def test_clean_exit_0(run_pinlint, write):
    write("app.py", CLEAN)
    r = run_pinlint("check")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "All checks passed!" in r.stdout


def test_exit_zero(run_pinlint, write):
    write("app.py", LEAK)
    assert run_pinlint("check", "--exit-zero").returncode == 0


def test_json_output(run_pinlint, write):
    write("app.py", LEAK)
    r = run_pinlint("check", "--output-format", "json")
    data = json.loads(r.stdout)
    assert len(data) == 1
    d = data[0]
    assert set(d) == {"code", "name", "message", "help", "severity", "filename", "location", "end_location",
                      "fix", "url", "targets"}
    assert d["code"] == "PIN101" and d["name"] == "set-session-parameter"
    assert d["location"] == {"row": 4, "column": 19}
    assert d["end_location"]["row"] == 4 and d["end_location"]["column"] > 19
    # any (the default): every target where the SET is a problem; PgDog tracks it
    assert d["targets"] == ["pgbouncer", "rds-proxy", "supavisor", "azure", "cloud-sql", "pgcat"]
    assert d["fix"] is None and d["url"].startswith("https://")
    assert "SET LOCAL" in d["help"]


def test_full_output_shows_source_and_help(run_pinlint, write):
    write("app.py", LEAK)
    r = run_pinlint("check", "--output-format", "full", "--no-color")
    assert 'conn.execute("SET search_path TO app")' in r.stdout
    assert "^^^" in r.stdout
    assert "help: Inside `with conn.transaction():` run `SET LOCAL search_path" in r.stdout


def test_target_changes_the_message(run_pinlint, write):
    write("app.py", LEAK)
    r = run_pinlint("check", "--target", "pgbouncer", "--output-format", "json")
    d = json.loads(r.stdout)[0]
    assert d["targets"] == ["pgbouncer"]
    assert "RDS Proxy" not in d["message"]
    write("tz.py", 'import psycopg\nconn = psycopg.connect("", prepare_threshold=None)\nconn.execute("SET TIME ZONE \'UTC\'")\n')
    r = run_pinlint("check", "--target", "pgbouncer", "tz.py")
    assert r.returncode == 0, r.stdout  # TimeZone is tracked by PgBouncer
    r = run_pinlint("check", "--target", "rds-proxy", "tz.py")
    assert r.returncode == 1 and "pins the session under RDS Proxy" in r.stdout


def test_stdin(run_pinlint):
    r = run_pinlint("check", "-", "--stdin-filename", "src/x.py", input=LEAK)
    assert r.returncode == 1
    assert r.stdout.startswith("src/x.py:4:19: PIN101")


def test_statistics(run_pinlint, write):
    write("a.py", LEAK)
    write("b.py", LEAK)
    r = run_pinlint("check", "--statistics")
    assert r.returncode == 1
    assert r.stdout.splitlines()[0].split("\t") == ["2", "PIN101", "set-session-parameter"]


def test_select_and_ignore(run_pinlint, write):
    write("app.py", LEAK)
    assert run_pinlint("check", "--ignore", "PIN101").returncode == 0
    assert run_pinlint("check", "--ignore", "PIN1").returncode == 0
    assert run_pinlint("check", "--select", "PIN000").returncode == 0
    assert run_pinlint("check", "--select", "PIN000", "--extend-select", "PIN10").returncode == 1
    # the more specific selector wins over a broader ignore
    assert run_pinlint("check", "--ignore", "PIN1", "--select", "PIN101").returncode == 1


@pytest.mark.parametrize("flag", ["--select", "--ignore", "--extend-select"])
def test_unknown_code_is_a_usage_error(run_pinlint, write, flag):
    write("app.py", LEAK)
    r = run_pinlint("check", flag, "PIN987")
    assert r.returncode == 2
    assert "PIN987" in r.stderr and flag in r.stderr


def test_missing_path_is_a_usage_error(run_pinlint):
    r = run_pinlint("check", "nope/")
    assert r.returncode == 2 and "nope/" in r.stderr


def test_config_file_is_read(run_pinlint, write):
    write("app.py", LEAK)
    write("pyproject.toml", '[tool.pinlint]\nignore = ["PIN101"]\n')
    assert run_pinlint("check").returncode == 0
    # the command line overrides the file
    assert run_pinlint("check", "--ignore", "PIN000").returncode == 1


def test_config_found_from_a_subdirectory(run_pinlint, write, tmp_path):
    write("pkg/app.py", LEAK)
    write("pinlint.toml", 'target = "pgbouncer"\n')
    r = run_pinlint("check", ".", "--output-format", "json", cwd=tmp_path / "pkg")
    assert json.loads(r.stdout)[0]["targets"] == ["pgbouncer"]


@pytest.mark.parametrize(
    "config, key",
    [
        ('[tool.pinlint]\ntarget = "pgbouncr"\n', "target"),
        ('[tool.pinlint]\nselect = "PIN1"\n', "select"),
        ('[tool.pinlint]\nselect = ["PIN987"]\n', "select"),
        ('[tool.pinlint]\nfrobnicate = 1\n', "frobnicate"),
        ('[tool.pinlint.pgbouncer]\npool-mode = "session"\n', "pgbouncer.pool-mode"),
        ('[tool.pinlint.pgbouncer]\nmax-prepared-statements = -1\n', "pgbouncer.max-prepared-statements"),
        ('[tool.pinlint.rds-proxy]\nidle-client-timeout = "30m"\n', "rds-proxy.idle-client-timeout"),
        ('[tool.pinlint\n', "invalid TOML"),
    ],
)
def test_bad_config_exits_2_naming_file_and_key(run_pinlint, write, config, key):
    write("app.py", LEAK)
    write("pyproject.toml", config)
    r = run_pinlint("check")
    assert r.returncode == 2
    assert "pyproject.toml" in r.stderr and key in r.stderr
    assert "Traceback" not in r.stderr


def test_noqa(run_pinlint, write):
    write("a.py", LEAK.replace('app")\n', 'app")  # noqa: PIN101\n'))
    write("b.py", LEAK.replace('app")\n', 'app")  # noqa\n'))
    write("c.py", LEAK.replace('app")\n', 'app")  # noqa: PIN2\n'))
    write("d.py", "# pinlint: noqa\n" + LEAK)
    r = run_pinlint("check", "--output-format", "json")
    # PIN2 suppresses nothing (no rule starts with it): the finding stays and PIN010 reports the comment
    assert [(d["filename"], d["code"]) for d in json.loads(r.stdout)] == [("c.py", "PIN101"), ("c.py", "PIN010")]


def test_noqa_on_the_line_where_the_call_starts(run_pinlint, write):
    write("a.py", 'import psycopg\n\ndef f(conn):\n    conn.execute(  # noqa: PIN101\n        """\n        SET search_path TO app\n        """\n    )\n')
    assert run_pinlint("check").returncode == 0


def test_multiline_literal_points_at_the_statement(run_pinlint, write):
    write("a.py", 'import psycopg\n\ndef f(conn):\n    conn.execute("""\n        SELECT 1;\n        SET work_mem = \'1GB\'\n    """)\n')
    r = run_pinlint("check", "--output-format", "json")
    d = json.loads(r.stdout)[0]
    assert d["location"] == {"row": 6, "column": 9}


def test_per_file_ignores(run_pinlint, write):
    write("migrations/0001.py", LEAK)
    write("app.py", LEAK)
    write("pyproject.toml", '[tool.pinlint]\nper-file-ignores = { "migrations/*" = ["PIN1"] }\n')
    r = run_pinlint("check", "--output-format", "json")
    assert [d["filename"] for d in json.loads(r.stdout)] == ["app.py"]


def test_default_and_extend_excludes(run_pinlint, write):
    write(".venv/lib/x.py", LEAK)
    write("build/x.py", LEAK)
    write("legacy/x.py", LEAK)
    write("src/x.py", LEAK)
    r = run_pinlint("check", "--extend-exclude", "legacy", "--output-format", "json")
    assert [d["filename"] for d in json.loads(r.stdout)] == ["src/x.py"]
    # a file named explicitly is checked unless --force-exclude
    assert run_pinlint("check", "legacy/x.py", "--extend-exclude", "legacy").returncode == 1
    assert run_pinlint("check", "legacy/x.py", "--extend-exclude", "legacy", "--force-exclude").returncode == 0


def test_bad_files_do_not_stop_the_run(run_pinlint, write):
    write("a_syntax.py", "import psycopg\ndef f(:\n    conn.execute('SET search_path TO app')\n")
    write("b_latin1.py", b"# -*- coding: ascii -*-\nimport psycopg\nconn.execute('SET search_path TO caf\xc3\xa9')\n")
    write("c_nul.py", b"import psycopg\x00\nconn.execute('SET x TO 1')\n")
    write("d_ok.py", LEAK)
    write("e_empty.py", "")
    r = run_pinlint("check", "--output-format", "json")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    got = [(d["filename"], d["code"]) for d in json.loads(r.stdout)]
    assert got == [("a_syntax.py", "PIN000"), ("b_latin1.py", "PIN000"), ("c_nul.py", "PIN000"),
                   ("d_ok.py", "PIN101")]


def test_coding_cookie_is_honoured(run_pinlint, write):
    write("a.py", "# -*- coding: latin-1 -*-\nimport psycopg\nconn = psycopg.connect('', prepare_threshold=None)\nconn.execute('SET search_path TO caf\xe9')\n",
          encoding="latin-1")
    r = run_pinlint("check", "--output-format", "json")
    assert [d["code"] for d in json.loads(r.stdout)] == ["PIN101"]


def test_jobs_do_not_change_output(run_pinlint, write):
    for i in range(40):
        write(f"m{i:02}.py", LEAK if i % 3 else CLEAN)
    one = run_pinlint("check", "--jobs", "1", "--no-cache")
    two = run_pinlint("check", "--jobs", "2", "--pool-bytes", "0", "--no-cache")
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout and one.stdout.count("PIN101") == 26


def test_rule_docs(run_pinlint):
    r = run_pinlint("rule", "PIN101")
    assert r.returncode == 0
    for title in ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety", "References"):
        assert f"## {title}" in r.stdout
    by_name = run_pinlint("rule", "set-session-parameter")
    assert by_name.stdout == r.stdout
    data = json.loads(run_pinlint("rule", "PIN101", "--json").stdout)
    assert data["code"] == "PIN101" and data["references"]
    bad = run_pinlint("rule", "PIN987")
    assert bad.returncode == 2 and "PIN987" in bad.stderr


def test_rules_table(run_pinlint):
    r = run_pinlint("rules")
    assert r.returncode == 0
    assert any(line.startswith("PIN101  set-session-parameter") for line in r.stdout.splitlines())
    assert {d["code"] for d in json.loads(run_pinlint("rules", "--json").stdout)} >= {"PIN000", "PIN101"}


def test_example_project(run_pinlint):
    risky = run_pinlint("check", "--output-format", "full", "--no-color", "examples/pinning_app", cwd=ROOT)
    assert risky.returncode == 1, risky.stderr
    assert "help:" in risky.stdout
    clean = run_pinlint("check", "examples/clean_app", cwd=ROOT)
    assert clean.returncode == 0, clean.stdout
