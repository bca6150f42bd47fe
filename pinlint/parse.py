"""Parse Python source once, with libcst."""

from __future__ import annotations

import ast
import warnings

import libcst as cst


class ParseFailure(Exception):
    def __init__(self, reason: str, row: int = 1, column: int = 1) -> None:
        super().__init__(reason)
        self.reason = reason
        self.row = row
        self.column = column


def parse(text: str) -> cst.Module:
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise _syntax_failure(text, exc) from None
    except RecursionError:
        raise ParseFailure("expressions nested too deeply to parse") from None
    except (ValueError, TypeError, MemoryError) as exc:
        raise ParseFailure(f"cannot parse: {exc}") from None


def _syntax_failure(text: str, exc: cst.ParserSyntaxError) -> ParseFailure:
    """Describe a syntax error the way CPython does (libcst points at the next token)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except SyntaxError as err:
        return ParseFailure(f"syntax error: {err.msg}", err.lineno or 1, err.offset or 1)
    except (ValueError, RecursionError, MemoryError):
        pass
    message = exc.message.splitlines()[0] if exc.message else "invalid syntax"
    return ParseFailure(f"syntax error: {message}", exc.raw_line, exc.raw_column + 1)
