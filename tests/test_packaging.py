"""The rule specs are found the same way from a source checkout, an editable install and a built wheel,
and ``rules`` never becomes an importable top-level package."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

PROBE = (
    "import importlib.util, pinlint.specs as s; "
    "print(s.specs_dir()); print(len(s.load_specs())); "
    "print(importlib.util.find_spec('rules') is None)"
)
N_SPECS = len(list((ROOT / "rules").glob("PIN*.toml")))


def _run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def _probe(python, cwd, env=None):
    out = _run([python, "-c", PROBE], cwd=cwd, env=env).splitlines()
    return Path(out[0]), int(out[1]), out[2] == "True"


def test_source_checkout():
    where, n, no_rules_pkg = _probe(sys.executable, ROOT)
    assert where == ROOT / "rules" and n == N_SPECS
    # from the checkout root every directory is importable (cwd is on sys.path); that is Python, not us


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-w", str(out)])
    (whl,) = out.glob("pinlint_db-*.whl")
    return whl


def test_wheel_contents(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    specs = [n for n in names if n.startswith("pinlint/rulespecs/") and n.endswith(".toml")]
    assert len(specs) == N_SPECS
    assert not [n for n in names if n.startswith("rules/")]
    assert not [n for n in names if n.startswith("tests/") or n.startswith("examples/")]
    meta = next(n for n in names if n.endswith("METADATA"))
    text = zipfile.ZipFile(wheel).read(meta).decode()
    assert "Name: pinlint-db" in text
    entry = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "pinlint = pinlint.cli:main" in entry
    assert "[pytest11]\npinlint = pinlint.proxy.pytest_plugin" in entry  # off unless --pinlint-proxy
    assert {"pinlint/proxy/server.py", "pinlint/proxy/pytest_plugin.py",
            "pinlint/checks/drivers/startup_parameters.py"} <= set(names)


def test_installed_wheel(wheel, tmp_path):
    target = tmp_path / "site"
    _run([sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target), str(wheel)])
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    where, n, no_rules_pkg = _probe(sys.executable, tmp_path, env=env)
    assert where == target / "pinlint" / "rulespecs" and n == N_SPECS
    assert no_rules_pkg


def test_editable_install(tmp_path):
    venv = tmp_path / "venv"
    # no pip (and so no old setuptools) of its own: the build uses this interpreter's setuptools
    _run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)])
    py = str(venv / "bin" / "python")
    _run([sys.executable, "-m", "pip", "--python", py, "install", "-q", "--no-deps", "--no-build-isolation",
          "-e", str(ROOT)])
    where, n, no_rules_pkg = _probe(py, tmp_path)
    assert where == ROOT / "rules" and n == N_SPECS
    assert no_rules_pkg
