"""Stage 1's word tests give the same answers with pyahocorasick (one pass over a file for all words)
and without it (a substring test per word, pinlint.pipeline.prefilter.Words)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pinlint.pipeline import prefilter
from pinlint.specs import load_specs

WORDS = [b"pool", b"connect", b"connection", b"asyncpg", b"pg_advisory_lock", b"pg_advisory_lock_shared", b"set",
         b"databases", b"server_side_cursors"]


def _both(words):
    with_automaton = prefilter.Words(words)
    without = prefilter.Words(words, automaton=False)
    assert with_automaton.found(b"") is not None, "pyahocorasick is a dependency: it must be installed"
    assert without.found(b"") is None
    return with_automaton, without


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS + [b" ", b"_", b"\n", b"\xc3\xa9", b"p", b"g", b"x"]), max_size=40))
def test_words_are_found_alike(parts):
    text = b"".join(parts)
    fast, slow = _both(WORDS)
    for word in WORDS:
        assert fast.tester(text)(word) == slow.tester(text)(word) == (word in text), (text, word)


def _rule_example_texts():
    for spec in load_specs():
        for ex in spec.valid + spec.invalid:
            text = ex.python_source(spec.dialect or "postgres")
            yield pytest.param(text.encode("utf-8", "surrogatepass").lower(), id=f"{spec.code}-{ex.index}")


@pytest.fixture(scope="module")
def families_without_automaton():
    original = prefilter._automaton_module
    prefilter._automaton_module = lambda: None
    try:
        return prefilter.Families()
    finally:
        prefilter._automaton_module = original


@pytest.mark.parametrize("lowered", list(_rule_example_texts()))
def test_stage_1_is_the_same_without_the_automaton(lowered, families_without_automaton):
    fast, slow = prefilter.families(), families_without_automaton
    assert fast.sql.stage1(lowered) == slow.sql.stage1(lowered)
    assert list(fast.modules._stage1_hits(lowered)) == list(slow.modules._stage1_hits(lowered))
    assert sorted(fast.sql.spans(lowered)) == sorted(slow.sql.spans(lowered))


def _one_regex(module):
    """The import test as one regex over the whole text (what ``ImportTest`` replaces)."""
    import re

    from pinlint.facts.catalog import LAZY_IMPORTS

    m = re.escape(module)
    lazy = "|".join(sorted({re.escape(k.rsplit(".", 1)[-1]) for k in LAZY_IMPORTS}))
    return re.compile(r"^[ \t]*(?:from[ \t]+" + m + r"\b|import[ \t]+(?:[\w.]+(?:[ \t]+as[ \t]+\w+)?[ \t]*,[ \t]*)*"
                      + m + r"\b)|\b(?:" + lazy + r")\([^)\n]{0,200}?[\"']" + m + r"\b", re.MULTILINE)


PIECES = ["import ", "from ", "psycopg", "psycopg_pool", "psycopg2", " as ", "pg", ", ", ",", " ", "\t", "\n", "\r\n",
          "x", ".", "(", ")", "'", '"', "LazyLoader(", "import_module(", "#", "  "]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=25), st.sampled_from(["psycopg", "psycopg_pool", "asyncpg"]))
def test_import_test_is_the_one_regex(parts, module):
    text = "".join(parts)
    assert prefilter.ImportTest(module).search(text) == (_one_regex(module).search(text) is not None), text
