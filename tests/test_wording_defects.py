"""Wording defects a new user hit (issue 18 defect 9), each checked on the CLI's real output."""

import os


def test_help_lists_the_rule_command_without_a_cut_sentence(run_pinlint, tmp_path):
    out = run_pinlint("--help", env={**os.environ, "COLUMNS": "80"}).stdout
    line = next(x for x in out.splitlines() if x.strip().startswith("rule "))
    assert "e.g." not in line and line.rstrip().endswith(("name.", "...")), line


def test_statement_size_is_given_in_bytes(check, tmp_path):
    values = ", ".join(f"({i})" for i in range(3300))
    (tmp_path / "a.py").write_text(f'import psycopg\n\ndef f(conn):\n    conn.execute("INSERT INTO t VALUES {values}")\n')
    out = check("--select", "PIN191", "a.py").stdout
    size = len(f"INSERT INTO t VALUES {values}".encode())
    assert f"This SQL text is {size:,} bytes, more than the 16 KB (16,384 bytes)" in out, out[:300]


def test_full_output_notes_line_up_with_the_gutter(check, tmp_path):
    (tmp_path / "a.py").write_text("import psycopg\n" + "\n" * 9 + 'def f(conn):\n    conn.execute("LISTEN x")\n')
    out = check("--output-format", "full", "a.py").stdout.splitlines()
    notes = [x for x in out if x.lstrip().startswith("= ")]
    assert len(notes) >= 3
    assert len({len(x) - len(x.lstrip()) for x in notes}) == 1, notes
    gutter = next(x for x in out if x.strip() == "|")
    assert notes[0].index("=") == gutter.index("|")


def test_first_connect_is_not_called_every_connection_and_server_cursor_advice(check, tmp_path):
    (tmp_path / "a.py").write_text(
        'from sqlalchemy import create_engine, event\nimport psycopg\n\n'
        'engine = create_engine("postgresql+psycopg://x/y")\n\n'
        '@event.listens_for(engine, "first_connect")\ndef on_first(dbapi_conn, rec):\n'
        '    dbapi_conn.cursor().execute("SET search_path TO app")\n\n'
        'def g(conn):\n    cur = psycopg.ServerCursor(conn, "c")\n')
    out = check("--select", "PIN306,PIN304", "a.py").stdout
    pin306 = next(x for x in out.splitlines() if "PIN306" in x)
    assert "on the first connection" in pin306 and "every connection" not in pin306
    pin304 = next(x for x in out.splitlines() if "PIN304" in x)
    assert "withhold=False" not in pin304 and "read it to the end inside one transaction" in pin304


def test_configured_sql_function_is_not_shown_at_line_zero(check, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.pinlint]\nsql-functions = ["dbkit.q"]\n')
    (tmp_path / "a.py").write_text('from dbkit import q\n\nq("SET search_path TO a")\n')
    out = check("a.py").stdout
    assert "PIN101" in out, out
    assert ":0" not in out and "by the `sql-functions` setting" in out


def test_a_part_known_only_at_run_time_shows_as_an_ellipsis(check, tmp_path):
    # MySQL's SET TRANSACTION with the level from a variable: the message quotes the statement
    (tmp_path / "a.py").write_text("import pymysql\n\ndef begin(cur, level):\n"
                                   "    cur.execute('SET TRANSACTION ISOLATION LEVEL %s' % level)\n"
                                   "    cur.execute('BEGIN')\n")
    out = check("--output-format", "full", "a.py").stdout
    assert "PIN203 `SET TRANSACTION ISOLATION LEVEL …` applies to the next transaction" in out, out
    assert "pinlint_hole" not in out.lower()
