"""The union of every check's triggers (``pinlint.checks.triggers``), per SQL dialect and for the
module checks: the one place the hazard words, statement kinds and functions are listed, derived from
the checks that judge them.

- ``may_matter(text, dialect)``: whether a SQL text can give a finding at all (a hazard word, a
  marker, or its size); the evaluation classifies only such texts, the project index keeps only such
  constants.
- ``statement_matters(statement, dialect)``: whether a classified statement can (its kind, a function
  it calls, a check's own test): the project index keeps a constant holding one.
- ``sql`` / ``needles``: what the prefilter builds its markers from (``pinlint.pipeline.prefilter``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Callable, Dict, FrozenSet, List, Optional, Tuple

from pinlint.checks.registry import MODULE, SQL, checks_of
from pinlint.checks.triggers import Needle, Shape, SqlTriggers
from pinlint.targets import large_statement


@dataclass
class DialectTriggers:
    """Every SQL check of one dialect, their triggers merged."""

    dialect: str
    shapes: List[Shape] = field(default_factory=list)
    functions: List[str] = field(default_factory=list)
    markers: List[str] = field(default_factory=list)
    kinds: FrozenSet[str] = frozenset()
    statement_tests: List[Callable[[object], bool]] = field(default_factory=list)
    large: bool = False

    def add(self, t: SqlTriggers) -> None:
        self.shapes += [s for s in t.shapes if s not in self.shapes]
        self.functions += [f for f in t.functions if f not in self.functions]
        self.markers += [m for m in t.markers if m not in self.markers]
        self.kinds |= t.kinds or frozenset()
        if t.statement_test is not None:
            self.statement_tests.append(t.statement_test)
        self.large = self.large or t.large

    @property
    def keywords(self) -> List[str]:
        """The statements' first words (regexes), each once."""
        return list(dict.fromkeys(s.keyword for s in self.shapes))

    def hazard_re(self) -> "re.Pattern[str]":
        words = list(dict.fromkeys([s.hazard_words for s in self.shapes] + [re.escape(f) for f in self.functions]))
        return re.compile(r"(?i)\b(?:" + "|".join(words) + r")\b" + "".join("|" + m for m in self.markers))


class Hazards:
    def __init__(self, sql: Dict[str, DialectTriggers], needles: Tuple[Needle, ...]) -> None:
        self.sql = sql
        self.needles = needles

    @cached_property
    def text_res(self) -> Dict[str, "re.Pattern[str]"]:
        """Per dialect, the quick test of a SQL text: a hazard word of its checks, or a marker."""
        return {d: t.hazard_re() for d, t in self.sql.items()}

    def may_matter(self, text: str, dialect: Optional[str]) -> bool:
        """Whether a SQL text of this dialect can give a finding (None: a dialect no rule sees)."""
        triggers = self.sql.get(dialect or "")
        if triggers is None:
            return False
        return self.text_res[triggers.dialect].search(text) is not None or (triggers.large and large_statement(text))

    def statement_matters(self, st: object, dialect: str) -> bool:
        """Whether a classified statement can give a finding: a hole decides its kind, or some check
        judges its kind (not ``SET LOCAL`` and the like), a function it calls, or passes its own test."""
        t = self.sql[dialect]
        if st.dynamic or (st.kind in t.kinds and st.scope != "local"):  # type: ignore[attr-defined]
            return True
        if any(c.name in t.functions for c in st.calls):  # type: ignore[attr-defined]
            return True
        return any(test(st) for test in t.statement_tests)


@lru_cache(maxsize=None)
def hazards() -> Hazards:
    """The union of the registered checks' triggers (computed once)."""
    from pinlint.specs import spec_by_code

    specs = spec_by_code()
    sql: Dict[str, DialectTriggers] = {}
    for check in checks_of(SQL):
        dialect = specs[check.code].dialect if check.code in specs else "postgres"
        sql.setdefault(dialect, DialectTriggers(dialect)).add(check.triggers)
    needles: List[Needle] = []
    for check in checks_of(MODULE):
        needles += [n for n in check.triggers if n not in needles]
    needles += [n for n in session_api_needles() if n not in needles]
    return Hazards(sql, tuple(needles))


def session_api_needles() -> Tuple[Needle, ...]:
    """The third-party APIs that send session SQL (pinlint.facts.session_apis): a file that calls one
    needs its package imported and its name written; a Django backend, its ENGINE string."""
    from pinlint.checks.triggers import calls, in_text
    from pinlint.facts.session_apis import bundled

    out: List[Needle] = []
    for api in bundled():
        for needle in ((in_text(*api.qualnames[:1]),) if api.engine else calls(api.qualnames)):
            if needle not in out:
                out.append(needle)
    return tuple(out)
