"""pinlint.output.locate gives exactly libcst's PositionProvider ranges, for every node, without its cost.

The reference is libcst's whole-module MetadataWrapper (what pinlint used before); the cases are every
rule example and files with every line-break and whitespace oddity, plus the in-literal positions of
findings (spans inside strings) with and without the prefilter.
"""

import sys
import time

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from pinlint.api import check_source
from pinlint.output.locate import Locator, positions
from pinlint.specs import load_specs

ODD = {
    "crlf": 'import psycopg\r\n\r\ndef f(conn):\r\n    conn.execute("SET search_path TO app")\r\n',
    "lone_cr": 'import psycopg\r\rdef f(conn):\r    conn.execute("""\r        SELECT 1;\r        SET work_mem = 1\r    """)\r',
    "mixed": 'import psycopg\n\r\n\rx = 1\rconn.execute("""SET work_mem = 1;\r\nSET search_path TO b;\rSET statement_timeout = 3""")\n',
    "form_feed": 'import psycopg\n\x0c\ndef f(conn):\n\x0c    conn.execute("""\x0c\n  SET search_path TO app""")\n',
    "vt_fs_gs_rs_nel": 'import psycopg\nx = "\x0b\x1c\x1d\x1e\x85\u2028\u2029"\nconn.execute("""\x1c\nSET work_mem = 1""")\n',
    "tabs": 'import psycopg\nif 1:\n\tconn.execute("SET search_path TO app")\n\tconn.execute(\t"LISTEN x")\n',
    "non_ascii": 'import psycopg\n# héllo ✓ 𝔘\nλ = "é✓𝔘"; conn.execute("SET search_path TO é✓𝔘; LISTEN ü")\n',
    "implicit_concat": 'import psycopg\nconn.execute("SELECT 1; "\n             \'SET search_path TO app; \'\n'
                       '             f"LISTEN {x}" "; RESET ALL"\n             """\nDISCARD ALL""")\n',
    "decorators_comments": '# c\n\n@d  # x\n@e(\n  1)\ndef f():  # y\n    # z\n    return (  # w\n      1)\n# end\n',
    "continuations": 'import psycopg\nx = 1 + \\\n    2\nconn.execute( \\\n  "SET a = 1")\n',
    "no_trailing_newline": 'import psycopg\nconn.execute("SET search_path TO app")',
    "empty": "",
    "only_comment": "# just a comment",
    "nested": "class A:\n    class B:\n        def f(self):\n            if x:\n                while y:\n                    "
              "with z as w:\n                        try:\n                            pass\n"
              "                        except E:\n                            conn.execute('SET a = 1')\n",
}


def _sources():
    for spec in load_specs():
        for ex in list(spec.valid) + list(spec.invalid):
            if ex.files:
                for rel, code in {**ex.files, ex.path: ex.code}.items():
                    yield pytest.param(code, id=f"{spec.code}-{ex.index}-{rel}")
            else:
                yield pytest.param(ex.python_source(spec.dialect), id=f"{spec.code}-{ex.index}")
    for name, text in ODD.items():
        yield pytest.param(text, id=name)


def _reference(module):
    return {n: ((r.start.line, r.start.column), (r.end.line, r.end.column))
            for n, r in MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider).items()}


@pytest.mark.parametrize("source", list(_sources()))
def test_every_node_has_positionproviders_range(source):
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError:
        pytest.skip("an example that does not parse (a PIN000 example)")
    expected = _reference(module)
    assert positions(module, list(expected)) == expected
    # one node alone (the code generation stops early): the same range
    some = list(expected)[len(expected) // 2]
    assert positions(module, [some]) == {some: expected[some]}
    # statement by statement, from the lines CPython's tree gives (what a run does)
    starts = _starts(source)
    if starts:
        assert positions(module, list(expected), starts) == expected
        last = [n for n in expected if n is module.body[-1]] if module.body else []
        for node in [some] + last:
            assert positions(module, [node], starts) == {node: expected[node]}


def _starts(source):
    import ast

    from pinlint.pipeline.parse import statement_starts

    try:
        return statement_starts(ast.parse(source), source)
    except SyntaxError:
        return []


def test_statement_starts_join_semicolons_and_skip_blanked_one_liners():
    import ast

    from pinlint.pipeline.parse import statement_starts

    source = "# c\n\n@d\n@e(\n 1)\ndef f(): pass\na = 1; b = 2\nif a: c = 1; d = 2\n\n\ndef g(): pass\nx = (\n 1); y = 2\n"
    tree = ast.parse(source)
    assert statement_starts(tree, source) == [3, 7, 8, 11, 12]
    assert statement_starts(tree, source, frozenset({1})) == [3, 7, 8, 12]  # unit 1: g (unit 0: f)
    assert statement_starts(tree, "x = 1\ry = 2\n") == []  # a bare carriage return: counted otherwise


def test_a_wrong_start_falls_back_to_the_whole_module():
    source = "a = 1\n\nb = 2\nc = 3\n"
    module = cst.parse_module(source)
    expected = _reference(module)
    target = module.body[1]
    # the second statement said to start a line late: the first's end does not meet it, so the module
    # is generated whole and the range is still right
    assert positions(module, [module.body[0], target], [1, 4, 4]) == {
        module.body[0]: expected[module.body[0]], target: expected[target]}


def test_nodes_of_another_module_have_no_position():
    a, b = cst.parse_module("x = 1\n"), cst.parse_module("y = 2\n")
    assert positions(a, [b.body[0]]) == {}
    locator = Locator(a, [b.body[0], None])
    assert locator.rows(b.body[0]) == () and locator.rows(None) == ()


@pytest.mark.parametrize("name", ["lone_cr", "form_feed", "implicit_concat", "crlf", "tabs", "non_ascii",
                                  pytest.param("mixed", marks=pytest.mark.xfail(
                                      strict=True, reason="a statement after a lone CR inside the SQL starts at "
                                                          "the CR (pinlint/sql statement spans), not at SET"))])
@pytest.mark.parametrize("prefilter", [True, False])
def test_findings_inside_literals_point_at_the_sql(name, prefilter):
    """A finding's position is where its statement starts in the file's text (rows: universal lines)."""
    import re

    source = ODD[name]
    rows = re.split(r"\r\n|\r|\n", source)
    found = check_source(source, use_prefilter=prefilter)
    assert found, source
    for d in found:
        line = rows[d.start.row - 1]
        word = line[d.start.column - 1:].split()[0] if line[d.start.column - 1:].split() else ""
        # the statement's keyword, or the start of the string expression when it is assembled (f-string parts)
        assert word.upper().rstrip(";") in ("SET", "LISTEN", "RESET", "DISCARD") or (word != "" and word[0] in "\"'"), (d, line)


def test_a_long_module_is_located_in_linear_time_and_bounded_memory():
    """20,000 statements: the old whole-module PositionProvider took ~2.5 s and kept a range per node."""
    import tracemalloc

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    module = cst.parse_module("x = 1\n" * 20_000 + "conn.execute('SET a = 1')\n")
    last = module.body[-1]
    tracemalloc.start()
    started = time.perf_counter()
    got = positions(module, [last])
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert got == {last: ((20_001, 0), (20_001, 25))}
    assert peak < 5 * 1024 * 1024, peak  # no range per node is kept
    assert elapsed < 20, elapsed
