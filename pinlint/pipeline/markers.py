"""Byte and text markers that decide cheaply which files the project index reads and which SQL it
keeps, and which files may hold SQL that their bytes do not show (a name the index knows, a loaded
``.sql`` file, a statement assembled from parts, a literal over 16 KB)."""

from __future__ import annotations

import re
from typing import Optional

from pinlint.facts.index.model import ProjectIndex
from pinlint.targets import LARGE_STATEMENT_BYTES, large_statement

#: SQL text that can matter to a rule (kept in step with pinlint.evaluate.SQL_HAZARD_RE).
HAZARD_RE = re.compile(
    r"(?i)\b(?:set|reset|prepare|execute|deallocate|discard|listen|unlisten|load|declare|temp|temporary|"
    r"\w*advisory\w*|set_config|nextval|setval|currval|lastval)\b"
)

#: Bytes that make a file worth indexing (matched on the lower-cased bytes): a hazard word where a
#: constant or a returned string can hold it, or a SQL sink called with a bare name (a wrapper's body
#: passes its parameter: ``cur.execute(sql, args)``). Plain words are substring tests (fast).
_INDEX_WORDS = (b"advisory", b"set_config", b"nextval", b"setval", b"currval", b"lastval")
INDEX_STATEMENT_RE = re.compile(
    rb"[\"']\s*(?:set|reset|prepare|execute|deallocate|discard|listen|unlisten|load|declare"
    rb"|create\s+(?:(?:global|local)\s+)?temp)\b"
)
_SINK_CALL_RE = re.compile(
    rb"\.(?:execute|executemany|exec_driver_sql|execute_sql|fetch|fetchrow|fetchval)\(\s*(?:self\.)?[a-z_]\w*\s*[,)%.]"
)
_TEXT_CALL_RE = re.compile(rb"text\(\s*[a-z_]\w*\s*\)")
#: a SQL sink or ``text()`` called with a bare name (matched on lower-cased bytes): a wrapper's body
WRAPPER_RE = re.compile(_SINK_CALL_RE.pattern + rb"|\b" + _TEXT_CALL_RE.pattern)


def may_wrap(lowered: bytes) -> bool:
    """Whether lower-cased bytes may define a wrapper (a SQL sink called with a name): ``WRAPPER_RE``,
    as regexes that start with a literal, run only where their literal occurs."""
    if (b".execute" in lowered or b".exec_driver_sql" in lowered or b".fetch" in lowered) \
            and _SINK_CALL_RE.search(lowered) is not None:
        return True
    if b"text(" in lowered:
        for m in _TEXT_CALL_RE.finditer(lowered):
            if m.start() == 0 or not (lowered[m.start() - 1:m.start()].isalnum() or lowered[m.start() - 1] == 95):
                return True
    return False


class IndexMarkers:
    """``INDEX_MARKERS.search(data)``: whether a file is worth indexing: it may define a wrapper (a SQL
    sink called with a name), or it holds a hazard word where SQL starts and, read as text, a statement
    with the shape of a hazardous one (the prefilter's stage 2: ``pinlint.pipeline.prefilter``), so that one of
    its constants or returned strings can be hazardous SQL."""

    @staticmethod
    def search(data: bytes, lowered: Optional[bytes] = None, session_sql: bool = True) -> bool:
        """``lowered``: ``data.lower()`` if the caller has it. ``session_sql=False``: the caller knows
        that the prefilter's session-SQL byte markers do not occur (they cover every hazard marker
        here), so only a wrapper can make the file worth indexing."""
        if lowered is None:
            lowered = data.lower()
        if may_wrap(lowered):
            return True
        if not session_sql:
            return False
        if not any(w in lowered for w in _INDEX_WORDS) and INDEX_STATEMENT_RE.search(lowered) is None:
            return False
        from pinlint.pipeline.prefilter import REFINERS

        text = data.decode("utf-8", "replace")
        return REFINERS["session-sql"](text) or REFINERS["mysql"](text)


INDEX_MARKERS = IndexMarkers()
#: Files larger than this are not indexed (generated code, vendored dumps): their SQL is still linted
#: in place, but their constants and wrappers are not seen from other modules.
MAX_INDEX_BYTES = 512 * 1024

#: Statement kinds and functions that some rule can flag (PostgreSQL and MySQL classifiers).
_HAZARD_KINDS = frozenset({
    "set", "set_role", "set_session_authorization", "set_session_characteristics", "reset", "prepare",
    "execute", "deallocate", "discard", "listen", "unlisten", "load", "declare", "create_temp",
    "lock_tables", "flush_tables_read_lock",
})
_HAZARD_CALLS = ("advisory", "set_config", "nextval", "setval", "currval", "lastval", "get_lock", "found_rows",
                 "row_count")


def sql_matters(text: Optional[str]) -> bool:
    """Whether SQL text held by a constant or returned by a function can give a finding: a statement
    of a kind some rule flags, a hazard function, or a statement too large for RDS Proxy. The words
    alone are not enough (``ALTER TABLE ... SET DEFAULT`` and prose mention SET too)."""
    if not text or not text.strip():
        return False
    if large_statement(text):
        return True
    if not HAZARD_RE.search(text):
        return False
    from pinlint.sql.classify import classify

    for dialect in ("postgres", "mysql"):
        for st in classify(text, dialect):
            if st.dynamic or (st.kind in _HAZARD_KINDS and st.scope != "local"):
                return True
            if any(h in c.name for c in st.calls for h in _HAZARD_CALLS):
                return True
            if getattr(st, "executable_comments", None):
                return True
    return False


#: A string literal naming a .sql file (the code may load SQL from it).
SQL_FILE_NAME_RE = re.compile(rb"""\.sql["']""", re.IGNORECASE)
#: ``"..." * N``: a repeated string, large enough to be a statement over 16 KB when len * N says so.
_REPEATED = re.compile(rb"""(["'])((?:(?!\1)[^\\\n]){1,400})\1\s*\*\s*(\d{2,})\b""")
_TIMES_NUMBER = re.compile(rb"\*\s*\d{2,}")
_QUOTE_TIMES = re.compile(rb"[\"']\s*\*\s*\d{2,}")
#: the same for a triple-quoted string (checked only when a closing triple quote is multiplied)
_TRIPLE_TIMES = re.compile(rb"(?:\"\"\"|''')\s*\*\s*\d{2,}")
_REPEATED_TRIPLE = re.compile(rb"(\"\"\"|''')(.{1,8000}?)\1\s*\*\s*(\d{2,})\b", re.DOTALL)
#: ``" ".join(["SET", "search_path", ...])``: a list item that is exactly a statement keyword, followed
#: by another string item.
KEYWORD_ITEM_RE = re.compile(  # matched on lower-cased bytes
    rb"""["'](?:set|reset|listen|load|prepare|execute|deallocate|discard|declare)\s*["']\s*,\s*[rbfu]*["']""")


def repeated_large(data: bytes) -> bool:
    """``"..." * N`` (or a triple-quoted string times N) longer than LARGE_STATEMENT_BYTES."""
    if _TIMES_NUMBER.search(data) is None:  # cheap: no ``* NN`` at all
        return False
    for times in _QUOTE_TIMES.finditer(data):  # a string literal right before ``* NN``: read its line
        line_start = data.rfind(b"\n", 0, times.start()) + 1
        for m in _REPEATED.finditer(data, max(line_start, times.start() - 410), times.end()):
            if len(m.group(2)) * int(m.group(3)) > LARGE_STATEMENT_BYTES:
                return True
    if _TRIPLE_TIMES.search(data):
        for m in _REPEATED_TRIPLE.finditer(data):
            if len(m.group(2)) * int(m.group(3)) > LARGE_STATEMENT_BYTES:
                return True
    return False


def _assembled_sql(data: bytes) -> bool:
    if b".sql" in data.lower() and SQL_FILE_NAME_RE.search(data):
        return True
    return repeated_large(data) or (b".join(" in data and KEYWORD_ITEM_RE.search(data.lower()) is not None)


def large_literal(data: bytes) -> bool:
    """Whether the bytes may hold a string literal larger than LARGE_STATEMENT_BYTES (a long line or a
    long triple-quoted string). Cheap: only files that large are looked at, in one pass."""
    if len(data) <= LARGE_STATEMENT_BYTES:
        return False
    for quote in (b'"""', b"'''"):
        pos = data.find(quote)
        while pos != -1:
            end = data.find(quote, pos + 3)
            if end == -1:
                break
            if end - pos > LARGE_STATEMENT_BYTES:
                return True
            pos = data.find(quote, end + 3)
    return any(len(line) > LARGE_STATEMENT_BYTES for line in data.split(b"\n"))


def assembled_or_large(data: bytes) -> bool:
    """SQL a file's bytes may hold without a marker: a ``.sql`` file loaded by name, a statement
    assembled from parts, a literal large enough to be PIN191 (``may_reach`` without the index)."""
    return _assembled_sql(data) or large_literal(data)


def may_reach(data: bytes, index: Optional[ProjectIndex]) -> bool:
    """Prefilter hook: SQL that the file's bytes do not show but that a finding can come from: a name
    the project index knows holds hazardous SQL (a constant, a function returning SQL, a wrapper),
    a ``.sql`` file loaded by name, or a literal large enough to be PIN191."""
    if index is not None and index.mentions(data):
        return True
    return _assembled_sql(data) or large_literal(data)

