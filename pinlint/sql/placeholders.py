"""Driver placeholder normalisation.

Python database drivers accept SQL with parameter markers that PostgreSQL itself would not parse
(``%s``, ``%(name)s``, ``:name``) or that tokenizers read as something else. Before the classifier
tokenizes a string, every marker is replaced by ``?`` followed by blanks, so that:

* the marker reads as one value token (sqlglot tokenizes ``?`` as PLACEHOLDER), and
* the string keeps its length, so every offset in the normalised text is also an offset in the
  original one (no mapping needed).

Recognised markers (the paramstyles of PEP 249 plus psycopg 3 and asyncpg):

* ``%s``, ``%b``, ``%t`` and ``%(name)s`` / ``%(name)b`` / ``%(name)t`` (psycopg 2 and 3, pymysql)
* ``:name`` (SQLAlchemy ``text()``, oracle style), but not the ``::type`` cast, not ``:=`` and not an
  array slice ``a[lo:hi]``
* ``$1`` (asyncpg, server-side parameters), but not inside an identifier such as ``a$1``
* ``?`` (qmark style)

``%%`` is the pyformat escape of ``%``: it is not a marker and is left in place (the classifier
reports literal text with ``%%`` read as ``%``, see :func:`unescape_percent`). Markers are replaced
wherever they occur, also inside string literals: drivers that substitute on the client do the same.
A replacement never spans a quote character, so quoting is never changed.
"""

from __future__ import annotations

import re
from typing import List, Tuple

#: What every marker becomes (padded with blanks to the marker's length).
MARKER = "?"

_MARKERS = re.compile(
    r"""
      %%                          # escaped percent: consumed so that %%s is not read as % + %s
    | %\([^()'"\n]*\)[sbt]        # %(name)s
    | %[sbt]                      # %s
    | (?<![:\w$]):[^\W\d]\w*      # :name
    | (?<![\w$])\$\d+             # $1
    | \?                          # ?
    """,
    re.VERBOSE,
)

_MARKER_START = frozenset("%:$?")


def normalize(sql: str) -> Tuple[str, List[Tuple[int, int]]]:
    """Return ``(text, spans)``: ``sql`` with every driver marker replaced by ``?`` plus blanks.

    ``text`` has the same length as ``sql``. ``spans`` are the ``(start, end)`` offsets of the
    markers in increasing order; ``text[start]`` is ``?`` and ``text[start + 1:end]`` is blank.
    """
    if not _MARKER_START.intersection(sql):
        return sql, []
    spans: List[Tuple[int, int]] = []

    def replace(match: "re.Match[str]") -> str:
        found = match.group()
        if found == "%%":
            return found
        spans.append(match.span())
        return MARKER + " " * (len(found) - 1)

    return _MARKERS.sub(replace, sql), spans


def unescape_percent(text: str) -> str:
    """Read the pyformat escape ``%%`` as ``%`` (what the server receives from a pyformat driver)."""
    return text.replace("%%", "%") if "%%" in text else text
