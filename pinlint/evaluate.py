"""Evaluate rules over a file's facts: classify each SQL site's text, run the SQL checks, build findings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Tuple

import libcst as cst

from pinlint.checks import MODULE_CHECKS, SITE_CLAIMS, SQL_CHECKS, ModuleContext, SqlContext, Verdict, load_checks
from pinlint.facts.dialect import effective as effective_dialect
from pinlint.facts.model import Facts, SqlSite
from pinlint.specs import RuleSpec
from pinlint.targets import TargetSet, consequence, large_statement, select_effects

#: A SQL text can only matter if it holds one of these words; everything else skips the classifier
#: (and the import of sqlglot). Kept in step with the checks by tests/test_prefilter.py.
SQL_HAZARD_RE = re.compile(
    r"(?i)\b(?:set|reset|prepare|execute|deallocate|discard|listen|unlisten|load|declare|temp|temporary|"
    r"\w*advisory\w*|set_config|nextval|setval|currval|lastval)\b"
)
#: The same for MySQL SQL (pinlint.checks.mysql_sql).
MYSQL_HAZARD_RE = re.compile(
    r"(?i)\b(?:set|prepare|execute|lock|flush|temporary|get_lock|found_rows|row_count)\b|/\*M?!"
)
HAZARD_RES = {"postgres": SQL_HAZARD_RE, "mysql": MYSQL_HAZARD_RE}


@dataclass
class Finding:
    """A rule's verdict at a place in the file, before positions are computed."""

    spec: RuleSpec
    message: str
    help: str
    severity: str
    targets: Tuple[str, ...]
    effects: Tuple[Tuple[str, str], ...]
    node: cst.CSTNode
    #: character span inside the node's string value (when the node is a plain literal)
    span: Optional[Tuple[int, int]]
    literal: Optional[cst.SimpleString]
    call: Optional[cst.Call]


class _SafeDict(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _render(template: str, fields: Dict[str, str]) -> str:
    return template.format_map(_SafeDict(fields))


def _severity(spec: RuleSpec, targets: Iterable[str]) -> str:
    levels = [spec.severity.get(t, "warning") for t in targets]
    return "error" if "error" in levels else "warning"


def _finding(spec: RuleSpec, raw_effects: Dict[str, Optional[str]], fields: Dict[str, str],
             framework: Optional[str], targets: TargetSet, node: cst.CSTNode, span: Optional[Tuple[int, int]],
             literal: Optional[cst.SimpleString], call: Optional[cst.Call]) -> Optional[Finding]:
    """A finding for the selected targets where the rule reports, or None when nothing is left."""
    effects = select_effects({t: e for t, e in raw_effects.items() if t in spec.severity}, targets)
    if not effects:
        return None
    fields = dict(fields)
    fields["consequence"] = consequence(effects, targets)
    affected = tuple(t for t in targets.names if t in effects)
    return Finding(
        spec=spec,
        message=_render(spec.message, fields),
        help=_render(spec.help_for(framework), fields),
        severity=_severity(spec, affected),
        targets=affected,
        effects=tuple((t, effects[t]) for t in affected),
        node=node,
        span=span,
        literal=literal,
        call=call,
    )


def verdict_finding(spec: RuleSpec, verdict: Verdict, site: SqlSite, targets: TargetSet,
                    default_span: Tuple[int, int]) -> Optional[Finding]:
    return _finding(spec, verdict.effects, verdict.fields, site.framework, targets, site.node,
                    verdict.span or default_span, site.literal, site.call)


def _shown(path: str) -> str:
    """A path as messages show it: relative to the working directory when it is under it (the same
    text whether the run named the file or found it in a directory)."""
    import os

    if os.path.isabs(path):
        try:
            rel = os.path.relpath(path)
        except ValueError:  # another drive (Windows)
            return path
        if not rel.startswith(".."):
            return rel.replace(os.sep, "/")
    return path.replace(os.sep, "/")


def reached(finding: Finding, site: SqlSite) -> Optional[Finding]:
    """A finding on SQL written elsewhere in the project (a constant, a function returning SQL) or sent
    through a project wrapper: it is reported at this call site and names the other place; a ``# noqa``
    at the other place suppresses it too."""
    from dataclasses import replace

    code = finding.spec.code
    notes = []
    for origin in site.via:
        if "*" in origin.noqa or any(code.startswith(c) for c in origin.noqa):
            return None
        notes.append(f"SQL text from `{origin.what}` at {_shown(origin.path)}:{origin.line}")
    wrapper = site.wrapper
    if wrapper is not None:
        if "*" in wrapper.noqa or any(code.startswith(c) for c in wrapper.noqa):
            return None
        notes.append(f"sent by `{wrapper.name}()` at {_shown(wrapper.path)}:{wrapper.line}")
    return replace(finding, message=f"{finding.message} ({'; '.join(notes)})")


def evaluate_sql(facts: Facts, specs: Dict[str, RuleSpec], targets: TargetSet) -> List[Finding]:
    """Run the enabled SQL checks (``specs`` by name) over every SQL site of the file."""
    load_checks()
    checks = [(SQL_CHECKS[name], spec) for name, spec in specs.items() if name in SQL_CHECKS]
    if not checks:
        return []
    findings: List[Finding] = []
    classify = None
    claimed = set()
    for name, claim in SITE_CLAIMS.items():
        if name in specs:
            claimed |= claim(facts, targets)
    for site in facts.sql_sites:
        # a rule sees the sites of its spec's dialect (pinlint.facts.dialect.effective: code, config, PostgreSQL)
        dialect = effective_dialect(site.dialect, targets.dialect, site.dialect_known)
        hazard = HAZARD_RES.get(dialect or "")
        if hazard is None or not (hazard.search(site.text) or large_statement(site.text)) or id(site.node) in claimed:
            continue
        if classify is None:
            from pinlint.sql.classify import classify
        statements = tuple(classify(site.text, dialect))
        for index, statement in enumerate(statements):
            if statement.kind == "unknown":
                continue
            ctx = SqlContext(statement=statement, statements=statements, index=index, site=site, targets=targets)
            for check, spec in checks:
                if spec.dialect != dialect:
                    continue
                for verdict in check(ctx):
                    finding = verdict_finding(spec, verdict, site, targets, (statement.start, statement.end))
                    if finding is not None and (site.via or site.wrapper is not None):
                        finding = reached(finding, site)
                    if finding is not None:
                        findings.append(finding)
    return findings


def evaluate_modules(facts: Facts, specs: Dict[str, RuleSpec], targets: TargetSet) -> List[Finding]:
    """Run the enabled module checks (driver and ORM configuration rules)."""
    load_checks()
    checks = [(MODULE_CHECKS[name], spec) for name, spec in specs.items() if name in MODULE_CHECKS]
    findings: List[Finding] = []
    ctx = ModuleContext(facts=facts, targets=targets)
    for check, spec in checks:
        for v in check(ctx):
            finding = _finding(spec, v.effects, v.fields, v.framework, targets, v.node, None, None, None)
            if finding is not None:
                findings.append(finding)
    return findings
