"""What focus hands libcst (pinlint/pipeline/focus.py): the functions that can matter, whole, and the
others blanked out. The contract that focus never hides a finding is tested over every rule example
(tests/test_rule_examples.py); these tests pin down what it blanks, so that it stays narrow."""

from __future__ import annotations

import ast

import pytest

from pinlint.pipeline import focus as focus_module
from pinlint.pipeline.focus import focus

#: enough plain functions that focus is worth it (MIN_LINES), none of them with a marker
FILLER = "".join(f"\n\ndef plain_{i}(x):\n    y = x + {i}\n    return y\n" for i in range(20))


def _kept(text: str):
    """The names of the functions focus keeps (None: the file goes to libcst whole)."""
    focused = focus(text, ast.parse(text))
    if focused is None:
        return None
    tree = ast.parse(focused.text)
    assert len(focused.text.split("\n")) == len(text.split("\n"))  # every line keeps its number
    return {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


HAZARD = '''
import psycopg2


def set_path(conn):
    with conn.cursor() as cur:
        cur.execute("SET search_path TO tenant")
'''


def test_the_function_with_the_hazard_is_kept_and_plain_ones_are_blanked():
    kept = _kept(HAZARD + FILLER)
    assert kept == {"set_path"}


def test_a_marker_in_a_docstring_or_a_comment_keeps_nothing():
    text = HAZARD + FILLER + '''

def documented():
    """Calls cur.execute("SET search_path TO tenant") for you; see psycopg2.connect."""
    return 1


def commented():
    # cur.execute("SET search_path TO tenant") would pin the session
    return 2
'''
    assert _kept(text) == {"set_path"}


def test_transaction_safe_sql_is_no_reason_to_keep_a_function():
    text = HAZARD + FILLER + '''

def count_rows(db):
    return db.execute("SELECT count(*) FROM jobs WHERE state = 'SET'").scalar()
'''
    assert "count_rows" not in _kept(text)


def test_a_long_docstring_does_not_stop_focus(monkeypatch):
    # a docstring longer than RDS Proxy's statement size is not a statement that is sent (PIN191)
    text = HAZARD + FILLER + '\n\ndef huge():\n    """' + "word " * 5000 + '"""\n    return 3\n'
    assert _kept(text) == {"set_path"}


def test_a_long_literal_in_code_keeps_its_function():
    text = HAZARD + FILLER + '\n\ndef huge(cur):\n    cur.execute("""INSERT INTO t VALUES ' + "(1)," * 5000 + '(1)""")\n'
    assert _kept(text) == {"set_path", "huge"}


def test_names_in___all___or_imports_are_no_reason_to_keep_a_function():
    text = HAZARD + "\n__all__ = ['set_path', 'plain_1', 'plain_2']\n" + FILLER
    assert _kept(text) == {"set_path"}


def test_a_helper_that_kept_code_calls_is_kept():
    text = HAZARD.replace('cur.execute("SET search_path TO tenant")', 'cur.execute("SET search_path TO tenant")\n'
                          '        plain_3(cur)') + FILLER
    assert _kept(text) == {"set_path", "plain_3"}


@pytest.mark.parametrize("lines", [10, focus_module.MIN_LINES - 10])
def test_short_files_go_whole(lines):
    text = HAZARD + "\n" * max(0, lines - HAZARD.count("\n"))
    assert _kept(text) is None
