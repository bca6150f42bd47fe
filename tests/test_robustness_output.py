"""Output injection (issue 14, item 7): file names and SQL from the checked tree never start a line, drive a
terminal or break a machine format. Every run is a subprocess whose output is checked as bytes.
"""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from pinlint.output.escape import printable

#: a file name that, printed as is, starts a GitHub Actions workflow command and drives a terminal
EVIL_NAME = "a\n::stop-commands::x\x1b]0;pwned\x07\r.py"
#: SQL whose identifier carries the same
EVIL_SQL = 'import psycopg\nconn.execute(\'LISTEN "a\\n::error::injected\\x1b[2J"\')  # \x1b]0;title\x07\n'


def _run(tree, *args):
    r = subprocess.run([sys.executable, "-m", "pinlint", "check", "--no-cache", *args], cwd=tree,
                       capture_output=True, timeout=120)
    assert r.returncode in (0, 1), r.stderr
    assert b"Traceback" not in r.stderr, r.stderr
    return r.stdout


@pytest.fixture
def tree(tmp_path):
    (tmp_path / EVIL_NAME).write_text('import psycopg\nconn.execute("SET search_path TO app")\n')
    (tmp_path / "sql.py").write_text(EVIL_SQL)
    (tmp_path / os.fsdecode(b"caf\xe9.py")).write_text('import psycopg\nconn.execute("LISTEN x")\n')
    (tmp_path / "bel\x07esc\x1b.py").write_text('import psycopg\nconn.execute("LISTEN y")\n')
    return tmp_path


def _no_control_characters(out: bytes):
    text = out.decode("utf-8")  # strict: valid UTF-8
    for line in text.split("\n"):
        assert not line.startswith("::"), line
        assert not any(c < " " and c != "\t" or "\x7f" <= c <= "\x9f" for c in line), repr(line)
    return text


@pytest.mark.parametrize("fmt", ["concise", "full"])
def test_human_formats_escape_names_sql_and_source(tree, fmt):
    """Before: a file name or SQL identifier holding ``\\n::stop-commands::x`` started a line that GitHub Actions
    runs; ``full`` echoed ESC/OSC sequences from the source line."""
    text = _no_control_characters(_run(tree, "--output-format", fmt))
    assert "a\\x0a::stop-commands::x\\x1b]0;pwned\\x07\\x0d.py" in text
    assert "caf\\udce9.py" in text
    assert "`LISTEN a\\x0a::error::injected\\x1b[2J`" in text
    if fmt == "full":
        assert "# \\x1b]0;title\\x07" in text  # the source line, escaped


def test_full_format_carets_stay_under_the_escaped_text(tmp_path):
    (tmp_path / "c.py").write_text('import psycopg\nx = "\x1b\x1b"; conn.execute("SET search_path TO app")\n')
    text = _run(tmp_path, "--output-format", "full").decode()
    lines = text.split("\n")
    source = next(line for line in lines if line.startswith("2 | "))
    caret = lines[lines.index(source) + 1]
    start = caret.index("^") - len("  | ") + len("2 | ")
    assert source[start:].startswith("conn.execute(") or source[start:].startswith("SET")


def test_github_commands_cannot_be_injected(tree):
    text = _run(tree, "--output-format", "github").decode("utf-8")
    lines = text.strip("\n").split("\n")
    assert len(lines) == 4 and all(line.startswith(("::error ", "::warning ")) for line in lines), lines
    assert not any(c in line for line in lines for c in "\x1b\x07\r")


@pytest.mark.parametrize("fmt", ["json", "gitlab", "sarif"])
def test_json_formats_stay_valid_utf8_json(tree, fmt):
    """Before: SARIF crashed (UnicodeEncodeError, rc 1, empty output) on a non-UTF-8 file name; JSON and
    GitLab wrote invalid UTF-8."""
    out = _run(tree, "--output-format", fmt)
    doc = json.loads(out.decode("utf-8"))  # strict UTF-8, then JSON
    if fmt == "sarif":
        uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in doc["runs"][0]["results"])
        assert "caf%E9.py" in uris  # the file's real bytes, percent-encoded
        assert any(u.startswith("a%0A%3A%3Astop-commands") for u in uris)
    else:
        assert len(doc) == 4


def test_junit_stays_valid_xml(tree):
    """Before: ESC/BEL in a file name made invalid XML."""
    out = _run(tree, "--output-format", "junit")
    root = ET.fromstring(out)
    assert int(root.get("failures")) == 4


def test_add_noqa_messages_are_escaped(tree):
    (tree / "bad\x1b[31m.py").write_text("import psycopg\ndef f(:\n    conn.execute('SET search_path TO x')\n")
    r = subprocess.run([sys.executable, "-m", "pinlint", "check", "--no-cache", "--add-noqa"], cwd=tree,
                       capture_output=True, timeout=120)
    _no_control_characters(r.stderr)
    assert b"bad\\x1b[31m.py" in r.stderr


def test_printable():
    assert printable("a\nb\x1b[0m\u2028\u202e\udcff\tz é✓") == "a\\x0ab\\x1b[0m\\u2028\\u202e\\udcff\\x09z é✓"


if sys.platform == "win32":  # pragma: no cover
    pytestmark = pytest.mark.skip("POSIX file names")
