"""The target matrix: each hazard family against each target, from the profiles (``pinlint targets``, the
README's table, the per-target part of ``pinlint rule``)."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Sequence

from pinlint.targets.profiles import REPORTED, UNCONFIRMED, Catalog, Cell, Profile, catalog

NOT_APPLICABLE = "n/a"
#: what a cell's marks mean (text and Markdown tables)
LEGEND = ("pins: the client keeps a backend until it disconnects; leaks: the state reaches another client; "
          "lost: the state is gone in the client's next transaction; breaks: an error at run time; "
          "?: unconfirmed (a warning at most); *: changes with the target's options or with what the code "
          "shows (`pinlint targets FAMILY`); n/a: another SQL dialect")


def cell_text(cat: Catalog, profile: Profile, family: str) -> str:
    """A matrix cell: the effect under the product's defaults, ``?`` when unconfirmed, ``*`` when it varies."""
    if cat.families[family].dialect not in profile.dialects:
        return NOT_APPLICABLE
    cell = profile.cells[family]
    text = cell.effect
    if cell.confidence == UNCONFIRMED and cell.effect in REPORTED:
        text += "?"
    if cell.clauses:
        text += "*"
    return text


def _sources(cat: Catalog, ids: Iterable[str]) -> List[Dict[str, str]]:
    out = []
    for i in ids:
        s = cat.sources[i]
        entry = {"id": s.id, "title": s.title}
        if s.url:
            entry["url"] = s.url
        if s.ref:
            entry["ref"] = s.ref
        out.append(entry)
    return out


def cell_json(cat: Catalog, profile: Profile, family: str) -> Dict[str, Any]:
    if cat.families[family].dialect not in profile.dialects:
        return {"effect": NOT_APPLICABLE}
    cell: Cell = profile.cells[family]
    out: Dict[str, Any] = {"effect": cell.effect, "confidence": cell.confidence, "sources": _sources(cat, cell.sources)}
    if cell.note:
        out["note"] = cell.note
    if cell.inherited:
        out["inherited-from"] = profile.base
    if cell.clauses:
        out["when"] = [
            {"condition": c.describe(), "effect": c.effect, "confidence": c.confidence or cell.confidence,
             **({"sources": _sources(cat, c.sources)} if c.sources else {}), **({"note": c.note} if c.note else {})}
            for c in cell.clauses
        ]
    return out


def _options_json(profile: Profile) -> Dict[str, Any]:
    out = {}
    for name, spec in profile.options.items():
        default = sorted(spec.default) if isinstance(spec.default, frozenset) else spec.default
        entry: Dict[str, Any] = {"type": spec.type, "default": default, "settable": spec.settable,
                                 "source": spec.source}
        if spec.choices:
            entry["choices"] = list(spec.choices)
        if spec.by_version:
            entry["by-version"] = [{"below": b or None, "value": sorted(v) if isinstance(v, frozenset) else v}
                                   for b, v, _ in spec.by_version]
        if spec.help:
            entry["help"] = spec.help
        out[name] = entry
    return out


def as_json(families: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    """Every target and family (or the given families), each cell with its sources."""
    cat = catalog()
    fams = list(families or cat.families)
    return {
        "targets": [
            {"name": p.name, "title": p.title, "kind": p.kind, "dialects": list(p.dialects),
             "tracked-parameters": {"names": sorted(p.tracked.names), "all": p.tracked.all,
                                    "except": sorted(p.tracked.except_), "option": p.tracked.option,
                                    "confidence": p.tracked.confidence,
                                    "sources": _sources(cat, p.tracked.sources)},
             "options": _options_json(p)}
            for p in cat.profiles.values()
        ],
        "families": [
            {"name": f, "title": cat.families[f].title, "dialect": cat.families[f].dialect,
             "cells": {p.name: cell_json(cat, p, f) for p in cat.profiles.values()}}
            for f in fams
        ],
    }


def render_text(families: Optional[Sequence[str]] = None) -> str:
    """The matrix as a fixed-width table; with ``families``, each family's cells in full."""
    cat = catalog()
    if families:
        return "\n\n".join(_family_detail(cat, f) for f in families)
    names = list(cat.profiles)
    width = max(len(f) for f in cat.families) + 2
    cols = [max(len(n), 12) + 2 for n in names]
    lines = [("family".ljust(width) + "".join(n.ljust(c) for n, c in zip(names, cols))).rstrip()]
    for f in cat.families:
        lines.append(f.ljust(width) + "".join(cell_text(cat, cat.profiles[n], f).ljust(c)
                                                for n, c in zip(names, cols)).rstrip())
    lines += ["", LEGEND]
    return "\n".join(lines)


def _family_detail(cat: Catalog, family: str) -> str:
    fam = cat.families[family]
    out = [f"{family}: {fam.title}"]
    for p in cat.profiles.values():
        c = cell_json(cat, p, family)
        if c["effect"] == NOT_APPLICABLE:
            out.append(f"  {p.name}: n/a")
            continue
        out.append(f"  {p.name}: {c['effect']} ({c['confidence']})" + (f"; {c['note']}" if c.get("note") else ""))
        for w in c.get("when", []):
            out.append(f"      {w['effect']} when {w['condition']} ({w['confidence']})"
                       + (f"; {w['note']}" if w.get("note") else ""))
        for s in c["sources"]:
            out.append(f"      source: {s['title']}" + (f" ({s['ref']})" if s.get("ref") else "")
                       + (f" {s['url']}" if s.get("url") else ""))
    return "\n".join(out)


TABLE_START = "<!-- targets-matrix:start -->"
TABLE_END = "<!-- targets-matrix:end -->"


def markdown_table() -> str:
    cat = catalog()
    names = list(cat.profiles)
    rows = ["| hazard family | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for f, fam in cat.families.items():
        rows.append(f"| `{f}`: {fam.title} | "
                    + " | ".join(cell_text(cat, cat.profiles[n], f).replace("*", "\\*") for n in names) + " |")
    rows += ["", LEGEND.replace("*:", "\\*:") + "."]
    rows += [""] + [f"- **{p.name}**: {p.title}" for p in cat.profiles.values()]
    return "\n".join(rows)


def update_readme(text: str) -> str:
    head, _, rest = text.partition(TABLE_START)
    _, _, tail = rest.partition(TABLE_END)
    return f"{head}{TABLE_START}\n{markdown_table()}\n{TABLE_END}{tail}"


def rule_targets(families: Sequence[str], severity: Dict[str, str]) -> List[str]:
    """For ``pinlint rule``: each target the rule reports, with its severity and, per family, the effect,
    the conditions that change it and the sources."""
    cat = catalog()
    out = []
    for p in cat.profiles.values():
        if p.name not in severity:
            continue
        out.append(f"- {p.title} (`{p.name}`): {severity[p.name]}")
        for f in families:
            c = cell_json(cat, p, f)
            if c["effect"] == NOT_APPLICABLE:
                continue
            extra = "".join(f"; {w['effect']} when {w['condition']}" for w in c.get("when", []))
            out.append(f"  - {f}: {c['effect']} ({c['confidence']}){extra}"
                       + (f". {c['note']}" if c.get("note") else ""))
            for s in c["sources"]:
                out.append(f"    - {s['title']}" + (f": {s['url']}" if s.get("url") else ""))
    return out
