"""sqlglot's tokenizer adapted for the classifiers: tokens in the classifier's own terms (categories,
offsets into the original string, driver placeholders stretched over what is written), one lexer per
dialect (built on first use: importing sqlglot is slow), and the split on ``;``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import Any, Dict, List, Optional, Sequence, Tuple

from pinlint.sql.statement import HOLE

WORD = "word"  # a bare word: keyword or unquoted identifier


IDENT = "ident"  # a quoted identifier; ``text`` is the name without quotes


STRING = "string"  # any string literal ('', E'', $$..$$, B'', X'', U&''); ``text`` is the content


NUMBER = "number"


PARAM = "param"  # a driver placeholder


PUNCT = "punct"  # operators and punctuation


_WORD_RE = re.compile(r"[^\W\d][\w$]*")


class Token:
    """One token of a statement, in the classifier's own terms."""

    __slots__ = ("cat", "text", "up", "start", "end", "hole", "unknown")

    def __init__(self, cat: str, text: str, start: int, end: int, unknown: bool) -> None:
        self.cat = cat
        self.text = text
        #: upper-cased text for words, "" otherwise
        self.up = text.upper() if cat == WORD else ""
        self.start = start
        #: exclusive end offset
        self.end = end
        #: a hole (unknown Python text) stands in this word, quoted identifier or string
        self.hole = cat in (WORD, IDENT, STRING) and HOLE in text
        #: the token's value is not known statically (hole or driver placeholder inside)
        self.unknown = unknown or self.hole or cat == PARAM

    def is_punct(self, text: str) -> bool:
        return self.cat == PUNCT and self.text == text

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Token({self.cat}, {self.text!r}, {self.start}, {self.end})"


def _text_category(text: str) -> str:
    """WORD or PUNCT for a token that is neither a literal nor a quoted identifier."""
    return WORD if _WORD_RE.fullmatch(text) else PUNCT


def _type_category(type_name: str) -> Optional[str]:
    """The category a sqlglot token type always has, or None when it depends on the text."""
    if type_name == "IDENTIFIER":
        return IDENT
    if type_name.endswith("STRING"):
        return STRING
    if type_name == "NUMBER":
        return NUMBER
    if type_name == "PLACEHOLDER":
        return PARAM
    return None


class Markers:
    """The driver placeholders of the classified string (spans from :func:`normalize`)."""

    __slots__ = ("starts", "ends")

    def __init__(self, spans: Sequence[Tuple[int, int]]) -> None:
        self.starts = [start for start, _ in spans]
        self.ends = [end for _, end in spans]

    def first_from(self, offset: int) -> int:
        """Index of the first marker starting at or after ``offset``."""
        return bisect_left(self.starts, offset)


def convert_tokens(raw_tokens: Sequence[Any], sql: str, markers: Markers, lexer: "Lexer") -> List[Token]:
    """Turn sqlglot tokens into ``Token`` objects (offsets into ``sql``). A token holding a
    placeholder's ``?`` is stretched over the whole placeholder as written (``%(name)s``)."""
    tokens: List[Token] = []
    categories = lexer.categories
    starts, ends = markers.starts, markers.ends
    m = markers.first_from(raw_tokens[0].start)
    next_marker = starts[m] if m < len(starts) else len(sql)
    for raw in raw_tokens:
        start, end = raw.start, raw.end + 1
        has_marker = False
        if next_marker < end:
            while m < len(starts) and starts[m] < start:  # markers in comments
                m += 1
            while m < len(starts) and starts[m] < end:  # markers in this token (the last may reach past it)
                has_marker = True
                end = max(end, ends[m])
                m += 1
            next_marker = starts[m] if m < len(starts) else len(sql)
        cat = categories.get(raw.token_type) or _text_category(raw.text)
        if cat == PUNCT and " " in raw.text:
            # sqlglot reads some keyword pairs as one token ("ORDER BY", "DOUBLE PRECISION").
            for part in re.finditer(r"\S+", sql[start:end]):
                tokens.append(Token(WORD, part.group(), start + part.start(), start + part.end(), False))
            continue
        tokens.append(Token(cat, raw.text, start, end, has_marker))
    return tokens


class Lexer:
    """sqlglot's tokenizer for one dialect, set up for the classifiers (PostgreSQL here, MySQL in
    pinlint.sql.mysql). Built on first use: importing sqlglot is slow, and importing this module must
    not do it."""

    _shared: Dict[str, "Lexer"] = {}

    def __init__(self, dialect: str = "postgres") -> None:
        from sqlglot.dialects.dialect import Dialect
        from sqlglot.tokens import TokenType

        base = Dialect.get_or_raise(dialect).tokenizer_class

        class StatementTokenizer(base):  # type: ignore[misc, valid-type]
            # sqlglot reads everything after a "command" keyword (DO, EXPLAIN, RESET, PREPARE,
            # DECLARE, EXECUTE, FETCH, SHOW, ...) as one string; the classifier needs the tokens.
            COMMANDS: set = set()

        self.dialect = dialect
        self.tokenizer_class = StatementTokenizer
        self.semicolon = TokenType.SEMICOLON
        #: token type -> category, for the types whose category does not depend on the text
        self.categories: Dict[Any, str] = {}
        for token_type in TokenType:
            category = _type_category(token_type.name)
            if category is not None:
                self.categories[token_type] = category

    @classmethod
    def for_dialect(cls, dialect: str) -> "Lexer":
        lexer = cls._shared.get(dialect)
        if lexer is None:
            lexer = cls._shared[dialect] = cls(dialect)
        return lexer

    @classmethod
    def postgres(cls) -> "Lexer":
        return cls.for_dialect("postgres")

    @classmethod
    def mysql(cls) -> "Lexer":
        return cls.for_dialect("mysql")

    def tokenize(self, text: str) -> Tuple[List[Any], bool]:
        """The tokens of ``text`` and whether tokenizing got to the end. On failure, the tokens
        read before the failing point."""
        tokenizer = self.tokenizer_class(dialect=self.dialect)
        try:
            return tokenizer.tokenize(text), True
        except Exception:  # sqlglot's TokenError, or anything else its scanner trips on
            try:
                partial = list(tokenizer.tokens)
            except Exception:  # pragma: no cover - defensive: tokenizer state unavailable
                partial = []
            return partial, False


#: ``CREATE ... {TRIGGER|PROCEDURE|FUNCTION|EVENT} ... BEGIN ... END``: a compound statement (MySQL) whose
#: body holds semicolons that do not end it; ``END IF``, ``END LOOP`` ... close inner blocks, not BEGIN.
_ROUTINES = frozenset({"TRIGGER", "PROCEDURE", "FUNCTION", "EVENT"})
_INNER_ENDS = frozenset({"IF", "LOOP", "WHILE", "CASE", "REPEAT"})


def split_statements(raw_tokens: List[Any], semicolon: Any) -> List[Tuple[List[Any], Optional[Any]]]:
    """Split tokens on ``;``: a list of (tokens of the statement, its ``;`` token or None). The semicolons
    inside the ``BEGIN ... END`` body of a routine or trigger do not split it."""
    segments: List[Tuple[List[Any], Optional[Any]]] = []
    current: List[Any] = []
    depth = 0
    routine = False
    for k, raw in enumerate(raw_tokens):
        if raw.token_type is semicolon and depth <= 0:
            segments.append((current, raw))
            current, depth, routine = [], 0, False
            continue
        if raw.token_type is not semicolon:
            word = raw.text.upper()
            if not current:
                routine = word == "CREATE"
            elif routine and word in _ROUTINES:
                routine = "body"  # type: ignore[assignment]
            elif routine == "body" and word == "BEGIN":
                depth += 1
            elif depth > 0 and word == "END":
                following = raw_tokens[k + 1].text.upper() if k + 1 < len(raw_tokens) else ""
                if following not in _INNER_ENDS:
                    depth -= 1
        current.append(raw)
    segments.append((current, None))
    return segments
