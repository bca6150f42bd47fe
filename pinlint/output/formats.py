"""Render diagnostics: concise, full (with the source line and help), json, sarif, github, gitlab, junit;
and statistics. Text from the checked files is escaped for each format (pinlint/output/escape.py)."""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import click

from pinlint.model import Diagnostic
from pinlint.output.escape import printable, unicode_safe, xml_safe
from pinlint.specs import RuleSpec

LineSource = Callable[[str], Optional[List[str]]]


def _style(text: str, color: bool, **kw: object) -> str:
    return click.style(text, **kw) if color else text  # type: ignore[arg-type]


def _head(d: Diagnostic, color: bool) -> str:
    loc = f"{_style(printable(d.filename), color, bold=True)}:{d.start.row}:{d.start.column}:"
    return f"{loc} {_style(d.code, color, fg='red', bold=True)} {printable(d.message)}"


def concise(diags: Sequence[Diagnostic], color: bool = False) -> str:
    return "\n".join(_head(d, color) for d in diags)


def full(diags: Sequence[Diagnostic], lines_of: LineSource, color: bool = False) -> str:
    out = []
    for d in diags:
        out.append(_head(d, color))
        src = lines_of(d.filename)
        if src is not None and 1 <= d.start.row <= len(src):
            raw = src[d.start.row - 1].rstrip("\r\n").replace("\t", " ")
            width = len(str(d.start.row))
            pad = " " * width
            if d.end.row == d.start.row and d.end.column > d.start.column:
                n = d.end.column - d.start.column
            else:
                n = max(1, len(raw) - d.start.column + 1)
            # the caret under the escaped text: columns count characters of the escaped line
            before = printable(raw[: d.start.column - 1])
            marked = printable(raw[d.start.column - 1: d.start.column - 1 + n]) or " "
            out.append(f"{pad} |")
            out.append(f"{d.start.row} | {printable(raw)}")
            caret = " " * len(before) + "^" * len(marked)
            out.append(f"{pad} | {_style(caret, color, fg='red')} {d.code}")
            out.append(f"{pad} |")
            lead = f"{pad} ="  # the notes line up with the source's gutter
            out.append(f"{lead} {_style('help', color, bold=True)}: {d.help}")
        else:
            lead = "  ="
            out.append(f"{lead} help: {d.help}")
        if d.fix is not None:
            how = "safe: --fix" if d.fix.applicability == "safe" else "unsafe: --fix --unsafe-fixes"
            out.append(f"{lead} fix: {printable(d.fix.title)} ({how})")
        if d.targets:
            out.append(f"{lead} targets: {', '.join(d.targets)}")
        out.append(f"{lead} docs: pinlint rule {d.code}")
        out.append("")
    return "\n".join(out).rstrip("\n")


def _safe(value: object) -> object:
    """A JSON-able value with every string made encodable as UTF-8."""
    if isinstance(value, str):
        return unicode_safe(value)
    if isinstance(value, dict):
        return {k: _safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_safe(v) for v in value]
    return value


def as_json(diags: Sequence[Diagnostic]) -> str:
    return json.dumps(_safe([d.to_json() for d in diags]), indent=2, ensure_ascii=False)


def statistics(diags: Sequence[Diagnostic]) -> str:
    counts = Counter((d.code, d.name) for d in diags)
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0]))
    width = max((len(str(n)) for _, n in rows), default=1)
    return "\n".join(f"{n:>{width}}\t{code}\t{name}" for (code, name), n in rows)


def summary(diags: Sequence[Diagnostic], files_checked: int) -> str:
    if not diags:
        return f"All checks passed! ({files_checked} file{'s' if files_checked != 1 else ''} checked)"
    files = len({d.filename for d in diags})
    n = len(diags)
    return f"Found {n} finding{'s' if n != 1 else ''} in {files} file{'s' if files != 1 else ''}."


def plural(n: int, word: str) -> str:
    """``n word`` or ``n words``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def fixable_summary(diags: Sequence[Diagnostic]) -> str:
    """How many findings ``--fix`` (and ``--unsafe-fixes``) would fix; "" when none has a fix."""
    safe = sum(1 for d in diags if d.fix is not None and d.fix.applicability == "safe")
    unsafe = sum(1 for d in diags if d.fix is not None and d.fix.applicability != "safe")
    if not safe and not unsafe:
        return ""
    parts = [f"{safe} fixable with `--fix`"] if safe else ["No safe fixes"]
    if unsafe:
        parts.append(f"{plural(unsafe, 'more')} with `--fix --unsafe-fixes`".replace("mores", "more"))
    return "[*] " + "; ".join(parts) + "."


def fix_summary(outcome, unsafe: bool, would: bool = False) -> str:
    """The summary of ``--fix`` (``would``: of ``--diff``): what was fixed, what is left, and how many more
    an unsafe run would fix."""
    fixed, left = len(outcome.fixed), len(outcome.remaining)
    files = len(outcome.changed)
    hidden = 0 if unsafe else sum(1 for d in outcome.remaining if d.fix is not None and d.fix.applicability == "unsafe")
    if would:
        head = f"Would fix {plural(fixed, 'finding')} in {plural(files, 'file')}" if fixed else "No fixes to apply"
        tail = f"; {left} would be left." if left else "; nothing would be left."
    else:
        head = f"Fixed {plural(fixed, 'finding')} in {plural(files, 'file')}" if fixed else "No fixes applied"
        tail = f"; {left} left." if left else "; all checks passed!"
    more = f" {hidden} more can be fixed with `--unsafe-fixes`." if hidden else ""
    return head + tail + more


def by_code(diags: Sequence[Diagnostic]) -> Dict[str, int]:
    return dict(Counter(d.code for d in diags))


# -- formats for CI systems ------------------------------------------------------------------------
#
# sarif (GitHub code scanning and other SARIF 2.1.0 consumers), github (workflow commands that
# become annotations), gitlab (Code Quality report), junit (JUnit XML). Paths in all four are
# relative to the repository root (the nearest directory upwards with a .git), else to the project root.

INFORMATION_URI = "https://github.com/pinlint/pinlint"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def repository_root(start: "Path", fallback: "Path") -> "Path":
    """The nearest directory from ``start`` upwards that holds ``.git`` (a directory or a worktree file)."""
    start = start.resolve()
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return fallback.resolve()


def relative_uri(filename: str, root: "Path") -> str:
    """``filename`` relative to ``root`` with forward slashes; as given when it lies outside ``root``."""
    p = Path(filename)
    try:
        return Path(os.path.abspath(p)).relative_to(root).as_posix()
    except ValueError:
        return p.as_posix()


def normalised_line(lines_of: LineSource, d: Diagnostic) -> str:
    """The reported line's text with runs of whitespace made one space ("" when it cannot be read)."""
    src = lines_of(d.filename)
    if src is None or not 1 <= d.start.row <= len(src):
        return ""
    return " ".join(src[d.start.row - 1].split())


def fingerprints(diags: Sequence[Diagnostic], lines_of: LineSource, root: "Path") -> List[str]:
    """A fingerprint per diagnostic that survives moving code up or down: rule, file, the reported line's
    text with whitespace normalised, and the occurrence index among identical (rule, file, text)."""
    seen: Counter = Counter()
    out = []
    for d in diags:
        key = (d.code, relative_uri(d.filename, root), normalised_line(lines_of, d))
        occurrence = seen[key]
        seen[key] += 1
        digest = hashlib.sha256("\0".join((*key, str(occurrence))).encode("utf-8", "surrogatepass"))
        out.append(digest.hexdigest()[:32])
    return out


def _rule_level(spec: RuleSpec) -> str:
    return "error" if "error" in spec.severity.values() else "warning"


def _sarif_rule(spec: RuleSpec) -> Dict[str, object]:
    from pinlint.output.docs import render_rule

    what = str(spec.docs["what-it-does"]).strip()
    why = str(spec.docs["why-is-this-bad"]).strip()
    return {
        "id": spec.code,
        "name": spec.name,
        "shortDescription": {"text": spec.summary},
        "fullDescription": {"text": what},
        "help": {"text": f"{spec.help}\n\n{why}\n\nDocs: pinlint rule {spec.code}", "markdown": render_rule(spec)},
        "helpUri": spec.url,
        "defaultConfiguration": {"level": _rule_level(spec)},
        "properties": {"tags": ["pinlint", *spec.targets]},
    }


def sarif(diags: Sequence[Diagnostic], specs: Sequence[RuleSpec], lines_of: LineSource, root: "Path") -> str:
    from urllib.parse import quote

    from pinlint import __version__

    index = {s.code: i for i, s in enumerate(specs)}
    results = []
    for d, fp in zip(diags, fingerprints(diags, lines_of, root)):
        region: Dict[str, int] = {"startLine": d.start.row, "startColumn": d.start.column}
        if d.end > d.start:  # pinlint's end is exclusive, as SARIF's endColumn
            region.update(endLine=d.end.row, endColumn=d.end.column)
        result: Dict[str, object] = {
            "ruleId": d.code,
            "level": "error" if d.severity == "error" else "warning",
            "message": {"text": d.message},
            "locations": [{
                "physicalLocation": {
                    # percent-encoded bytes: exact also for a file name that is not UTF-8
                    "artifactLocation": {"uri": quote(os.fsencode(relative_uri(d.filename, root)), safe="/"),
                                         "uriBaseId": "%SRCROOT%"},
                    "region": region,
                },
            }],
            "partialFingerprints": {"pinlint/v1": fp},
            "properties": {"help": d.help, "targets": list(d.targets)},
        }
        if d.fix is not None:
            result["fixes"] = [_sarif_fix(d, root)]
        if d.code in index:
            result["ruleIndex"] = index[d.code]
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "pinlint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_sarif_rule(s) for s in specs],
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": _file_uri(root)}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(_safe(log), indent=2, ensure_ascii=False)


def _sarif_fix(d: Diagnostic, root: "Path") -> Dict[str, object]:
    """A SARIF ``fix``: the edits as replacements per file (regions 1-based, end exclusive, as pinlint's)."""
    from urllib.parse import quote

    assert d.fix is not None
    changes: Dict[str, List[Dict[str, object]]] = {}
    for e in d.fix.edits:
        uri = quote(os.fsencode(relative_uri(e.filename or d.filename, root)), safe="/")
        changes.setdefault(uri, []).append({
            "deletedRegion": {"startLine": e.start.row, "startColumn": e.start.column,
                              "endLine": e.end.row, "endColumn": e.end.column},
            "insertedContent": {"text": e.content},
        })
    label = "" if d.fix.applicability == "safe" else " (unsafe: check what it changes)"
    return {
        "description": {"text": d.fix.title + label},
        "artifactChanges": [{"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}, "replacements": reps}
                            for uri, reps in changes.items()],
    }


def _file_uri(root: "Path") -> str:
    from urllib.parse import quote

    return "file://" + quote(os.fsencode(str(root.resolve()).replace(os.sep, "/")), safe="/") + "/"


def _gh_data(text: str) -> str:
    """Workflow command data: ``%``, CR and LF encoded as GitHub's runner decodes them, and every other
    control character shown as an escape (a command ends at a line break, nothing else)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return unicode_safe(printable(text))


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def github(diags: Sequence[Diagnostic], root: "Path") -> str:
    """GitHub Actions workflow commands (``::error ...::message``): annotations on the pull request."""
    out = []
    for d in diags:
        props = [
            ("file", relative_uri(d.filename, root)), ("line", str(d.start.row)), ("col", str(d.start.column)),
            ("endLine", str(d.end.row)), ("endColumn", str(d.end.column)), ("title", f"{d.code} {d.name}"),
        ]
        level = "error" if d.severity == "error" else "warning"
        head = ",".join(f"{k}={_gh_property(v)}" for k, v in props)
        out.append(f"::{level} {head}::{_gh_data(f'{d.code} {d.message}')}")
    return "\n".join(out)


def gitlab(diags: Sequence[Diagnostic], lines_of: LineSource, root: "Path") -> str:
    """GitLab Code Quality report (a JSON list of issues)."""
    issues = []
    for d, fp in zip(diags, fingerprints(diags, lines_of, root)):
        issues.append({
            "description": f"{d.code} {d.message}",
            "check_name": d.code,
            "fingerprint": fp,
            "severity": "major" if d.severity == "error" else "minor",
            "location": {"path": relative_uri(d.filename, root),
                         "lines": {"begin": d.start.row, "end": max(d.start.row, d.end.row)}},
        })
    return json.dumps(_safe(issues), indent=2, ensure_ascii=False)


def _xml_text(text: str) -> str:
    return xml_safe(text)


def junit(diags: Sequence[Diagnostic], files: Sequence[str], root: "Path") -> str:
    """JUnit XML: one test suite; a passing test case per clean file, a failing one per finding."""
    import xml.etree.ElementTree as ET

    flagged = {d.filename for d in diags}
    clean = [f for f in files if f not in flagged]
    suites = ET.Element("testsuites", name="pinlint", tests=str(len(diags) + len(clean)),
                        failures=str(len(diags)), errors="0")
    suite = ET.SubElement(suites, "testsuite", name="pinlint", tests=str(len(diags) + len(clean)),
                          failures=str(len(diags)), errors="0", skipped="0")
    cases = [(_xml_text(relative_uri(f, root)), None) for f in clean] + \
        [(_xml_text(relative_uri(d.filename, root)), d) for d in diags]
    cases.sort(key=lambda c: (c[0], c[1].sort_key() if c[1] else ()))
    for path, d in cases:
        if d is None:
            ET.SubElement(suite, "testcase", classname=path, name="pinlint", file=path)
            continue
        case = ET.SubElement(suite, "testcase", classname=path,
                             name=_xml_text(f"{d.code} {d.name} at {path}:{d.start.row}:{d.start.column}"),
                             file=path, line=str(d.start.row))
        failure = ET.SubElement(case, "failure", type=d.code, message=_xml_text(d.message))
        failure.text = _xml_text(f"{path}:{d.start.row}:{d.start.column}: {d.code} {d.message}\n"
                                 f"help: {d.help}\ndocs: pinlint rule {d.code}")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")
