"""Property tests on generated Python programs (hypothesmith): whatever compile() accepts is analysed
without an exception, with the prefilter off; the string evaluator and the extractor never raise.

Example counts are bounded so the file runs in well under a minute.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pinlint.api import run_options
from pinlint.config import Settings
from pinlint.pipeline.run import check_source
from pinlint.facts.extract import extract
from pinlint.pipeline.parse import ParseFailure, parse
from pinlint.facts.syntax import CstSyntax
from pinlint.facts.values import Evaluator

OPTIONS = replace(run_options(Settings()), use_prefilter=False)
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])

#: SQL fragments for the generated SQL sites: hazards, placeholders, quotes.
SQL = st.sampled_from([
    "SET search_path TO ", "SET LOCAL work_mem = ", "LISTEN ", "SELECT pg_advisory_lock(", "PREPARE p AS ",
    "DECLARE c CURSOR WITH HOLD FOR ", "CREATE TEMP TABLE t (", "RESET ALL", "%s", "%(name)s", "{}", "{0}", "$1",
    ":name", "'", '"', "$$", ";", "\\", "\n", "", "{{", "}}", "%%",
])
NAMES = st.sampled_from(["q", "sql", "schema", "conn", "x"])


def _compiles(source: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "<generated>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _analyse(source: str) -> None:
    """Analyse as pinlint does, prefilter off; any exception fails the test."""
    diagnostics = check_source("generated.py", source.encode("utf-8", "surrogatepass"), OPTIONS)
    for d in diagnostics:
        assert d.start.row >= 1 and d.start.column >= 1, d
        if d.code == "PIN000":
            assert "internal error" not in d.message, d.message


@SETTINGS
@given(hypothesmith.from_grammar())
def test_any_compilable_program_is_analysed(source):
    assume(_compiles(source))
    _analyse(source)


@SETTINGS
@given(hypothesmith.from_node())
def test_any_program_libcst_can_print_is_analysed(source):
    assume(_compiles(source))
    _analyse(source)


def _python_expressions():
    """Python expressions of the kinds the string evaluator reads (and some it must refuse), nested."""
    literal = st.one_of(
        SQL.map(repr),
        SQL.map(lambda t: "r" + repr(t.replace("\\", "")) if not t.endswith("\\") else repr(t)),
        SQL.map(lambda t: "b" + repr(t)),
        SQL.map(lambda t: '"""' + t.replace('"', "'").replace("\\", "") + '\n"""'),
        st.sampled_from(["1", "-1", "None", "1.5", "x.y", "f'SET {x} TO {y!r:>10}'", "f'{{}}%s'", "f''",
                         "'\\N{BULLET}'", "'\\x00'", "...", "()", "[]", "{}"]),
        NAMES,
    )

    def extend(inner):
        return st.one_of(
            st.tuples(inner, inner).map(lambda t: f"({t[0]} + {t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"({t[0]} % {t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"{t[0]}.format({t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"{t[0]}.join([{t[1]}, {t[0]}])"),
            st.tuples(inner, inner).map(lambda t: f"{t[0]}.join(({t[1]}, *{t[0]}))"),
            st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
            inner.map(lambda e: f"textwrap.dedent({e})"),
            inner.map(lambda e: f"text({e})"),
            inner.map(lambda e: f"{e}.strip().upper()"),
            inner.map(lambda e: f"({e})[0]"),
            inner.map(lambda e: f"({e} * 3)"),
            inner.map(lambda e: f"(lambda: {e})()"),
            inner.map(lambda e: f"f'SET search_path TO {{{e}}}'"),
        )

    return st.recursive(literal, extend, max_leaves=12)


EXPRESSIONS = _python_expressions()


@st.composite
def sql_programs(draw):
    """A program whose expressions reach SQL sinks, mixing SQL text by every operator the string evaluator
    knows (+, %, .format(), f-strings, join, dedent), with names bound in nested scopes, cycles included."""
    exprs = [draw(EXPRESSIONS) for _ in range(3)]
    shape = draw(st.sampled_from([
        "conn.execute({0})",
        "q = {0}\nsql = {1} + q\nconn.execute(sql, {2})",
        "q = q + {0}\nconn.execute(q)",
        "x = {0}\ndef f(x={1}):\n    q = x + {2}\n    cur.execute(q)\n    return lambda: conn.execute(x)",
        "class C:\n    sql = {0}\n    def m(self):\n        conn.execute(sql, {1})",
        "cur.executemany(sql={0}, params={1})",
        "sa.text({0})\nsession.execute(sa.text({1}))",
        "async def f(pool):\n    await pool.fetchval({0})\n    async with pool.acquire() as c:\n        await c.execute({1})",
        "schema = {0}\nconn.execute(f'SET search_path TO {{schema}}; ' {1!r})",
    ]))
    body = shape.format(*exprs)
    return "import psycopg\nimport textwrap\nimport sqlalchemy as sa\nfrom sqlalchemy import text\n" + body + "\n"


@SETTINGS
@given(sql_programs())
def test_generated_sql_sites_are_analysed(source):
    assume(_compiles(source))
    _analyse(source)


def _module(source: str) -> cst.Module:
    assume(_compiles(source))
    try:
        return parse(source)
    except ParseFailure:
        assume(False)
        raise  # pragma: no cover


class _Expressions(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.BaseExpression):
            self.found.append(node)
        return True


@SETTINGS
@given(hypothesmith.from_grammar(), st.data())
def test_string_evaluator_never_raises(source, data):
    module = _module(source)
    visitor = _Expressions()
    module.visit(visitor)
    assume(visitor.found)
    pool = visitor.found
    # names resolve to other expressions of the program, cycles included
    resolve = lambda name: pool[hash(name.value) % len(pool)]  # noqa: E731
    for evaluator in (Evaluator(CstSyntax), Evaluator(CstSyntax, resolve)):
        for node in pool[:200]:
            value = evaluator.text(node)
            assert value is None or isinstance(value, str)
            setting = evaluator.setting_text(node)
            assert setting is None or isinstance(setting, str)
            evaluator.literal(node)
            items = evaluator.dict_items(node)
            assert items is None or isinstance(items[0], dict)


@SETTINGS
@given(st.one_of(hypothesmith.from_grammar(), sql_programs()))
def test_extractor_never_raises_and_sites_are_sound(source):
    facts = extract(_module(source))
    for site in facts.sql_sites:
        assert isinstance(site.text, str) and site.text.strip()
        if site.literal is not None:
            assert site.literal.evaluated_value == site.text


@pytest.mark.parametrize("source", [
    "x = f'{1:{2:{3}}}'\n",
    "x = f'{x!r:>{width}}' 'SET search_path TO a'\n",
    "conn.execute(f'SET search_path TO {(lambda: 1)()}')\n",
    "conn.execute('SET search_path TO %s' % ())\n",
    "conn.execute('{0[0]} {a.b}'.format())\n",
    "conn.execute('%(x)s %' % {})\n",
    "conn.execute(u'SET x TO 1' b'')\n",
    "conn.execute(rb'SET \\x TO 1')\n",
    "conn.execute('\\N{LATIN SMALL LETTER E WITH ACUTE}')\n",
    "q = q\nconn.execute(q)\n",
    "a = b\nb = a\nconn.execute(a + b)\n",
    "conn.execute(' '.join([*x, 'SET search_path TO a']))\n",
    "conn.execute(' '.join(('SET', 'search_path', 'TO', x)))\n",
    "conn.execute(*args)\nconn.execute(**kw)\nconn.execute()\n",
    "conn.execute(sql=1 if x else 'SET search_path TO a')\n",
    "conn.execute(textwrap.dedent(b'SET x TO 1'))\n",
    "conn.execute(('SET search_path TO a' * 100_000))\n",
    "conn.execute('SET search_path TO a'.strip().lower().upper())\n",
])
def test_evaluator_corner_cases(source):
    _analyse("import psycopg\nimport textwrap\n" + source)


# --- hostile shapes (issue 14): deep expressions, long lines, control characters ---------------------
#
# Depths straddle the limits: libcst nests ``or``/``and`` terms and comprehension ``for`` clauses one level
# each (CPython keeps them flat) and its native parser crashes the whole process past ~7,000; CPython
# refuses 200 nested brackets. A crash here kills the test run, which is the point.

SMALL = settings(max_examples=25, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
#: sizes: cheap, near the nesting limit (1000), past it, past libcst's crash
SIZES = st.sampled_from([1, 2, 40, 300, 990, 1001, 3000, 12_000])


@st.composite
def deep_expressions(draw):
    kind = draw(st.sampled_from(["or", "and", "mixed", "unary", "not", "comprehension", "ifexp", "attrs",
                                 "parens", "plus"]))
    n = draw(SIZES)
    if kind == "plus":  # cubic in libcst below the limit: keep those small
        n = min(n, 300) if n < 1000 else n
    if kind == "parens":
        n = min(n, 250)
    inner = draw(st.sampled_from(["a", "'SET search_path TO app'", "f(x)", "(a or b)"]))
    return {
        "or": lambda: " or ".join([inner] * n),
        "and": lambda: " and ".join([inner] * n),
        "mixed": lambda: " or ".join([f"{inner} and b"] * n),
        "unary": lambda: "-" * n + "1",
        "not": lambda: "not " * n + inner,
        "comprehension": lambda: "[a " + "for a in b " * n + "]",
        "ifexp": lambda: f"{inner} if c else " * n + "d",
        "attrs": lambda: "a" + ".b" * n,
        "parens": lambda: "(" * n + inner + ")" * n,
        "plus": lambda: " + ".join([inner] * n),
    }[kind]()


@SMALL
@given(deep_expressions(), st.sampled_from(["x = {}\n", "conn.execute({})\n", "def f():\n    return {}\n"]))
def test_deep_expressions_are_analysed_or_refused(expression, shape):
    source = "import psycopg\nconn.execute('SET search_path TO app')\n" + shape.format(expression)
    diagnostics = check_source("deep.py", source.encode(), OPTIONS)
    reasons = [d.message for d in diagnostics if d.code == "PIN000"]
    assert all("internal error" not in r for r in reasons), reasons
    if not reasons:
        assert any(d.code == "PIN101" for d in diagnostics)


@SMALL
@given(st.sampled_from(["x = '{}'\n", "# {}\n", "f({})\n", "conn.execute('SET search_path TO {}')\n"]),
       st.integers(min_value=10_000, max_value=300_000), st.sampled_from(["a", "a, ", "é", "\\t", "x" * 7 + " "]))
def test_long_lines_are_analysed(shape, length, unit):
    body = (unit * (length // len(unit)))[:length].rstrip(", ")
    source = "import psycopg\n" + shape.format(body)
    for d in check_source("long.py", source.encode(), OPTIONS):
        assert "internal error" not in d.message, d.message


#: characters that end a line somewhere (str.splitlines, terminals, CI logs) or drive a terminal
CONTROL = st.sampled_from(["\x0c", "\x0b", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029", "\r", "\r\n", "\x1b",
                           "\x07", "\x00", "\x7f", "\u202e", "\t"])


@SMALL
@given(st.lists(st.tuples(st.sampled_from(["comment", "string", "blank", "sql"]), CONTROL), max_size=6))
def test_control_characters_anywhere(places):
    lines = ["import psycopg"]
    line_ends = ("\r", "\r\n")
    for where, c in places:
        in_line = "" if c in line_ends else c
        lines.append({"comment": "# " + c + " x", "string": "x = '" + in_line + "'",
                      "blank": c if c in ("\x0c",) + line_ends else "",
                      "sql": "conn.execute('LISTEN \"" + in_line + "x\"')"}[where])
    lines.append('conn.execute("""\n  SET search_path TO app\n""")')
    source = "\n".join(lines) + "\n"
    diagnostics = check_source("ctl.py", source.encode("utf-8", "surrogatepass"), OPTIONS)
    from pinlint.output.escape import printable
    from pinlint.output.formats import concise, gitlab, junit, sarif

    for d in diagnostics:
        assert "internal error" not in d.message, d.message
        shown = printable(d.message)
        assert not any(ch in shown for ch in "\n\r\x1b\x07\x0b\x0c\x1c\x85\u2028"), shown
    text = concise(diagnostics)
    assert len(text.split("\n")) == len(diagnostics) or not diagnostics


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CONTROL.filter(lambda c: c not in ("\x00", "\r", "\r\n")), min_size=1, max_size=4),
       st.sampled_from(["before", "inside"]))
def test_add_noqa_only_ever_adds_comments(tmp_path_factory, separators, where):
    """Whatever sits before or inside the SQL string, --add-noqa's edit leaves every string of the program
    as it was (or writes nothing)."""
    import ast as pyast
    import hashlib

    from pinlint.output.noqa import add_noqa

    stuffing = "".join(separators)
    head = f"x = '{stuffing}'\n" if where == "before" else ""
    inside = stuffing if where == "inside" else ""
    source = f'import psycopg\n{head}def f(conn):\n    conn.execute("""\n        SELECT 1;{inside}\n        SET search_path TO app\n    """)\n'
    path = tmp_path_factory.mktemp("noqa") / "app.py"
    data = source.encode("utf-8")
    path.write_bytes(data)
    found = check_source(str(path), data, OPTIONS)
    add_noqa(str(path), found, lambda p, d: check_source(p, d, OPTIONS), hashlib.sha256(data).hexdigest())
    after = path.read_bytes().decode("utf-8")

    def strings(text):
        return [n.value for n in pyast.walk(pyast.parse(text)) if isinstance(n, pyast.Constant)]

    assert strings(after) == strings(source)
    if any(d.code == "PIN101" for d in found):
        assert '    """)  # noqa: PIN101\n' in after, after
