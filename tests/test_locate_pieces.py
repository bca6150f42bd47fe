"""Findings in SQL written with escapes or as implicitly concatenated literals point at the statement's own
line and column (issue 18 defect 9), not at the literal's start."""

import libcst as cst
import pytest

from pinlint.api import check_source
from pinlint.output.locate import raw_offset

HEAD = "import psycopg\n\ndef f(conn):\n"
CASES = [
    ('    conn.execute(\n        "SELECT 1; "\n        "SET search_path TO a"\n    )\n', "SET search_path"),
    ('    conn.execute("SELECT 1;\\nLISTEN x")\n', "LISTEN x"),
    ('    conn.execute("SELECT \'\\\\x41\\u00e9\';  \\\nSET statement_timeout = 0")\n', "SET statement_timeout"),
    ('    conn.execute(r"SELECT \'\\n\'; LISTEN y")\n', "LISTEN y"),
    ('    conn.execute("SELECT \'\\t\\101\'; " \'SELECT 2; \' "LISTEN z")\n', "LISTEN z"),
]


@pytest.mark.parametrize("body, at", CASES)
def test_finding_points_at_the_statement(body, at):
    src = HEAD + body
    diags = check_source(src, "a.py")
    assert len(diags) == 1, diags
    d = diags[0]
    line = src.splitlines()[d.start.row - 1]
    assert line[d.start.column - 1:].startswith(at), (d.start, line)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("literal, offset, expected", [
    (r'"ab"', 1, 1),
    (r'"\n\tX"', 2, 4),
    (r'"\x41\u00e9Z"', 2, 10),
    (r'"\101Z"', 1, 4),
    (r'"\N{BULLET}Z"', 1, 10),
    (r'"\dZ"', 2, 2),
    (r'r"\nZ"', 2, 2),
])
def test_raw_offset_follows_escapes(literal, offset, expected):
    node = cst.parse_expression(literal)
    assert raw_offset(node, offset) == expected
    if "r" not in node.prefix:
        assert node.evaluated_value[offset] == cst.parse_expression(
            node.quote + node.raw_value[expected:] + node.quote).evaluated_value[0]
