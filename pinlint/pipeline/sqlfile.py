"""``.sql`` files: every statement in them is SQL, judged with the same rules as SQL in Python code.

A file is classified as one string (as when code loads it and executes it whole: statements that
undo each other in the same file, such as PREPARE then DEALLOCATE, count as one unit). Findings point
at the statement's line and column in the file. ``-- noqa`` / ``-- noqa: PIN101`` on a statement's
line suppresses its findings; ``-- pinlint: noqa`` anywhere skips the file.
"""

from __future__ import annotations

import re
from typing import Dict, FrozenSet, List, Optional

from pinlint.model import Diagnostic, Position

NOQA_RE = re.compile(r"--\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]*(?:[\s,]+[A-Z]+[0-9]*)*))?", re.IGNORECASE)
FILE_NOQA_RE = re.compile(r"--\s*pinlint\s*:\s*noqa\b", re.IGNORECASE)


def sql_file_dialect(text: str, filename: str) -> str:
    """The dialect of a .sql file: PostgreSQL unless the file clearly is another database's SQL.

    Hook for the MySQL dialect: return ``"mysql"`` for a file that clearly is MySQL (backquoted
    identifiers with ``ENGINE=``, ``DELIMITER``, ``/*!`` executable comments ...)."""
    return "postgres"


def _position(text: str, offset: int) -> Position:
    offset = max(0, min(offset, len(text)))
    row = text.count("\n", 0, offset) + 1
    line_start = text.rfind("\n", 0, offset) + 1
    return Position(row, offset - line_start + 1)


def _noqa(text: str) -> Optional[Dict[int, FrozenSet[str]]]:
    """Row -> codes (``"*"``: all), or None when the file opts out entirely."""
    rows: Dict[int, FrozenSet[str]] = {}
    if "noqa" not in text:
        return rows
    for row, line in enumerate(text.split("\n"), 1):  # rows as _position counts them
        if FILE_NOQA_RE.search(line):
            return None
        m = NOQA_RE.search(line)
        if m:
            codes = m.group("codes")
            rows[row] = frozenset({"*"}) if codes is None else frozenset(
                c.upper() for c in re.split(r"[\s,]+", codes.strip()) if c)
    return rows


#: A Python format field in SQL kept for ``str.format`` / ``psycopg.sql.SQL(...).format`` (``LISTEN
#: {channel_name}``): read as an identifier of the same length, so that the statement parses and every
#: offset stays that of the file.
_FORMAT_FIELD = re.compile(r"\{(\w*)\}")


def _fields_as_names(text: str) -> str:
    return _FORMAT_FIELD.sub(lambda m: "_" + m.group(1) + "_", text)


def _as_written(message: str, text: str) -> str:
    """A message quoting SQL with the format fields as the file writes them (``LISTEN {channel_name}``)."""
    for name in sorted({m.group(1) for m in _FORMAT_FIELD.finditer(text)}, key=len, reverse=True):
        message = re.sub(r"(?<![\w{])_" + re.escape(name) + r"_(?![\w}])", lambda _m: "{" + name + "}", message)
    return message


def check_sql_file(filename: str, data: bytes, options, enabled: FrozenSet[str]) -> List[Diagnostic]:
    from pinlint.evaluate import SQL_HAZARD_RE, evaluate_sql
    from pinlint.targets import large_statement

    text = data.decode("utf-8-sig", errors="replace")
    if options.use_prefilter and not SQL_HAZARD_RE.search(text) and not large_statement(text):
        return []
    import libcst as cst

    from pinlint.facts.extract import extract
    from pinlint.facts.model import SqlSite
    from pinlint.specs import load_specs

    facts = extract(cst.Module(body=[]))
    facts.sql_sites.append(SqlSite(text=_fields_as_names(text), node=None, call=None, sink="sql-file",  # type: ignore[arg-type]
                                   framework=None, dialect=sql_file_dialect(text, filename)))
    specs = {s.name: s for s in load_specs() if s.code in enabled}
    findings = evaluate_sql(facts, specs, options.targets)
    if not findings:
        return []
    noqa = _noqa(text)
    if noqa is None:
        return []
    out: List[Diagnostic] = []
    for f in findings:
        span = f.span or (0, 0)
        start, end = _position(text, span[0]), _position(text, span[1])
        codes = [noqa.get(r, frozenset()) for r in range(start.row, end.row + 1)]
        if any("*" in c or any(f.spec.code.startswith(x) for x in c) for c in codes):
            continue
        out.append(Diagnostic(
            code=f.spec.code, name=f.spec.name, message=_as_written(f.message, text),
            help=_as_written(f.help, text), severity=f.severity,
            filename=filename, start=start, end=end, targets=f.targets, url=f.spec.url, effects=f.effects,
            noqa_rows=tuple(range(start.row, end.row + 1)),
        ))
    return sorted(set(out), key=Diagnostic.sort_key)
