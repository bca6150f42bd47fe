"""Property tests of pinlint.sql.classify: it never raises, offsets are sound, and it copes with
pathological input (deep nesting, 1 MB strings, NUL bytes, unbalanced quotes)."""

from __future__ import annotations

from typing import List

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pinlint.sql.classify import classify
from pinlint.sql.placeholders import normalize
from pinlint.sql.statement import HOLE, KINDS, Call, Statement

# Fragments that exercise the grammars, the quoting rules and the placeholder styles.
FRAGMENTS = [
    *"SET LOCAL SESSION TO = DEFAULT ROLE TIME ZONE SCHEMA NAMES RESET ALL SHOW PREPARE AS EXECUTE".split(),
    *"TRANSACTION DEALLOCATE DISCARD TEMP LISTEN UNLISTEN NOTIFY LOAD DECLARE CURSOR WITH HOLD FOR".split(),
    *"CLOSE FETCH MOVE CREATE TABLE VIEW SEQUENCE ON COMMIT DROP LOCK BEGIN START END ROLLBACK".split(),
    *"SAVEPOINT RELEASE DO EXPLAIN ANALYZE SELECT INTO FROM WHERE INSERT UPDATE VALUES WITH".split(),
    "search_path",
    "app.user_id",
    "pg_advisory_lock",
    "set_config",
    "pg_catalog",
    ".",
    "x",
    "1",
    "-1",
    "'a'",
    "'",
    "''",
    '"',
    '"Q"',
    "E'\\''",
    "$$",
    "$a$",
    "$$ ; $$",
    ";",
    ",",
    "(",
    ")",
    "*",
    "::",
    ":=",
    "--",
    "\n",
    "/*",
    "*/",
    "%s",
    "%(n)s",
    "%%",
    ":name",
    "$1",
    "?",
    HOLE,
    "\x00",
    "\t",
    "é",
    "{",
    "}",
]

sql_like = st.lists(st.sampled_from(FRAGMENTS), max_size=40).flatmap(
    lambda parts: st.lists(
        st.sampled_from(["", " ", "  ", "\n"]), min_size=len(parts), max_size=len(parts)
    ).map(lambda seps: "".join(part + sep for part, sep in zip(parts, seps)))
)

any_text = st.one_of(st.text(max_size=300), sql_like)

#: Statements that classify to a known kind on their own (one per kind family).
KNOWN = [
    "SET search_path TO app",
    "SET LOCAL statement_timeout = 0",
    "SET ROLE admin",
    "SET SESSION AUTHORIZATION bob",
    "SET TRANSACTION READ ONLY",
    "SET CONSTRAINTS ALL DEFERRED",
    "RESET ALL",
    "SHOW search_path",
    "PREPARE q AS SELECT 1",
    "PREPARE TRANSACTION 'g'",
    "EXECUTE q",
    "DEALLOCATE ALL",
    "DISCARD ALL",
    "LISTEN c",
    "UNLISTEN *",
    "NOTIFY c, 'p'",
    "LOAD 'x'",
    "DECLARE c CURSOR WITH HOLD FOR SELECT 1",
    "CLOSE c",
    "FETCH NEXT FROM c",
    "CREATE TEMP TABLE t (a int) ON COMMIT DROP",
    "LOCK TABLE t",
    "BEGIN",
    "DO $$ BEGIN END $$",
    "SELECT pg_advisory_lock(1)",
    "DROP TABLE t",
    "hello world",
]


def check_invariants(sql: str, statements: List[Statement]) -> None:
    assert isinstance(statements, list)
    previous_end = 0
    for statement in statements:
        assert isinstance(statement, Statement)
        assert statement.kind in KINDS
        assert 0 <= statement.start <= statement.end <= len(sql)
        assert statement.start >= previous_end, "statements overlap or are out of order"
        previous_end = statement.end
        assert sql[statement.start : statement.end] == statement.text
        assert statement.text and statement.text == statement.text.strip()
        if statement.kind in ("do", "unknown"):
            assert statement.calls == ()
        for call in statement.calls:
            assert isinstance(call, Call)
            assert statement.start <= call.start < statement.end
            assert call.name == call.name.lower()
            assert all(arg is None or arg == arg.lower() for arg in call.args)


@settings(deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(any_text)
def test_any_text_classifies_without_raising(sql: str) -> None:
    check_invariants(sql, classify(sql))


@settings(deadline=None, max_examples=200)
@given(any_text, st.sampled_from(["postgres", "mysql", ""]))
def test_any_dialect_name_is_accepted(sql: str, dialect: str) -> None:
    check_invariants(sql, classify(sql, dialect=dialect))


@settings(deadline=None, max_examples=300)
@given(st.text(max_size=300))
def test_normalize_keeps_length_and_marks_placeholders(sql: str) -> None:
    text, spans = normalize(sql)
    assert len(text) == len(sql)
    assert spans == sorted(spans)
    for start, end in spans:
        assert start < end and text[start] == "?"
        assert text[start + 1 : end] == " " * (end - start - 1)
    changed = [i for i, (a, b) in enumerate(zip(sql, text)) if a != b]
    assert all(any(start <= i < end for start, end in spans) for i in changed)


@settings(deadline=None, max_examples=200)
@given(st.lists(st.sampled_from(KNOWN), min_size=1, max_size=6), st.sampled_from([";", "; ", " ;\n", ";;"]))
def test_joined_statements_classify_as_on_their_own(parts: List[str], separator: str) -> None:
    sql = separator.join(parts)
    statements = classify(sql)
    alone = [classify(part)[0] for part in parts]
    assert [s.kind for s in statements] == [s.kind for s in alone]
    assert [s.text for s in statements] == parts
    assert [s.name for s in statements] == [s.name for s in alone]
    check_invariants(sql, statements)


@settings(deadline=None, max_examples=200)
@given(
    st.sampled_from(KNOWN),
    st.text(alphabet=st.characters(blacklist_characters="\n\r"), max_size=40),
    st.text(max_size=40).filter(lambda t: "/*" not in t and "*/" not in t and not t.endswith("/")),
)
def test_leading_comments_do_not_change_the_statement(statement: str, line: str, block: str) -> None:
    bare = classify(statement)[0]
    for sql in (
        f"-- {line}\n{statement}",
        f"/* {block} */ {statement}",
        f"/*{block}*/\n-- {line}\n  {statement}",
    ):
        (commented,) = classify(sql)
        assert commented.kind == bare.kind
        assert (commented.name, commented.scope, commented.value) == (bare.name, bare.scope, bare.value)
        assert commented.text == statement  # convention: the leading comment is not part of the text
        assert commented.start == len(sql) - len(statement)


# ---------------------------------------------------------------------------------------------
# Pathological input: each of these must simply return (no timing is asserted).
# ---------------------------------------------------------------------------------------------


def test_deep_parentheses() -> None:
    for sql in ("(" * 10_000, ")" * 10_000, "SELECT " + "(" * 10_000 + "1" + ")" * 10_000):
        statements = classify(sql)
        check_invariants(sql, statements)
    nested_calls = "SELECT " + "f(" * 10_000 + "1" + ")" * 10_000
    (statement,) = classify(nested_calls)
    assert statement.kind == "query"
    assert len(statement.calls) == 10_000
    assert statement.calls[-1] == Call("f", ("1",), 7 + 2 * 9_999)


def test_one_megabyte_strings() -> None:
    size = 1_000_000
    queries = ("SELECT f(a, 'b;c') FROM t WHERE x = %s; " * (size // 40 + 1))[:size]
    statements = classify(queries)
    check_invariants(queries, statements)
    assert statements[0].kind == "query" and len(statements) > 20_000

    one_word = "x" * size
    assert [s.kind for s in classify(one_word)] == ["unknown"]

    in_quotes = "SELECT '" + "a;" * (size // 2) + "'"
    (statement,) = classify(in_quotes)
    assert (statement.kind, statement.end) == ("query", len(in_quotes))

    prose = ("lorem ipsum dolor sit amet, consectetur adipiscing elit. " * (size // 57 + 1))[:size]
    check_invariants(prose, classify(prose))


def test_nul_bytes_and_control_characters() -> None:
    for sql in (
        "\x00",
        "\x00" * 10_000,
        "SELECT\x00 1",
        "SET x TO '\x00'",
        "SELECT 1;\x00;SHOW x",
        "\x1b[31mred",
    ):
        check_invariants(sql, classify(sql))
    (statement,) = classify("SET x TO '\x00'")
    assert statement.kind == "set"


def test_unbalanced_quotes() -> None:
    for sql in (
        "$$",
        "$$ $$ $$",
        "$a$ x $b$",
        "SELECT $$abc; SET x TO 1",
        "'",
        "''' ",
        '"',
        "E'\\'",
        "/* /* */",
    ):
        statements = classify(sql)
        check_invariants(sql, statements)
        assert [(s.kind, s.text) for s in statements] == [("unknown", sql.strip())]
    statements = classify("SET x TO 1; SELECT $$ unterminated; RESET ALL")
    assert [s.kind for s in statements] == ["set", "unknown"]


def test_many_statements_and_long_keyword_chains() -> None:
    for sql in ("SET x TO 1;" * 20_000, ";" * 100_000, "EXPLAIN " * 50_000 + "SELECT 1", "SET " * 50_000):
        check_invariants(sql, classify(sql))
