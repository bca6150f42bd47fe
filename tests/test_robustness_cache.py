"""The cache directory is untrusted input (issue 14, items 2 and 6): it follows no link pinlint did not
create, writes and deletes nothing outside itself, and reads only entries that are regular files of a
bounded size, bounded nesting, and records valid for the file they are for.
"""

import hashlib
import json
import os
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from pinlint.cli import cli
from pinlint.pipeline import cache, cache_store

LEAK = 'import psycopg\n\ndef f(conn):\n    conn.execute("SET search_path TO app")\n'
CLEAN = 'import psycopg\n\ndef f(conn):\n    conn.execute("SELECT 1")\n'
V = f"v{cache_store.FORMAT}"


def _run(*args):
    r = CliRunner().invoke(cli, ["check", "--jobs", "1", "--output-format", "json", *args], catch_exceptions=False)
    return r.exit_code, r.output


def _findings(out):
    return sorted((d["filename"], d["code"]) for d in json.loads(out))


def _snapshot(root: Path):
    return sorted((p.relative_to(root).as_posix(), p.lstat().st_size, p.lstat().st_mtime_ns)
                  for p in root.rglob("*"))


@pytest.fixture
def project(tmp_path, monkeypatch):
    tree = tmp_path / "tree"
    tree.mkdir()
    monkeypatch.chdir(tree)
    monkeypatch.delenv("PINLINT_CACHE_DIR", raising=False)
    (tree / "a.py").write_text(LEAK)
    (tree / "b.py").write_text(CLEAN)
    outside = tmp_path / "outside"
    outside.mkdir()
    for i in range(12):  # what pruning old run records would delete through a link
        (outside / f"{i:064x}.json").write_text("precious")
    (outside / "notes.json").write_text("precious")
    return tree, outside


def _entries(root: Path):
    return [p for p in root.rglob("*.json") if p.parent.name not in ("index", "runs")]


@pytest.mark.parametrize("link", ["runs", "index", "fingerprint", "root"])
def test_links_in_the_cache_are_never_followed(project, link):
    """Before: a checkout with ``.pinlint_cache/v1/runs`` -> elsewhere made ``pinlint check .`` delete
    ``*.json`` there while pruning old run records."""
    tree, outside = project
    before = _snapshot(outside)
    if link == "root":
        (tree / ".pinlint_cache").symlink_to(outside, target_is_directory=True)
    else:
        _run()  # a real cache first, then one of its directories replaced by a link
        base = tree / ".pinlint_cache" / V
        victim = {"runs": base / "runs", "index": base / "index",
                  "fingerprint": next(p for p in base.iterdir() if p.name not in ("runs", "index"))}[link]
        import shutil

        shutil.rmtree(victim)
        victim.symlink_to(outside, target_is_directory=True)
    for i in range(cache.RUNS_KEPT + 4):  # enough runs to prune old records
        (tree / "c.py").write_text(f"X = {i}\n")
        code, out = _run()
        assert code == 1 and _findings(out) == [("a.py", "PIN101")]
    assert _snapshot(outside) == before  # nothing written, replaced or deleted there


def test_an_entry_that_is_a_fifo_or_a_device_is_not_read(project):
    """Before: a FIFO entry hung the run; a link to /dev/zero was read until memory ran out."""
    tree, _ = project
    _run()
    for p in (tree / ".pinlint_cache").rglob("runs/*.json"):
        p.unlink()
    a, b = sorted(_entries(tree / ".pinlint_cache"))[:2]
    a.unlink()
    os.mkfifo(a)
    b.unlink()
    if os.path.exists("/dev/zero"):
        b.symlink_to("/dev/zero")
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("r", _run()), daemon=True)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "the run hung on a cache entry"
    code, out = result["r"]
    assert code == 1 and _findings(out) == [("a.py", "PIN101")]


def test_oversized_and_deeply_nested_entries_are_ignored(project, monkeypatch):
    """Before: a deeply nested entry raised RecursionError out of the cache reader."""
    tree, _ = project
    first = _run()
    entries = sorted(_entries(tree / ".pinlint_cache"))
    for p in (tree / ".pinlint_cache").rglob("runs/*.json"):
        p.write_bytes(b"[" * 200_000 + b"]" * 200_000)
    entries[0].write_bytes(b'{"format": %d, "diagnostics": ' % cache_store.FORMAT + b"[" * 100_000 + b"]" * 100_000 + b"}")
    monkeypatch.setattr(cache_store, "MAX_ENTRY_BYTES", 100)
    assert _run() == first


def _poison_entry(tree: Path, victim: str, diagnostic: dict) -> None:
    """Rewrite ``victim``'s entry (found by its recorded path) to hold ``diagnostic``, hash and all correct:
    what someone who commits a cache directory can do."""
    for p in (tree / ".pinlint_cache").rglob("runs/*.json"):
        p.unlink()
    for p in _entries(tree / ".pinlint_cache"):
        obj = json.loads(p.read_bytes())
        if _entry_for(obj, victim):
            obj["diagnostics"] = [diagnostic]
            p.write_text(json.dumps(obj))
            return
    raise AssertionError(f"no entry for {victim}")


def _entry_for(obj, name):
    """Whether a per-file entry is ``name``'s (by its recorded path, or by its diagnostics for a layout
    without one: a clean file's entry has none)."""
    if "path" in obj:
        return obj["path"] == name
    return all(d["filename"] == name for d in obj["diagnostics"]) and (name != "b.py" or not obj["diagnostics"])


def _a_diagnostic(tree: Path):
    for p in _entries(tree / ".pinlint_cache"):
        obj = json.loads(p.read_bytes())
        if _entry_for(obj, "a.py") and obj["diagnostics"]:
            return obj["diagnostics"][0]
    raise AssertionError("no entry for a.py")


@pytest.mark.parametrize("change", [
    {"filename": "../outside/victim.py"},
    {"filename": "a.py"},  # another file of the tree
    {"code": "PIN999"},
    {"name": "not-the-rules-name"},
    {"start": [10_000, 1]},
    {"noqa_rows": [0]},
    {"targets": ["everywhere"]},
    {"severity": "fatal"},
])
def test_poisoned_entries_are_not_reported(project, change):
    """Before: a cached diagnostic's filename was not checked: a poisoned entry was reported for another
    file, and --add-noqa then edited a file outside the tree."""
    tree, outside = project
    victim = outside / "victim.py"
    victim.write_text(LEAK)
    before = victim.read_text()
    _run()
    diagnostic = dict(_a_diagnostic(tree), **change)
    if "filename" not in change:
        diagnostic["filename"] = "b.py"
    _poison_entry(tree, "b.py", diagnostic)
    code, out = _run()
    assert _findings(out) == [("a.py", "PIN101")]
    _poison_entry(tree, "b.py", diagnostic)
    r = CliRunner().invoke(cli, ["check", "--jobs", "1", "--add-noqa"], catch_exceptions=False)
    assert "outside" not in r.output and victim.read_text() == before
    assert (tree / "b.py").read_text() == CLEAN


def test_a_poisoned_run_record_is_not_reported(project):
    tree, outside = project
    _run()
    runs = list((tree / ".pinlint_cache").rglob("runs/*.json"))
    assert len(runs) == 1
    obj = json.loads(runs[0].read_bytes())
    obj["diagnostics"][0]["filename"] = str(outside / "victim.py")
    runs[0].write_text(json.dumps(obj))
    code, out = _run()
    assert _findings(out) == [("a.py", "PIN101")]


@pytest.mark.parametrize("damage", [
    lambda ix: ix.update(modules=[["a.py"]]),
    lambda ix: ix.update(constants=[["m.X", {"text": 1, "path": "m.py", "line": 1, "what": "X", "noqa": []}]]),
    lambda ix: ix.update(wrappers=[["m.run", {"qualname": "m.run"}]]),
    lambda ix: ix.update(files="abc"),
    lambda ix: ix.update(fingerprint=None),
])
def test_a_poisoned_index_record_is_ignored(project, damage):
    """Before: an index record of the wrong shape made every file PIN000, and the PIN000 stayed cached."""
    tree, _ = project
    (tree / "m.py").write_text("import psycopg\nLOCK = 'SELECT pg_advisory_lock(1)'\n")
    (tree / "use.py").write_text("import psycopg\nfrom m import LOCK\n\ndef f(conn):\n    conn.execute(LOCK)\n")
    first = _run()
    assert ("use.py", "PIN151") in _findings(first[1]), first
    for p in (tree / ".pinlint_cache").rglob("*.json"):  # only the index record stays
        if p.parent.name != "index":
            p.unlink()
    for p in (tree / ".pinlint_cache").rglob("index/*.json"):
        obj = json.loads(p.read_bytes())
        damage(obj["index"])
        p.write_text(json.dumps(obj))
    assert _run() == first
    assert _run() == first  # and nothing wrong was cached meanwhile


def test_internal_errors_are_not_cached(project, monkeypatch):
    tree, _ = project
    import pinlint.facts.extract

    real = pinlint.facts.extract.extract

    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(pinlint.facts.extract, "extract", broken)
    code, out = _run()
    assert ("a.py", "PIN000") in _findings(out)
    monkeypatch.setattr(pinlint.facts.extract, "extract", real)
    code, out = _run()
    assert _findings(out) == [("a.py", "PIN101")]


def test_markers_go_only_into_a_directory_pinlint_made_or_found_empty(project, tmp_path):
    tree, _ = project
    mine = tmp_path / "shared"
    mine.mkdir()
    (mine / "other.txt").write_text("someone else's")
    _run("--cache-dir", str(mine))
    assert not (mine / ".gitignore").exists() and (mine / "other.txt").read_text() == "someone else's"
    _run()
    assert (tree / ".pinlint_cache" / ".gitignore").read_text().endswith("*\n")


def test_entries_record_the_file_they_are_for(project):
    tree, _ = project
    _run()
    recorded = {json.loads(p.read_bytes())["path"]: json.loads(p.read_bytes())["sha256"]
                for p in _entries(tree / ".pinlint_cache")}
    assert recorded == {name: hashlib.sha256((tree / name).read_bytes()).hexdigest() for name in ("a.py", "b.py")}


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, OSError])
def test_an_interrupted_write_leaves_no_half_written_entry(project, monkeypatch, interruption):
    """A signal (Ctrl-C, SIGTERM, the time budget) or an error in the middle of writing an entry: the
    temporary file is removed and no entry appears under its final name."""
    tree, _ = project
    real_write = os.write
    calls = []

    def failing_write(fd, data):
        calls.append(fd)
        real_write(fd, bytes(data)[: len(data) // 2])  # half of it is on disk when the write is cut
        raise interruption("cut")

    store = cache_store.CacheDir(str(tree / ".pinlint_cache"))
    store.write((V, "runs"), "1" * 64 + ".json", b"{}")  # the directory and its markers exist
    monkeypatch.setattr(os, "write", failing_write)
    with pytest.raises(interruption):
        store.write((V, "runs"), "0" * 64 + ".json", b'{"format": 2, "diagnostics": []}')
    monkeypatch.undo()
    assert calls
    left = sorted(p.name for p in (tree / ".pinlint_cache").rglob("*") if p.is_file())
    assert left == [".gitignore", "1" * 64 + ".json", "CACHEDIR.TAG"], left
