"""What a check needs to see before it can fire: its *triggers*, declared with the check.

A SQL check declares the statements it judges (``Shape``: the first words of the statement and, for
the prefilter, the shape of a hazardous one as source text shows it), the SQL functions whose calls it
judges, other text its verdict needs (``markers``), the statement kinds (for the project index) and
whether a large statement alone can fire it. A module check declares ``Needle`` s: the words (names,
keyword arguments, settings, URL parts) without which it cannot fire.

``pinlint.checks.hazards`` takes the union of every check's triggers and builds from it the quick
text tests of the evaluation and the project index; ``pinlint.pipeline.prefilter`` builds its byte
markers (stage 1) and shape tests (stage 2). A trigger is an over-approximation: it may let through
text the check then finds harmless, never the other way round (``tests/test_rule_examples.py``: every
example gives the same findings with and without the prefilter).

Regex fragments are matched on lower-cased text and must stay linear: no unbounded repetition that
can run into the next place the pattern is tried (bound it, as ``{0,200}``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, FrozenSet, Optional, Sequence, Tuple

#: blanks between SQL words as Python source shows them: whitespace and the escapes ``\n \t \r``
BLANK = r"(?:\s|\\[ntr])"
#: a SQL name as source text shows it: quoted, an f-string field (``{...}``), or plain
IDENT = r"(?:\"[^\"\n]{0,200}\"|\\\"[^\"\\\n]{0,200}\\\"|\{[^{}\n]{0,200}\}|[\w.@]+)"
#: in a ``Shape.grammar``: the name the ``name_test`` must accept
NAME = "{name}"
#: the end of a statement as source text shows it: a semicolon, the end of the string, the end of the text
END = BLANK + r"*(?:;|[\"'`]|$)"


@dataclass(frozen=True)
class Shape:
    """A statement a SQL check judges.

    ``keyword``: its first words (a regex on lower-cased text: ``set``, ``lock\\s+tables?``); stage 1
    looks for it where a SQL string can start, the evaluation and the index look for ``hazard``
    (default: the keyword) anywhere in a SQL text. ``grammar``: the shape of a hazardous statement from
    the keyword on, as the prefilter's stage 2 sees source text (default: the keyword alone); a
    ``{name}`` in it stands for a SQL name that ``name_test`` must accept (a parameter, not a word of
    prose)."""

    keyword: str
    grammar: str = ""
    name_test: Optional[Callable[[str], bool]] = None
    hazard: str = ""

    @property
    def first_words(self) -> str:
        return self.keyword

    @property
    def hazard_words(self) -> str:
        return self.hazard or self.keyword

    @property
    def pattern(self) -> str:
        return self.grammar or self.keyword


@dataclass(frozen=True)
class SqlTriggers:
    #: statement kinds the check judges (``pinlint.sql.statement.Statement.kind``); None: any kind
    kinds: Optional[FrozenSet[str]] = None
    shapes: Tuple[Shape, ...] = ()
    #: SQL functions whose (executed) calls the check judges, lower-case
    functions: Tuple[str, ...] = ()
    #: other text the check needs, anywhere in the SQL (regexes on lower-cased text: ``/\\*m?!``)
    markers: Tuple[str, ...] = ()
    #: a statement larger than RDS Proxy takes can fire the check whatever its words
    large: bool = False
    #: for the project index: whether a classified statement can fire the check, beyond ``kinds`` and
    #: ``functions`` (MySQL executable comments)
    statement_test: Optional[Callable[[object], bool]] = None


@dataclass(frozen=True)
class Needle:
    """Words without which a module check cannot fire: every one occurs in the file.

    Stage 1 looks for the words in the lower-cased bytes; stage 2 for each as an identifier (the case as
    written, word boundaries), or with ``text`` as a substring of the lower-cased text (URL and DSN
    parts). ``module``: a package the file must import (stage 2: an ``import``/``from`` statement names
    it). ``shape``: a regex (linear) that must match too: at stage 1 in any case, at stage 2 in the case
    written (in any case with ``text``)."""

    words: Tuple[str, ...]
    shape: Optional[str] = None
    text: bool = False
    module: Optional[str] = None


def names(*words: str, shape: Optional[str] = None) -> Needle:
    """Identifiers that must all occur (``names("DATABASES", "CONN_MAX_AGE")``)."""
    return Needle(tuple(words), shape)


def imported(module: str, *words: str) -> Needle:
    """A package the file imports (``Facts.imported``) and identifiers (``imported("asyncpg", "add_listener")``)."""
    return Needle(tuple(dict.fromkeys((module,) + words)), module=module)


def in_text(*words: str, shape: Optional[str] = None) -> Needle:
    """Text that must all occur, in any case (``in_text("options", shape=...)``)."""
    return Needle(tuple(words), shape, text=True)


def calls(qualnames: Sequence[str], *also: str) -> Tuple[Needle, ...]:
    """A call by qualified name (through the file's imports) needs its package imported and its last name
    written in the file, and the identifiers ``also`` (the keyword arguments the check needs)."""
    out = []
    for q in qualnames:
        parts = q.split(".")
        needle = imported(parts[0], parts[-1], *also)
        if needle not in out:
            out.append(needle)
    return tuple(out)


def needles(*groups: object) -> Tuple[Needle, ...]:
    """Needles and tuples of needles, flattened."""
    out = []
    for g in groups:
        for n in (g if isinstance(g, tuple) else (g,)):
            if n not in out:
                out.append(n)
    return tuple(out)
