"""Sweeps over real code nobody wrote for pinlint: the installed CPython standard library and the largest
installed packages. pinlint must finish with exit 0 or 1 (never 2), print no traceback, and turn every file
it cannot handle into one PIN000 diagnostic with a one-line reason, never an internal error.

Bounded in time: every run is a subprocess with a timeout; the sizes below keep the whole file near two
minutes on CI's two cores.
"""

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

STDLIB = Path(sysconfig.get_paths()["stdlib"])
SITE_PACKAGES = [Path(p) for p in dict.fromkeys((sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]))]
TIMEOUT = 600
#: Packages with SQL in them are swept whenever installed (the test extra installs the drivers).
SQL_PACKAGES = ("sqlalchemy", "django", "psycopg", "psycopg2", "asyncpg", "pymysql", "sqlglot")
#: Further packages, largest first, until their sources reach this many bytes.
OTHER_PACKAGES_BYTES = 6_000_000
#: Files CPython ships to test its own tokenizer and parser: odd encodings, BOMs, Python 2, bad syntax.
ODD_STDLIB_DIRS = ("lib2to3/tests/data", "test/tokenizedata", "test/typinganndata", "test/encoded_modules")
#: A slice of the standard library swept with --no-prefilter (every file parsed and extracted).
NO_PREFILTER_DIRS = ("email", "json", "sqlite3", "logging", "importlib", "concurrent") + ODD_STDLIB_DIRS


def _sources_bytes(directory: Path) -> int:
    total = 0
    for dirpath, _, filenames in os.walk(directory):
        total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in filenames if f.endswith(".py"))
    return total


def _packages():
    """The SQL packages that are installed, then the largest other packages up to a byte budget."""
    found = {}
    for site in SITE_PACKAGES:
        if site.is_dir():
            for entry in site.iterdir():
                if entry.is_dir() and entry.name.isidentifier() and (entry / "__init__.py").is_file():
                    found.setdefault(entry.name, entry)
    chosen = [found[n] for n in SQL_PACKAGES if n in found]
    budget = OTHER_PACKAGES_BYTES
    for size, path in sorted(((_sources_bytes(p), p) for n, p in found.items() if n not in SQL_PACKAGES),
                             key=lambda t: (-t[0], t[1].name)):
        if size <= budget:
            chosen.append(path)
            budget -= size
    return chosen


def run_check(tmp_path, *args):
    cmd = [sys.executable, "-m", "pinlint", "check", "--output-format", "json", "--exit-zero", *map(str, args)]
    try:
        r = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"pinlint did not finish within {TIMEOUT}s: {' '.join(cmd)}")
    return r


def assert_sound(r):
    """Exit 0 or 1, no traceback, valid JSON, and every PIN000 a one-line reason that is not an internal error."""
    assert r.returncode in (0, 1), f"exit {r.returncode}\n{r.stderr[-3000:]}"
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    diagnostics = json.loads(r.stdout)
    for d in diagnostics:
        if d["code"] == "PIN000":
            message = d["message"]
            assert "\n" not in message and message.split(":", 1)[1].strip(), d
            assert "internal error" not in message and "worker process" not in message, d
    return diagnostics


def test_standard_library(tmp_path):
    diagnostics = assert_sound(run_check(tmp_path, "--jobs", "2", STDLIB))
    # the standard library's own odd files hold no SQL: the prefilter skips them, nothing to say
    assert all(Path(d["filename"]).is_absolute() for d in diagnostics)


def test_largest_installed_packages(tmp_path):
    packages = _packages()
    assert packages, f"no packages found in {SITE_PACKAGES}"
    assert_sound(run_check(tmp_path, "--jobs", "2", *packages))


def _no_prefilter_paths():
    return [STDLIB / d for d in NO_PREFILTER_DIRS if (STDLIB / d).is_dir()]


def test_standard_library_without_prefilter(tmp_path):
    """Every file of the slice goes through decode, libcst, the extractor and the rules."""
    paths = _no_prefilter_paths()
    assert len(paths) >= 4
    r = run_check(tmp_path, "--jobs", "2", "--no-prefilter", *paths)
    diagnostics = assert_sound(r)
    by_file = {}
    for d in diagnostics:
        by_file.setdefault(Path(d["filename"]).relative_to(STDLIB).as_posix(), []).append(d)
    # CPython's deliberately broken files are each reported once, with the reason
    expected = {
        "lib2to3/tests/data/py2_test_grammar.py": "syntax error",
        "test/tokenizedata/bad_coding.py": "bad coding cookie",
        "test/tokenizedata/badsyntax_pep3120.py": "bad coding cookie",
    }
    for name, reason in expected.items():
        if (STDLIB / name).exists():
            got = [d for d in by_file.get(name, ()) if d["code"] == "PIN000"]
            assert len(got) == 1 and reason in got[0]["message"], (name, by_file.get(name))


def test_jobs_do_not_change_output_on_real_code(tmp_path):
    paths = _no_prefilter_paths()
    one = run_check(tmp_path, "--jobs", "1", "--no-prefilter", *paths)
    two = run_check(tmp_path, "--jobs", "2", "--no-prefilter", *paths)
    assert_sound(one)
    assert one.stdout == two.stdout
    assert one.returncode == two.returncode
