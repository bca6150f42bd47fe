"""Byte and text markers that decide cheaply which files the project index reads and which SQL it
keeps, and which files may hold SQL that their bytes do not show (a name the index knows, a loaded
``.sql`` file, a statement assembled from parts, a literal over 16 KB)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator, Optional, Tuple

from pinlint.facts.index.model import ProjectIndex
from pinlint.targets import LARGE_STATEMENT_BYTES, large_statement

#: A SQL sink or ``text()`` called with a bare name (matched on lower-cased bytes): a wrapper's body
#: passes its parameter (``cur.execute(sql, args)``).
_SINK_CALL_RE = re.compile(
    rb"\.(?:execute|executemany|exec_driver_sql|execute_sql|fetch|fetchrow|fetchval)\(\s*(?:self\.)?[a-z_]\w*\s*[,)%.]"
)
#: ``text(name)`` (after a character that cannot be part of a name)
_TEXT_CALL_RE = re.compile(rb"text\(\s*[a-z_]\w*\s*\)")


def wrapper_spans(lowered: bytes) -> Iterator[Tuple[int, int]]:
    """Where a SQL sink or ``text()`` is called with a bare name (a wrapper's body passes its parameter);
    each regex runs only where its literal occurs."""
    if b".execute" in lowered or b".exec_driver_sql" in lowered or b".fetch" in lowered:
        for m in _SINK_CALL_RE.finditer(lowered):
            yield m.span()
    if b"text(" in lowered:
        for m in _TEXT_CALL_RE.finditer(lowered):
            if m.start() == 0 or not (lowered[m.start() - 1:m.start()].isalnum() or lowered[m.start() - 1] == 95):
                yield m.span()


def may_wrap(lowered: bytes) -> bool:
    """Whether lower-cased bytes may define a wrapper (a SQL sink or ``text()`` called with a name)."""
    return next(wrapper_spans(lowered), None) is not None


class IndexMarkers:
    """``INDEX_MARKERS.search(data)``: whether a file is worth indexing: it may define a wrapper (a SQL
    sink called with a name), or it passes both stages of the prefilter's SQL families
    (``pinlint.pipeline.prefilter``: a statement keyword where SQL starts, a hazard function, and read as
    text the shape of a hazardous statement), so that one of its constants or returned strings can be
    hazardous SQL."""

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
        from pinlint.pipeline.prefilter import sql_hit, sql_shaped

        return sql_hit(lowered) and sql_shaped(data.decode("utf-8", "replace"))


INDEX_MARKERS = IndexMarkers()
#: Files larger than this are not indexed (generated code, vendored dumps): their SQL is still linted
#: in place, but their constants and wrappers are not seen from other modules.
MAX_INDEX_BYTES = 512 * 1024


def sql_matters(text: Optional[str]) -> bool:
    """Whether SQL text held by a constant or returned by a function can give a finding: a statement
    that some rule judges (``pinlint.checks.hazards``: its kind, a function it calls), or a statement too
    large for RDS Proxy. The words alone are not enough (``ALTER TABLE ... SET DEFAULT`` and prose
    mention SET too)."""
    if not text or not text.strip():
        return False
    if large_statement(text):
        return True
    from pinlint.checks.hazards import hazards

    h = hazards()
    dialects = [d for d in h.sql if h.may_matter(text, d)]
    if not dialects:
        return False
    from pinlint.sql.classify import classify

    if any(h.statement_matters(st, d) for d in dialects for st in classify(text, d)):
        return True
    # a fragment that another string completes (``selector = "WHERE pg_try_advisory_lock(id)"`` in
    # ``f"SELECT id FROM jobs {self.selector}"``): judged as the clause or expression of a query
    return any(h.statement_matters(st, d) for d in dialects for wrapped in FRAGMENT_WRAPPERS
               for st in classify(wrapped.format(text), d) if st.kind != "unknown")


#: how a SQL fragment is read to tell whether it can matter: as a query's clauses, or as an expression
FRAGMENT_WRAPPERS = ("SELECT 1 FROM t {}", "SELECT {}")


#: A string literal naming a .sql file (the code may load SQL from it).
SQL_FILE_NAME_RE = re.compile(rb"""\.sql["']""", re.IGNORECASE)
#: ``"..." * N``: the closing quote of a string literal, multiplied (the literal is read back from it).
_TIMES_NUMBER = re.compile(rb"\*\s*\d{2,}")
_QUOTE_TIMES = re.compile(rb"[\"']\s*\*\s*(\d{2,})\b")
#: the same for a triple-quoted string
_TRIPLE_TIMES = re.compile(rb"(?:\"\"\"|''')\s*\*\s*(\d{2,})\b")
#: the longest literal read back (a plain one, a triple-quoted one)
_MAX_REPEATED, _MAX_REPEATED_TRIPLE = 400, 8000


def repeated_large(data: bytes) -> bool:
    """``"..." * N`` (or a triple-quoted string times N) longer than LARGE_STATEMENT_BYTES. One pass: at
    each closing quote times N, the literal's opening quote is the nearest one before it (a literal of
    at most 400 bytes without escapes or line breaks; a triple-quoted one of at most 8000)."""
    return next(repeated_large_spans(data), None) is not None


def repeated_large_spans(data: bytes) -> Iterator[Tuple[int, int]]:
    """Where ``repeated_large`` finds such literals (offsets in ``data``)."""
    if _TIMES_NUMBER.search(data) is None:  # cheap: no ``* NN`` at all
        return
    for times in _QUOTE_TIMES.finditer(data):
        end = times.start()
        start = data.rfind(data[end:end + 1], max(0, end - _MAX_REPEATED - 1), end)
        body = data[start + 1:end] if start != -1 else b""
        if body and b"\\" not in body and b"\n" not in body \
                and len(body) * int(times.group(1)) > LARGE_STATEMENT_BYTES:
            yield start, times.end()
    for times in _TRIPLE_TIMES.finditer(data):
        end = times.start()
        start = data.rfind(data[end:end + 3], max(0, end - _MAX_REPEATED_TRIPLE - 3), end)
        size = end - start - 3
        if start != -1 and 0 < size and size * int(times.group(1)) > LARGE_STATEMENT_BYTES:
            yield start, times.end()


@lru_cache(maxsize=None)
def keyword_item_re() -> "re.Pattern[bytes]":
    """``" ".join(["SET", "search_path", ...])``: a list item that is exactly a statement keyword (of
    some check: ``pinlint.checks.hazards``), followed by another string item (on lower-cased bytes)."""
    from pinlint.checks.hazards import hazards

    keywords = list(dict.fromkeys(k for t in hazards().sql.values() for k in t.keywords))
    return re.compile(rb"[\"'](?:" + "|".join(keywords).encode() + rb")\s*[\"']\s*,\s*[rbfu]*[\"']")


def _assembled_sql(data: bytes, lowered: Optional[bytes] = None) -> bool:
    lowered = data.lower() if lowered is None else lowered
    if b".sql" in lowered and SQL_FILE_NAME_RE.search(data):
        return True
    return repeated_large(data) or (b".join(" in data and keyword_item_re().search(lowered) is not None)


def large_literal(data: bytes) -> bool:
    """Whether the bytes may hold a string literal larger than LARGE_STATEMENT_BYTES (a long line or a
    long triple-quoted string). Cheap: only files that large are looked at, in one pass."""
    return next(large_literal_spans(data), None) is not None


def large_literal_spans(data: bytes) -> Iterator[Tuple[int, int]]:
    """Where ``large_literal`` finds such literals or lines (offsets in ``data``)."""
    if len(data) <= LARGE_STATEMENT_BYTES:
        return
    for quote in (b'"""', b"'''"):
        # C-speed test first: the bodies of closed literals are every other piece between the quotes
        if quote not in data or max(map(len, data.split(quote)[1:-1:2]), default=0) + 3 <= LARGE_STATEMENT_BYTES:
            continue
        pos = data.find(quote)
        while pos != -1:
            end = data.find(quote, pos + 3)
            if end == -1:
                break
            if end - pos > LARGE_STATEMENT_BYTES:
                yield pos, end + 3
            pos = data.find(quote, end + 3)
    lines = data.split(b"\n")
    if max(map(len, lines)) <= LARGE_STATEMENT_BYTES:
        return
    start = 0
    for line in lines:
        if len(line) > LARGE_STATEMENT_BYTES:
            yield start, start + len(line)
        start += len(line) + 1


def assembled_or_large(data: bytes, lowered: Optional[bytes] = None) -> bool:
    """SQL a file's bytes may hold without a marker: a ``.sql`` file loaded by name, a statement
    assembled from parts, a literal large enough to be PIN191 (``may_reach`` without the index;
    ``lowered``: the bytes lower-cased, if the caller has them)."""
    return _assembled_sql(data, lowered) or large_literal(data)


def may_reach(data: bytes, index: Optional[ProjectIndex]) -> bool:
    """Prefilter hook: SQL that the file's bytes do not show but that a finding can come from: a name
    the project index knows holds hazardous SQL (a constant, a function returning SQL, a wrapper),
    a ``.sql`` file loaded by name, or a literal large enough to be PIN191."""
    if index is not None and index.mentions(data):
        return True
    return _assembled_sql(data) or large_literal(data)

