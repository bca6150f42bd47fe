"""Small helpers the checks share for showing and locating SQL."""

from __future__ import annotations

from typing import Collection, List, Tuple

from pinlint.sql.statement import Call, Statement


def short(text: str, limit: int = 60, hole: str = "…") -> str:
    """``text`` on one line, cut to ``limit`` characters; ``hole``: what an unknown part is shown as (a
    message never shows the evaluator's placeholder)."""
    from pinlint.sql.statement import HOLE

    text = text.replace(HOLE, hole)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def call_span(call: Call) -> Tuple[int, int]:
    """The span of a function's name in the classified SQL."""
    return (call.start, call.start + len(call.name))


def executed_calls(st: Statement, names: Collection[str], executing_kinds: Collection[str]) -> List[Call]:
    """Calls of ``names`` in a statement that runs them (DDL such as ``DEFAULT nextval(...)`` only
    stores them)."""
    if st.kind not in executing_kinds:
        return []
    return [c for c in st.calls if c.name in names]
