"""Render diagnostics: concise, full (with the source line and help), json; and statistics."""

from __future__ import annotations

import json
from collections import Counter
from typing import Callable, Dict, List, Optional, Sequence

import click

from pinlint.model import Diagnostic

LineSource = Callable[[str], Optional[List[str]]]


def _style(text: str, color: bool, **kw: object) -> str:
    return click.style(text, **kw) if color else text  # type: ignore[arg-type]


def concise(diags: Sequence[Diagnostic], color: bool = False) -> str:
    lines = []
    for d in diags:
        loc = f"{_style(d.filename, color, bold=True)}:{d.start.row}:{d.start.column}:"
        lines.append(f"{loc} {_style(d.code, color, fg='red', bold=True)} {d.message}")
    return "\n".join(lines)


def full(diags: Sequence[Diagnostic], lines_of: LineSource, color: bool = False) -> str:
    out = []
    for d in diags:
        loc = f"{_style(d.filename, color, bold=True)}:{d.start.row}:{d.start.column}:"
        out.append(f"{loc} {_style(d.code, color, fg='red', bold=True)} {d.message}")
        src = lines_of(d.filename)
        if src is not None and 1 <= d.start.row <= len(src):
            line = src[d.start.row - 1].rstrip("\r\n").expandtabs(1)
            width = len(str(d.start.row))
            pad = " " * width
            if d.end.row == d.start.row and d.end.column > d.start.column:
                n = d.end.column - d.start.column
            else:
                n = max(1, len(line) - d.start.column + 1)
            out.append(f"{pad} |")
            out.append(f"{d.start.row} | {line}")
            caret = " " * (d.start.column - 1) + "^" * n
            out.append(f"{pad} | {_style(caret, color, fg='red')} {d.code}")
            out.append(f"{pad} |")
            out.append(f"{pad} = {_style('help', color, bold=True)}: {d.help}")
        else:
            out.append(f"  = help: {d.help}")
        if d.targets:
            out.append(f"  = targets: {', '.join(d.targets)}")
        out.append(f"  = docs: pinlint rule {d.code}")
        out.append("")
    return "\n".join(out).rstrip("\n")


def as_json(diags: Sequence[Diagnostic]) -> str:
    return json.dumps([d.to_json() for d in diags], indent=2, ensure_ascii=False)


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


def by_code(diags: Sequence[Diagnostic]) -> Dict[str, int]:
    return dict(Counter(d.code for d in diags))
