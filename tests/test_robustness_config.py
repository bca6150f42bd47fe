"""Bad configuration exits 2 naming the file, the key and what was expected; never a traceback."""

import pytest

LEAK = 'import psycopg\n\ndef f(conn):\n    conn.execute("SET search_path TO app")\n'


def assert_usage_error(r, *needles):
    assert r.returncode == 2, f"exit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout, r.stderr
    for needle in needles:
        assert needle in r.stderr, f"{needle!r} not in: {r.stderr}"
    assert len(r.stderr.strip().splitlines()) <= 4, r.stderr  # a message, not a dump


@pytest.mark.parametrize(
    "config, needles",
    [
        # malformed TOML
        ("[tool.pinlint\n", ["pyproject.toml", "invalid TOML"]),
        ('[tool.pinlint]\ntarget = "pgbouncer"\ntarget = "any"\n', ["pyproject.toml", "invalid TOML"]),
        ('[tool.pinlint]\nselect = ["PIN1"\n', ["pyproject.toml", "invalid TOML"]),
        # the table itself
        ('[tool]\npinlint = "yes"\n', ["pyproject.toml", "tool.pinlint", "expected a table"]),
        ('[tool]\npinlint = ["PIN1"]\n', ["pyproject.toml", "tool.pinlint", "expected a table"]),
        # wrong types
        ('[tool.pinlint]\ntarget = 1\n', ["target", "expected one of"]),
        ('[tool.pinlint]\ntarget = "pgbouncr"\n', ["target", "expected one of", "pgbouncer"]),
        ('[tool.pinlint]\nselect = "PIN1"\n', ["select", "expected a list of strings"]),
        ('[tool.pinlint]\nignore = [1, 2]\n', ["ignore", "expected a list of strings"]),
        ('[tool.pinlint]\nexclude = "build"\n', ["exclude", "expected a list of strings"]),
        ('[tool.pinlint]\nextend-exclude = [["a"]]\n', ["extend-exclude", "expected a list of strings"]),
        ('[tool.pinlint]\noutput-format = "xml"\n', ["output-format", "expected one of"]),
        ('[tool.pinlint]\nper-file-ignores = ["migrations/*"]\n', ["per-file-ignores", "expected a table"]),
        ('[tool.pinlint]\nper-file-ignores = "migrations/*"\n', ["per-file-ignores", "expected a table"]),
        ('[tool.pinlint.per-file-ignores]\n"migrations/*" = "PIN1"\n',
         ["per-file-ignores.migrations/*", "expected a list of strings"]),
        ('[tool.pinlint]\npgbouncer = "transaction"\n', ["pgbouncer", "expected a table"]),
        ('[tool.pinlint]\nrds-proxy = 30\n', ["rds-proxy", "expected a table"]),
        ('[tool.pinlint.pgbouncer]\ntrack-extra-parameters = "search_path"\n',
         ["pgbouncer.track-extra-parameters", "expected a list of strings"]),
        ('[tool.pinlint.pgbouncer]\nignore-startup-parameters = {a = 1}\n',
         ["pgbouncer.ignore-startup-parameters", "expected a list of strings"]),
        ('[tool.pinlint.pgbouncer]\nmax-prepared-statements = true\n',
         ["pgbouncer.max-prepared-statements", "expected an integer"]),
        ('[tool.pinlint.pgbouncer]\nmax-prepared-statements = 1.5\n',
         ["pgbouncer.max-prepared-statements", "expected an integer"]),
        ('[tool.pinlint.pgbouncer]\npool-mode = "session"\n', ["pgbouncer.pool-mode", "expected one of"]),
        ('[tool.pinlint.pgbouncer]\npoolmode = "transaction"\n', ["pgbouncer.poolmode", "unknown key"]),
        ('[tool.pinlint.rds-proxy]\nidle-client-timeout = 0\n', ["rds-proxy.idle-client-timeout", "expected an integer >= 1"]),
        ('[tool.pinlint.rds-proxy]\nexclude-variable-sets = "yes"\n', ["rds-proxy.exclude-variable-sets", "expected true or false"]),
        # unknown keys and rule codes
        ('[tool.pinlint]\nselct = ["PIN1"]\n', ["selct", "unknown key"]),
        ('[tool.pinlint]\nselect = ["PIN987"]\n', ["select", "PIN987"]),
        ('[tool.pinlint]\nignore = ["E501"]\n', ["ignore", "E501"]),
        ('[tool.pinlint]\nextend-select = ["pin1"]\n', ["extend-select", "pin1"]),
        ('[tool.pinlint]\nselect = [""]\n', ["select"]),
    ],
)
def test_bad_pyproject(run_pinlint, write, config, needles):
    write("app.py", LEAK)
    write("pyproject.toml", config)
    assert_usage_error(run_pinlint("check"), *needles)


def test_bad_pinlint_toml_and_not_utf8(run_pinlint, write):
    write("app.py", LEAK)
    write("pinlint.toml", 'target = ["pgbouncer", 1]\n')
    assert_usage_error(run_pinlint("check"), "pinlint.toml", "target", "expected one of")
    write("pinlint.toml", b'target = "any"\n# caf\xe9\n')
    assert_usage_error(run_pinlint("check"), "pinlint.toml")


def test_config_option_pointing_to_nothing_or_a_directory(run_pinlint, write, tmp_path):
    write("app.py", LEAK)
    assert_usage_error(run_pinlint("check", "--config", "missing.toml"), "missing.toml")
    (tmp_path / "conf.d").mkdir()
    assert_usage_error(run_pinlint("check", "--config", "conf.d"), "conf.d")


def test_config_option_with_bad_contents(run_pinlint, write):
    write("app.py", LEAK)
    write("custom.toml", "select = 'PIN1'\n")
    assert_usage_error(run_pinlint("check", "--config", "custom.toml"), "custom.toml", "select", "expected a list")
    write("sub/pyproject.toml", "tool = 1\n")
    assert_usage_error(run_pinlint("check", "--config", "sub/pyproject.toml"), "pyproject.toml")
    write("sub/pyproject.toml", "[tool]\npinlint = 1\n")
    assert_usage_error(run_pinlint("check", "--config", "sub/pyproject.toml"), "pyproject.toml", "tool.pinlint")


@pytest.mark.parametrize(
    "args, needles",
    [
        (["--target", "pgbouncr"], ["--target", "pgbouncr"]),
        (["--select", "PIN987"], ["--select", "PIN987"]),
        (["--ignore", "PIN1,XYZ"], ["--ignore", "XYZ"]),
        (["--extend-select", ","], []),
        (["--jobs", "0"], ["--jobs"]),
        (["--jobs", "many"], ["--jobs"]),
        (["--output-format", "yaml"], ["--output-format"]),
        (["--frobnicate"], ["--frobnicate"]),
        (["missing_dir/"], ["missing_dir/"]),
        (["-", "app.py"], []),  # standard input and files at once
    ],
)
def test_bad_command_line(run_pinlint, write, args, needles):
    write("app.py", LEAK)
    r = run_pinlint("check", *args, input="")
    if args == ["--extend-select", ","]:  # nothing selected on top: accepted
        assert r.returncode == 1 and "Traceback" not in r.stderr
        return
    assert_usage_error(r, *needles)


@pytest.mark.parametrize(
    "table, needles",
    [
        ('"migrations/*" = ["PIN9"]', ["per-file-ignores.migrations/*", "unknown rule code or prefix 'PIN9'"]),
        ('"migrations/*" = ["E501"]', ["per-file-ignores.migrations/*", "unknown rule code"]),
        ('"/abs/x.py" = ["PIN1"]', ["per-file-ignores./abs/x.py", "relative"]),
        ('"../x.py" = ["PIN1"]', ["per-file-ignores.../x.py", "'..'"]),
        ('"migrations/" = ["PIN1"]', ["per-file-ignores.migrations/", "'migrations/*'"]),
        ('"m[ab.py" = ["PIN1"]', ["per-file-ignores.m[ab.py", "unclosed '['"]),
        ('"" = ["PIN1"]', ["per-file-ignores.", "empty pattern"]),
    ],
)
def test_per_file_ignores_with_unknown_codes_or_bad_patterns(run_pinlint, write, table, needles):
    """Before: accepted silently (and then suppressed nothing)."""
    write("pyproject.toml", f"[tool.pinlint.per-file-ignores]\n{table}\n")
    write("ok.py", LEAK)
    assert_usage_error(run_pinlint("check"), "pyproject.toml", *needles)


def test_per_file_ignores_all_and_good_patterns(run_pinlint, write):
    write("pyproject.toml", '[tool.pinlint.per-file-ignores]\n"legacy/*" = ["ALL"]\n"m[ab].py" = ["PIN101"]\n')
    write("legacy/old.py", LEAK)
    write("ma.py", LEAK)
    write("ok.py", LEAK)
    r = run_pinlint("check", "--no-cache")
    assert r.returncode == 1 and r.stdout.count("PIN101") == 1 and "ok.py" in r.stdout, r.stdout
