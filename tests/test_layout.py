"""Module hygiene of the rule side (the checks, their evaluation and the prefilter built from them):
small modules, no private name imported from another module, no import cycle.

``OWNED`` lists the modules this holds for; widen it as other parts of the package get there."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pinlint"
OWNED = ("pinlint.checks", "pinlint.evaluate", "pinlint.specs", "pinlint.pipeline.prefilter",
         "pinlint.pipeline.focus", "pinlint.pipeline.markers")
MAX_LINES = 600


def _modules():
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _owned(name):
    return any(name == o or name.startswith(o + ".") for o in OWNED)


def _imports(path):
    """(module, name) for every ``from pinlint... import name`` and ``import pinlint...``, at any depth."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pinlint") and not node.level:
            for alias in node.names:
                yield node.module, alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("pinlint"):
                    yield alias.name, None


def _edges(name):
    out = set()
    for module, imported in _imports(MODULES[name]):
        if imported is not None and f"{module}.{imported}" in MODULES:
            out.add(f"{module}.{imported}")
        elif module in MODULES:
            out.add(module)
    return out


OWNED_MODULES = sorted(n for n in MODULES if _owned(n))


def test_owned_modules_exist():
    assert "pinlint.checks.registry" in OWNED_MODULES and "pinlint.pipeline.prefilter" in OWNED_MODULES


@pytest.mark.parametrize("name", OWNED_MODULES)
def test_module_is_small(name):
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name}: {lines} lines"


@pytest.mark.parametrize("name", OWNED_MODULES)
def test_no_private_name_from_another_module(name):
    private = [(m, n) for m, n in _imports(MODULES[name]) if n and n.startswith("_") and not n.startswith("__")]
    assert not private, f"{name} imports private names {private}"


def test_no_import_cycle_through_owned_modules():
    """Imports inside functions count too: a cycle there is a cycle in the design."""
    graph = {n: _edges(n) for n in MODULES}
    for start in OWNED_MODULES:
        stack, seen = [(start, (start,))], set()
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    pytest.fail("import cycle: " + " -> ".join(path + (start,)))
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, path + (nxt,)))


def test_the_prefilter_builds_its_markers_without_libcst():
    """The prefilter's markers come from the checks' triggers; a file that no rule can match must not pay
    for importing libcst or sqlglot (checks load libcst lazily: ``pinlint.lazy``)."""
    import subprocess
    import sys

    code = ("import sys\nfrom pinlint.pipeline.prefilter import may_matter, narrow\n"
            "assert not may_matter(b'import os\\nprint(os.sep)\\n') and not narrow('import os\\n')\n"
            "loaded = [m for m in ('libcst', 'sqlglot') if m in sys.modules]\nassert not loaded, loaded\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=str(PACKAGE.parent))
    assert result.returncode == 0, result.stderr
