"""CI output formats: sarif (validated against the official SARIF 2.1.0 schema), github, gitlab, junit."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from pinlint.model import Diagnostic, Position
from pinlint.output.formats import github
from tests.conftest import ROOT

SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

LEAK = 'import psycopg\n\ndef f(conn):\n    conn.execute("SET search_path TO app")\n'
TWO = ('import psycopg\n\ndef f(conn):\n    conn.execute("""\n        SET search_path TO app;\n'
       '        LISTEN jobs\n    """)\n    conn.execute("SET search_path TO app")\n')


@pytest.fixture
def repo(tmp_path, write):
    """A git checkout (a .git directory is what marks the repository root) with the project in a subdirectory."""
    (tmp_path / ".git").mkdir()
    write("svc/pyproject.toml", "[tool.pinlint]\n")
    write("svc/app.py", LEAK)
    write("svc/pkg/two.py", TWO)
    write("svc/pkg/clean.py", "import psycopg\n")
    return tmp_path / "svc"


def _sarif(run_pinlint, cwd, *args):
    r = run_pinlint("check", "--output-format", "sarif", "--no-cache", *args, cwd=cwd)
    assert r.returncode in (0, 1), r.stderr
    return r, json.loads(r.stdout)


def test_sarif_is_valid_by_the_official_schema(run_pinlint, repo):
    r, log = _sarif(run_pinlint, repo)
    assert r.returncode == 1
    jsonschema.validators.validator_for(SCHEMA).check_schema(SCHEMA)
    jsonschema.validate(log, SCHEMA)
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1


def test_clean_run_is_valid_sarif_too(run_pinlint, repo):
    r, log = _sarif(run_pinlint, repo, "pkg/clean.py")
    assert r.returncode == 0 and r.stdout.lstrip().startswith("{")  # no summary line mixed in
    jsonschema.validate(log, SCHEMA)
    assert log["runs"][0]["results"] == []


def test_sarif_content_is_what_code_scanning_reads(run_pinlint, repo):
    _, log = _sarif(run_pinlint, repo)
    plain = json.loads(run_pinlint("check", "--output-format", "json", "--no-cache", cwd=repo).stdout)
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "pinlint" and driver["version"] and driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    for rule in rules:
        assert rule["id"].startswith("PIN") and rule["name"]
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"].startswith("# ")
        assert rule["helpUri"].startswith("https://")
    results = run["results"]
    assert len(results) == len(plain) == 4
    for res, d in zip(results, plain):
        assert res["ruleId"] == d["code"] and rules[res["ruleIndex"]]["id"] == d["code"]
        assert res["level"] == d["severity"] and res["message"]["text"] == d["message"]
        loc = res["locations"][0]["physicalLocation"]
        # repository-relative: the repository root is the parent of the project directory
        assert loc["artifactLocation"] == {"uri": "svc/" + d["filename"], "uriBaseId": "%SRCROOT%"}
        region = loc["region"]
        assert (region["startLine"], region["startColumn"]) == (d["location"]["row"], d["location"]["column"])
        assert (region["endLine"], region["endColumn"]) == (d["end_location"]["row"], d["end_location"]["column"])
        assert region["startColumn"] >= 1
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.parent.resolve().as_uri() + "/"


def _prints(log):
    return [(r["ruleId"], r["partialFingerprints"]["pinlint/v1"]) for r in log["runs"][0]["results"]]


def test_fingerprints_survive_moving_lines(run_pinlint, repo):
    _, before = _sarif(run_pinlint, repo)
    two = repo / "pkg" / "two.py"
    two.write_text("# a new header comment\n\n\n" + TWO, encoding="utf-8")
    (repo / "app.py").write_text(LEAK.replace("def f(conn):", "def g():\n    pass\n\n\ndef f(conn):"), encoding="utf-8")
    _, after = _sarif(run_pinlint, repo)
    lines_before = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in before["runs"][0]["results"]]
    lines_after = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after["runs"][0]["results"]]
    assert lines_before != lines_after
    assert _prints(before) == _prints(after)
    prints = [p for _, p in _prints(after)]
    assert len(set(prints)) == len(prints), "identical lines of one file get distinct fingerprints"
    # a changed line is a new finding
    two.write_text(TWO.replace('conn.execute("SET search_path TO app")', 'conn.execute("SET search_path TO other")'),
                   encoding="utf-8")
    _, changed = _sarif(run_pinlint, repo)
    assert len(set(_prints(changed)) - set(_prints(before))) == 1


def test_github_annotations(run_pinlint, repo):
    r = run_pinlint("check", "--output-format", "github", "--no-cache", cwd=repo)
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert len(lines) == 4
    head, message = lines[0][2:].split("::", 1)
    level, props = head.split(" ", 1)
    fields = dict(p.split("=", 1) for p in props.split(","))
    assert level == "error"
    assert fields == {"file": "svc/app.py", "line": "4", "col": "19", "endLine": "4", "endColumn": "41",
                      "title": "PIN101 set-session-parameter"}
    assert message.startswith("PIN101 `SET search_path` lasts for the session")
    clean = run_pinlint("check", "--output-format", "github", "--no-cache", "pkg/clean.py", cwd=repo)
    assert clean.returncode == 0 and clean.stdout == ""


def test_github_escaping():
    d = Diagnostic(code="PIN101", name="n", message="50% off\nnext: line, here\r", help="h", severity="warning",
                   filename="dir,with:odd/a%b.py", start=Position(3, 2), end=Position(3, 9))
    line = github([d], Path("/nonexistent-root"))
    assert "\n" not in line and "\r" not in line
    assert line.startswith("::warning file=dir%2Cwith%3Aodd/a%25b.py,line=3,col=2,endLine=3,endColumn=9,title=PIN101 n::")
    assert line.endswith("::PIN101 50%25 off%0Anext: line, here%0D")


def test_gitlab_code_quality(run_pinlint, repo):
    r = run_pinlint("check", "--output-format", "gitlab", "--no-cache", cwd=repo)
    assert r.returncode == 1
    issues = json.loads(r.stdout)
    assert len(issues) == 4
    for issue in issues:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["check_name"].startswith("PIN") and issue["description"].startswith(issue["check_name"])
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert issue["location"]["path"].startswith("svc/")
        assert issue["location"]["lines"]["begin"] >= 1
    assert len({i["fingerprint"] for i in issues}) == 4
    (repo / "app.py").write_text("\n\n" + LEAK, encoding="utf-8")
    moved = json.loads(run_pinlint("check", "--output-format", "gitlab", "--no-cache", cwd=repo).stdout)
    assert [i["fingerprint"] for i in moved] == [i["fingerprint"] for i in issues]
    assert moved[0]["location"]["lines"]["begin"] == issues[0]["location"]["lines"]["begin"] + 2


def test_junit(run_pinlint, repo):
    r = run_pinlint("check", "--output-format", "junit", "--no-cache", cwd=repo)
    assert r.returncode == 1
    root = ET.fromstring(r.stdout)
    suites = root.findall("testsuite")
    assert root.tag == "testsuites" and len(suites) == 1
    suite = suites[0]
    cases = suite.findall("testcase")
    failures = [c for c in cases if c.find("failure") is not None]
    assert len(failures) == 4 and suite.get("failures") == "4"
    assert len(cases) == 5 and suite.get("tests") == "5"  # one passing case for the clean file
    passing = [c for c in cases if c.find("failure") is None]
    assert passing[0].get("classname") == "svc/pkg/clean.py"
    f = failures[0].find("failure")
    assert f.get("type") == "PIN101" and "help:" in f.text
    assert failures[0].get("classname") == "svc/app.py" and failures[0].get("line") == "4"


def test_concise_full_json_unchanged_and_summary_only_for_humans(run_pinlint, repo):
    concise = run_pinlint("check", "--no-cache", cwd=repo)
    assert concise.stdout.splitlines()[0].startswith("app.py:4:19: PIN101 ")
    assert "Found 4 findings in 2 files." in concise.stdout
    for fmt in ("json", "sarif", "gitlab", "junit", "github"):
        out = run_pinlint("check", "--output-format", fmt, "--no-cache", cwd=repo).stdout
        assert "Found 4 findings" not in out, fmt
