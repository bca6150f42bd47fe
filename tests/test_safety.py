"""pinlint never imports, executes or evals the code it checks, opens no network connection, and writes
nothing but its cache."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

LEAK = 'import psycopg\n\ndef f(conn):\n    conn.execute("SET search_path TO app")\n'


def _booby_trap(marker: Path, what: str) -> str:
    """Source that leaves a marker file when it is imported or executed, and has SQL for pinlint to find."""
    return textwrap.dedent(f"""\
        import psycopg
        open({str(marker)!r}, "a").write({what!r} + "\\n")
        conn = psycopg.connect("")
        conn.execute("SET search_path TO {what}")
        """)


def _plant(tree: Path, marker: Path) -> None:
    files = {
        "evil.py": "evil",
        "conftest.py": "conftest",
        "setup.py": "setup",
        "__init__.py": "init",
        "__main__.py": "main",
        "sitecustomize.py": "sitecustomize",
        "usercustomize.py": "usercustomize",
        "pkg/__init__.py": "pkg-init",
        "pkg/mod.pyi": "stub",
        # names of modules pinlint itself imports: picked up from the current directory, they would run
        "click.py": "click",
        "libcst.py": "libcst",
        "sqlglot.py": "sqlglot",
        "tomllib.py": "tomllib",
        "psycopg.py": "psycopg",
        "json.py": "json",
        "typing_extensions.py": "typing_extensions",
    }
    for rel, what in files.items():
        p = tree / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(_booby_trap(marker, what))
    (tree / "evil.pth").write_text(f"import os; open({str(marker)!r}, 'a').write('pth\\n')\n")
    # a coding cookie naming a codec pinlint must not go looking for in the tree
    (tree / "codec.py").write_bytes(b"# -*- coding: evilcodec -*-\n" + _booby_trap(marker, "codec").encode())
    (tree / "evilcodec.py").write_text(_booby_trap(marker, "evilcodec"))
    (tree / "encodings").mkdir()
    (tree / "encodings" / "evilcodec.py").write_text(_booby_trap(marker, "encodings.evilcodec"))


def _commands():
    yield "module", [sys.executable, "-m", "pinlint"]
    script = shutil.which("pinlint", path=sysconfig.get_paths()["scripts"])
    if script:
        yield "script", [script]


@pytest.mark.parametrize("how", [name for name, _ in _commands()])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_checked_code_is_never_imported_or_run(tmp_path, how, jobs):
    tree = tmp_path / "tree"
    tree.mkdir()
    marker = tmp_path / "marker"
    _plant(tree, marker)
    for i in range(20):  # enough files for worker processes
        (tree / f"m{i}.py").write_text(_booby_trap(marker, f"m{i}"))
    command = dict(_commands())[how]
    r = subprocess.run([*command, "check", "--output-format", "json", "--jobs", jobs, "--pool-bytes", "0",
                        "--no-prefilter"], cwd=tree, capture_output=True, text=True, timeout=300)
    assert not marker.exists(), f"analysed code ran: {marker.read_text()}"
    assert r.returncode == 1, r.stderr
    found = {d["filename"] for d in json.loads(r.stdout) if d["code"] == "PIN101"}
    assert {"evil.py", "conftest.py", "setup.py", "sqlglot.py", "click.py"} <= found  # checked, not run
    codec = [d for d in json.loads(r.stdout) if d["filename"] == "codec.py"]
    assert [d["code"] for d in codec] == ["PIN000"] and "evilcodec" in codec[0]["message"]


NETWORK_GUARD = '''
import os
import socket

_LOG = os.environ["PINLINT_TEST_NETWORK_LOG"]


def _refuse(*args, **kwargs):
    with open(_LOG, "a") as fh:
        fh.write(f"{os.getpid()} {args!r}\\n")
    raise OSError("network access blocked by the test")


socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.socket.sendto = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
open(os.environ["PINLINT_TEST_NETWORK_LOG"] + ".loaded", "a").write(f"{os.getpid()}\\n")
'''


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_no_network_during_check(tmp_path, jobs):
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(NETWORK_GUARD)
    tree = tmp_path / "tree"
    tree.mkdir()
    for i in range(30):
        (tree / f"m{i}.py").write_text(LEAK.replace("app", f"s{i}")
                                       + "import urllib.request\nurllib.request.urlopen('http://example.com')\n")
    (tree / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.pinlint]\ntarget = "any"\n')
    log = tmp_path / "network.log"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(guard), os.environ.get("PYTHONPATH")])),
               PINLINT_TEST_NETWORK_LOG=str(log))
    for args in (["check", "--jobs", jobs, "--pool-bytes", "0"],
                 ["check", "--jobs", jobs, "--pool-bytes", "0", "--output-format", "full"],
                 ["rule", "PIN101"], ["rules"]):
        r = subprocess.run([sys.executable, "-m", "pinlint", *args], cwd=tree, env=env, capture_output=True,
                           text=True, timeout=300)
        assert r.returncode in (0, 1), r.stderr
        assert "Traceback" not in r.stderr
    assert Path(str(log) + ".loaded").exists(), "the network guard was not loaded"
    assert not log.exists(), f"network access attempted: {log.read_text()}"


def _snapshot(root: Path):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            out[p.relative_to(root).as_posix()] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


@pytest.mark.parametrize("args", [[], ["--output-format", "full"], ["--statistics"], ["--output-format", "json"],
                                  ["--jobs", "2", "--pool-bytes", "0"],
                                  ["--no-prefilter", "--jobs", "2", "--pool-bytes", "0"]])
def test_check_writes_nothing_but_its_cache(tmp_path, args):
    tree = tmp_path / "tree"
    (tree / "pkg" / "sub").mkdir(parents=True)
    for i in range(20):
        (tree / "pkg" / f"m{i}.py").write_text(LEAK.replace("app", f"s{i}"))
    (tree / "pkg" / "sub" / "bad.py").write_text("def f(:\n")
    (tree / "pkg" / "sub" / "latin.py").write_bytes(b"x = '\xe9'\nSET = 'SET search_path TO a'\n")
    (tree / "pkg" / "__init__.py").write_text("")
    (tree / "schema.sql").write_text("SET search_path TO app;\n")
    (tree / "pyproject.toml").write_text('[tool.pinlint]\ntarget = "pgbouncer"\n')
    os.utime(tree / "pkg" / "m0.py", ns=(1_000_000_000, 1_000_000_000))
    before = _snapshot(tree)
    r = subprocess.run([sys.executable, "-m", "pinlint", "check", *args], cwd=tree, capture_output=True, text=True,
                       timeout=300, env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    assert r.returncode == 1, r.stderr
    after = {k: v for k, v in _snapshot(tree).items() if k != ".pinlint_cache" and not k.startswith(".pinlint_cache/")}
    assert after == before
