"""Decide from raw bytes, cheaply, whether a file can produce a finding at all.

Most files in a code base hold no SQL and no database configuration; they are never decoded or
parsed. The contract (tested in tests/test_prefilter.py): every rule example passes the filter, so
the filter can only cost time, never findings. It looks for a SQL statement keyword right after a
quote, a semicolon or a comment (where a SQL string starts) and for hazard function names anywhere.
"""

from __future__ import annotations

import re

_STATEMENT_START = (
    rb"(?:[\"'`;]|\*/|--[^\n]*\n)\s*"
    rb"(?:set|reset|prepare|execute|deallocate|discard|listen|unlisten|load|declare"
    rb"|create\s+(?:or\s+replace\s+)?(?:(?:global|local)\s+)?temp(?:orary)?)\b"
)
_ANYWHERE = rb"advisory|set_config|nextval|setval|currval|lastval|into\s+temp"

#: Byte patterns per rule family; a file that matches none of them cannot produce a finding.
#: A family adds its own entry (driver settings, MySQL SQL, ...).
FAMILY_MARKERS = {
    "session-sql": [_STATEMENT_START, _ANYWHERE],
}

MARKERS = re.compile(rb"(?i)" + rb"|".join(p for patterns in FAMILY_MARKERS.values() for p in patterns))


def may_matter(data: bytes) -> bool:
    return MARKERS.search(data) is not None
