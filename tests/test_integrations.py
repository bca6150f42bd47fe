"""pinlint as users run it from other tools: flake8 (the PIN plugin) and pre-commit (the hook), for real."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

LEAK = 'import psycopg\n\ndef f(conn):\n    conn.execute("SET search_path TO app")\n'
CONNECT = 'import psycopg\n\nconn = psycopg.connect("host=pgbouncer dbname=app")\n'
NEXTVAL = 'import psycopg\n\ndef f(conn):\n    conn.execute("SELECT nextval(\'s\')")\n'


def run(cmd, cwd, env=None, timeout=120):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


# -- flake8 ----------------------------------------------------------------------------------------

def flake8(cwd, *args):
    return run([sys.executable, "-m", "flake8", "--select", "PIN", *args], cwd)


def test_flake8_sees_the_plugin(tmp_path):
    r = run([sys.executable, "-m", "flake8", "--version"], tmp_path)
    assert "pinlint-db" in r.stdout, (
        "the flake8.extension entry point is not installed: run `pip install -e .` again\n" + r.stdout)


def test_flake8_reports_what_pinlint_reports(tmp_path, write, run_pinlint):
    write("app.py", LEAK)
    write("pkg/seq.py", NEXTVAL)
    write("pkg/multi.py", 'import psycopg\n\ndef f(conn):\n    conn.execute("""\n        SELECT 1;\n        LISTEN x\n    """)\n')
    r = flake8(tmp_path, ".")
    assert r.returncode == 1, r.stdout + r.stderr
    got = sorted(r.stdout.splitlines())
    expected = sorted("./" + line for line in run_pinlint("check", "--no-cache", "-q").stdout.splitlines())
    assert got == expected and len(got) == 3
    # 1-based columns out, as pinlint prints them
    assert "./app.py:4:19: PIN101 `SET search_path` lasts for the session" in r.stdout
    assert "./pkg/multi.py:6:9: PIN121" in r.stdout


def test_flake8_follows_other_modules_as_check_does(tmp_path, write, run_pinlint):
    # a constant and a wrapper in other modules: only the project index shows the hazard in jobs.py
    write("myapp/__init__.py", "")
    write("myapp/sql.py", 'LOCK_SQL = "SELECT pg_advisory_lock(%s)"\n')
    write("myapp/db.py", "import psycopg\n\ndef run(sql, *args):\n    with psycopg.connect('') as c:\n"
                         "        c.execute(sql, args)\n")
    write("myapp/jobs.py", "from myapp import db\nfrom myapp.sql import LOCK_SQL\n\ndef lock(key):\n"
                           "    db.run(LOCK_SQL, key)\n    db.run('SET search_path TO app')\n")
    expected = sorted(run_pinlint("check", "--no-cache", "-q", "--select", "PIN151,PIN101").stdout.splitlines())
    assert len(expected) == 2 and all(line.startswith("myapp/jobs.py:") for line in expected), expected
    for args in ((".",), ("myapp/jobs.py",)):  # the whole tree, or one file as a pre-commit hook passes it
        r = flake8(tmp_path, "--select", "PIN151,PIN101", *args)
        got = sorted(line[2:] if line.startswith("./") else line for line in r.stdout.splitlines())
        assert got == expected, (args, r.stdout + r.stderr)


def test_flake8_reads_tool_pinlint(tmp_path, write):
    write("app.py", LEAK)
    write("pkg/seq.py", NEXTVAL)
    write("pyproject.toml", '[tool.pinlint]\ntarget = "pgbouncer"\nextend-exclude = ["pkg/"]\n'
                            '[tool.pinlint.pgbouncer]\ntrack-extra-parameters = ["search_path"]\n')
    # pgbouncer tracks search_path here, nextval is an RDS Proxy rule and pkg/ is excluded anyway
    r = flake8(tmp_path, ".")
    assert r.returncode == 0 and r.stdout == "", r.stdout + r.stderr
    write("pyproject.toml", '[tool.pinlint]\ntarget = "rds-proxy"\nignore = ["PIN101"]\n')
    r = flake8(tmp_path, "app.py", "pkg/seq.py")
    lines = r.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pkg/seq.py:4:26: PIN161 "), r.stdout
    assert "pins the session under RDS Proxy" in r.stdout


def test_flake8_config_found_from_the_files_directory(tmp_path, write):
    write("svc/pinlint.toml", 'ignore = ["PIN101"]\n')
    write("svc/app.py", LEAK)
    write("other/app.py", LEAK)
    r = flake8(tmp_path, ".")
    assert [line.split(":")[0] for line in r.stdout.splitlines()] == ["./other/app.py"]


def test_flake8_noqa_and_select(tmp_path, write):
    write("app.py", LEAK.replace('app")\n', 'app")  # noqa: PIN101\n'))
    write("b.py", LEAK)
    assert flake8(tmp_path, "app.py").stdout == ""
    assert flake8(tmp_path, "b.py", "--extend-ignore", "PIN101").stdout == ""
    assert run([sys.executable, "-m", "flake8", "--select", "E9", "b.py"], tmp_path).stdout == ""


def test_flake8_bad_config_is_one_clear_error(tmp_path, write):
    write("app.py", LEAK)
    write("pyproject.toml", '[tool.pinlint]\ntarget = "pgbouncr"\n')
    r = flake8(tmp_path, "app.py")
    assert "Traceback" not in r.stderr
    assert r.stdout.startswith("app.py:1:1: PIN000 invalid pinlint configuration:") and "target" in r.stdout


def test_flake8_coding_cookie(tmp_path, write):
    write("a.py", "# -*- coding: latin-1 -*-\nimport psycopg\nconn = psycopg.connect('', prepare_threshold=None)\n"
                  "conn.execute('SET search_path TO caf\xe9')\n", encoding="latin-1")
    r = flake8(tmp_path, "a.py")
    assert r.stdout.startswith("a.py:4:15: PIN101"), r.stdout + r.stderr


# -- pre-commit ------------------------------------------------------------------------------------

def _git(cwd, *args):
    r = run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false", *args], cwd)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory):
    """The package as it is in this working tree, committed to a fresh git repository: what pre-commit
    clones from a `repo:` URL (try-repo on this checkout itself would leave out uncommitted new files)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    dest = tmp_path_factory.mktemp("hook-repo")
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in ("pinlint", "rules"):
        shutil.copytree(ROOT / name, dest / name, ignore=skip)
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(ROOT / name, dest / name)
    _git(dest, "init", "-q")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "snapshot")
    return dest


def test_hook_file_declares_the_hook():
    import yaml  # pre-commit's own dependency

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in hooks] == ["pinlint", "pinlint-fix"]
    hook, fix = hooks
    assert hook["entry"] == "pinlint check --force-exclude"
    assert hook["language"] == "python" and hook["require_serial"] is False
    assert set(hook["types_or"]) == {"python", "pyi", "sql"}
    # --fix in the entry: a configuration's own `args:` add to it instead of replacing it
    assert fix["entry"] == "pinlint check --force-exclude --fix" and "args" not in fix
    assert fix["require_serial"] is True  # a fix may edit a module that another batch of files also reaches
    assert fix["types_or"] == hook["types_or"] and fix["language"] == "python"
    from identify.identify import tags_from_filename

    for name in ("a.py", "a.pyi", "schema.sql"):
        assert tags_from_filename(name) & set(hook["types_or"]), name


def test_pre_commit_try_repo(hook_repo, tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(LEAK, encoding="utf-8")
    (project / "ok.py").write_text(LEAK.replace("SET search_path", "SET LOCAL search_path"), encoding="utf-8")
    (project / "legacy").mkdir()
    (project / "legacy" / "old.py").write_text(LEAK, encoding="utf-8")
    (project / "README.txt").write_text("SET search_path TO app\n", encoding="utf-8")
    from pinlint.pipeline.discover import SOURCE_SUFFIXES

    sql_files = ".sql" in SOURCE_SUFFIXES  # SQL file support: pre-commit must pass .sql files too
    if sql_files:
        (project / "schema.sql").write_text("SET search_path TO app;\n", encoding="utf-8")
    (project / "pyproject.toml").write_text('[tool.pinlint]\nextend-exclude = ["legacy"]\n', encoding="utf-8")
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"), PRE_COMMIT_COLOR="never")
    env.pop("PINLINT_CACHE_DIR", None)
    cmd = [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "pinlint", "--all-files", "--verbose"]
    r = run(cmd, project, env=env, timeout=900)
    out = r.stdout + r.stderr
    if r.returncode not in (0, 1):
        pytest.fail("pre-commit could not set up or run the hook (exit %d). It creates a virtualenv and "
                    "pip-installs pinlint with its dependencies (libcst, sqlglot, click, pyahocorasick) from PyPI, which must be "
                    "reachable.\n%s" % (r.returncode, out))
    assert r.returncode == 1, out
    assert "app.py:4:19: PIN101" in out
    assert "README.txt" not in out
    if sql_files:
        assert "schema.sql:1:1: PIN101" in out
    # pre-commit names legacy/old.py on the command line: --force-exclude applies the config's excludes
    assert "legacy/old.py" not in out
    assert "ok.py:" not in out
    # fixed: the hook passes
    (project / "app.py").write_text(LEAK.replace("SET search_path", "SET LOCAL search_path"), encoding="utf-8")
    if sql_files:
        (project / "schema.sql").write_text("BEGIN;\nSET LOCAL search_path TO app;\nCOMMIT;\n", encoding="utf-8")
    _git(project, "add", "-A")
    r = run(cmd, project, env=env, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Passed" in r.stdout
    # the pinlint-fix hook applies the safe fix, fails (files were modified), then passes
    (project / "db.py").write_text(CONNECT, encoding="utf-8")
    _git(project, "add", "-A")
    fix_cmd = cmd[:cmd.index("pinlint")] + ["pinlint-fix"] + cmd[cmd.index("pinlint") + 1:]
    r = run(fix_cmd, project, env=env, timeout=900)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Fixed 1 finding in 1 file; all checks passed!" in r.stdout + r.stderr
    assert (project / "db.py").read_text(encoding="utf-8") == CONNECT.replace('app")', 'app", prepare_threshold=None)')
    _git(project, "add", "-A")
    r = run(fix_cmd, project, env=env, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr


# -- the README's snippets -------------------------------------------------------------------------

def _yaml_blocks():
    import re

    import yaml

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", readme, flags=re.S)]


def test_hook_manifest_is_valid_for_pre_commit():
    from pre_commit.clientlib import load_manifest

    hook, fix = load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))
    assert (hook["id"], fix["id"]) == ("pinlint", "pinlint-fix")


def test_readme_pre_commit_snippet_is_a_valid_config(tmp_path):
    from pre_commit.clientlib import load_config

    import re

    import yaml

    remote, local = [b for b in _yaml_blocks() if "repos" in b]
    path = tmp_path / ".pre-commit-config.yaml"
    path.write_text(yaml.safe_dump(remote), encoding="utf-8")
    (repo,) = load_config(str(path))["repos"]
    # no release is tagged: the snippet pins a full commit SHA (issue 18 defect 10)
    assert repo["hooks"][0]["id"] == "pinlint" and re.fullmatch(r"[0-9a-f]{40}", repo["rev"])
    path.write_text(yaml.safe_dump(local), encoding="utf-8")
    (repo,) = load_config(str(path))["repos"]
    (hook,) = repo["hooks"]
    manifest = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[0]
    assert repo["repo"] == "local" and hook["additional_dependencies"] == ["pinlint-db"]
    assert (hook["entry"], hook["types_or"]) == (manifest["entry"], manifest["types_or"])


def test_readme_ci_commands_work_as_written(tmp_path):
    """Run every pinlint command of the README's GitHub Actions and GitLab CI snippets in a project with a
    finding, through a shell as the CI runners do, and check what each one leaves for the next step."""
    import json

    import jsonschema

    blocks = _yaml_blocks()
    (workflow,) = [b for b in blocks if "jobs" in b]
    steps = workflow["jobs"]["pinlint"]["steps"]
    assert "security-events" in workflow["jobs"]["pinlint"]["permissions"]
    (upload,) = [s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@")]
    assert any(s.get("run") == "pip install pinlint-db" for s in steps)
    (gitlab,) = [b for b in blocks if "pinlint" in b and "script" in b.get("pinlint", {})]
    commands = [s["run"] for s in steps if str(s.get("run", "")).startswith("pinlint ")]
    commands += [c for c in gitlab["pinlint"]["script"] if c.startswith("pinlint ")]
    assert len(commands) == 3
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text(LEAK, encoding="utf-8")
    bindir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    if shutil.which("pinlint", path=env["PATH"]) is None:
        pytest.skip("the pinlint command is not on PATH (install the package)")
    results = {c: subprocess.run(c, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
               for c in commands}
    sarif_cmd, github_cmd, gitlab_cmd = commands
    assert results[sarif_cmd].returncode == 0, results[sarif_cmd].stderr  # --exit-zero: the upload step runs
    sarif = json.loads((tmp_path / upload["with"]["sarif_file"]).read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.validate(sarif, schema)
    assert sarif["runs"][0]["results"][0]["ruleId"] == "PIN101"
    assert results[github_cmd].returncode == 1  # fails the job
    assert results[github_cmd].stdout.startswith("::error file=app.py,line=4,col=19,")
    assert results[gitlab_cmd].returncode == 1
    report = gitlab["pinlint"]["artifacts"]["reports"]["codequality"]
    assert json.loads((tmp_path / report).read_text(encoding="utf-8"))[0]["check_name"] == "PIN101"
