"""Per-file limits: a time budget and a memory bound. A file over either is one PIN000 with the reason.

**Memory.** libcst's tree takes about 2.5 KB per node of CPython's tree of the same code, CPython's own
about 600 bytes, and neither parser can be stopped once it runs. So the bound is a deterministic
prediction, the same with any ``--jobs``, checked before each parser runs (pinlint/pipeline/parse.py):
before CPython's, on an estimate of the tokens of a large text (at most two nodes a token); before
libcst's, on the node count of CPython's tree.

**Time.** ``time_budget`` arms a one-shot interval timer (``setitimer``, ``SIGALRM``; no thread) for the
analysis of one file, and ``checkpoint()`` between the phases raises once the deadline has passed. The
timer's handler raises ``BudgetExceeded`` in Python code; while the interpreter is importing a module (a
half-imported module would break every later file) it waits and tries again shortly. Native code (libcst's
parser) cannot be interrupted: the exception comes when it returns, and the memory bound keeps that short.
Where no timer can be armed (not the main thread, no ``SIGALRM``, another timer already running) only the
checkpoints apply. Nested budgets keep the outer deadline.

A timed-out result depends on the machine, so it is never cached (``TRANSIENT_REASONS``).
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator, List, Optional

from pinlint.model import META_CODE

if TYPE_CHECKING:  # pragma: no cover
    from pinlint.model import Diagnostic

#: Default seconds per file; RunOptions.time_budget overrides.
DEFAULT_TIME_BUDGET = 60.0
#: Default bound on the memory one file's analysis may take (bytes); RunOptions.memory_bound overrides.
DEFAULT_MEMORY_BOUND = 1 << 30
#: Memory per node of CPython's tree of the code: CPython's own tree (about 600 bytes, alive while libcst
#: parses) plus libcst's (1.4-2.5 KB), rounded up. Peak RSS measured on the standard library and on
#: generated files of 40k and 400k lines.
BYTES_PER_NODE = 3200
#: CPython's tree alone, per node (checked before CPython parses a large file: pinlint/pipeline/parse.py).
AST_BYTES_PER_NODE = 640
#: Seconds to wait before trying again when the timer fires inside an import.
_RETRY = 0.05


class BudgetExceeded(BaseException):
    """The file's analysis went over its time budget; the message is the one-line reason. A BaseException,
    as KeyboardInterrupt is: the ``except Exception`` of the analysis must not swallow it."""


def time_reason(seconds: float) -> str:
    return f"analysis took longer than {seconds:g} s (the per-file time budget)"


def memory_reason(bound: int) -> str:
    return f"too large to analyse: its syntax trees would take more than the per-file memory bound ({bound >> 20} MB)"


#: Prefixes of PIN000 reasons that depend on the machine or the moment, not on the file: never cached.
TRANSIENT_REASONS = ("analysis took longer than", "internal error", "the worker process")


def max_nodes(bound: int) -> int:
    """The most nodes (of CPython's tree, as libcst will see them) a file may have under ``bound`` bytes."""
    return max(1, bound // BYTES_PER_NODE)


_deadline: Optional[float] = None
_seconds = 0.0


def checkpoint() -> None:
    """Raise BudgetExceeded when the current file's deadline has passed (cheap; call between phases)."""
    if _deadline is not None and time.monotonic() > _deadline:
        raise BudgetExceeded(time_reason(_seconds))


def _importing(frame) -> bool:
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def _on_alarm(signum, frame) -> None:  # pragma: no cover - timing dependent; tested through time_budget
    if _deadline is None:
        return
    if _importing(frame):
        signal.setitimer(signal.ITIMER_REAL, _RETRY)
        return
    raise BudgetExceeded(time_reason(_seconds))


def _can_arm() -> bool:
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return False
    if signal.getitimer(signal.ITIMER_REAL)[0] > 0:  # someone else's timer: leave it alone
        return False
    return signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None)


_installed = False


def install() -> None:
    """Keep the timer's handler installed for the life of the process (the command line, its workers):
    each file then costs two ``setitimer`` calls. Library callers (the API, the flake8 plugin) get the
    handler installed and restored around each file instead."""
    global _installed
    if _can_arm():
        signal.signal(signal.SIGALRM, _on_alarm)
        _installed = True


@contextmanager
def time_budget(seconds: Optional[float]) -> Iterator[None]:
    """Run the block under a deadline ``seconds`` from now (None or <= 0: no budget)."""
    global _deadline, _seconds
    if not seconds or seconds <= 0 or _deadline is not None:
        yield
        return
    armed = restore = False
    previous = None
    if _installed and threading.current_thread() is threading.main_thread() \
            and signal.getsignal(signal.SIGALRM) is _on_alarm:
        armed = True
    elif _can_arm():
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        armed = restore = True
    _seconds = seconds
    _deadline = time.monotonic() + seconds
    try:
        if armed:
            signal.setitimer(signal.ITIMER_REAL, seconds)
        yield
    finally:
        _deadline = None
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if restore:
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)


def is_transient(diagnostics: "List[Diagnostic]") -> bool:
    """Whether a result depends on the moment (a time-out, an internal error) or on another file's bytes
    (a fix that edits a constant in another module, at positions the cache key does not cover): never
    cache it."""
    return any(d.code == META_CODE and any(r in d.message for r in TRANSIENT_REASONS) for d in diagnostics) \
        or any(d.fix is not None and any(e.filename for e in d.fix.edits) for d in diagnostics)
