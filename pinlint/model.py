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
    """Replace the text between two positions (end exclusive) with ``content``; in the finding's file, or
    in ``filename`` (SQL text written in another module of the project: its constant is edited there)."""

    start: Position
    end: Position
    content: str
    filename: Optional[str] = None


@dataclass(frozen=True)
class Fix:
    title: str
    applicability: str  # "safe" | "unsafe"
    edits: Tuple[Edit, ...] = ()

    def files(self, own: str) -> Tuple[str, ...]:
        """The files the fix edits (``own``: the finding's file)."""
        return tuple(dict.fromkeys(e.filename or own for e in self.edits))

    def to_json(self) -> Dict[str, Any]:
        """ruff's shape: ``message``, ``applicability``, ``edits`` with 1-based locations (plus ``filename``
        for an edit in another file)."""
        edits = []
        for e in self.edits:
            edit: Dict[str, Any] = {
                "content": e.content,
                "location": {"row": e.start.row, "column": e.start.column},
                "end_location": {"row": e.end.row, "column": e.end.column},
            }
            if e.filename is not None:
                edit["filename"] = e.filename
            edits.append(edit)
        return {"message": self.title, "applicability": self.applicability, "edits": edits}


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
            "fix": None if self.fix is None else self.fix.to_json(),
            "url": self.url,
            "targets": list(self.targets),
        }
