"""--add-noqa (issue 18 defect 7): unused codes are removed rather than silenced with PIN010, PIN010 is
never added, and .sql files get `-- noqa: CODE`."""

from pinlint.output.noqa import drop_codes, sql_line_ends


def test_add_noqa_drops_unused_codes_and_never_adds_pin010(check, tmp_path):
    src = ('import psycopg\n\ndef f(conn):\n'
           '    conn.execute("LISTEN x")  # noqa: PIN151\n'
           '    conn.execute("SELECT 1")  # noqa: PIN101, E501 why\n'
           '    conn.execute("SELECT 2")  # type: ignore  # noqa: PIN101\n'
           '    conn.execute("SET search_path TO a")\n')
    (tmp_path / "a.py").write_text(src)
    res = check("--add-noqa", "a.py")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "a.py").read_text() == (
        'import psycopg\n\ndef f(conn):\n'
        '    conn.execute("LISTEN x")  # noqa: PIN121\n'
        '    conn.execute("SELECT 1")  # noqa: E501 why\n'
        '    conn.execute("SELECT 2")  # type: ignore\n'
        '    conn.execute("SET search_path TO a")  # noqa: PIN101\n')
    assert "PIN010" not in (tmp_path / "a.py").read_text()
    assert "removed unused codes from 3 comments" in res.stdout
    assert check("a.py").returncode == 0


def test_fix_removes_unused_codes(check, tmp_path):
    (tmp_path / "a.py").write_text('import json\n\nDATA = json.loads("{}")  # noqa: PIN151, PIN999\n')
    res = check("--fix", "a.py")
    assert res.returncode == 0, res.stdout + res.stderr
    assert (tmp_path / "a.py").read_text() == 'import json\n\nDATA = json.loads("{}")\n'


def test_drop_codes_keeps_what_is_not_pinlints():
    body = 'x = 1  # noqa: PIN101, E501'
    start, end, text = drop_codes(body, body.index("#"), ["PIN101"])
    assert body[:start] + text + body[end:] == 'x = 1  # noqa: E501'
    body = 'x = 1  # noqa: PIN101'
    start, end, text = drop_codes(body, body.index("#"), ["PIN101"])
    assert body[:start] + text + body[end:] == 'x = 1'
    assert drop_codes('x = 1  # a comment', 7, ["PIN101"]) is None


def test_sql_files_get_dash_dash_noqa_outside_strings(check, tmp_path):
    sql = ("SET search_path TO a;\n"
           "SELECT 'x;\n -- y' ; LISTEN x; -- note\n"
           "SELECT $$ a\nb $$; SET statement_timeout = 0;\n"
           "SELECT pg_advisory_lock(1);  -- noqa: PIN999\n")
    (tmp_path / "q.sql").write_text(sql)
    res = check("--add-noqa", "q.sql")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "q.sql").read_text() == (
        "SET search_path TO a;  -- noqa: PIN101\n"
        "SELECT 'x;\n -- y' ; LISTEN x; -- note  -- noqa: PIN121\n"
        "SELECT $$ a\nb $$; SET statement_timeout = 0;  -- noqa: PIN101\n"
        "SELECT pg_advisory_lock(1);  -- noqa: PIN999, PIN151\n")
    assert check("q.sql").returncode == 0


def test_sql_statement_whose_lines_all_end_in_a_string_is_left(check, tmp_path):
    assert sql_line_ends("SET search_path TO 'a\nb'; SELECT 'c\nd' -- x\n") == [None, None, 3, -1]
    sql = "SELECT 'c\nd'; SET search_path TO x; SELECT 'e\nf'\n"
    (tmp_path / "q.sql").write_text(sql)
    res = check("--add-noqa", "q.sql")
    assert res.returncode == 1
    assert "PIN101 not baselined: no line of the statement can take" in res.stderr
    assert (tmp_path / "q.sql").read_text() == sql
