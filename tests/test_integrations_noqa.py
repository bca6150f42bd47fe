"""Suppressions: unused-noqa (PIN010), per-file ignores, and `pinlint check --add-noqa` to baseline a code base."""

import json

from pinlint.model import Diagnostic, Position
from pinlint.output.noqa import add_noqa

LEAK = 'import psycopg\n\ndef f(conn):\n    conn.execute("SET search_path TO app")\n'
FIXED = LEAK.replace("SET search_path", "SET LOCAL search_path")


def findings(run_pinlint, *args):
    r = run_pinlint("check", "--output-format", "json", "--no-cache", *args)
    assert r.returncode in (0, 1), r.stderr
    return [(d["filename"], d["code"], d["location"]["row"], d["location"]["column"], d["message"])
            for d in json.loads(r.stdout)]


# -- PIN010 unused-noqa ----------------------------------------------------------------------------

def test_unused_noqa_is_reported_at_the_comment(run_pinlint, write):
    write("a.py", FIXED.replace('app")\n', 'app")  # noqa: PIN101\n'))
    write("b.py", LEAK.replace('app")\n', 'app")  # noqa: PIN101, PIN141,E501\n'))
    write("c.py", "VALUE = 1  # noqa: PIN151\n")  # no SQL at all: the prefilter must not hide it
    write("d.py", FIXED.replace('app")\n', 'app")  # noqa: PIN9\n'))
    got = findings(run_pinlint)
    assert got == [
        ("a.py", "PIN010", 4, 51, "Unused `noqa` directive: PIN101 suppressed nothing"),
        ("b.py", "PIN010", 4, 45, "Unused `noqa` directive: PIN141 suppressed nothing"),
        ("c.py", "PIN010", 1, 12, "Unused `noqa` directive: PIN151 suppressed nothing"),
        ("d.py", "PIN010", 4, 51, "Unused `noqa` directive: unknown code PIN9"),
    ]
    concise = run_pinlint("check", "--no-cache", "a.py").stdout
    assert concise.startswith("a.py:4:51: PIN010 Unused `noqa` directive")


def test_what_unused_noqa_leaves_alone(run_pinlint, write):
    write("bare.py", FIXED.replace('app")\n', 'app")  # noqa\n'))
    write("other_tools.py", FIXED.replace('app")\n', 'app")  # noqa: E501, W291\n'))
    write("file_level.py", "# pinlint: noqa\n" + FIXED.replace('app")\n', 'app")  # noqa: PIN101\n'))
    write("in_string.py", FIXED + 'X = "# noqa: PIN101"\n')
    write("migrations/0001.py", FIXED.replace('app")\n', 'app")  # noqa: PIN101\n'))
    write("pyproject.toml", '[tool.pinlint]\nper-file-ignores = { "migrations/*" = ["PIN1"] }\n')
    assert findings(run_pinlint) == []


def test_unused_noqa_follows_the_selection_and_can_be_silenced(run_pinlint, write):
    write("a.py", FIXED.replace('app")\n', 'app")  # noqa: PIN101\n'))
    assert findings(run_pinlint, "--ignore", "PIN010") == []
    assert findings(run_pinlint, "--ignore", "PIN101") == []  # the code is off: the comment may be for later
    write("seq.py", 'import psycopg\n\ndef f(conn):\n    conn.execute("SELECT nextval(\'s\')")  # noqa: PIN161\n')
    assert [f[1] for f in findings(run_pinlint, "--target", "rds-proxy", "seq.py")] == []
    # PIN161 applies under RDS Proxy: a pgbouncer-only job does not call the comment unused (issue 18, 6)
    assert [f[1] for f in findings(run_pinlint, "--target", "pgbouncer", "seq.py")] == []
    write("seq.py", 'import psycopg\n\ndef f(conn):\n    conn.execute("SELECT nextval(\'s\')")  # noqa: PIN161, PIN151\n')
    assert [f[1] for f in findings(run_pinlint, "--target", "pgbouncer", "seq.py")] == ["PIN010"]
    write("seq.py", 'import psycopg\n\ndef f(conn):\n    conn.execute("SELECT nextval(\'s\')")  # noqa: PIN161, PIN151, PIN010\n')
    assert findings(run_pinlint, "--target", "pgbouncer", "seq.py") == []


def test_per_file_ignores_with_a_prefix(run_pinlint, write):
    write("migrations/0001_init.py", LEAK)
    write("migrations/sub/0002.py", LEAK)
    write("app/models.py", LEAK)
    write("pyproject.toml", '[tool.pinlint]\nper-file-ignores = { "migrations/*" = ["PIN1"] }\n')
    assert [f[0] for f in findings(run_pinlint)] == ["app/models.py"]


# -- --add-noqa ------------------------------------------------------------------------------------

def test_add_noqa_baselines_and_the_next_run_is_clean(run_pinlint, write, tmp_path):
    write("plain.py", LEAK)
    write("merge.py", LEAK.replace('app")\n', 'app")  # noqa: E501\n'))
    write("comment.py", LEAK.replace('app")\n', 'app")  # tenant schema\n'))
    write("multi.py", 'import psycopg\n\ndef f(conn):\n    conn.execute("""\n        SET search_path TO app;\n'
                      '        LISTEN jobs\n    """)\n')
    write("two.py", 'import psycopg\n\ndef f(conn):\n    conn.execute("LISTEN a; SET search_path TO app")\n')
    write("clean.py", FIXED)
    r = run_pinlint("check", "--add-noqa")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Added 7 noqa directives to 5 files." in r.stdout
    text = lambda name: (tmp_path / name).read_text(encoding="utf-8")  # noqa: E731
    assert text("plain.py").splitlines()[3] == '    conn.execute("SET search_path TO app")  # noqa: PIN101'
    assert text("merge.py").splitlines()[3] == '    conn.execute("SET search_path TO app")  # noqa: E501, PIN101'
    assert text("comment.py").splitlines()[3] == (
        '    conn.execute("SET search_path TO app")  # tenant schema  # noqa: PIN101')
    # inside a multi-line string a comment is not a comment: it goes where the call ends
    assert text("multi.py").splitlines()[3:7] == [
        '    conn.execute("""', "        SET search_path TO app;", "        LISTEN jobs", '    """)  # noqa: PIN101, PIN121']
    assert text("two.py").splitlines()[3].endswith("  # noqa: PIN101, PIN121")
    assert text("clean.py") == FIXED
    r = run_pinlint("check", "--no-cache")
    assert r.returncode == 0, r.stdout
    # a second --add-noqa has nothing to do
    again = run_pinlint("check", "--add-noqa")
    assert again.returncode == 0 and "Added 0 noqa directives to 0 files." in again.stdout


def test_add_noqa_keeps_encoding_bom_and_line_endings(run_pinlint, write, tmp_path):
    write("crlf.py", LEAK.replace("\n", "\r\n").encode())
    write("latin.py", "# -*- coding: latin-1 -*-\nimport psycopg\nconn = psycopg.connect('')\n"
                      "conn.execute('SET search_path TO caf\xe9')\n", encoding="latin-1")
    write("bom.py", b"\xef\xbb\xbf" + LEAK.encode())
    r = run_pinlint("check", "--add-noqa")
    assert r.returncode == 0, r.stdout + r.stderr
    crlf = (tmp_path / "crlf.py").read_bytes()
    assert crlf.count(b"\r\n") == 4 and b'app")  # noqa: PIN101\r\n' in crlf
    latin = (tmp_path / "latin.py").read_bytes()
    assert latin.endswith("caf\xe9')  # noqa: PIN101\n".encode("latin-1"))
    bom = (tmp_path / "bom.py").read_bytes()
    assert bom.startswith(b"\xef\xbb\xbfimport psycopg") and bom.count(b"\xef\xbb\xbf") == 1
    assert run_pinlint("check", "--no-cache").returncode == 0


def test_add_noqa_baselines_unused_noqa_and_skips_unparsable_files(run_pinlint, write, tmp_path):
    write("stale.py", FIXED.replace('app")\n', 'app")  # noqa: PIN141\n'))
    broken = "import psycopg\ndef f(:\n    conn.execute('SET search_path TO app')\n"
    write("broken.py", broken)
    r = run_pinlint("check", "--add-noqa")
    assert r.returncode == 1
    assert "broken.py:2:7: PIN000 not baselined: the file was not analysed" in r.stderr
    assert (tmp_path / "broken.py").read_text() == broken
    # the unused code is removed (PIN010's fix), never silenced with PIN010 (issue 18 defect 7)
    assert (tmp_path / "stale.py").read_text().splitlines()[3] == '    conn.execute("SET LOCAL search_path TO app")'
    assert [f[0] for f in findings(run_pinlint)] == ["broken.py"]


def test_add_noqa_refuses_to_write_what_would_not_work(write, tmp_path):
    path = write("a.py", LEAK)
    d = Diagnostic(code="PIN101", name="n", message="m", help="h", severity="error", filename=str(path),
                   start=Position(4, 19), end=Position(4, 41), noqa_rows=(4,))
    edit = add_noqa(str(path), [d], recheck=lambda p, data: [d])  # the comment "did not" suppress it
    assert edit.added == 0 and "not written" in edit.refused
    assert path.read_text() == LEAK


def test_add_noqa_needs_files(run_pinlint):
    r = run_pinlint("check", "--add-noqa", "-", input=LEAK)
    assert r.returncode == 2 and "--add-noqa" in r.stderr


def test_add_noqa_writes_dash_dash_noqa_in_sql_files(tmp_path, write):
    path = write("schema.sql", "SET search_path TO app;\n")
    d = Diagnostic(code="PIN101", name="n", message="m", help="h", severity="error", filename=str(path),
                   start=Position(1, 1), end=Position(1, 23), noqa_rows=(1,))
    edit = add_noqa(str(path), [d], recheck=lambda p, data: [])
    assert edit.added == 1 and not edit.left
    assert path.read_text() == "SET search_path TO app;  -- noqa: PIN101\n"
