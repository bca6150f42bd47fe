"""``--add-noqa`` edits only comments, only the bytes it analysed, and only files it may replace (issue 14,
items 1 and 8); the editing module (pinlint/output/edit.py) that autofix will reuse.
"""

import ast
import hashlib

import os
import stat
import tokenize

import pytest
from click.testing import CliRunner

from pinlint.cli import cli
from pinlint.model import Position
from pinlint.output import edit
from pinlint.output.noqa import add_noqa, comments_only_verifier, parse_noqa

MULTI = 'import psycopg\n{sep}\ndef f(conn):\n    conn.execute("""\n        SELECT 1;\n        SET search_path TO app\n    """)\n'


def _run(*args):
    r = CliRunner().invoke(cli, ["check", "--no-cache", "--jobs", "1", *args], catch_exceptions=False)
    return r.exit_code, r.output


def _strings(source: str):
    """Every string constant of a module: what the program would send as SQL."""
    return [n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


#: Characters ``str.splitlines`` breaks at and CPython, libcst and tokenize do not.
SPLITLINES_ONLY = {"form_feed": "\x0c", "vt": "\x0b", "fs": "\x1c", "gs": "\x1d", "rs": "\x1e", "nel": "\x85",
                   "line_sep": "\u2028", "para_sep": "\u2029"}


@pytest.mark.parametrize("name", sorted(SPLITLINES_ONLY))
def test_add_noqa_never_writes_inside_a_string(tmp_path, monkeypatch, name):
    """Before: with a form feed (or another of these) earlier in the file, the comment went into the SQL
    string, one line off, and the re-check passed because the text broke the SET statement up."""
    monkeypatch.chdir(tmp_path)
    sep = SPLITLINES_ONLY[name]
    source = MULTI.format(sep=f"x = '{sep}'" if name not in ("form_feed",) else sep)
    (tmp_path / "app.py").write_bytes(source.encode("utf-8"))
    code, out = _run("--add-noqa")
    after = (tmp_path / "app.py").read_bytes().decode("utf-8")
    assert _strings(after) == _strings(source), after  # the SQL the program sends is unchanged
    assert code == 0, out
    assert '    """)  # noqa: PIN101\n' in after
    assert _run() == (0, "All checks passed! (1 file checked)\n")


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("encoding, bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("latin-1", b"")])
def test_add_noqa_keeps_encoding_bom_newlines_and_mode(tmp_path, monkeypatch, newline, encoding, bom):
    monkeypatch.chdir(tmp_path)
    cookie = "# -*- coding: latin-1 -*-\n" if encoding == "latin-1" else ""
    text = (cookie + MULTI.format(sep="\x0c") + "conn.execute('SET search_path TO caf\u00e9')\n").replace("\n", newline)
    data = bom + text.encode(encoding)
    path = tmp_path / "app.py"
    path.write_bytes(data)
    path.chmod(0o640)
    code, out = _run("--add-noqa")
    assert code == 0, out
    new = path.read_bytes()
    assert new.startswith(bom) and stat.S_IMODE(path.stat().st_mode) == 0o640
    assert new.count(newline.encode()) == data.count(newline.encode())
    if newline != "\r\n":
        assert b"\r\n" not in new
    assert new.decode(encoding).count("# noqa: PIN101") == 2
    assert _strings(new.decode(encoding).lstrip("\ufeff")) == _strings(text)


def test_comments_go_on_the_rows_positions_come_from_with_lone_carriage_returns(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = 'import psycopg\r\rdef f(conn):\r    conn.execute("SET search_path TO app")\r    x = 1\r'
    (tmp_path / "cr.py").write_bytes(source.encode())
    assert _run("--add-noqa")[0] == 0
    assert (tmp_path / "cr.py").read_bytes() == source.replace(
        'app")\r', 'app")  # noqa: PIN101\r').encode()


def test_read_only_files_are_not_replaced(tmp_path, monkeypatch):
    """Before: os.replace wrote over a read-only file."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "app.py"
    path.write_text(MULTI.format(sep=""))
    path.chmod(0o444)
    code, out = _run("--add-noqa")
    assert code == 1 and "read-only" in out
    assert path.read_text() == MULTI.format(sep="") and stat.S_IMODE(path.stat().st_mode) == 0o444


def test_a_file_changed_since_it_was_analysed_is_not_edited(tmp_path, monkeypatch):
    """Before: the comment went onto whatever line now had the reported number."""
    import pinlint.pipeline.schedule as schedule

    monkeypatch.chdir(tmp_path)
    path = tmp_path / "app.py"
    path.write_text(MULTI.format(sep=""))
    real = schedule.check_paths

    def analyse_then_edit(*args, **kwargs):
        found = real(*args, **kwargs)
        path.write_text("# a line added by an editor meanwhile\n" + MULTI.format(sep=""))
        return found

    monkeypatch.setattr(schedule, "check_paths", analyse_then_edit)
    code, out = _run("--add-noqa")
    assert code == 1 and "changed on disk since it was analysed" in out
    assert "noqa" not in path.read_text()


def test_symbolic_links_and_hard_links_are_not_replaced(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "target.py"
    target.write_text(MULTI.format(sep=""))
    (tmp_path / "link.py").symlink_to(target)
    os.link(target, tmp_path / "hard.py")
    code, out = _run("--add-noqa", "link.py", "hard.py")
    assert code == 1 and "symbolic link" in out and "hard links" in out
    assert target.read_text() == MULTI.format(sep="") and (tmp_path / "link.py").is_symlink()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a file another owner")
def test_the_owner_is_kept(tmp_path, monkeypatch):  # pragma: no cover - as root
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "app.py"
    path.write_text(MULTI.format(sep=""))
    os.chown(path, 12345, 23456)
    assert _run("--add-noqa")[0] == 0
    st = path.stat()
    assert (st.st_uid, st.st_gid) == (12345, 23456) and "# noqa: PIN101" in path.read_text()


def test_prose_after_noqa_codes_is_not_codes(tmp_path, monkeypatch):
    """Before: ``# noqa: E501 some text`` read as the codes E501, SOME and TEXT."""
    noqa = parse_noqa("x = 1  # noqa: E501 some text, PIN101 too\ny = 2  # noqa: PIN1,PIN2 E501\n")
    assert noqa.rows == {1: frozenset({"E501"}), 2: frozenset({"PIN1", "PIN2", "E501"})}
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "app.py"
    path.write_text('import psycopg\nconn.execute("SET search_path TO app")  # noqa: E501 long line\n')
    assert _run("--add-noqa")[0] == 0
    assert path.read_text().endswith("# noqa: E501, PIN101 long line\n")


# --- the editing module --------------------------------------------------------------------------


def test_edits_use_the_universal_line_model():
    text = "a\x0cb\r\nc\rd\ne\u2028f"
    edits = [edit.TextEdit(Position(2, 2), Position(2, 2), "X"), edit.TextEdit(Position(4, 1), Position(4, 2), "Y")]
    assert edit.apply_edits(text, edits) == "a\x0cb\r\ncX\rd\nY\u2028f"
    assert edit.apply_edits(text, [edit.TextEdit(0, 1, "Z")]) == "Z" + text[1:]
    with pytest.raises(edit.EditRefused):
        edit.apply_edits(text, [edit.TextEdit(Position(1, 1), Position(1, 3), ""),
                                edit.TextEdit(Position(1, 2), Position(1, 2), "")])
    with pytest.raises(edit.EditRefused):
        edit.apply_edits(text, [edit.TextEdit(Position(2, 5), Position(2, 5), "")])  # past the line's end


def test_the_verifier_refuses_anything_but_added_comments():
    before = 'conn.execute("""\nSET x = 1\n""")\ny = 1\n'
    verify = comments_only_verifier({3: ["PIN101"]})
    assert verify(before, before.replace('""")\n', '""")  # noqa: PIN101\n')) is None
    # the same comment text inside the string: the token stream changes
    assert "not only add a comment" in verify(before, before.replace("SET x = 1\n", "SET x = 1  # noqa: PIN101\n"))
    assert "would not suppress" in comments_only_verifier({3: ["PIN101"]})(before, before)
    assert "another comment" in verify(before + "# keep\n", before + "# changed\n")


def test_rewrite_checks_the_bytes_again_before_writing(tmp_path):
    path = tmp_path / "x.py"
    path.write_text("x = 1\n")
    source = edit.load(str(path), hashlib.sha256(b"x = 1\n").hexdigest())
    path.write_text("x = 2\n")
    with pytest.raises(edit.EditRefused, match="changed on disk"):
        edit.rewrite(source, [edit.TextEdit(Position(1, 6), Position(1, 6), "  # c")], lambda a, b: None)
    assert path.read_text() == "x = 2\n"
    with pytest.raises(edit.EditRefused, match="since it was analysed"):
        edit.load(str(path), hashlib.sha256(b"x = 1\n").hexdigest())


def test_tokens_follow_the_universal_line_model():
    rows = [t.start[0] for t in edit.tokens("a\rb\r\nc\n") if t.type == tokenize.NAME]
    assert rows == [1, 2, 3]
    with pytest.raises(tokenize.TokenError):
        edit.tokens('x = """\n')


def test_add_noqa_without_the_expected_bytes_refuses(tmp_path):
    from pinlint.api import check_source

    path = tmp_path / "app.py"
    path.write_text(MULTI.format(sep=""))
    found = check_source(path.read_text(), filename=str(path))
    result = add_noqa(str(path), found, lambda p, d: [], expected_sha256="0" * 64)
    assert result.refused and "changed on disk" in result.refused and result.added == 0
    assert path.read_text() == MULTI.format(sep="")

