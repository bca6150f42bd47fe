"""Phase timings for ``pinlint check --timings`` (and bench/run.py).

Each process accumulates seconds per phase and file counts; workers hand theirs back with their
results, so phases run in workers are CPU seconds summed over the workers, not wall time.
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from time import perf_counter
from typing import Dict, Iterator

PHASES = ("discover", "index", "read", "prefilter", "parse", "extract", "rules", "locate")
COUNTS = ("files", "stage 1 (bytes) passed", "stage 2 (shape) passed", "parsed with libcst", "from cache")

_acc: Counter = Counter()


@contextmanager
def phase(name: str) -> Iterator[None]:
    start = perf_counter()
    try:
        yield
    finally:
        _acc[name] += perf_counter() - start


def count(name: str, n: int = 1) -> None:
    _acc["#" + name] += n


def take() -> Dict[str, float]:
    """This process's accumulated timings, reset."""
    out = dict(_acc)
    _acc.clear()
    return out


def merge(into: Counter, part: Dict[str, float]) -> None:
    for k, v in part.items():
        into[k] += v


def render(t: Dict[str, float], wall: float, jobs: int) -> str:
    lines = [f"wall {wall:.3f} s, {jobs} job{'s' if jobs != 1 else ''} (phases in workers are CPU seconds summed over workers)"]
    for name in PHASES:
        lines.append(f"  {name:<10} {t.get(name, 0.0):8.3f} s")
    for name in COUNTS:
        lines.append(f"  {name:<26} {int(t.get('#' + name, 0)):6d}")
    return "\n".join(lines)
