"""``# noqa`` comments: ``# noqa`` (everything), ``# noqa: PIN101,PIN2`` (codes or prefixes), and a
file-level ``# pinlint: noqa``. Comments are read with the stdlib tokenizer, and only in files that
have findings."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Optional

NOQA_RE = re.compile(r"#\s*noqa(?::[\s]*(?P<codes>[A-Z]+[0-9]*(?:[\s,]+[A-Z]+[0-9]*)*))?", re.IGNORECASE)
FILE_NOQA_RE = re.compile(r"#\s*pinlint\s*:\s*noqa\b", re.IGNORECASE)
ALL: FrozenSet[str] = frozenset({"*"})


@dataclass
class NoqaMap:
    file_level: bool = False
    #: row -> codes (or ALL)
    rows: Dict[int, FrozenSet[str]] = field(default_factory=dict)

    def suppresses(self, row: int, code: str) -> bool:
        codes = self.rows.get(row)
        if codes is None:
            return False
        return codes is ALL or any(code.startswith(c) for c in codes)


def _comments(source: str):
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                yield tok.start[0], tok.string
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return


def parse_noqa(source: str) -> NoqaMap:
    result = NoqaMap()
    for row, text in _comments(source):
        if FILE_NOQA_RE.search(text):
            result.file_level = True
            continue
        m = NOQA_RE.search(text)
        if not m:
            continue
        codes: Optional[str] = m.group("codes")
        if codes is None:
            result.rows[row] = ALL
        else:
            parsed = frozenset(c.upper() for c in re.split(r"[\s,]+", codes.strip()) if c)
            prev = result.rows.get(row)
            result.rows[row] = ALL if prev is ALL else (parsed | (prev or frozenset()))
    return result
