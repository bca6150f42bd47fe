"""Analysing a file leaves no reference cycle that holds its syntax trees.

A run collects garbage once per file (pinlint.pipeline.run.tune_gc). When a cycle (the extractor and the
helpers it hands itself to, a recursive closure, a parent/child link) holds a file's libcst or CPython
tree, that collection has to scan every node of it: on SQLAlchemy that was a tenth of the run's CPU.
Without such a cycle, reference counting frees the trees as soon as the analysis is done. This checks
the property (not a time): after analysing files that take every path (focus with blanked methods, a
class kept for one method, SQL from a constant, a finding located, a ``# noqa``), the garbage collector
finds no syntax node among the unreachable objects.
"""

from __future__ import annotations

import ast
import gc
from pathlib import Path

import libcst as cst
import pytest

from pinlint.pipeline.focus import focus
from pinlint.pipeline.options import RunOptions
from pinlint.pipeline.run import check_source
from pinlint.specs import load_specs
from pinlint.targets import TargetSet

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _long_module() -> str:
    """A module long enough to be focused: a class with one method that sends session SQL among many
    that do not, and module-level helpers that cannot matter."""
    lines = [
        "import psycopg",
        "",
        'SEARCH_PATH = "SET search_path TO tenant_a"',
        "",
        "",
        "class Repository:",
        '    """Data access."""',
        "",
        "    def __init__(self, dsn):",
        "        self.conn = psycopg.connect(dsn)",
        "",
        "    def use_tenant(self):",
        "        self.conn.execute(SEARCH_PATH)",
        "",
        "    def grant(self):",
        '        self.conn.execute("SET ROLE reporting")  # noqa: PIN102',
        "",
    ]
    for i in range(12):
        lines += [f"    def helper_{i}(self, value):", f"        return [value] * {i}", ""]
    for i in range(12):
        lines += ["", f"def unrelated_{i}(items):", "    total = 0", "    for item in items:",
                  "        total += item", "    return total", ""]
    return "\n".join(lines) + "\n"


def _cases():
    yield "long.py", _long_module()
    for path in sorted((EXAMPLES / "pinning_app").glob("*.py")):
        yield path.name, path.read_text(encoding="utf-8")


@pytest.fixture
def saved_garbage():
    """Collect what exists now, then keep what later collections find (``gc.DEBUG_SAVEALL``)."""
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if enabled:
            gc.enable()


def test_the_long_module_is_focused():
    text = _long_module()
    focused = focus(text, ast.parse(text))
    assert focused is not None and focused.blanked  # so the test below takes focus's path


@pytest.mark.parametrize("name, text", list(_cases()), ids=[n for n, _ in _cases()])
def test_analysis_leaves_no_syntax_tree_in_cycles(name, text, saved_garbage):
    options = RunOptions(targets=TargetSet(), enabled=frozenset(s.code for s in load_specs()))
    found = check_source(name, text.encode("utf-8"), options)
    if name == "long.py":
        codes = {d.code for d in found}
        assert "PIN101" in codes and "PIN102" not in codes  # the analysis ran, and the noqa held
    gc.collect()
    held = [type(o).__name__ for o in gc.garbage if isinstance(o, (cst.CSTNode, ast.AST))]
    assert held == [], f"{len(held)} syntax nodes were left in reference cycles"
