"""A function's local bindings in its index summary (pinlint.facts.index.summarise): only what evaluating
its returns can read keeps its value; every local name stays known as local."""

from __future__ import annotations

import ast

from pinlint.facts.index.summarise import summarise


def _fn(source: str, key: str = "f"):
    mod = summarise("m.py", source.encode(), "m")
    assert mod is not None
    return mod.functions[key]


def test_values_only_for_what_the_returns_reach():
    fn = _fn(
        "def f(cur, x):\n"
        "    big = [1, 2, 3, 4, 5, 6, 7, 8]\n"
        "    head = 'SET search_path TO '\n"
        "    sql = head + x\n"
        "    other = cur.fetchall()\n"
        "    for row in other:\n"
        "        pass\n"
        "    return sql\n"
    )
    assert set(fn.locals) == {"big", "head", "sql", "other", "row"}  # every local name stays local
    assert [ast.unparse(v) for v in fn.locals["sql"]] == ["head + x"]
    assert [ast.unparse(v) for v in fn.locals["head"]] == ["'SET search_path TO '"]
    assert fn.locals["big"] == [] and fn.locals["other"] == [] and fn.locals["row"] == []


def test_ambiguous_bindings_stay_ambiguous():
    fn = _fn("def f(flag):\n    sql = 'A'\n    if flag:\n        sql = 'B'\n    return sql\n")
    assert len(fn.locals["sql"]) == 2  # two bindings: no single text (as before)


def test_no_returns_no_locals():
    assert _fn("def f():\n    sql = 'SET ROLE x'\n    print(sql)\n").locals == {}


def test_a_returned_name_reaches_through_a_chain():
    fn = _fn("def f():\n    a = 'LISTEN ch'\n    b = a\n    c = b\n    unused = 'x'\n    return [c]\n")
    assert [ast.unparse(v) for v in fn.locals["a"]] == ["'LISTEN ch'"]
    assert fn.locals["unused"] == []
