"""Odd files: each gives one PIN000 diagnostic with a clear one-line reason, or is skipped, and the run goes on.

Every run is a subprocess with a timeout (run_pinlint), so a hang fails the test instead of stalling CI.
"""

import json
import os
import sys

import pytest

from pinlint.config import Settings
from pinlint.pipeline.discover import discover
from pinlint.pipeline.run import check_source
from pinlint.pipeline.schedule import check_paths
from pinlint.pipeline.read import MAX_FILE_BYTES, SourceError, read_bytes

LEAK = 'import psycopg\n\ndef f(conn):\n    conn.execute("SET search_path TO app")\n'
#: where LEAK's finding is: row 4, the S of SET
LEAK_AT = {"row": 4, "column": 19}


def findings(r):
    assert r.returncode in (0, 1), f"exit {r.returncode}: {r.stderr}"
    assert "Traceback" not in r.stderr, r.stderr
    return [(d["filename"], d["code"], d["location"], d["message"]) for d in json.loads(r.stdout)]


def only(r, filename):
    """The diagnostics of one file, as (code, location, message)."""
    return [(c, loc, m) for f, c, loc, m in findings(r) if f == filename]


def pin000_reason(r, filename):
    got = only(r, filename)
    assert len(got) == 1 and got[0][0] == "PIN000", got
    message = got[0][2]
    assert "\n" not in message
    return message


def check(run_pinlint, *args):
    return run_pinlint("check", "--output-format", "json", "--no-cache", *args)


@pytest.fixture(autouse=True)
def _no_cache_option(run_pinlint):
    """--no-cache keeps the tree as it was; older builds without it are not what these tests are about."""
    if "--no-cache" not in run_pinlint("check", "--help").stdout:  # pragma: no cover
        pytest.skip("this build has no --no-cache option")


# --- source text -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("syntax.py", "import psycopg\ndef f(:\n    conn.execute('SET search_path TO app')\n", "syntax error: invalid syntax"),
        ("py2.py", "import psycopg\nprint 'SET search_path TO app'\n", "syntax error: Missing parentheses"),
        ("latin1_no_cookie.py", b"import psycopg\nconn.execute('SET search_path TO caf\xe9')\n",
         "cannot decode as utf-8 (line 2)"),
        ("bad_cookie.py", b"# -*- coding: klingon -*-\nimport psycopg\nconn.execute('SET search_path TO app')\n",
         "bad coding cookie: unknown encoding: klingon"),
        ("bom_vs_cookie.py", b"\xef\xbb\xbf# coding: latin-1\nimport psycopg\nconn.execute('SET search_path TO app')\n",
         "bad coding cookie"),
        ("nul.py", b"import psycopg\x00\nconn.execute('SET search_path TO app')\n", "NUL bytes"),
    ],
)
def test_unreadable_source_is_one_pin000(run_pinlint, write, name, data, reason):
    write(name, data)
    write("ok.py", LEAK)
    r = check(run_pinlint)
    assert reason in pin000_reason(r, name)
    assert [c for c, _, _ in only(r, "ok.py")] == ["PIN101"]  # the run went on


def test_long_flat_implicit_concatenation_is_analysed(run_pinlint, write):
    write("strings.py", "import psycopg\nconn.execute(" + " ".join(["'SET search_path TO app;'"] * 100_000) + ")\n")
    r = check(run_pinlint, "--no-prefilter")
    assert r.returncode == 1 and {c for c, _, _ in only(r, "strings.py")} <= {"PIN000", "PIN101", "PIN191"}


def test_utf16_is_skipped_or_refused(run_pinlint, write):
    write("utf16.py", (LEAK + "# \u00e9\n").encode("utf-16"))
    assert findings(check(run_pinlint)) == []  # no SQL keyword in its bytes: never read
    assert "NUL bytes" in pin000_reason(check(run_pinlint, "--no-prefilter"), "utf16.py")


def test_coding_cookie_is_honoured(run_pinlint, write):
    write("latin1.py", b"# -*- coding: latin-1 -*-\n" + LEAK.replace("app", "caf\xe9").encode("latin-1"))
    r = check(run_pinlint)
    assert only(r, "latin1.py") and only(r, "latin1.py")[0][:2] == ("PIN101", {"row": 5, "column": 19})


@pytest.mark.parametrize(
    "name, data",
    [
        ("bom.py", b"\xef\xbb\xbf" + LEAK.encode()),
        ("crlf.py", LEAK.replace("\n", "\r\n").encode()),
        ("cr.py", LEAK.replace("\n", "\r").encode()),
        ("bom_crlf.py", b"\xef\xbb\xbf" + LEAK.replace("\n", "\r\n").encode()),
        ("formfeed.py", LEAK.replace("\ndef", "\n\x0cdef").encode()),
        ("tabs.py", LEAK.replace("    conn", "\tconn").encode()),
        ("bom_cookie.py", b"\xef\xbb\xbf# coding: utf-8\n" + LEAK.encode()),
    ],
)
def test_line_endings_boms_and_whitespace_keep_positions(run_pinlint, write, name, data):
    write(name, data)
    r = check(run_pinlint)
    got = only(r, name)
    assert len(got) == 1 and got[0][0] == "PIN101", got
    expected = dict(LEAK_AT)
    if name == "tabs.py":
        expected["column"] = 16  # a tab is one column
    if name == "bom_cookie.py":
        expected["row"] += 1
    assert got[0][1] == expected


def test_lone_cr_in_a_multiline_string_keeps_rows(run_pinlint, write):
    src = 'import psycopg\r\rdef f(conn):\r    conn.execute("""\r        SELECT 1;\r        SET work_mem = 1\r    """)\r'
    write("cr_multi.py", src.encode())
    got = only(check(run_pinlint), "cr_multi.py")
    assert [(c, loc) for c, loc, _ in got] == [("PIN101", {"row": 6, "column": 9})]


def test_empty_and_blank_files_are_clean(run_pinlint, write):
    write("empty.py", "")
    write("blank.py", "\n\n  \n\x0c\n")
    write("only_bom.py", b"\xef\xbb\xbf")
    write("comment.py", "# SET search_path TO app\n")
    r = check(run_pinlint, "--no-prefilter")
    assert r.returncode == 0 and findings(r) == []


def test_ten_megabyte_file(run_pinlint, write):
    big = LEAK + "x = 'SET search_path TO x'\n" * (10 * 1024 * 1024 // 26)
    assert len(big) > MAX_FILE_BYTES
    write("big.py", big)
    write("ok.py", LEAK)
    r = check(run_pinlint)
    assert "larger than" in pin000_reason(r, "big.py")
    assert [c for c, _, _ in only(r, "ok.py")] == ["PIN101"]


#: Expressions far deeper than any real code (built in the test: parameters this large make test ids huge).
DEEP = {
    "parens": lambda: "(" * 100_000 + "1" + ")" * 100_000,
    "plus": lambda: "+".join(["1"] * 100_000),
    "plus_sql": lambda: "+".join(["'SET search_path TO app'"] * 100_000),
    "lists": lambda: "[" * 100_000 + "]" * 100_000,
    "dicts": lambda: "{1: " * 50_000 + "1" + "}" * 50_000,
    "subscripts": lambda: "x" + "[0]" * 5000,
    "calls": lambda: "f" + "()" * 5000,
    "unary": lambda: "-" * 100_000 + "1",
    "nots": lambda: "(" + "not " * 50_000 + "x)",
    "lambdas": lambda: "(" + "lambda: " * 20_000 + "1)",
    "ifexp": lambda: "(" + "a if b else " * 10_000 + "c)",
    "attrs": lambda: "a" + ".b" * 20_000,
}


@pytest.mark.parametrize("name", sorted(DEEP))
def test_deep_nesting_is_refused_not_crashed(run_pinlint, write, name):
    """libcst's native parser crashes the process (SIGSEGV) on a few thousand nested brackets and takes
    minutes on long chains; CPython's recursion limit breaks on 100k-term sums. None of that may escape."""
    name += ".py"
    write(name, "import psycopg\nconn.execute(" + DEEP[name[:-3]]() + ")\n")
    write("ok.py", LEAK)
    r = check(run_pinlint, "--no-prefilter", "--jobs", "1")
    assert r.returncode == 1, r.stderr
    reason = pin000_reason(r, name)
    assert "nested too deeply" in reason or "too many nested parentheses" in reason, reason
    assert [c for c, _, _ in only(r, "ok.py")] == ["PIN101"]


def test_deep_but_legal_nesting_is_analysed(run_pinlint, write):
    """CPython allows 199 nested brackets and chains of a few hundred terms: analysed, identically at any --jobs."""
    write("deep.py", "import psycopg\nconn.execute('SET search_path TO app', " + "[" * 199 + "]" * 199 + ")\n"
          + "conn.execute('SET work_mem TO 1', " + "+".join(["x"] * 300) + ")\n")
    for i in range(20):
        write(f"pad{i}.py", LEAK)
    one = check(run_pinlint, "--no-prefilter", "--jobs", "1")
    assert [c for c, _, _ in only(one, "deep.py")] == ["PIN101", "PIN101"]
    two = check(run_pinlint, "--no-prefilter", "--jobs", "2", "--pool-bytes", "0")
    assert one.stdout == two.stdout


def test_valid_python_libcst_cannot_parse_is_named_as_such(run_pinlint, write):
    # `(x): int` is valid Python (an annotated parenthesized name) that libcst's grammar refuses
    write("annotated.py", "import psycopg\n(x): int = 1\nconn.execute('SET search_path TO app')\n")
    r = check(run_pinlint)
    reason = pin000_reason(r, "annotated.py")
    assert "syntax error" not in reason and "libcst cannot parse this valid Python" in reason


# --- the file system -----------------------------------------------------------------------------


def test_fifo_named_py_does_not_hang(run_pinlint, write, tmp_path):
    os.mkfifo(tmp_path / "pipe.py")
    write("ok.py", LEAK)
    r = check(run_pinlint)  # the directory walk finds it
    assert "not a regular file" in pin000_reason(r, "pipe.py")
    assert [c for c, _, _ in only(r, "ok.py")] == ["PIN101"]
    r = check(run_pinlint, "pipe.py", "ok.py")  # named explicitly
    assert "not a regular file" in pin000_reason(r, "pipe.py")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_device_files_named_py(run_pinlint, write, tmp_path):
    (tmp_path / "zero.py").symlink_to("/dev/zero")  # reading it would never end
    (tmp_path / "null.py").symlink_to("/dev/null")
    write("ok.py", LEAK)
    r = check(run_pinlint)
    assert "not a regular file" in pin000_reason(r, "zero.py")
    assert "not a regular file" in pin000_reason(r, "null.py")
    assert [c for c, _, _ in only(r, "ok.py")] == ["PIN101"]


def test_symlink_loops(run_pinlint, write, tmp_path):
    (tmp_path / "self.py").symlink_to("self.py")
    (tmp_path / "a.py").symlink_to("b.py")
    (tmp_path / "b.py").symlink_to("a.py")
    (tmp_path / "dangling.py").symlink_to("missing.py")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "up").symlink_to("..", target_is_directory=True)  # a directory loop: not followed
    write("pkg/ok.py", LEAK)
    r = check(run_pinlint)
    assert "symbolic links" in pin000_reason(r, "self.py")
    assert "symbolic links" in pin000_reason(r, "a.py")
    assert "No such file" in pin000_reason(r, "dangling.py")
    assert [c for c, _, _ in only(r, "pkg/ok.py")] == ["PIN101"]
    r = check(run_pinlint, "self.py", "pkg")  # named explicitly
    assert "symbolic links" in pin000_reason(r, "self.py")


def test_directory_named_py_is_walked_not_read(run_pinlint, write):
    write("x.py/inner.py", LEAK)
    write("y.py/empty/.keep", "")
    r = check(run_pinlint)
    assert [(f, c) for f, c, _, _ in findings(r)] == [("x.py/inner.py", "PIN101")]
    r = check(run_pinlint, "y.py", "x.py")
    assert [(f, c) for f, c, _, _ in findings(r)] == [("x.py/inner.py", "PIN101")]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode (CI runs as root)")
def test_unreadable_file(run_pinlint, write):  # pragma: no cover - not as root
    p = write("secret.py", LEAK)
    write("ok.py", LEAK)
    p.chmod(0)
    try:
        r = check(run_pinlint)
    finally:
        p.chmod(0o644)
    assert "Permission denied" in pin000_reason(r, "secret.py")
    assert [c for c, _, _ in only(r, "ok.py")] == ["PIN101"]


def test_files_that_vanish_or_change_kind_between_discovery_and_reading(write, tmp_path, monkeypatch):
    """discover lists the files; then one is deleted, one becomes a directory and one a FIFO before reading."""
    monkeypatch.chdir(tmp_path)
    for name in ("a_gone.py", "b_dir.py", "c_fifo.py", "d_ok.py"):
        write(name, LEAK)
    settings = Settings(root=tmp_path)
    files = [str(p) for p in discover(["."], settings.all_excludes, tmp_path)]
    assert files == ["a_gone.py", "b_dir.py", "c_fifo.py", "d_ok.py"]
    os.remove("a_gone.py")
    os.remove("b_dir.py")
    os.mkdir("b_dir.py")
    os.remove("c_fifo.py")
    os.mkfifo("c_fifo.py")
    from pinlint.api import run_options

    diagnostics = check_paths(files, run_options(settings), jobs=1)
    got = [(d.filename, d.code, d.message) for d in diagnostics]
    assert [(f, c) for f, c, _ in got] == [("a_gone.py", "PIN000"), ("b_dir.py", "PIN000"),
                                           ("c_fifo.py", "PIN000"), ("d_ok.py", "PIN101")]
    assert "No such file" in got[0][2]
    assert "not a regular file" in got[1][2] and "not a regular file" in got[2][2]


def test_read_bytes_never_blocks_on_a_fifo_swapped_in_after_the_check(tmp_path, monkeypatch):
    """The file is checked again on the open descriptor: a FIFO that replaces it after os.stat is refused."""
    fifo = tmp_path / "late.py"
    os.mkfifo(fifo)
    real_stat = os.stat

    def stat_says_regular(path, *args, **kwargs):
        if str(path) == str(fifo):
            return real_stat(__file__)
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat_says_regular)
    with pytest.raises(SourceError, match="not a regular file"):
        read_bytes(fifo)


def test_stdin_with_odd_bytes(run_pinlint):
    for data in (b"\xef\xbb\xbf" + LEAK.encode(), LEAK.replace("\n", "\r").encode()):
        r = run_pinlint("check", "-", "--stdin-filename", "s.py", "--output-format", "json", input=data.decode())
        assert [(d["code"], d["location"]) for d in json.loads(r.stdout)] == [("PIN101", LEAK_AT)]
    r = run_pinlint("check", "-", "--stdin-filename", "s.py", input="def f(:\n")
    assert r.returncode in (0, 1) and "Traceback" not in r.stderr


def test_api_check_source_never_raises_on_odd_bytes():
    from pinlint.api import run_options
    from dataclasses import replace

    options = replace(run_options(Settings()), use_prefilter=False)
    odd = [b"", b"\xff\xfe\x00", b"\x00" * 10, b"\xef\xbb\xbf", b"\r", b"\\\n", b"'''", b"# coding: rot13\n",
           b"\x0c\x0c", b"\t\tx", b"if 1:\n  x\n\ty\n", b"f'{'", b"x = '\\N{BOGUS}'\n", b"\xed\xa0\x80",
           b"conn.execute(b'SET search_path TO app')\n", b"conn.execute('SET x TO \\xff')\n", "λ = 'SET ✓'\n".encode()]
    for data in odd:
        check_source("odd.py", data, options)  # any exception fails the test


if sys.platform == "win32":  # pragma: no cover
    pytestmark = pytest.mark.skip("POSIX file system features")


def test_one_file_named_three_ways_is_reported_once(run_pinlint, write, tmp_path):
    """Before: ``x.py``, ``./x.py`` and its absolute path were three files with three findings."""
    write("x.py", LEAK)
    write("pkg/y.py", LEAK)
    r = check(run_pinlint, "x.py", "./x.py", str(tmp_path / "x.py"), ".", "pkg", "./pkg/y.py")
    assert [(f, c) for f, c, _, _ in findings(r)] == [("pkg/y.py", "PIN101"), ("x.py", "PIN101")]


def test_unreadable_directories_are_reported(write, tmp_path, monkeypatch):
    """Before: skipped without a word (root reads any directory, so the refusal is simulated)."""
    from click.testing import CliRunner

    from pinlint.cli import cli

    monkeypatch.chdir(tmp_path)
    write("ok.py", LEAK)
    write("secret/hidden.py", LEAK)
    real = os.scandir

    def scandir(path="."):
        if os.path.basename(os.path.normpath(str(path))) == "secret":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    r = CliRunner().invoke(cli, ["check", "--no-cache", "--jobs", "1"], catch_exceptions=False)
    assert r.exit_code == 1
    assert "secret:1:1: PIN000 File not analysed: cannot read directory: Permission denied" in r.output
    assert "ok.py:4:19: PIN101" in r.output and "hidden.py" not in r.output


def test_cr_only_files_with_a_coding_cookie_are_read(run_pinlint, write):
    """CPython reads the cookie of a file whose lines end in a lone CR; so does pinlint (before: 'bad coding
    cookie')."""
    write("cr.py", b"# -*- coding: latin-1 -*-\rimport psycopg\rconn.execute('SET search_path TO caf\xe9')\r")
    got = only(check(run_pinlint), "cr.py")
    assert [(c, loc) for c, loc, _ in got] == [("PIN101", {"row": 3, "column": 15})]
