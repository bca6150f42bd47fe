"""``large_literal_spans`` (PIN191's byte marker: a triple-quoted literal or a line longer than RDS
Proxy's statement size) finds what a plain scan finds; its first test runs at C speed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pinlint.pipeline import markers

LIMIT = 24


def _reference(data: bytes):
    """The scan as written before the C-speed test: each triple-quoted pair, then each line."""
    if len(data) <= LIMIT:
        return []
    out = []
    for quote in (b'"""', b"'''"):
        pos = data.find(quote)
        while pos != -1:
            end = data.find(quote, pos + 3)
            if end == -1:
                break
            if end - pos > LIMIT:
                out.append((pos, end + 3))
            pos = data.find(quote, end + 3)
    start = 0
    for line in data.split(b"\n"):
        if len(line) > LIMIT:
            out.append((start, start + len(line)))
        start += len(line) + 1
    return out


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from([b'"""', b"'''", b'"', b"'", b"\n", b"x", b"xxxxxxxxxx", b" " * 7]), max_size=30))
def test_the_same_spans_as_a_plain_scan(parts):
    data = b"".join(parts)
    old = markers.LARGE_STATEMENT_BYTES
    markers.LARGE_STATEMENT_BYTES = LIMIT
    try:
        assert list(markers.large_literal_spans(data)) == _reference(data)
        assert markers.large_literal(data) == bool(_reference(data))
    finally:
        markers.LARGE_STATEMENT_BYTES = old
