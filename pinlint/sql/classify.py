"""Split a SQL string into statements and say what each one is (PostgreSQL grammar, tokens only).

Public API: :func:`classify`.

How it works:

1. Driver placeholders are normalised to ``?`` without changing the string's length
   (:mod:`pinlint.sql.placeholders`), so token offsets are offsets into the original string.
2. sqlglot's PostgreSQL tokenizer reads the string (quotes, dollar quotes, comments). Its "command"
   shortcut, which would swallow everything after DO/EXPLAIN/RESET/... into one string token, is
   switched off. The sqlglot parser is never used.
3. Tokens are split into statements on ``;``. The first word of a statement selects a small,
   strict grammar (one ``_parse_*`` function per statement family). A statement that does not match
   its grammar, or that starts with no known keyword, is ``unknown``: this is how prose, log text,
   JSON and URLs are told apart from SQL.
4. Function calls are collected from the tokens in one linear pass.

Conventions:

* ``Statement.start``/``end`` span from the statement's first token to its last one. Comments before
  the first token or after the last one are NOT part of ``text`` (comments between tokens are);
  blanks and the terminating ``;`` are never part of it. ``sql[start:end] == text`` always.
* Names follow PostgreSQL's identifier rules: unquoted words are folded to lower case, quoted
  identifiers and string literals keep their case. Run-time parameter names (SET/RESET/SHOW) are
  always lower case, since PostgreSQL looks them up case-insensitively.
* Text reported from the SQL (SET values, literal call arguments, names) reads ``%%`` as ``%``.
* A string that does not tokenize (an unterminated quote, dollar quote, quoted identifier or
  comment) keeps the statements before the failing one; the failing statement and everything after
  it become one ``unknown`` statement. It starts at the failing statement's first token, or at its
  first non-blank character when no token of it was read.
* The statement splitter never raises and runs in time linear in the length of the string.
"""

from __future__ import annotations

from functools import lru_cache
from typing import FrozenSet, List

from pinlint.sql.grammar import run_grammar
from pinlint.sql.placeholders import normalize
from pinlint.sql.postgres import DIALECTS, POSTGRES
from pinlint.sql.statement import Statement


def classify(sql: str, dialect: str = "postgres") -> List[Statement]:
    """Split ``sql`` into top-level statements and classify each one (see :mod:`pinlint.sql.statement`).

    Never raises; statements that are not recognisable SQL (or do not tokenize) are ``unknown``.
    ``dialect`` selects the grammar: ``"mysql"`` (or ``"mariadb"``) is :mod:`pinlint.sql.mysql`;
    PostgreSQL's is used for any other value.
    """
    if str(dialect).lower() in ("mysql", "mariadb"):
        from pinlint.sql.mysql import classify_mysql

        return classify_mysql(sql)
    text, spans = normalize(sql)
    return run_grammar(sql, text, spans, DIALECTS.get(str(dialect).lower(), POSTGRES))


@lru_cache(maxsize=None)
def statement_words() -> FrozenSet[str]:
    """The first words (upper-cased) that some dialect's grammar reads a statement from: a text that starts
    with any other word is an ``unknown`` statement in every dialect."""
    from pinlint.sql.mysql import MYSQL

    return frozenset(word for grammar in (POSTGRES, MYSQL) for word in grammar.parsers)
