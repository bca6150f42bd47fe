"""Every pass of the prefilter, focus's markers and the index's markers is linear in the size of the file.

Hostile inputs (a file of nothing but ``#``, ``-``, ``asyncpg ``, triple quotes, ...) once made patterns
like ``#[^\\n]*\\n\\s*...`` rescan a line from every start position: 34 s for 128 KB of ``#``. Speed itself is
measured in benchmarks (bench/run.py), not here: these tests compare the time of a pass over ``n`` bytes
with its time over ``4 n`` bytes, which stays near 4 for a linear pass and near 16 for a quadratic one
(each time the best of several runs, long enough to measure; retried before failing, so a loaded
machine does not make them flaky).
"""

import time

import pytest

from pinlint.checks.hazards import hazards
from pinlint.pipeline.focus import hit_lines
from pinlint.pipeline.markers import INDEX_MARKERS, assembled_or_large, may_wrap
from pinlint.pipeline.prefilter import families_hit, may_matter, narrow

#: the repeated units of the hostile files: runs of comment marks, quotes, keywords, escapes, line breaks,
#: driver words, multiplied literals
UNITS = [
    b"#", b"-", b"--\n", b"-- \\n", b"# \\n", b"-- x\\n\\n", b"asyncpg ", b"from psycopg import x ", b"psycopg connect ",
    b'"""', b"'", b'"', b"'\\n", b"\\n", b"\\", b"\n", b" ", b"{", b"/*", b"*/ set ", b"SET ", b"'set ", b"'set x to ",
    b"declare x ", b"execute(", b".execute(a", b".cursor(", b"options=", b"DATABASES = ", b'.sql"', b"* 99", b"'* 99",
    b'"""x"""* 99 ', b"text(a", b"import a, ",
]

PASSES = {
    "stage 1": may_matter,
    "families": families_hit,
    "stage 2": lambda data: narrow(data.decode("latin-1")),
    "focus markers": hit_lines,
    "focus markers (text)": lambda data: hit_lines(data, data.decode("latin-1")),
    "index markers": INDEX_MARKERS.search,
    "assembled or large": assembled_or_large,
    "wrapper": lambda data: may_wrap(data.lower()),
    "hazard words": lambda data: any(hazards().may_matter(data.decode("latin-1"), d) for d in hazards().sql),
}

SIZE = 64 * 1024
#: a linear pass over 4x the bytes takes about 4x as long; a quadratic one 16x
MAX_RATIO = 8
ATTEMPTS = 3


def _hostile(unit: bytes, size: int) -> bytes:
    return (unit * (size // len(unit) + 1))[:size]


def _per_call(fn, data: bytes, budget: float = 0.01) -> float:
    """The best time of one call, over runs of enough calls to take ``budget`` seconds."""
    start = time.perf_counter()
    fn(data)
    once = time.perf_counter() - start
    calls = max(1, int(budget / max(once, 1e-6)))
    best = once
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(calls):
            fn(data)
        best = min(best, (time.perf_counter() - start) / calls)
    return best


@pytest.mark.parametrize("unit", UNITS, ids=repr)
@pytest.mark.parametrize("name", sorted(PASSES))
def test_pass_is_linear(name, unit):
    fn = PASSES[name]
    small, big = _hostile(unit, SIZE), _hostile(unit, 4 * SIZE)
    ratios = []
    for _ in range(ATTEMPTS):
        ratio = _per_call(fn, big) / max(_per_call(fn, small), 1e-6)
        if ratio < MAX_RATIO:
            return
        ratios.append(round(ratio, 1))
    pytest.fail(f"{name} on {unit!r} * n: 4x the bytes took {ratios}x the time")


def test_hostile_inputs_are_still_read():
    """The hostile files are not skipped by a size limit: a marker at their end is still found."""
    tail = b"\nimport psycopg\nconn = psycopg.connect('')\nconn.execute('SET search_path TO x')\n"
    for unit in (b"#", b"-", b'"""', b"asyncpg "):
        data = _hostile(unit, SIZE) + tail
        assert may_matter(data) and narrow(data.decode("latin-1") + "\n")
