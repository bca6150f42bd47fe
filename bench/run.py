#!/usr/bin/env python3
"""Benchmark pinlint against ruff on real code bases (pinned sdists from PyPI).

    python bench/run.py                 # Django 5.2.19, SQLAlchemy 2.0.58, Celery 5.4.0; 3 runs each
    python bench/run.py --runs 5 --trees django
    python bench/run.py --flake8        # also time flake8 (slow: about 100 s on Django)

pinlint is installed from this checkout into a venv of its own (bench/.cache/pinlint-venv, a plain
``pip install``, reinstalled each run) and flake8 into another, so that neither pays for the other's
environment. Prints, per tree: whole-process wall time (median of N runs) for pinlint cold (no result cache),
pinlint warm (result cache filled), pinlint on one file as pre-commit runs it (a file without SQL and
one with SQL), ruff with its default rules and with all rules, flake8 with its default plugins on the
same single files (from a venv of its own under bench/.cache, so that pinlint's flake8 plugin is not
in it), and the ratios; peak memory (max RSS of the pinlint process); and pinlint's own phase
breakdown (``--timings``). Speed is never asserted in the test suite: this script is run by
hand and in review.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import List

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
TREES = {
    "django": ("django==5.2.19", "django-5.2.19"),
    "sqlalchemy": ("sqlalchemy==2.0.58", "sqlalchemy-2.0.58"),
    "celery": ("celery==5.4.0", "celery-5.4.0"),
}
#: a file without SQL, as most commits touch (the one-file run of the common case)
PLAIN_FILE = {
    "django": "django/utils/text.py",
    "sqlalchemy": "lib/sqlalchemy/util/langhelpers.py",
    "celery": "celery/utils/text.py",
}
#: the file pre-commit would pass in the one-file run (a file with SQL in it)
ONE_FILE = {
    "django": "django/db/backends/postgresql/base.py",
    "sqlalchemy": "lib/sqlalchemy/dialects/postgresql/base.py",
    "celery": "celery/backends/database/__init__.py",
}


def fetch(requirement: str, dirname: str) -> Path:
    """Download and unpack a pinned sdist (cached under bench/.cache)."""
    target = CACHE / dirname
    if target.is_dir():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                        "-d", tmp, requirement], check=True)
        (archive,) = Path(tmp).glob("*.tar.gz")
        with tarfile.open(archive) as tar:
            tar.extractall(CACHE, filter="data") if sys.version_info >= (3, 12) else tar.extractall(CACHE)
    return target


#: the cold-run goal per tree (pinlint cold / ruff with its default rules)
GOAL = {"django": 3, "sqlalchemy": 6, "celery": 3}
FLAKE8_VENV = CACHE / "flake8-venv"
PINLINT_VENV = CACHE / "pinlint-venv"
REPO = HERE.parent


def _venv(path: Path, *requirements: str) -> Path:
    """The python of a venv under bench/.cache, created with ``requirements`` on first use."""
    python = path / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *requirements], check=True)
    return python


def ensure_flake8() -> List[str]:
    """flake8 with its default plugins only, in a venv of its own: where pinlint-db is installed, the
    flake8 beside it would run pinlint's plugin too."""
    return [str(_venv(FLAKE8_VENV, "flake8")), "-m", "flake8"]


def ensure_pinlint() -> List[str]:
    """pinlint from this checkout, installed as a user installs it (``pip install``, not editable: pip
    compiles the bytecode) into a venv of its own, as flake8 is: a development environment's start-up
    (an editable install's import hook, other packages' ``.pth`` files) is not pinlint's. Reinstalled on
    every run, so that the figures are of the code as it is now."""
    python = _venv(PINLINT_VENV, str(REPO))
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(REPO)],
                   check=True)
    return [str(python), "-m", "pinlint", "check", "--quiet", "--exit-zero"]


def ensure_ruff() -> str:
    ruff = shutil.which("ruff")
    if ruff is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "ruff"], check=True)
        ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    return ruff


def timed(cmd, cwd, env=None):
    """Wall time of one run, and its output."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return wall, proc


#: Runs a command and prints the peak RSS of it and its descendants, in KB. A fresh small process, so
#: that the figure is not the benchmark's own size (a forked child counts its parent's pages until exec).
_PEAK = (
    "import resource, subprocess, sys\n"
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def peak_mb(cmd, cwd, env=None) -> float:
    out = subprocess.run([sys.executable, "-c", _PEAK, *cmd], cwd=cwd, env=env, capture_output=True, text=True)
    return int(out.stdout.strip() or 0) / 1024


def paired(cmd_a, cmd_b, cwd, runs, env=None):
    """Median wall times of two commands run in turn (A B A B ...), and the median of the ratios A/B
    pair by pair: when the machine's speed drifts during the benchmark, both commands of a pair see the
    same speed, and the ratio stays meaningful."""
    a_walls, b_walls, ratios, proc = [], [], [], None
    for _ in range(runs):
        a, proc = timed(cmd_a, cwd, env)
        b, _ = timed(cmd_b, cwd)
        a_walls.append(a)
        b_walls.append(b)
        ratios.append(a / b)
    return statistics.median(a_walls), statistics.median(b_walls), statistics.median(ratios), proc


def median(cmd, cwd, runs, env=None, before_each=None):
    walls, proc = [], None
    for _ in range(runs):
        if before_each:
            before_each()
        wall, proc = timed(cmd, cwd, env)
        walls.append(wall)
    return statistics.median(walls), proc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--trees", nargs="*", default=list(TREES), choices=list(TREES))
    ap.add_argument("--flake8", action="store_true", help="also time flake8 --select PIN (slow)")
    ap.add_argument("--no-verify", action="store_true",
                    help="skip comparing findings across --jobs 1/2 and --no-prefilter (the last takes minutes)")
    args = ap.parse_args()

    ruff = ensure_ruff()
    flake8 = ensure_flake8()
    # as installed: modules load from bytecode (some sandboxes and CI images set PYTHONDONTWRITEBYTECODE,
    # which would time the compiler at every start)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    # each tool runs from its own venv: a PYTHONPATH (a checkout of pinlint, say) would put pinlint's
    # flake8 plugin into flake8's run, and the checkout in place of the installed pinlint
    os.environ.pop("PYTHONPATH", None)
    pinlint = ensure_pinlint()
    env = dict(os.environ)
    subprocess.run(pinlint + ["--no-cache", str(Path(__file__))], env=env, capture_output=True, check=False)
    for name in args.trees:
        tree = fetch(*TREES[name])
        files = sum(1 for _ in tree.rglob("*.py"))
        lines = sum(p.read_bytes().count(b"\n") for p in tree.rglob("*.py"))
        cache_dir = Path(tempfile.mkdtemp(prefix="pinlint-bench-cache-"))
        print(f"\n## {name}: {files} .py files, {lines} lines ({tree})")
        rows = []

        ruff_cmd = [ruff, "check", "--no-cache", "--exit-zero", "--quiet", "."]
        cold, r_def, ratio, proc = paired(pinlint + ["--no-cache", "--statistics", "."], ruff_cmd, tree, args.runs, env)
        cold_mem = peak_mb(pinlint + ["--no-cache", "."], tree, env)
        findings = proc.stdout.strip().splitlines()
        rows.append(("pinlint cold (no cache)", cold))
        warm_cmd = pinlint + ["--cache-dir", str(cache_dir), "."]
        timed(warm_cmd, tree, env)  # fill the cache
        warm, _ = median(warm_cmd, tree, args.runs, env)
        rows.append(("pinlint warm (result cache)", warm))
        plain, f8_plain, plain_ratio, _ = paired(pinlint + ["--no-cache", PLAIN_FILE[name]],
                                                 flake8 + ["--exit-zero", PLAIN_FILE[name]], tree, args.runs, env)
        rows.append((f"pinlint one file, no SQL ({PLAIN_FILE[name]})", plain))
        one, f8_one, one_ratio, _ = paired(pinlint + ["--no-cache", ONE_FILE[name]],
                                           flake8 + ["--exit-zero", ONE_FILE[name]], tree, args.runs, env)
        rows.append((f"pinlint one file, SQL ({ONE_FILE[name]})", one))
        rows.append(("flake8 (default plugins), the file without SQL", f8_plain))
        rows.append(("flake8 (default plugins), the file with SQL", f8_one))
        rows.append(("ruff, default rules", r_def))
        r_all, _ = median([ruff, "check", "--no-cache", "--exit-zero", "--quiet", "--select", "ALL", "."],
                             tree, args.runs)
        rows.append(("ruff, all rules", r_all))
        if args.flake8:
            f8, _ = median([sys.executable, "-m", "flake8", "--select", "PIN", "--exit-zero", "."], tree, 1)
            rows.append(("flake8 --select PIN (1 run)", f8))

        width = max(len(r[0]) for r in rows)
        for label, wall in rows:
            print(f"  {label:<{width}}  {wall:7.2f} s")
        print(f"  cold / ruff default: {ratio:.1f}x, the median of {args.runs} pairs run in turn"
              f"   (goal: at most {GOAL[name]}x)")
        print(f"  one file / flake8: {plain_ratio:.1f}x without SQL, {one_ratio:.1f}x with SQL, medians of pairs"
              " (goal: at most 1x)")
        print(f"  warm: {warm:.2f} s (goal: at most 0.3 s)")
        print(f"  peak memory, pinlint cold (largest process): {cold_mem:.0f} MB (goal: under 300 MB)")
        print("  findings: " + ("; ".join(line.strip() for line in findings) or "none"))
        if not args.no_verify:
            verify(pinlint, tree, env)
        _, timing = timed(pinlint + ["--no-cache", "--timings", "."], tree, env)
        print("  pinlint phases (--timings):")
        for line in timing.stderr.strip().splitlines():
            print("    " + line)
        shutil.rmtree(cache_dir, ignore_errors=True)


def verify(pinlint, tree, env) -> None:
    """The findings do not depend on --jobs, and the prefilter (with focus) hides none: without it the
    only extra findings are PIN000 for files that do not parse (the prefilter skips those on purpose
    when they cannot hold SQL)."""
    def findings(*extra):
        _, proc = timed(pinlint + ["--no-cache", "--output-format", "json", *extra, "."], tree, env)
        import json

        return {(d["filename"], d["code"], d["location"]["row"], d["location"]["column"])
                for d in json.loads(proc.stdout)}

    one, two, unfiltered = findings("--jobs", "1"), findings("--jobs", "2"), findings("--no-prefilter")
    extra = {f for f in unfiltered - two if f[1] != "PIN000"}
    print(f"  findings --jobs 1 == --jobs 2: {'yes' if one == two else 'NO'}   "
          f"prefilter hides none: {'yes' if not extra and two <= unfiltered else 'NO ' + repr(sorted(extra))}")


if __name__ == "__main__":
    main()
