import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def run_pinlint(tmp_path):
    """Run ``python -m pinlint`` in a subprocess (cwd: tmp_path unless given)."""

    def run(*args, cwd=None, input=None, env=None):
        return subprocess.run(
            [sys.executable, "-m", "pinlint", *args],
            cwd=cwd or tmp_path, input=input, capture_output=True, text=True, timeout=120, env=env,
        )

    return run


@pytest.fixture
def check(run_pinlint):
    """``pinlint check --no-cache ARGS`` in tmp_path (a subprocess, as a user runs it)."""
    return lambda *args: run_pinlint("check", "--no-cache", *args)


@pytest.fixture
def write(tmp_path):
    def write(rel, text, encoding="utf-8"):
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text, encoding=encoding)
        return p

    return write
