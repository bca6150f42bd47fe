"""Evaluate rules over a file's facts and build findings.

1. The site contexts of the enabled rules mark their SQL sites (``site.context``: SQL in a connection
   hook is ``"connection-init"``).
2. Each SQL site's text is classified (when it can matter at all) and every statement goes through the
   enabled SQL checks of its dialect; on a marked site, through every SQL check of the dialect, and what
   they find is reported by the marking rule instead.
3. The module checks run over the file's facts, sharing one context (its views are computed once).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Dict, List, Mapping, Optional, Tuple

from pinlint.checks.context import ModuleContext, NodeVerdict, SqlContext, Verdict
from pinlint.checks.registry import MODULE, SITE_CONTEXTS, SQL, Check, SiteContext, checks_of
from pinlint.facts.dialect import DIALECT_NAMES
from pinlint.specs import RuleSpec, spec_by_code
from pinlint.sql.statement import HOLE
from pinlint.targets import Hazard, Outcome, TargetSet, consequence

if TYPE_CHECKING:  # pragma: no cover
    import libcst as cst

    from pinlint.facts.model import Facts, SqlSite

def __getattr__(name: str) -> object:
    """``SQL_HAZARD_RE`` / ``MYSQL_HAZARD_RE``: the quick test of a PostgreSQL / MySQL text, built from
    the checks' triggers (``pinlint.checks.hazards``): a text without a match (and not too large)
    cannot give a finding."""
    from pinlint.checks.hazards import hazards

    dialect = {"SQL_HAZARD_RE": "postgres", "MYSQL_HAZARD_RE": "mysql"}.get(name)
    if dialect is None:
        raise AttributeError(name)
    return hazards().text_res[dialect]


@dataclass
class Finding:
    """A rule's verdict at a place in the file, before positions are computed."""

    spec: RuleSpec
    message: str
    help: str
    severity: str
    targets: Tuple[str, ...]
    effects: Tuple[Tuple[str, str], ...]
    node: "cst.CSTNode"
    #: character span inside the node's string value (when the node is a plain literal)
    span: Optional[Tuple[int, int]]
    literal: Optional["cst.SimpleString"]
    call: Optional["cst.Call"]
    #: the verdict's fix builder (pinlint/checks/fixes.py), called only when fixes are computed
    fix: Optional[Callable[..., object]] = None


class _SafeDict(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _render(template: str, fields: Dict[str, str]) -> str:
    """The message or help with its fields; a part of the SQL known only at run time shows as "…", never
    as the evaluator's placeholder."""
    return _HOLE_RE.sub("…", template.format_map(_SafeDict(fields)))


#: the evaluator's placeholder as a message may show it (SQL text may have been case-folded)
_HOLE_RE = re.compile(re.escape(HOLE), re.IGNORECASE)


def _severity(spec: RuleSpec, outcomes: Mapping[str, Outcome], certain: bool = True) -> str:
    """Error when a target the finding applies to says error; an unconfirmed effect, or a finding that
    depends on a run-time fact, is a warning at most."""
    for t, o in outcomes.items():
        if spec.severity.get(t, "warning") == "error" and certain and not o.unconfirmed:
            return "error"
    return "warning"


def judged(hazard: Optional["Hazard"], effects: Optional[Mapping[str, object]], targets: TargetSet
           ) -> Dict[str, Outcome]:
    """Each selected target's outcome for a verdict: the profiles' judgement of its hazard, with the
    check's own per-target ``effects`` on top (an effect word, an ``Outcome`` or None)."""
    outcomes = targets.outcomes(hazard) if hazard is not None else {}
    for t, e in (effects or {}).items():
        if t not in targets.names:
            continue
        if e is None:
            outcomes.pop(t, None)
        else:
            outcomes[t] = e if isinstance(e, Outcome) else Outcome(t, str(e), "source")
    return outcomes


def _finding(spec: RuleSpec, outcomes: Mapping[str, Outcome], fields: Dict[str, str],
             framework: Optional[str], targets: TargetSet, node: "cst.CSTNode", span: Optional[Tuple[int, int]],
             literal: Optional["cst.SimpleString"], call: Optional["cst.Call"], certain: bool = True,
             family: Optional[str] = None) -> Optional[Finding]:
    """A finding for the selected targets where the rule reports, or None when nothing is left."""
    effects = {t: o for t, o in outcomes.items() if o.reported and t in spec.severity and t in targets}
    if not effects:
        return None
    fields = dict(fields)
    fields["consequence"] = consequence(effects, targets, family)
    affected = tuple(t for t in targets.names if t in effects)
    return Finding(
        spec=spec,
        message=_render(spec.message, fields),
        help=_render(spec.help_for(framework), fields),
        severity=_severity(spec, effects, certain),
        targets=affected,
        effects=tuple((t, effects[t].effect) for t in affected),
        node=node,
        span=span,
        literal=literal,
        call=call,
    )


def _verdict_finding(spec: RuleSpec, v: "Verdict | NodeVerdict", targets: TargetSet, node: "cst.CSTNode",
                     framework: Optional[str], span: Optional[Tuple[int, int]] = None,
                     literal: Optional["cst.SimpleString"] = None, call: Optional["cst.Call"] = None
                     ) -> Optional[Finding]:
    finding = _finding(spec, judged(v.hazard, v.effects, targets), v.fields, framework, targets, node, span,
                       literal, call, not v.unconfirmed, v.hazard.family if v.hazard is not None else None)
    if finding is not None and v.fix is not None:
        finding.fix = v.fix  # the check's fix builder, called only when fixes are computed
    return finding


def verdict_finding(spec: RuleSpec, verdict: Verdict, site: "SqlSite", targets: TargetSet,
                    default_span: Tuple[int, int]) -> Optional[Finding]:
    return _verdict_finding(spec, verdict, targets, site.node, site.framework, verdict.span or default_span,
                            site.literal, site.call)


def shown_path(path: str) -> str:
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


def assumed_dialect(site: "SqlSite", dialect: Optional[str], targets: TargetSet) -> Optional[str]:
    """What a finding says about its dialect when neither the code nor the SQL shows it: the names around
    the code, the configured ``dialect``, or PostgreSQL by default. None when the code shows it."""
    if site.dialect_reason is not None:
        return f"judged as {DIALECT_NAMES.get(site.dialect, site.dialect)}, as {site.dialect_reason}"
    if site.dialect_known or dialect is None:
        return None
    from pinlint.sql.classify import classify

    other = "mysql" if dialect == "postgres" else "postgres"
    if all(st.kind == "unknown" for st in classify(site.text, other)):
        return None  # the other dialect's grammar does not read it: nothing was assumed
    name = DIALECT_NAMES.get(dialect, dialect)
    if targets.dialect == dialect:
        return f"judged as {name}, the configured `dialect`"
    return f"judged as {name}, as the code does not show the database driver; set `dialect` if it is another"


def reached(finding: Finding, site: "SqlSite", assumed: Optional[str] = None) -> Optional[Finding]:
    """A finding on SQL written elsewhere in the project (a constant, a function returning SQL) or sent
    through a project wrapper: it is reported at this call site and names the other place; a ``# noqa``
    at the other place suppresses it too."""
    code = finding.spec.code
    notes = []
    for origin in site.via:
        if "*" in origin.noqa or any(code.startswith(c) for c in origin.noqa):
            return None
        notes.append(f"SQL text from `{origin.what}` at {shown_path(origin.path)}:{origin.line}")
    wrapper = site.wrapper
    if wrapper is not None:
        if "*" in wrapper.noqa or any(code.startswith(c) for c in wrapper.noqa):
            return None
        if wrapper.line:
            notes.append(f"sent by `{wrapper.name}()` at {shown_path(wrapper.path)}:{wrapper.line}")
        else:  # named in `sql-functions`, not defined in the files of the run
            notes.append(f"sent by `{wrapper.name}()`, a SQL function by the `sql-functions` setting")
    if site.api is not None:
        notes.append(f"sent by {site.api}")
    if assumed is not None:
        notes.append(assumed)
    return replace(finding, message=f"{finding.message} ({'; '.join(notes)})")


@lru_cache(maxsize=None)
def _all_specs() -> Dict[str, RuleSpec]:
    return spec_by_code()


def _enabled(specs: Mapping[str, RuleSpec]) -> Dict[str, RuleSpec]:
    """The enabled specs (given by name, as the pipeline passes them) by code."""
    return {s.code: s for s in specs.values()}


def evaluate(facts: "Facts", specs: Mapping[str, RuleSpec], targets: TargetSet) -> List[Finding]:
    """Every enabled rule over one file's facts (``specs``: the enabled specs, by name)."""
    ctx = ModuleContext(facts, targets)
    return evaluate_sql(facts, specs, targets, ctx) + evaluate_modules(facts, specs, targets, ctx)


def _merged_effects(ctx: SqlContext, dialect: str) -> Dict[str, Outcome]:
    """What every SQL check of the dialect (enabled or not) finds in a statement: the first reported
    outcome per target, by rule code, on the targets where that rule reports."""
    specs = _all_specs()
    effects: Dict[str, Outcome] = {}
    for check in checks_of(SQL):
        spec = specs.get(check.code)
        if spec is None or spec.dialect != dialect:
            continue
        for v in check.run(ctx):
            for t, o in judged(v.hazard, v.effects, ctx.targets).items():
                if o.reported and t in spec.severity and t not in effects:
                    effects[t] = o
    return effects


def _reported_as(site_ctx: SiteContext, spec: RuleSpec, mctx: ModuleContext, ctx: SqlContext, dialect: str,
                 targets: TargetSet) -> Optional[Finding]:
    """A statement of a marked site, reported by the rule that marked it (at the site's node)."""
    v = site_ctx.report(mctx, ctx.site, ctx.statement, _merged_effects(ctx, dialect), dialect)
    if v is None:
        return None
    return _verdict_finding(spec, v, targets, v.node, v.framework)


def _not_pooled(facts: "Facts", targets: TargetSet) -> Callable[["SqlSite"], bool]:
    """Whether a site's SQL is sent where no pooler is: on a connection named in ``direct-connections``
    (on one of its cursors, or on what is derived from it: ``TargetSet.is_direct``, as for the driver
    settings rules), or on a connection of a database no PostgreSQL/MySQL pooler fronts (sqlite3, Snowflake,
    ...: pinlint.facts.catalog.OTHER_DB_CLIENTS)."""
    from pinlint.facts.catalog import OTHER_DB_CLIENTS
    from pinlint.facts.model import within

    if not targets.direct_connections and not facts.imported(tuple({p.split(".")[0] for p in OTHER_DB_CLIENTS})):
        return lambda site: False
    scopes = {id(c.node): c.scope for c in facts.calls}

    def not_pooled(site: "SqlSite") -> bool:
        if site.call is None:
            return False
        names, made_by = facts.receiver(site.call, scopes.get(id(site.call)))
        return any(targets.is_direct(n) for n in names) or any(within(q, OTHER_DB_CLIENTS) for q in made_by)

    return not_pooled


def evaluate_sql(facts: "Facts", specs: Mapping[str, RuleSpec], targets: TargetSet,
                 ctx: Optional[ModuleContext] = None) -> List[Finding]:
    """Mark the sites of the enabled site contexts, then run the enabled SQL checks over every SQL site
    of the file. ``ctx``: the file's module context, when the module checks run too (``evaluate``)."""
    enabled = _enabled(specs)
    checks: List[Tuple[Check, RuleSpec]] = [(c, enabled[c.code]) for c in checks_of(SQL) if c.code in enabled]
    contexts = {sc.name: sc for sc in SITE_CONTEXTS.values() if sc.code in enabled}
    if not (checks or contexts) or not facts.sql_sites:
        return []
    if ctx is None:
        ctx = ModuleContext(facts, targets)
    for sc in contexts.values():
        sc.mark(ctx.for_reader(sc.needs, sc.code))
    from pinlint.checks.hazards import hazards
    from pinlint.facts.dialect import effective as effective_dialect

    may_matter = hazards().may_matter
    findings: List[Finding] = []
    classify = None
    reported_alternatives: set = set()
    not_pooled = _not_pooled(facts, targets)
    for site in facts.sql_sites:
        if not_pooled(site):
            continue  # a connection kept direct to the database, or a database no pooler fronts
        # a rule sees the sites of its spec's dialect (pinlint.facts.dialect.effective: code, config, PostgreSQL)
        dialect = effective_dialect(site.dialect, targets.dialect, site.dialect_known)
        assumed: Optional[str] = ""  # computed for the first finding of the site
        if not may_matter(site.text, dialect):
            continue
        site_ctx = contexts.get(site.context) if site.context is not None else None
        if site_ctx is None and not checks:
            continue
        if classify is None:
            from pinlint.sql.classify import classify
        statements = tuple(classify(site.text, dialect))
        for index, statement in enumerate(statements):
            if statement.kind == "unknown":
                continue
            sctx = SqlContext(statement=statement, statements=statements, index=index, site=site, targets=targets)
            if site_ctx is not None:
                finding = _reported_as(site_ctx, enabled[site_ctx.code], ctx.for_reader(site_ctx.needs, site_ctx.code),
                                       sctx, dialect, targets)
                if finding is not None:
                    findings.append(finding)
                continue
            for check, spec in checks:
                if spec.dialect != dialect:
                    continue
                for verdict in check.run(sctx):
                    finding = verdict_finding(spec, verdict, site, targets, (statement.start, statement.end))
                    if finding is not None and assumed == "":
                        assumed = assumed_dialect(site, dialect, targets)
                    if finding is not None and (site.via or site.wrapper is not None or site.api is not None
                                                or assumed is not None):
                        finding = reached(finding, site, assumed)
                    if finding is not None and site.alternative_of is not None:
                        key = (spec.code, site.alternative_of)
                        if key in reported_alternatives:
                            continue  # one finding per rule for the alternatives of one argument
                        reported_alternatives.add(key)
                    if finding is not None:
                        findings.append(finding)
    return findings


def evaluate_modules(facts: "Facts", specs: Mapping[str, RuleSpec], targets: TargetSet,
                     ctx: Optional[ModuleContext] = None) -> List[Finding]:
    """Run the enabled module checks (driver and ORM configuration rules). ``ctx``: as for ``evaluate_sql``."""
    enabled = _enabled(specs)
    if ctx is None:
        ctx = ModuleContext(facts, targets)
    findings: List[Finding] = []
    for check in checks_of(MODULE):
        spec = enabled.get(check.code)
        if spec is None:
            continue
        seen = set()
        for v in check.run(ctx.for_reader(check.needs, check.code)):
            if id(v.node) in seen:
                continue  # one finding per node and rule (a copied settings entry, one engine seen twice)
            seen.add(id(v.node))
            finding = _verdict_finding(spec, v, targets, v.node, v.framework)
            if finding is not None:
                findings.append(finding)
    return findings
