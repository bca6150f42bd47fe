"""Diagnostics: what pinlint reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple


#: the rule for a file pinlint could not read, parse or analyse (pinlint.pipeline.run reports it)
META_CODE = "PIN000"


@dataclass(frozen=True, order=True)
class Position:
    """1-based line and 1-based column (in characters)."""

    row: int
    column: int


@dataclass(frozen=True)
class Edit:
    """Replace the text between two positions (end exclusive) with ``content``."""

    start: Position
    end: Position
    content: str


@dataclass(frozen=True)
class Fix:
    title: str
    applicability: str  # "safe" | "unsafe" | "display-only"
    edits: Tuple[Edit, ...] = ()


@dataclass(frozen=True)
class Diagnostic:
    code: str
    name: str
    message: str
    help: str
    severity: str
    filename: str
    start: Position
    end: Position
    targets: Tuple[str, ...] = ()
    url: str = ""
    fix: Optional[Fix] = None
    #: (target, effect) pairs: what happens on each affected target (``pins``, ``leaks``, ``lost``, ``breaks``)
    effects: Tuple[Tuple[str, str], ...] = field(default=(), compare=False)
    #: lines that a ``# noqa`` may sit on besides the reported line (e.g. where the SQL call starts)
    noqa_rows: Tuple[int, ...] = field(default=(), compare=False)

    def sort_key(self) -> Tuple[Any, ...]:
        return (self.filename, self.start.row, self.start.column, self.code, self.message)

    def to_json(self) -> Dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "help": self.help,
            "severity": self.severity,
            "filename": self.filename,
            "location": {"row": self.start.row, "column": self.start.column},
            "end_location": {"row": self.end.row, "column": self.end.column},
            "fix": None
            if self.fix is None
            else {
                "message": self.fix.title,
                "applicability": self.fix.applicability,
                "edits": [
                    {
                        "content": e.content,
                        "location": {"row": e.start.row, "column": e.start.column},
                        "end_location": {"row": e.end.row, "column": e.end.column},
                    }
                    for e in self.fix.edits
                ],
            },
            "url": self.url,
            "targets": list(self.targets),
        }
