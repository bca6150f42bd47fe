"""``module_name`` (string work, run for every file) names modules as the pathlib version it replaced did."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pinlint.facts.index.summarise import module_name


def _pathlib_name(path: str, root: str) -> str:
    p = Path(os.path.abspath(path))
    try:
        rel = p.relative_to(os.path.abspath(root))
    except ValueError:
        rel = Path(*p.parts[1:])
    parts = list(rel.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) or p.stem


SEGMENTS = st.sampled_from(["a", "b.py", "__init__.py", ".py", "x.pyi", "c.d.py", "..", ".", "", "pkg", ".hidden",
                            "f.tar.gz", "__init__", "g.", "..py", "work", "src"])


@settings(max_examples=500, deadline=None)
@given(st.lists(SEGMENTS, min_size=1, max_size=5), st.booleans(),
       st.sampled_from([".", "/", "a", "src", "/tmp", "pkg/..", "a/", "..", os.getcwd(), os.getcwd() + "/"]))
def test_same_names_as_pathlib(segments, absolute, root):
    path = ("/" if absolute else "") + "/".join(segments)
    try:
        expected = _pathlib_name(path, root)
    except ValueError:  # pathlib refuses an empty name (the path is the root itself): no file has one
        assume(False)
    assert module_name(path, root) == expected


def test_examples():
    assert module_name("pkg/mod.py", ".") == "pkg.mod"
    assert module_name("pkg/__init__.py", ".") == "pkg"
    assert module_name("src/pkg/mod.pyi", "src") == "pkg.mod"
