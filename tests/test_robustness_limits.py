"""Limits (issue 14, items 3, 4 and 9): nesting as libcst builds it, pickling of survey summaries, the per-file
memory bound and time budget, and when a process pool is worth starting. A file over a limit is one PIN000
with the reason; the run goes on, with any --jobs, from stdin, through the API and the flake8 plugin.
"""

import json
import multiprocessing
import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import replace

import pytest

from pinlint.api import run_options
from pinlint.config import Settings
from pinlint.pipeline import schedule
from pinlint.pipeline.run import check_source

LEAK = 'import psycopg\n\ndef f(conn):\n    conn.execute("SET search_path TO app")\n'


def _json(r):
    assert r.returncode in (0, 1), (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr
    return [(d["filename"], d["code"], d["message"]) for d in json.loads(r.stdout)]


def _check(run_pinlint, *args, **kw):
    return run_pinlint("check", "--output-format", "json", "--no-cache", *args, **kw)


#: CPython keeps these flat (one BoolOp, one list of ``for`` clauses); libcst nests one level per term,
#: and its native parser overflows the C stack (SIGSEGV) past ~7,000 of them.
CHAINS = {
    "or": lambda n: " or ".join(["a"] * n),
    "and": lambda n: " and ".join(["a"] * n),
    "mixed": lambda n: " or ".join(["a and b"] * n),
    "comprehension": lambda n: "[a " + " ".join(["for a in b"] * n) + "]",
}


@pytest.mark.parametrize("name", sorted(CHAINS))
@pytest.mark.parametrize("how", ["serial", "stdin"])
def test_long_flat_chains_are_refused_not_crashed(run_pinlint, write, name, how):
    """Before: ``--jobs 1`` (pre-commit, fewer than 16 files) and stdin died with SIGSEGV (rc 139), no output."""
    source = "import psycopg\nconn.execute('SET search_path TO app')\nx = " + CHAINS[name](10_000) + "\n"
    if how == "stdin":
        r = run_pinlint("check", "-", "--stdin-filename", "chain.py", "--output-format", "json", input=source)
        got = _json(r)
    else:
        write("chain.py", source)
        write("ok.py", LEAK)
        got = _json(_check(run_pinlint, "--jobs", "1"))
        assert [c for f, c, _ in got if f == "ok.py"] == ["PIN101"]
    chain = [(c, m) for f, c, m in got if f == "chain.py"]
    assert len(chain) == 1 and chain[0][0] == "PIN000", chain
    assert "nested too deeply" in chain[0][1] or "libcst cannot parse" in chain[0][1], chain


def test_chains_libcst_survives_are_analysed(write, tmp_path):
    """A 900-term ``or`` is deep for libcst but far from its limit: analysed, findings as usual."""
    source = "import psycopg\nconn.execute('SET search_path TO app')\nx = " + CHAINS["or"](900) + "\n"
    options = replace(run_options(Settings()), use_prefilter=False)
    assert [d.code for d in check_source("c.py", source.encode(), options)] == ["PIN101"]


def test_a_summary_too_deep_to_pickle_is_one_pin000_and_the_run_goes_on(run_pinlint, write):
    """Before: a 4,000-deep unary minus made the survey summary fail to pickle in a worker, and the unguarded
    ``fut.result()`` ended the whole run with a traceback (rc 1)."""
    for i in range(20):
        write(f"m{i:02}.py", LEAK.replace("app", f"s{i}"))
    write("deep.py", "import psycopg\nSQL = 'SET search_path TO x'\nconn.execute(SQL)\nx = " + "-" * 4000 + "1\n")
    one = _check(run_pinlint, "--jobs", "1")
    two = _check(run_pinlint, "--jobs", "2", "--pool-bytes", "0")
    assert _json(one) == _json(two)
    deep = [(c, m) for f, c, m in _json(two) if f == "deep.py"]
    assert len(deep) == 1 and deep[0][0] == "PIN000" and "nested too deeply" in deep[0][1]
    assert sum(1 for _, c, _ in _json(two) if c == "PIN101") == 20


def test_survey_results_that_cannot_be_pickled_are_dropped_per_file():
    class Unpicklable:
        def __reduce__(self):
            raise RecursionError("maximum recursion depth exceeded while pickling an object")

    import pickle

    blob = schedule._portable([(schedule._INDEX, {"ok": 1}, None), (schedule._INDEX | schedule._ANALYSE, Unpicklable(), "s")])
    assert pickle.loads(blob) == [(schedule._INDEX, {"ok": 1}, None), (schedule._ANALYSE, None, None)]


# --- memory --------------------------------------------------------------------------------------


def _peak_of(args, cwd):
    """(CompletedProcess, peak RSS in MB of that child) - run alone, so RUSAGE_CHILDREN's maximum is its own."""
    code = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
            "sys.stdout.write(r.stdout); sys.stderr.write(r.stderr); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(r.returncode)")
    r = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    *err, peak = r.stderr.strip().splitlines()
    return subprocess.CompletedProcess(r.args, r.returncode, r.stdout, "\n".join(err)), int(peak) // 1024


def test_a_file_of_400k_short_lines_is_refused_quickly_in_bounded_memory(write, tmp_path):
    """Before: 71 s and 3.5 GB (libcst's tree of 1.6M nodes, then a whole-module PositionProvider)."""
    write("big.py", "import psycopg\nconn.execute('SET search_path TO app')\n" + "x=1\n" * 400_000)
    write("ok.py", LEAK)
    started = time.monotonic()
    r, peak = _peak_of([sys.executable, "-m", "pinlint", "check", "--output-format", "json", "--no-cache",
                        "--jobs", "1"], tmp_path)
    elapsed = time.monotonic() - started
    got = _json(r)
    big = [m for f, c, m in got if f == "big.py"]
    assert len(big) == 1 and "memory bound" in big[0], got
    assert [c for f, c, _ in got if f == "ok.py"] == ["PIN101"]
    assert peak < 400, f"peak RSS {peak} MB"
    assert elapsed < 30, elapsed


def test_the_memory_bound_is_a_deterministic_prediction():
    """The bound applies before either parser builds its tree: a smaller bound refuses a smaller file,
    with the same message from the API as from the command line."""
    source = ("import psycopg\nconn.execute('SET search_path TO app')\n" + "x = 1\n" * 5000).encode()
    options = run_options(Settings())
    assert [d.code for d in check_source("m.py", source, options)] == ["PIN101"]
    small = replace(options, memory_bound=20 << 20)  # 20 MB: about 6,500 nodes
    got = check_source("m.py", source, small)
    assert [d.code for d in got] == ["PIN000"] and "memory bound (20 MB)" in got[0].message
    # a larger text is refused before CPython parses it (the token estimate)
    got = check_source("m.py", source * 40, replace(options, memory_bound=2 << 20))
    assert [d.code for d in got] == ["PIN000"] and "memory bound (2 MB)" in got[0].message


# --- time ----------------------------------------------------------------------------------------


def _slow_extract(monkeypatch, seconds=30.0):
    import pinlint.facts.extract

    real = pinlint.facts.extract.extract

    def slow(*args, **kwargs):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:  # pure Python: the timer interrupts it
            sum(range(1000))
        return real(*args, **kwargs)

    monkeypatch.setattr(pinlint.facts.extract, "extract", slow)


def test_a_file_over_its_time_budget_is_one_pin000(monkeypatch):
    _slow_extract(monkeypatch)
    options = replace(run_options(Settings()), time_budget=0.5)
    started = time.monotonic()
    got = check_source("slow.py", LEAK.encode(), options)
    assert time.monotonic() - started < 10
    assert [d.code for d in got] == ["PIN000"] and "per-file time budget" in got[0].message
    # the timer is off and the handler restored afterwards (library callers keep their own)
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, None)


def test_native_parsing_over_the_budget_is_reported_when_it_returns():
    """libcst's parser cannot be interrupted; the checkpoint after it reports the overrun."""
    source = ("import psycopg\nconn.execute('SET search_path TO app', " + "+".join(["x"] * 990) + ")\n").encode()
    options = replace(run_options(Settings()), time_budget=0.01, use_prefilter=False)
    got = check_source("plus.py", source, options)
    assert [d.code for d in got] == ["PIN000"] and "per-file time budget" in got[0].message


def test_time_outs_are_not_cached(monkeypatch, tmp_path):
    from pinlint.pipeline.cache import check_cached

    monkeypatch.chdir(tmp_path)
    options = replace(run_options(Settings(root=tmp_path)), time_budget=0.3, cache_dir=str(tmp_path / "c"))
    _slow_extract(monkeypatch, 5)
    first = check_cached("slow.py", LEAK.encode(), options, check_source)
    assert [d.code for d in first] == ["PIN000"]
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    again = check_cached("slow.py", LEAK.encode(), options, check_source)
    assert [d.code for d in again] == ["PIN101"]  # computed, not the time-out from the cache
    assert not list((tmp_path / "c").rglob(".tmp-*"))


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork",
                    reason="the test patches the extractor in the parent; only forked workers inherit the patch")
@pytest.mark.parametrize("jobs", [1, 2])
def test_the_time_budget_holds_in_workers_and_serially(monkeypatch, tmp_path, write, jobs):
    monkeypatch.chdir(tmp_path)
    for i in range(20):
        write(f"m{i:02}.py", LEAK.replace("app", f"s{i}"))
    write("slow.py", LEAK)
    import pinlint.facts.extract

    real = pinlint.facts.extract.extract

    def slow_for_one(module, index=None, filename=None, *args, **kwargs):
        if filename == "slow.py":
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                sum(range(1000))
        return real(module, index, filename, *args, **kwargs)

    monkeypatch.setattr(pinlint.facts.extract, "extract", slow_for_one)
    options = replace(run_options(Settings(root=tmp_path)), time_budget=1.0)
    paths = sorted(p.name for p in tmp_path.glob("*.py"))
    started = time.monotonic()
    got = schedule.check_paths(paths, options, jobs=jobs, pool_bytes=0)
    assert time.monotonic() - started < 40
    slow = [d for d in got if d.filename == "slow.py"]
    assert [d.code for d in slow] == ["PIN000"] and "time budget" in slow[0].message
    assert sum(1 for d in got if d.code == "PIN101") == 20


def test_the_flake8_plugin_keeps_the_budget(monkeypatch, tmp_path):
    import pinlint.api
    from pinlint import flake8_plugin

    _slow_extract(monkeypatch)
    real = pinlint.api.run_options
    monkeypatch.setattr(pinlint.api, "run_options", lambda settings: replace(real(settings), time_budget=0.5))
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "slow.py"
    path.write_text(LEAK)
    flake8_plugin._settings_for.cache_clear()
    try:
        results = list(flake8_plugin.Plugin(None, str(path), LEAK.splitlines(True)).run())
    finally:
        flake8_plugin._settings_for.cache_clear()
    assert len(results) == 1 and results[0][2].startswith("PIN000") and "time budget" in results[0][2]


# --- when a pool is worth it (item 9) ------------------------------------------------------------


def test_many_tiny_files_are_checked_without_a_pool(monkeypatch, tmp_path):
    """Before: any run of 16 files or more started a pool; 50,000 empty files took 12 s with 2 jobs, 7 s with 1."""
    import concurrent.futures

    monkeypatch.chdir(tmp_path)
    for i in range(2000):
        (tmp_path / f"e{i}.py").write_bytes(b"")
    (tmp_path / "leak.py").write_text(LEAK)
    started = []

    class NoPool(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            started.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", NoPool)
    paths = sorted(p.name for p in tmp_path.glob("*.py"))
    got = schedule.check_paths(paths, run_options(Settings(root=tmp_path)), jobs=2)
    assert [d.code for d in got] == ["PIN101"]
    assert started == []
    # enough bytes: the pool starts
    schedule.check_paths(paths, run_options(Settings(root=tmp_path)), jobs=2, pool_bytes=1)
    assert started == [1]


def test_pool_decision_counts_bytes(tmp_path):
    small = []
    for i in range(40):
        p = tmp_path / f"s{i}.py"
        p.write_bytes(b"x = 1\n")
        small.append(str(p))
    assert not schedule._worth_a_pool(small, 2)
    big = tmp_path / "big.py"
    big.write_bytes(b"x = 1\n" * (schedule.PARALLEL_BYTES // 6 + 1))
    assert schedule._worth_a_pool(small + [str(big)], 2)
    assert not schedule._worth_a_pool(small + [str(big)], 1)
    assert not schedule._worth_a_pool([str(big)] * 3, 2)  # too few files


if sys.platform == "win32":  # pragma: no cover
    pytestmark = pytest.mark.skip("POSIX signals and process features")


def test_a_budget_alarm_surfacing_as_systemerror_in_the_compiler_is_the_budget(monkeypatch):
    """The alarm can run inside a callback the compiler makes (a gc callback), and CPython then raises
    SystemError ("AST constructor recursion depth mismatch"): past the deadline that is the time budget;
    before it, the SystemError stands."""
    import ast
    import time

    from pinlint.pipeline import budget, parse

    def broken(*args, **kwargs):
        raise SystemError("AST constructor recursion depth mismatch (before=144, after=-725)")

    monkeypatch.setattr(ast, "parse", broken)
    monkeypatch.setattr(budget, "_deadline", time.monotonic() - 1)
    with pytest.raises(budget.BudgetExceeded):
        parse.bounded_ast_parse("x = 1\n")
    monkeypatch.setattr(budget, "_deadline", None)
    with pytest.raises(SystemError):
        parse.bounded_ast_parse("x = 1\n")
