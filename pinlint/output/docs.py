"""Rule documentation, rendered from the spec, in the fixed sections users of ruff know."""

from __future__ import annotations

from typing import Any, Dict

from pinlint.specs import RuleSpec

SECTION_TITLES = (
    ("what-it-does", "What it does"),
    ("why-is-this-bad", "Why is this bad?"),
    ("example", "Example"),
    ("use-instead", "Use instead"),
    ("fix-safety", "Fix safety"),
)
TARGET_TITLES = {"pgbouncer": "PgBouncer (transaction/statement mode)", "rds-proxy": "Amazon RDS Proxy"}


def render_rule(spec: RuleSpec) -> str:
    out = [f"# {spec.name} ({spec.code})", "", spec.summary, ""]
    targets = ", ".join(f"{TARGET_TITLES[t]}: {spec.severity[t]}" for t in spec.targets) or "all targets"
    out += [f"Targets: {targets}", ""]
    for key, title in SECTION_TITLES:
        out += [f"## {title}", str(spec.docs[key]).strip(), ""]
    if spec.help_variants:
        out += ["## Remedy by framework", f"- generic: {spec.help}"]
        out += [f"- {k}: {v}" for k, v in spec.help_variants.items()]
        out += [""]
    out += ["## References"]
    out += [f"- {r['title']}: {r['url']}" for r in spec.docs["references"]]
    return "\n".join(out)


def rule_json(spec: RuleSpec) -> Dict[str, Any]:
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
        "docs": {k: spec.docs[k] for k, _ in SECTION_TITLES},
        "references": list(spec.docs["references"]),
    }


TABLE_START = "<!-- rules-table:start -->"
TABLE_END = "<!-- rules-table:end -->"


def rules_table(specs) -> str:
    rows = ["| code | name | targets | what it finds |", "|---|---|---|---|"]
    for s in specs:
        targets = ", ".join(s.targets) or "-"
        rows.append(f"| {s.code} | `{s.name}` | {targets} | {s.summary} |")
    return "\n".join(rows)


def update_readme(text: str, specs) -> str:
    head, _, rest = text.partition(TABLE_START)
    _, _, tail = rest.partition(TABLE_END)
    return f"{head}{TABLE_START}\n{rules_table(specs)}\n{TABLE_END}{tail}"


if __name__ == "__main__":  # python -m pinlint.output.docs README.md: refresh the rule table
    import sys
    from pathlib import Path

    from pinlint.specs import load_specs

    path = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    path.write_text(update_readme(path.read_text(encoding="utf-8"), load_specs()), encoding="utf-8")
