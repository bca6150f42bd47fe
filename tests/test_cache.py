"""The result cache: a second run over an unchanged tree reads files but parses none; any change that can
alter a result misses; entries are written atomically and a corrupt one is ignored."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import pinlint.pipeline.parse
from pinlint.pipeline.cache_records import dump_diagnostic, load_diagnostic, read_entry
from pinlint.cli import cli
from pinlint.model import Diagnostic, Edit, Fix, Position

LEAK = 'import psycopg\n\ndef f(conn):\n    conn.execute("SET search_path TO app")\n'
MULTI = 'import psycopg\n\ndef f(conn):\n    conn.execute("""\n        LISTEN jobs\n    """)\n'


@pytest.fixture
def parses(monkeypatch):
    """Count the files pinlint parses (the engine looks ``parse`` up on each file)."""
    seen = []
    real = pinlint.pipeline.parse.parse

    def counting(text, *args, **kwargs):
        seen.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(pinlint.pipeline.parse, "parse", counting)
    return seen


@pytest.fixture
def project(tmp_path, monkeypatch, write):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PINLINT_CACHE_DIR", raising=False)
    write("a.py", LEAK)
    write("b.py", MULTI)
    write("c.py", LEAK.replace("SET search_path", "SET LOCAL search_path"))
    return tmp_path


def check(*args, env=None):
    result = CliRunner().invoke(cli, ["check", "--jobs", "1", *args], env=env, catch_exceptions=False)
    return result.exit_code, result.output


def entries(directory: Path):
    """Per-file result entries (the project index and whole runs have their own entries)."""
    return sorted(p for p in directory.rglob("*.json")
                  if not p.name.startswith(".tmp-") and p.parent.name not in ("index", "runs"))


def run_entries(directory: Path):
    return sorted(directory.rglob("runs/*.json"))


def forget_runs(directory: Path):
    """Drop the whole-run records, so that the next run goes file by file."""
    for p in run_entries(directory):
        p.unlink()


def index_entries(directory: Path):
    return sorted(directory.rglob("index/*.json"))


def test_project_index_is_reused_until_a_file_changes(project, monkeypatch):
    import pinlint.pipeline.indexing

    builds = []
    real = pinlint.pipeline.indexing.build_index
    monkeypatch.setattr(pinlint.pipeline.indexing, "build_index", lambda *a, **k: builds.append(1) or real(*a, **k))
    first = check("--output-format", "json")
    second = check("--output-format", "json")
    assert first == second and len(builds) == 1
    assert len(index_entries(project / ".pinlint_cache")) == 1
    (project / "extra.py").write_text("X = 1\n")  # a new file: the index is built again
    check("--output-format", "json")
    assert len(builds) == 2 and len(index_entries(project / ".pinlint_cache")) == 2


def test_index_entry_is_json_not_pickle(project):
    check()
    (entry,) = index_entries(project / ".pinlint_cache")
    assert json.loads(entry.read_text())["index"]["fingerprint"]


def test_second_run_parses_nothing(project, parses):
    first = check("--output-format", "json")
    assert first[0] == 1 and len(parses) == 3
    cache = project / ".pinlint_cache"
    assert len(entries(cache)) == 3
    assert (cache / ".gitignore").read_text().strip().endswith("*")
    parses.clear()
    second = check("--output-format", "json")
    assert second == first
    assert parses == []


def test_unchanged_tree_reads_no_file(project, parses, monkeypatch):
    import pinlint.pipeline.read

    first = check("--output-format", "json")
    assert len(run_entries(project / ".pinlint_cache")) == 1
    reads = []
    real = pinlint.pipeline.read.read_bytes
    monkeypatch.setattr(pinlint.pipeline.read, "read_bytes", lambda p: reads.append(p) or real(p))
    parses.clear()
    assert check("--output-format", "json") == first
    assert parses == [] and reads == []


def test_touched_file_misses_the_run_record_but_not_the_file_entries(project, parses):
    import os

    first = check("--output-format", "json")
    st = os.stat("a.py")
    os.utime("a.py", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # same bytes, new mtime
    parses.clear()
    assert check("--output-format", "json") == first
    assert parses == []  # every file's entry is keyed by its bytes
    assert len(run_entries(project / ".pinlint_cache")) == 2


def test_only_the_last_run_records_are_kept(project, write):
    from pinlint.pipeline.cache import RUNS_KEPT

    for i in range(RUNS_KEPT + 3):
        write("extra.py", f"X = {i}\n")
        check()
    assert len(run_entries(project / ".pinlint_cache")) == RUNS_KEPT


def test_a_changed_file_is_parsed_again_alone(project, parses, write):
    check()
    parses.clear()
    write("b.py", MULTI.replace("LISTEN jobs", "LISTEN other_jobs"))
    code, out = check()
    assert len(parses) == 1 and "other_jobs" in parses[0]
    assert code == 1 and "b.py:5:9: PIN121" in out


@pytest.mark.parametrize("args", [("--target", "pgbouncer"), ("--ignore", "PIN121"), ("--select", "PIN1")])
def test_configuration_is_part_of_the_key(project, parses, args):
    check()
    parses.clear()
    check(*args)
    assert len(parses) == 3


def test_config_file_changes_are_part_of_the_key(project, parses, write):
    check()
    write("pyproject.toml", '[tool.pinlint]\nper-file-ignores = { "a.py" = ["PIN101"] }\n')
    parses.clear()
    code, out = check()
    assert len(parses) == 3 and "a.py" not in out


def test_no_cache(project, parses):
    check("--no-cache")
    check("--no-cache")
    assert len(parses) == 6
    assert not (project / ".pinlint_cache").exists()


def test_cache_dir_option_and_environment(project, tmp_path, parses):
    check("--cache-dir", str(tmp_path / "opt"))
    assert len(entries(tmp_path / "opt")) == 3
    check(env={"PINLINT_CACHE_DIR": str(tmp_path / "env")})
    assert len(entries(tmp_path / "env")) == 3
    assert not (project / ".pinlint_cache").exists()
    parses.clear()
    check(env={"PINLINT_CACHE_DIR": str(tmp_path / "env")})
    assert parses == []


def test_corrupt_entries_are_ignored_and_rewritten(project, parses):
    first = check("--output-format", "json")
    files = entries(project / ".pinlint_cache")
    files[0].write_text("{not json", encoding="utf-8")
    files[1].write_text(json.dumps({"format": 1, "diagnostics": [{"code": 5}]}), encoding="utf-8")
    files[2].write_bytes(b"")
    forget_runs(project / ".pinlint_cache")
    parses.clear()
    assert check("--output-format", "json") == first
    assert len(parses) == 3
    assert all(read_entry(f) is not None for f in files)
    assert not list((project / ".pinlint_cache").rglob(".tmp-*"))


def test_unwritable_cache_is_skipped(project, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory would go")
    code, out = check(env={"PINLINT_CACHE_DIR": str(blocker / "cache")})
    assert code == 1 and "a.py:4:19: PIN101" in out


def test_cached_results_keep_what_add_noqa_needs(project):
    check()  # fill the cache
    code, out = check("--add-noqa")
    assert code == 0, out
    text = (project / "b.py").read_text()
    # the finding is inside a multi-line string: the comment goes where the call ends, from the noqa rows
    assert '    """)  # noqa: PIN121\n' in text
    assert check() == (0, "All checks passed! (3 files checked)\n")


def test_diagnostic_round_trip():
    d = Diagnostic(
        code="PIN101", name="n", message="m", help="h", severity="error", filename="x.py",
        start=Position(1, 2), end=Position(3, 4), targets=("pgbouncer",), url="https://x",
        fix=Fix("t", "safe", (Edit(Position(1, 1), Position(1, 2), "y"),)),
        effects=(("pgbouncer", "leaks"),), noqa_rows=(1, 3),
    )
    back = load_diagnostic(json.loads(json.dumps(dump_diagnostic(d))))
    assert back == d and back.effects == d.effects and back.noqa_rows == d.noqa_rows
