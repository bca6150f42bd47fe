"""Adoption on an existing code base: --write-baseline / --baseline and --since REF, end to end."""

import json
import shutil
import subprocess

import pytest

SET = 'import psycopg\n\ndef f(conn):\n    conn.execute("SET search_path TO a")\n'
LISTEN = 'import psycopg\n\ndef g(conn):\n    conn.execute("LISTEN jobs")\n'


def git(cwd, *args):
    subprocess.run(["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", *args], cwd=cwd,
                   check=True, capture_output=True)


def test_baseline_hides_recorded_findings_and_survives_moving_code(check, tmp_path):
    (tmp_path / "a.py").write_text(SET)
    wrote = check("--write-baseline", "bl.json", ".")
    assert wrote.returncode == 0, wrote.stderr
    data = json.loads((tmp_path / "bl.json").read_text())
    assert [(e["path"], e["code"]) for e in data["findings"]] == [("a.py", "PIN101")]
    # moved down two lines, and a new finding added
    (tmp_path / "a.py").write_text("\n\n" + SET + '    conn.execute("LISTEN x")\n')
    res = check("--baseline", "bl.json", ".")
    assert res.returncode == 1
    assert "PIN121" in res.stdout and "PIN101" not in res.stdout
    assert "1 finding in the baseline" in res.stderr
    # the recorded finding is gone: nothing is reported, and the note says it can be removed
    (tmp_path / "a.py").write_text("import psycopg\n")
    res = check("--baseline", "bl.json", ".")
    assert res.returncode == 0, res.stdout
    assert "gone" in res.stderr or "no longer" in res.stderr, res.stderr


def test_baseline_from_configuration_and_no_baseline(check, tmp_path):
    (tmp_path / "a.py").write_text(SET)
    assert check("--write-baseline", "bl.json", ".").returncode == 0
    (tmp_path / "pyproject.toml").write_text('[tool.pinlint]\nbaseline = "bl.json"\n')
    assert check(".").returncode == 0
    assert check("--no-baseline", ".").returncode == 1


@pytest.mark.parametrize("content", ["not json", '{"version": 1, "findings": [{"path": 3}]}', "[]"])
def test_a_bad_baseline_exits_2_naming_the_file(check, tmp_path, content):
    (tmp_path / "a.py").write_text(SET)
    (tmp_path / "bl.json").write_text(content)
    res = check("--baseline", "bl.json", ".")
    assert res.returncode == 2
    assert "bl.json" in res.stderr


def test_write_baseline_never_replaces_a_file_that_is_not_a_baseline(check, tmp_path):
    (tmp_path / "a.py").write_text(SET)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    res = check("--write-baseline", "pyproject.toml", ".")
    assert res.returncode == 2
    assert (tmp_path / "pyproject.toml").read_text() == "[project]\nname = 'x'\n"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_since_checks_only_changed_files_with_the_whole_index(check, tmp_path):
    (tmp_path / "queries.py").write_text('TIMEOUT = "SET statement_timeout = 0"\n')
    (tmp_path / "old.py").write_text(LISTEN)
    (tmp_path / "new.py").write_text("import psycopg\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "one")
    # unstaged change that uses a constant of an unchanged module
    (tmp_path / "new.py").write_text("import psycopg\nfrom queries import TIMEOUT\n\ndef h(conn):\n"
                                     "    conn.execute(TIMEOUT)\n")
    res = check("--since", "HEAD", ".")
    assert res.returncode == 1, res.stderr
    assert "new.py" in res.stdout and "PIN101" in res.stdout
    assert "old.py" not in res.stdout  # unchanged: not checked
    assert check(".").stdout.count("old.py") == 1
    # --show-files lists what --since would check: the changed file only
    assert [line.strip() for line in check("--since", "HEAD", "--show-files", ".").stdout.splitlines()] in (
        ["new.py"], ["./new.py"])
    bad = check("--since", "no-such-ref", ".")
    assert bad.returncode == 2 and "no-such-ref" in bad.stderr
