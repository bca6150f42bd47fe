"""Rule documentation, rendered from the spec, in the fixed sections users of ruff know."""

from __future__ import annotations

from typing import Any, Dict, Tuple

from pinlint.specs import RuleSpec

SECTION_TITLES = (
    ("what-it-does", "What it does"),
    ("why-is-this-bad", "Why is this bad?"),
    ("example", "Example"),
    ("use-instead", "Use instead"),
    ("fix-safety", "Fix safety"),
)


def families_of(spec: RuleSpec) -> Tuple[str, ...]:
    """The hazard families the rule's check names (its rows of the target matrix); () for meta rules."""
    from pinlint.checks.registry import load_checks

    check = load_checks().get(spec.code)
    return check.families if check is not None else ()


def render_rule(spec: RuleSpec) -> str:
    from pinlint.targets.matrix import rule_targets

    out = [f"# {spec.name} ({spec.code})", "", spec.summary, ""]
    out += [f"Fix: {fix_line(spec)}", ""]
    for key, title in SECTION_TITLES:
        out += [f"## {title}", str(spec.docs[key]).strip(), ""]
    families = families_of(spec)
    if families:
        out += ["## Targets", "Severity, and what each target does (`pinlint targets` has the whole matrix; an "
                "unconfirmed effect is a warning at most):"]
        out += rule_targets(families, dict(spec.severity)) + [""]
    if spec.help_variants:
        out += ["## Remedy by framework", f"- generic: {spec.help}"]
        out += [f"- {k}: {v}" for k, v in spec.help_variants.items()]
        out += [""]
    out += ["## References"]
    out += [f"- {r['title']}: {r['url']}" for r in spec.docs["references"]]
    return "\n".join(out)


FIX_WORDS = {"safe": "safe, applied by `pinlint check --fix`",
             "unsafe": "unsafe, applied by `pinlint check --fix --unsafe-fixes`",
             "none": "none (no automatic fix)"}


def fix_line(spec: RuleSpec) -> str:
    """The rule's fix in one line: its title and safety."""
    if spec.fix_safety == "none":
        return FIX_WORDS["none"]
    return f"{spec.fix_title} ({FIX_WORDS[spec.fix_safety]})"


def rule_json(spec: RuleSpec) -> Dict[str, Any]:
    from pinlint.targets.matrix import cell_json
    from pinlint.targets.profiles import catalog

    cat = catalog()
    families = families_of(spec)
    return {
        "code": spec.code,
        "name": spec.name,
        "summary": spec.summary,
        "message": spec.message,
        "help": spec.help,
        "help_variants": dict(spec.help_variants),
        "severity": dict(spec.severity),
        "targets": list(spec.targets),
        "url": spec.url,
        "fix_safety": spec.fix_safety,
        "fix_title": spec.fix_title or None,
        "docs": {k: spec.docs[k] for k, _ in SECTION_TITLES},
        "references": list(spec.docs["references"]),
        "families": list(families),
        "target_effects": {t: {f: cell_json(cat, cat.profiles[t], f) for f in families} for t in spec.targets},
    }


TABLE_START = "<!-- rules-table:start -->"
TABLE_END = "<!-- rules-table:end -->"


def targets_label(spec: RuleSpec, sep: str = ", ") -> str:
    """The targets a rule reports: ``all``, ``all but rds-proxy``, or the names."""
    from pinlint.targets.profiles import catalog

    names = catalog().names
    missing = [t for t in names if t not in spec.targets]
    if not missing:
        return "all"
    if len(missing) <= 2 and len(spec.targets) > len(missing):
        return "all but " + sep.join(missing)
    return sep.join(spec.targets) or "-"


def rules_table(specs) -> str:
    rows = ["| code | name | targets | fix | what it finds |", "|---|---|---|---|---|"]
    for s in specs:
        targets = targets_label(s)
        fix = {"none": "-"}.get(s.fix_safety, s.fix_safety)
        rows.append(f"| {s.code} | `{s.name}` | {targets} | {fix} | {s.summary} |")
    return "\n".join(rows)


def update_readme(text: str, specs) -> str:
    head, _, rest = text.partition(TABLE_START)
    _, _, tail = rest.partition(TABLE_END)
    return f"{head}{TABLE_START}\n{rules_table(specs)}\n{TABLE_END}{tail}"


if __name__ == "__main__":  # python -m pinlint.output.docs README.md: refresh the rule table and the target matrix
    import sys
    from pathlib import Path

    from pinlint.specs import load_specs

    from pinlint.targets.matrix import update_readme as update_matrix

    path = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    text = update_matrix(update_readme(path.read_text(encoding="utf-8"), load_specs()))
    path.write_text(text, encoding="utf-8")
