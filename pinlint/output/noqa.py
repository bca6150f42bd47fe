"""``# noqa`` comments: ``# noqa`` (everything), ``# noqa: PIN101,PIN2`` (codes or prefixes), and a
file-level ``# pinlint: noqa``. Comments are read with the stdlib tokenizer (so text inside a string
literal is never a comment), and only in files that have findings or ``# noqa: PIN...`` comments.

The map remembers which code of which comment suppressed a finding, so that the ``unused-noqa`` rule
(PIN010) can report the ``PIN`` codes that suppressed nothing. Like ruff's RUF100: a bare ``# noqa`` is
never reported, codes of other tools (``E501``) are ignored, and an unknown ``PIN`` code is reported.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple, Union

from pinlint.model import Diagnostic, Position

NOQA_RE = re.compile(r"#\s*noqa(?::[\s]*(?P<codes>[A-Z]+[0-9]*(?:[\s,]+[A-Z]+[0-9]*)*))?", re.IGNORECASE)
FILE_NOQA_RE = re.compile(r"#\s*pinlint\s*:\s*noqa\b", re.IGNORECASE)
#: Cheap tests on raw bytes or text: could the file hold a ``# noqa: ...PIN...`` comment?
CODE_NOQA_BYTES_RE = re.compile(rb"(?i)#\s*noqa\s*:[^\n]*pin")
CODE_NOQA_TEXT_RE = re.compile(r"(?i)#\s*noqa\s*:[^\n]*pin")
ALL: FrozenSet[str] = frozenset({"*"})
UNUSED_NOQA = "PIN010"


@dataclass
class NoqaMap:
    file_level: bool = False
    #: row -> codes (or ALL)
    rows: Dict[int, FrozenSet[str]] = field(default_factory=dict)
    #: row -> (first column, end column) of the ``# noqa`` directive, 0-based, end exclusive
    spans: Dict[int, Tuple[int, int]] = field(default_factory=dict)
    #: row -> the codes of that row that suppressed at least one finding
    used: Dict[int, Set[str]] = field(default_factory=dict)

    def suppresses(self, row: int, code: str) -> bool:
        """Whether a ``# noqa`` on ``row`` covers ``code``; records the match for unused-noqa."""
        codes = self.rows.get(row)
        if codes is None:
            return False
        if codes is ALL:
            return True
        hits = {c for c in codes if code.startswith(c)}
        if hits:
            self.used.setdefault(row, set()).update(hits)
        return bool(hits)

    def suppress(self, rows: Iterable[int], code: str) -> bool:
        """Whether any of ``rows`` suppresses ``code``; every matching comment counts as used."""
        hit = False
        for row in rows:
            hit = self.suppresses(row, code) or hit
        return hit


def _comments(source: str):
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                yield tok.start[0], tok.start[1], tok.string
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return


def may_have_code_noqa(data: Union[bytes, str]) -> bool:
    pattern = CODE_NOQA_BYTES_RE if isinstance(data, bytes) else CODE_NOQA_TEXT_RE
    return pattern.search(data) is not None  # type: ignore[arg-type]


def parse_noqa(source: str) -> NoqaMap:
    result = NoqaMap()
    for row, col, text in _comments(source):
        if FILE_NOQA_RE.search(text):
            result.file_level = True
            continue
        m = NOQA_RE.search(text)
        if not m:
            continue
        result.spans.setdefault(row, (col + m.start(), col + m.end()))
        codes: Optional[str] = m.group("codes")
        if codes is None:
            result.rows[row] = ALL
        else:
            parsed = frozenset(c.upper() for c in re.split(r"[\s,]+", codes.strip()) if c)
            prev = result.rows.get(row)
            result.rows[row] = ALL if prev is ALL else (parsed | (prev or frozenset()))
    return result


def unused_noqa(noqa: NoqaMap, filename: str, enabled: FrozenSet[str]) -> List[Diagnostic]:
    """PIN010 diagnostics: per ``# noqa: ...`` comment, the ``PIN`` codes that suppressed nothing.

    Codes that are switched off for this file (select / ignore / per-file-ignores) are not reported:
    the finding they are for cannot appear in this run. ``# noqa: PIN010`` on the line silences it."""
    from pinlint.specs import spec_by_code

    specs = spec_by_code()
    spec = specs[UNUSED_NOQA]
    known = [c for c in specs if c != UNUSED_NOQA]
    live = [c for c in enabled if c != UNUSED_NOQA]
    out: List[Diagnostic] = []
    for row in sorted(noqa.rows):
        codes = noqa.rows[row]
        if codes is ALL or UNUSED_NOQA in codes:
            continue
        used = noqa.used.get(row, set())
        unused, unknown = [], []
        for c in sorted(codes):
            if not c.startswith("PIN") or c in used:
                continue
            if not any(k.startswith(c) for k in known):
                unknown.append(c)
            elif any(k.startswith(c) for k in live):
                unused.append(c)
        if not unused and not unknown:
            continue
        parts = []
        if unused:
            parts.append(f"{', '.join(unused)} suppressed nothing")
        if unknown:
            parts.append(f"unknown code{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}")
        start, end = noqa.spans.get(row, (0, 0))
        out.append(
            Diagnostic(
                code=spec.code, name=spec.name, message=spec.message.format(details="; ".join(parts)),
                help=spec.help, severity="warning", filename=filename, start=Position(row, start + 1),
                end=Position(row, end + 1), targets=(), url=spec.url, noqa_rows=(row,),
            )
        )
    return out


# -- --add-noqa ------------------------------------------------------------------------------------

#: Findings that a ``# noqa`` cannot baseline: the file was not analysed.
NOT_BASELINED = frozenset({"PIN000"})


def _line_ends(source: str) -> Tuple[Set[int], Dict[int, int]]:
    """Rows whose end is outside any string and not a backslash continuation (a comment can go there),
    and row -> 0-based column of the comment already on that row."""
    ends: Set[int] = set()
    comments: Dict[int, int] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in (tokenize.NEWLINE, tokenize.NL):
            ends.add(tok.start[0])
        elif tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.start[1]
    return ends, comments


def _split_eol(line: str) -> Tuple[str, str]:
    for eol in ("\r\n", "\n", "\r"):
        if line.endswith(eol):
            return line[: -len(eol)], eol
    return line, ""


def _with_codes(body: str, comment_col: Optional[int], codes: Sequence[str]) -> str:
    """``body`` (a line without its end) with ``codes`` added to its ``# noqa`` comment, or a new one."""
    if comment_col is not None:
        m = NOQA_RE.search(body, comment_col)
        if m and m.group("codes"):
            have = {c.upper() for c in re.split(r"[\s,]+", m.group("codes")) if c}
            new = [c for c in codes if c not in have]
            if not new:
                return body
            at = m.end("codes")
            return body[:at] + ", " + ", ".join(new) + body[at:]
        if m:  # a bare `# noqa` already covers everything
            return body
    return body.rstrip() + "  # noqa: " + ", ".join(codes)


@dataclass
class NoqaEdit:
    path: str
    added: int = 0
    #: findings that got no comment, with the reason
    left: List[Tuple[Diagnostic, str]] = field(default_factory=list)
    #: why the file was not written (None: written, or nothing to do)
    refused: Optional[str] = None


def add_noqa(path: str, diags: Sequence[Diagnostic], recheck) -> NoqaEdit:
    """Append ``# noqa: CODE`` for ``diags`` (all of file ``path``) on a line where a comment is a comment:
    the reported line, or another line of the finding's noqa rows (where the call starts or ends) when the
    reported line is inside a multi-line string. Existing ``# noqa: ...`` comments are extended.

    The edited text must parse and ``recheck(path, data)`` must no longer report the baselined findings;
    otherwise nothing is written. Encoding, BOM and line endings are kept; the write is atomic."""
    import os

    from pinlint.pipeline.parse import ParseFailure, parse
    from pinlint.pipeline.read import decode, read_bytes

    result = NoqaEdit(path)
    result.left = [(d, "the file was not analysed") for d in diags if d.code in NOT_BASELINED]
    diags = [d for d in diags if d.code not in NOT_BASELINED]
    if path.endswith(".sql"):
        result.left.extend((d, "SQL files take `-- noqa: CODE` comments; add them by hand") for d in diags)
        return result
    if not diags:
        return result
    data = read_bytes(path)
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = decode(data)
    try:
        ends, comments = _line_ends(text)
    except (tokenize.TokenError, SyntaxError, IndentationError) as exc:
        result.refused = f"cannot tokenize: {exc}"
        result.left.extend((d, result.refused) for d in diags)
        return result
    lines = text.splitlines(keepends=True)
    wanted: Dict[int, List[str]] = {}
    done: List[Diagnostic] = []
    for d in diags:
        candidates = [d.start.row] + [r for r in d.noqa_rows if r != d.start.row]
        row = next((r for r in candidates if r in ends and 1 <= r <= len(lines)), None)
        if row is None:
            result.left.append((d, "no line of the finding can take a comment"))
            continue
        if d.code not in wanted.setdefault(row, []):
            wanted[row].append(d.code)
        done.append(d)
    if not wanted:
        return result
    for row, codes in wanted.items():
        body, eol = _split_eol(lines[row - 1])
        lines[row - 1] = _with_codes(body, comments.get(row), sorted(codes)) + eol
    new_text = "".join(lines)
    try:
        parse(new_text)
    except ParseFailure as exc:
        result.refused = f"the edited file would not parse ({exc.reason}); not written"
    else:
        new_data = new_text.encode(encoding)
        remaining = {(d.code, d.start) for d in recheck(path, new_data)}
        if any((d.code, d.start) in remaining for d in done):
            result.refused = "a comment would not suppress its finding; not written"
    if result.refused:
        result.left.extend((d, result.refused) for d in done)
        return result
    from pinlint.atomic import atomic_write

    atomic_write(path, new_data, mode=os.stat(path).st_mode & 0o7777, prefix=".pinlint-")
    result.added = sum(len(c) for c in wanted.values())
    return result
