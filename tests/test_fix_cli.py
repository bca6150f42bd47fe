"""``pinlint check --fix`` / ``--unsafe-fixes`` / ``--diff`` (issue 16): what is written, what is refused,
what is printed, exit codes; the fix in the json, sarif and full formats; a default run computes no fix."""

import json
import os
import stat

import pytest
from click.testing import CliRunner

from pinlint.cli import cli

CONNECT = 'import psycopg\n\nconn = psycopg.connect("host=pgbouncer dbname=app")\n'
CONNECT_FIXED = 'import psycopg\n\nconn = psycopg.connect("host=pgbouncer dbname=app", prepare_threshold=None)\n'
#: a safe fix (PIN301) and, inside a transaction block, an unsafe one (PIN101)
BOTH = '''import psycopg

conn = psycopg.connect("host=pgbouncer dbname=app")


def orders(tenant):
    with conn.transaction():
        conn.execute(f"SET search_path TO tenant_{tenant}")
        return conn.execute("SELECT 1").fetchall()
'''
#: a finding without a fix
LEFT = 'import psycopg\n\ndef f(conn):\n    conn.execute("LISTEN jobs")\n'


def _run(*args, input=None):
    r = CliRunner().invoke(cli, ["check", "--no-cache", "--jobs", "1", *args], input=input, catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_fix_writes_the_safe_fix_and_exits_0_when_nothing_is_left(project):
    (project / "app.py").write_text(CONNECT)
    code, out, _ = _run("--fix", "app.py")
    assert (project / "app.py").read_text() == CONNECT_FIXED
    assert code == 0, out
    assert "Fixed 1 finding in 1 file; all checks passed!" in out
    assert _run("app.py")[0] == 0
    # a second --fix changes nothing
    code, out, _ = _run("--fix", "app.py")
    assert code == 0 and "No fixes applied; all checks passed!" in out
    assert (project / "app.py").read_text() == CONNECT_FIXED


def test_unsafe_fixes_only_with_the_flag(project):
    (project / "app.py").write_text(BOTH)
    code, out, _ = _run("--fix", "app.py")
    after = (project / "app.py").read_text()
    assert "prepare_threshold=None" in after and "SET LOCAL" not in after
    assert code == 1  # PIN101 is left
    assert "app.py:8:22: PIN101" in out
    assert "Fixed 1 finding in 1 file; 1 left. 1 more can be fixed with `--unsafe-fixes`." in out
    code, out, _ = _run("--fix", "--unsafe-fixes", "app.py")
    assert code == 0, out
    assert 'conn.execute(f"SET LOCAL search_path TO tenant_{tenant}")' in (project / "app.py").read_text()


def test_fix_leaves_what_it_cannot_fix(project):
    (project / "app.py").write_text(LEFT)
    code, out, _ = _run("--fix", "app.py")
    assert code == 1 and "PIN121" in out and "No fixes applied; 1 left." in out
    assert (project / "app.py").read_text() == LEFT
    assert _run("--fix", "--exit-zero", "app.py")[0] == 0


def test_diff_writes_nothing(project):
    (project / "app.py").write_text(BOTH)
    code, out, err = _run("--diff", "app.py")
    assert code == 1
    assert out.startswith("--- a/app.py\n+++ b/app.py\n")
    assert '-conn = psycopg.connect("host=pgbouncer dbname=app")\n' in out
    assert '+conn = psycopg.connect("host=pgbouncer dbname=app", prepare_threshold=None)\n' in out
    assert "SET LOCAL" not in out
    assert "Would fix 1 finding in 1 file; 1 would be left. 1 more can be fixed with `--unsafe-fixes`." in err
    assert (project / "app.py").read_text() == BOTH
    code, out, _ = _run("--diff", "--unsafe-fixes", "app.py")
    assert code == 1 and "+        conn.execute(f\"SET LOCAL search_path TO tenant_{tenant}\")\n" in out
    (project / "app.py").write_text(LEFT)
    code, out, err = _run("--diff", "app.py")
    assert (code, out) == (0, "")


def test_fix_from_stdin(project):
    code, out, err = _run("--fix", "--stdin-filename", "app.py", "-", input=CONNECT)
    assert code == 0 and out == CONNECT_FIXED
    code, out, err = _run("--fix", "-", input=LEFT)
    assert code == 1 and out == LEFT and "PIN121" in err


def test_add_noqa_and_fix_do_not_combine(project):
    (project / "app.py").write_text(CONNECT)
    code, _, err = _run("--fix", "--add-noqa", "app.py")
    assert code == 2 and "cannot be combined" in err


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("encoding, bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("latin-1", b"")])
def test_fix_keeps_encoding_bom_newlines_and_mode(project, newline, encoding, bom):
    cookie = "# -*- coding: latin-1 -*-\n" if encoding == "latin-1" else ""
    text = cookie + "# caf\u00e9\n" + CONNECT.replace("(\"host", "(\n    \"host").replace('app")', 'app",\n)')
    path = project / "app.py"
    path.write_bytes(bom + text.replace("\n", newline).encode(encoding))
    os.chmod(path, 0o640)
    code, out, _ = _run("--fix", "app.py")
    assert code == 0, out
    data = path.read_bytes()
    assert data.startswith(bom) and (bom or not data.startswith(b"\xef\xbb\xbf"))
    expected = text.replace('app",\n)', 'app",\n    prepare_threshold=None,\n)')
    assert data[len(bom):].decode(encoding) == expected.replace("\n", newline)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_a_file_changed_since_the_analysis_is_not_written(project, monkeypatch):
    from pinlint.pipeline import schedule

    path = project / "app.py"
    path.write_text(CONNECT)
    real = schedule.check_paths

    def analyse_then_edit(*args, **kwargs):
        found = real(*args, **kwargs)
        path.write_text("# edited meanwhile\n" + CONNECT)
        return found

    monkeypatch.setattr(schedule, "check_paths", analyse_then_edit)
    code, out, err = _run("--fix", "app.py")
    assert code == 1 and "changed on disk since it was analysed" in err
    assert path.read_text() == "# edited meanwhile\n" + CONNECT


def test_read_only_and_hard_linked_files_are_not_written(project):
    ro = project / "ro.py"
    ro.write_text(CONNECT)
    os.chmod(ro, 0o444)
    hard = project / "hard.py"
    hard.write_text(CONNECT)
    os.link(hard, project / "other.txt")
    code, out, err = _run("--fix", "ro.py", "hard.py")
    assert code == 1
    assert "ro.py: not written: it is read-only" in err and "hard.py: not written: it has other hard links" in err
    assert ro.read_text() == CONNECT and hard.read_text() == CONNECT
    assert "2 left" in out


def test_a_symbolic_link_is_written_through_inside_the_project_only(project, tmp_path_factory):
    (project / "real").mkdir()
    target = project / "real" / "target.py"
    target.write_text(CONNECT)
    (project / "link.py").symlink_to(target)
    outside = tmp_path_factory.mktemp("outside") / "elsewhere.py"
    outside.write_text(CONNECT)
    (project / "out.py").symlink_to(outside)
    (project / "pyproject.toml").write_text("[tool.pinlint]\n")
    code, out, err = _run("--fix", "link.py", "out.py")
    assert target.read_text() == CONNECT_FIXED and (project / "link.py").is_symlink()
    assert outside.read_text() == CONNECT and (project / "out.py").is_symlink()
    assert "out.py: not written: it is a symbolic link to a file outside the project" in err
    assert code == 1


def test_a_fix_that_would_not_verify_is_skipped(project, monkeypatch):
    """A fix whose result would not parse (here: a broken fix builder) is named and not applied."""
    from pinlint.checks import fixes

    def broken(call, name, value, title=None, applicability=None):
        return lambda fctx: fixes.FixPlan("broken", (fixes.AddElement(call.node, "prepare_threshold=("),))

    monkeypatch.setattr(fixes, "keyword", broken)
    (project / "app.py").write_text(CONNECT)
    code, out, err = _run("--fix", "app.py")
    assert code == 1
    assert "PIN301 fix not applied: the fixed file would not parse" in err
    assert (project / "app.py").read_text() == CONNECT


def test_json_sarif_and_full_show_the_fix(project):
    (project / "app.py").write_text(BOTH)
    (project / ".git").mkdir()
    code, out, _ = _run("--output-format", "json", "app.py")
    by_code = {d["code"]: d for d in json.loads(out)}
    assert by_code["PIN301"]["fix"] == {
        "message": "Add `prepare_threshold=None`", "applicability": "safe",
        "edits": [{"content": ", prepare_threshold=None", "location": {"row": 3, "column": 51},
                   "end_location": {"row": 3, "column": 51}}],
    }
    assert by_code["PIN101"]["fix"]["applicability"] == "unsafe"
    code, out, _ = _run("--output-format", "sarif", "app.py")
    sarif = json.loads(out)
    import jsonschema

    from tests.conftest import ROOT

    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.validate(sarif, schema)
    fixes = {r["ruleId"]: r["fixes"] for r in sarif["runs"][0]["results"]}
    (change,) = fixes["PIN301"][0]["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "app.py"
    assert change["replacements"] == [{"deletedRegion": {"startLine": 3, "startColumn": 51, "endLine": 3,
                                                         "endColumn": 51},
                                       "insertedContent": {"text": ", prepare_threshold=None"}}]
    code, out, _ = _run("--output-format", "full", "--no-color", "app.py")
    assert "= fix: Add `prepare_threshold=None` (safe: --fix)" in out
    assert "(unsafe: --fix --unsafe-fixes)" in out
    assert "[*] 1 fixable with `--fix`; 1 more with `--fix --unsafe-fixes`." in out


def test_a_default_run_builds_no_fix(project, monkeypatch):
    import pinlint.output.fix_edits

    def never(*args, **kwargs):  # pragma: no cover - the test fails if it runs
        raise AssertionError("a default run computed fixes")

    monkeypatch.setattr(pinlint.output.fix_edits, "attach_fixes", never)
    (project / "app.py").write_text(BOTH)
    code, out, _ = _run("app.py")
    assert code == 1 and "PIN301" in out and "fixable" not in out


def test_a_constant_in_another_module_is_edited_there(project):
    (project / "myapp").mkdir()
    (project / "myapp" / "__init__.py").write_text("")
    (project / "myapp" / "queries.py").write_text('TIMEOUT = "SET statement_timeout = " + "\'30s\'"\n')
    (project / "myapp" / "main.py").write_text(
        "import psycopg\n\nfrom myapp import queries\n\n\ndef nightly(conn: psycopg.Connection):\n"
        "    with conn.transaction():\n        conn.execute(queries.TIMEOUT)\n")
    code, out, err = _run("--output-format", "json", "myapp")
    (finding,) = json.loads(out)
    assert finding["fix"]["message"].endswith("; edits `TIMEOUT` at myapp/queries.py:1")
    assert finding["fix"]["edits"][0]["filename"] == "myapp/queries.py"
    code, out, err = _run("--fix", "--unsafe-fixes", "myapp/main.py")  # pre-commit names one file
    assert code == 0, out + err
    assert (project / "myapp" / "queries.py").read_text() == 'TIMEOUT = "SET LOCAL statement_timeout = " + "\'30s\'"\n'
