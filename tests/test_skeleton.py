"""The skeleton of CPython's tree (pinlint.pipeline.skeleton): what focus and the parse guard read of it."""

from __future__ import annotations

import ast
import pickle
import random
import sys
from pathlib import Path
from typing import FrozenSet, Optional, Tuple

import pytest

from pinlint.pipeline.read import decode
from pinlint.pipeline.skeleton import FLAT_CHAINS, build, child_fields, digest

ROOT = Path(__file__).resolve().parent.parent


def measure(tree: ast.AST, skip: FrozenSet[int] = frozenset()) -> Tuple[int, int]:
    """The walk the parse guard used before skeletons (kept as the oracle): (depth, nodes) of the tree
    libcst builds, not counting the subtrees whose ids are in ``skip``."""
    stack = [(tree, 0)]
    deepest = nodes = 0
    while stack:
        node, depth = stack.pop()
        nodes += 1
        deepest = max(deepest, depth)
        field = FLAT_CHAINS.get(type(node))
        depth += 1 if field is None else max(1, len(getattr(node, field)))
        fields, has_ctx = child_fields(type(node))
        if has_ctx:
            nodes += 1
            deepest = max(deepest, depth)
        for name in fields:
            value = getattr(node, name, None)
            children = value if type(value) is list else [value]
            for child in children:
                if isinstance(child, ast.AST) and id(child) not in skip:
                    stack.append((child, depth))
    return deepest, nodes


def _unit_nodes(tree: ast.Module):
    """The units' nodes in the skeleton's order."""
    defs = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    out = []
    for stmt in tree.body:
        if isinstance(stmt, defs):
            out.append(stmt)
            if isinstance(stmt, ast.ClassDef):
                out += [s for s in stmt.body if isinstance(s, defs)]
    return out


def _sources():
    paths = sorted((ROOT / "pinlint").rglob("*.py"))[:40]
    stdlib = Path(ast.__file__).parent
    paths += [stdlib / n for n in ("ast.py", "typing.py", "dataclasses.py", "argparse.py", "inspect.py")]
    return [p for p in paths if p.is_file()]


@pytest.mark.parametrize("path", _sources(), ids=lambda p: p.name)
def test_sizes_agree_with_the_whole_walk_for_any_blanked_units(path):
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    skeleton = build(tree)
    nodes = _unit_nodes(tree)
    assert [u.name for u in skeleton.units] == [n.name for n in nodes]
    assert skeleton.size() == measure(tree)
    rng = random.Random(path.name)
    for _ in range(8):
        blanked = frozenset(i for i in range(len(nodes)) if rng.random() < 0.5)
        # focus never blanks a method of a blanked class; the skeleton drops it with its class either way
        skip = frozenset(id(nodes[i]) for i in blanked)
        assert skeleton.size(blanked) == measure(tree, skip)


def test_units_statements_and_assignments():
    source = (
        '"""Module doc."""\n'
        "import os\n"
        "__all__ = ['f']\n"
        "SQL = 'SET search_path TO a'\n"
        "\n"
        "@decorate\n"
        "def f():\n"
        '    """F."""\n'
        "    return SQL\n"
        "\n"
        "class C:\n"
        "    X: str = 'a'\n"
        "    def m(self):\n"
        "        pass\n"
        "\n"
        "class D:\n"
        "    def n(self): pass\n"
        "a = 1; b = 2\n"
    )
    s = build(ast.parse(source))
    assert s.module_doc == (1, 1)
    assert [(u.name, u.start, u.end, u.parent, u.doc, u.only_defs) for u in s.units] == [
        ("f", 6, 9, -1, (8, 8), False), ("C", 11, 14, -1, None, False), ("m", 13, 14, 1, None, False),
        ("D", 16, 17, -1, None, True), ("n", 17, 17, 3, None, False)]
    assert [(a.line, sorted(a.targets)) for a in s.assignments] == [(3, ["__all__"]), (4, ["SQL"]), (12, ["X"]),
                                                                     (18, ["a"]), (18, ["b"])]
    # the docstring, ``import`` and ``__all__`` name no helper; constants and the ``;`` line do
    assert [(st.line, st.names_code) for st in s.statements] == [
        (1, True), (2, False), (3, False), (4, True), (7, False), (11, False), (16, False), (18, True), (18, True)]
    assert s.statement_starts() == [1, 2, 3, 4, 6, 11, 16, 18]
    assert s.statement_starts(frozenset({4})) == [1, 2, 3, 4, 6, 11, 16, 18]  # a method: not top level
    assert pickle.loads(pickle.dumps(s)) == s


@pytest.mark.parametrize("data", [
    b"\xef\xbb\xbfdef f():\n    return 1\n",  # a BOM
    b"# -*- coding: latin-1 -*-\ns = '\xe9'\ndef f():\n    pass\n",  # a declared encoding
    b"def f():\r\n    x = 1\r\n\r\nclass C:\r\n    def m(self): pass\r\n",  # CRLF
    b"x = 1\f\ndef f():\n    pass\n",  # a form feed
])
def test_the_skeleton_of_the_bytes_is_that_of_the_decoded_text(data):
    """The survey builds it from the file's bytes, pass 2 would have built it from the decoded text."""
    from pinlint.pipeline.parse import bounded_ast_parse

    from_bytes = build(bounded_ast_parse(data), data)
    from_text = build(ast.parse(decode(data)))
    assert from_bytes._replace(digest=b"") == from_text
    assert from_bytes.digest == digest(data) and len(digest(data)) == 16


def _oracle_size(text: str, blanked) -> Optional[Tuple[int, int]]:
    tree = ast.parse(text)
    nodes = _unit_nodes(tree)
    return measure(tree, frozenset(id(nodes[i]) for i in blanked))


def test_deep_nesting_counts_as_libcst_builds_it():
    text = "def f():\n    return " + " or ".join(["a"] * 300) + "\n\ndef g():\n    return [x for x in y]\n"
    s = build(ast.parse(text))
    assert s.size() == _oracle_size(text, ()) and s.size()[0] > 300  # ``or`` terms nest in libcst
    assert s.size(frozenset({0})) == _oracle_size(text, (0,)) and s.size(frozenset({0}))[0] < 10


def test_the_recursion_limit_is_not_needed():
    """One iterative walk: a tree as deep as CPython's parser allows is measured at a low recursion limit."""
    text = "x = " + "[" * 190 + "1" + "]" * 190 + "\n"
    tree = ast.parse(text)
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(100)
    try:
        s = build(tree)
    finally:
        sys.setrecursionlimit(old)
    assert s.size() == measure(tree) and s.size()[0] > 190
