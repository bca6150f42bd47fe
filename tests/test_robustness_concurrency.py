"""--jobs N gives the same bytes as --jobs 1; a worker that dies is reported, not hung on; Ctrl-C stops cleanly."""

import multiprocessing
import os
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from pinlint.pipeline import schedule as engine
from pinlint.api import run_options
from pinlint.config import Settings

LEAK = 'import psycopg\n\ndef f(conn):\n    conn.execute("SET search_path TO {name}")\n'
CLEAN = 'import psycopg\n\ndef f(conn):\n    conn.execute("SET LOCAL search_path TO app")\n'


def _generated_tree(write, count):
    """Files of every kind: findings, clean code, syntax errors, bad encodings, deep nesting, noqa."""
    kinds = [
        lambda i: LEAK.format(name=f"s{i}"),
        lambda i: CLEAN,
        lambda i: "import psycopg\ndef f(:\n    conn.execute('SET search_path TO app')\n",
        lambda i: b"import psycopg\nconn.execute('SET search_path TO caf\xe9')\n",
        lambda i: "import psycopg\nconn.execute(" + "+".join(["'SET search_path TO app'"] * 5000) + ")\n",
        lambda i: LEAK.format(name=f"s{i}").replace('")\n', '")  # noqa: PIN101\n'),
        lambda i: "import psycopg\n" + "".join(f"conn.execute('SET work_mem TO {j}')\n" for j in range(i % 7)),
        lambda i: "import asyncpg\nasync def f(c):\n    await c.execute('LISTEN ch{0}')\n    await c.fetch(\"SELECT pg_advisory_lock({0})\")\n".format(i),
    ]
    for i in range(count):
        write(f"pkg{i % 9}/m{i:03}.py", kinds[i % len(kinds)](i))


@pytest.mark.parametrize("fmt", ["json", "concise"])
def test_jobs_give_identical_bytes(run_pinlint, write, fmt):
    _generated_tree(write, 300)
    runs = [run_pinlint("check", "--no-cache", "--output-format", fmt, "--jobs", str(j), "--pool-bytes", "0")
            for j in (1, 2, 3)]
    assert runs[0].returncode == 1, runs[0].stderr
    assert "Traceback" not in runs[0].stderr
    assert runs[0].stdout.count("PIN000") >= 3 * 300 // 8  # syntax, encoding and depth files
    for r in runs[1:]:
        assert (r.returncode, r.stdout, r.stderr) == (runs[0].returncode, runs[0].stdout, runs[0].stderr)


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork",
                    reason="the test patches the engine in the parent; only forked workers inherit the patch")
def test_a_worker_that_dies_is_reported_and_the_others_finish(write, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for i in range(40):
        write(f"m{i:02}.py", LEAK.format(name=f"s{i}"))
    write("m17_die.py", LEAK.format(name="x"))
    paths = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.glob("*.py"))
    options = run_options(Settings(root=tmp_path))
    expected = engine.check_paths(paths, options, jobs=1)

    real_check_path = engine.check_path

    def dying_check_path(path, opts, *args, **kwargs):
        if path.endswith("_die.py") and multiprocessing.parent_process() is not None:
            os._exit(3)  # the worker vanishes, as on a crash in native code
        return real_check_path(path, opts, *args, **kwargs)

    monkeypatch.setattr(engine, "check_path", dying_check_path)
    got = engine.check_paths(paths, options, jobs=2, pool_bytes=0)
    dead = [d for d in got if d.filename == "m17_die.py"]
    assert [d.code for d in dead] == ["PIN000"] and "worker process" in dead[0].message
    # every other file has its real result, not a blanket "worker died"
    assert [d for d in got if d.filename != "m17_die.py"] == [d for d in expected if d.filename != "m17_die.py"]


def _children(pid):
    try:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):  # pragma: no cover
        return None
    return out.stdout.split()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_stops_cleanly(tmp_path, jobs):
    """SIGINT to the process group (what Ctrl-C does): exit 130 within seconds, no traceback, no worker left."""
    big = Path(sysconfig.get_paths()["stdlib"])  # minutes of work with --no-prefilter
    proc = subprocess.Popen(
        [sys.executable, "-m", "pinlint", "check", "--no-prefilter", "--no-cache", "--jobs", jobs, str(big)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        # wait until the files are being analysed (workers started, or the serial run well under way)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            kids = _children(proc.pid)
            if (jobs == "1" and kids is not None) or (kids and len(kids) >= 2):
                break
            time.sleep(0.2)
        time.sleep(1)
        assert proc.poll() is None, "pinlint finished before it could be interrupted"
        os.killpg(proc.pid, signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail("pinlint did not stop within 30 s of SIGINT")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    # no worker outlives the run
    for _ in range(50):
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("worker processes were still running after pinlint exited")


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[-1][:1] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
@pytest.mark.parametrize("signame, code", [("SIGTERM", 143), ("SIGHUP", 129)])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sigterm_and_sighup_stop_the_run_and_its_workers(tmp_path, signame, code, jobs):
    """Before: SIGTERM (what a cancelled CI job sends) killed only the main process; its workers lived on
    with PPID 1. Now: the pool is terminated and reaped, exit 128 + the signal, no traceback."""
    big = Path(sysconfig.get_paths()["stdlib"])
    proc = subprocess.Popen(
        [sys.executable, "-m", "pinlint", "check", "--no-prefilter", "--no-cache", "--jobs", jobs, str(big)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    workers = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            kids = _children(proc.pid) or []
            if (jobs == "1" and _children(proc.pid) is not None) or len(kids) >= 2:
                workers = kids
                break
            time.sleep(0.2)
        time.sleep(1)
        assert proc.poll() is None, "pinlint finished before it could be signalled"
        workers = _children(proc.pid) or workers
        os.kill(proc.pid, getattr(signal, signame))  # the main process only, as a CI runner does
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"pinlint did not stop within 30 s of {signame}")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == code, err
    assert "Traceback" not in err and "terminated" in err
    if jobs == "2":
        assert workers, "no worker was seen"
    for _ in range(50):
        left = [pid for pid in workers if _alive(int(pid))]
        if not left:
            break
        time.sleep(0.1)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"workers {left} outlived pinlint")
