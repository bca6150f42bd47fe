"""Hand libcst only the statements of a file that can matter.

parse -> **focus** -> libcst. A file that reaches libcst holds SQL or driver configuration somewhere,
usually in a few functions of a long module. libcst costs about ten times what CPython's parser does,
so the statements that cannot matter are blanked out: each becomes one empty string statement over the
same lines (three double quotes on its first and last line, nothing between), so every line keeps its number and
every kept line its text, and positions, ``# noqa`` comments and messages do not change.

What is kept:

- every module-level statement that is not a ``def`` or ``class`` (imports, constants, settings, ``if``
  and ``try`` blocks), and inside a kept class every statement that is not a ``def``;
- a function, method or class whose lines hold a *hit*: a place where the SQL family's stage 2 passes
  (a statement with the shape of a hazardous one, a call of one of its functions), a marker of a
  module check whose stage 2 passes in the file (``pinlint.pipeline.prefilter.text_hit_spans``), a
  SQL sink called with a name (a wrapper's body), or a name the project index knows holds hazardous
  SQL; a marker on a comment line or in a docstring is no hit;
- one step further (not to a fixpoint: in a large class, names of methods lead to every other method),
  a function, method or class that kept code names (a helper it calls), and one whose code names a
  name that a marked constant assigns.

If little would be blanked, or the file has a bare carriage return (CPython counts it as a line
break), the file goes to libcst whole. ``--no-prefilter`` turns this off too; the rule examples and the
benchmark trees give the same findings either way (tests/test_rule_examples.py, bench/run.py).
"""

from __future__ import annotations

import ast
import bisect
import re
import weakref
from itertools import accumulate
from typing import TYPE_CHECKING, FrozenSet, Iterable, List, NamedTuple, Optional, Set, Tuple, Union

from pinlint.pipeline.skeleton import Skeleton, Unit, build

if TYPE_CHECKING:  # pragma: no cover
    from pinlint.facts.index.model import ProjectIndex

#: Not worth it below this many lines, or when more than this share of the lines would be kept.
MIN_LINES = 50
MAX_KEPT_SHARE = 0.95

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def hit_lines(data: bytes, text: Optional[str] = None) -> Set[int]:
    """1-based numbers of the lines where a marker occurs (a match over several lines marks them all):
    the prefilter's markers of every family, a SQL sink called with a name, a ``.sql`` file name, a
    statement keyword as a list item, a literal large enough for PIN191."""
    from pinlint.pipeline.markers import (SQL_FILE_NAME_RE, keyword_item_re, large_literal_spans,
                                          repeated_large_spans, wrapper_spans)
    from pinlint.pipeline.prefilter import hit_spans, text_hit_spans

    lowered = data.lower()
    rows: Set[int] = set()
    if text is None:
        spans, text_spans = list(hit_spans(lowered)), []
    else:
        spans, text_spans = text_hit_spans(lowered, text)
    spans += wrapper_spans(lowered)
    if b".sql" in lowered:
        spans += [m.span() for m in SQL_FILE_NAME_RE.finditer(lowered)]
    spans += [m.span() for m in keyword_item_re().finditer(lowered)]
    # a literal that may exceed RDS Proxy's statement size (PIN191), written whole or as ``"..." * N``
    spans += list(large_literal_spans(data)) + list(repeated_large_spans(data))
    _add_rows(rows, spans, data)
    if text_spans:
        _add_rows(rows, text_spans, text)
    return rows


def _add_rows(rows: Set[int], spans: Iterable[Tuple[int, int]], source) -> None:
    """The 1-based rows that the spans (offsets in ``source``, bytes or text) cover: the line breaks
    before each are counted from the previous one on (C speed, in order)."""
    newline = b"\n" if isinstance(source, bytes) else "\n"
    pos, row = 0, 1
    for start, end in sorted(spans):
        row += source.count(newline, pos, start)
        pos = start
        rows.update(range(row, row + source.count(newline, start, max(start, end - 1)) + 1))


class _Unit:
    """A ``def`` or ``class`` that may be blanked out (``pinlint.pipeline.skeleton.Unit``), as focus
    decides about it."""

    __slots__ = ("index", "start", "end", "name", "doc", "only_defs", "_up", "children", "kept", "words",
                 "__weakref__")

    def __init__(self, index: int, unit: Unit, parent: Optional["_Unit"]) -> None:
        self.index = index
        self.start, self.end, self.name, self.doc, self.only_defs = unit.start, unit.end, unit.name, unit.doc, \
            unit.only_defs
        # weak: with the class's ``children`` a strong link would make a cycle, garbage that only the
        # collector frees
        self._up = weakref.ref(parent) if parent is not None else None
        self.children: List["_Unit"] = []
        self.kept = False
        self.words: Optional[Set[str]] = None

    @property
    def parent(self) -> Optional["_Unit"]:
        """The class a method is defined in (None for a module-level unit)."""
        return self._up() if self._up is not None else None


def _units(skeleton: Skeleton) -> List[_Unit]:
    units: List[_Unit] = []
    for i, u in enumerate(skeleton.units):
        parent = units[u.parent] if u.parent >= 0 else None
        unit = _Unit(i, u, parent)
        if parent is not None:
            parent.children.append(unit)
        units.append(unit)
    return units


class Focused(NamedTuple):
    """The text with the statements that cannot matter blanked out, and which units those are."""

    text: str
    blanked: FrozenSet[int]  # the indexes of the units (``Skeleton.units``)


def focus(text: str, tree: Union[Skeleton, ast.Module], index: Optional["ProjectIndex"] = None) -> Optional[Focused]:
    """The text with the statements that cannot matter blanked out, or None to parse it whole. ``tree``:
    the skeleton of CPython's tree of the text, or the tree."""
    from pinlint.pipeline.read import has_bare_cr

    lines = text.split("\n")
    if len(lines) < MIN_LINES or has_bare_cr(text):
        return None
    skeleton = tree if isinstance(tree, Skeleton) else build(tree)
    units = _units(skeleton)
    if not units:
        return None
    hits = _live(hit_lines(text.encode("utf-8", "surrogatepass"), text), skeleton, lines)
    known = index.known_names() if index is not None else frozenset()
    ordered = sorted(hits)

    def has_hit(first: int, last: int) -> bool:
        i = bisect.bisect_left(ordered, first)
        return i < len(ordered) and ordered[i] <= last

    ends = list(accumulate(map(len, lines)))  # line k (0-based) starts at ends[k - 1] + k

    def offset(k: int) -> int:
        return ends[k - 1] + k if k > 0 else 0

    def words(first: int, last: int) -> Set[str]:
        """The names on lines ``first`` to ``last`` (1-based)."""
        return set(_WORD.findall(text, offset(first - 1), offset(last) if last < len(lines) else len(text)))

    def unit_words(unit: _Unit) -> Set[str]:
        if unit.words is None:
            unit.words = words(unit.start, unit.end)
        return unit.words

    def seeded(first: int, last: int, found: Optional[Set[str]] = None) -> bool:
        """A marker on these lines, or a name the index knows (``found``: the lines' words, if known)."""
        if has_hit(first, last):
            return True
        return bool(known) and not known.isdisjoint(words(first, last) if found is None else found)

    for unit in units:
        if not unit.children:
            unit.kept = seeded(unit.start, unit.end, unit_words(unit) if known else None)
    for unit in units:
        if unit.children:  # a class: kept when a method or its own lines (header, attributes) hit
            unit.kept = any(c.kept for c in unit.children) or any(seeded(a, b) for a, b in _own_ranges(unit))

    # always kept: module-level statements other than def/class; the names they call or use (other than
    # imports and ``__all__``) lead to helpers; names they (or class bodies) assign where a marker is
    # (a constant holding SQL) count as defined by kept code
    kept_words: Set[str] = set()
    assigned: Set[str] = set()
    for a in skeleton.assignments:
        if has_hit(a.line, a.end):
            assigned |= a.targets
    for st in skeleton.statements:
        if st.names_code:
            kept_words |= words(st.line, st.end)

    # one step, not to a fixpoint: in a large class, names of methods lead to every other method
    seeds = [u for u in units if u.kept]
    referenced = set(kept_words)
    for u in seeds:
        referenced |= _kept_words(u, unit_words, words)
    for u in units:
        if u.kept:
            continue
        if (u.name in referenced and not _dunder(u.name)) or not assigned.isdisjoint(unit_words(u)):
            _keep(u)

    blank = [u for u in units if not u.kept and (u.parent is None or u.parent.kept)]
    # a kept class whose body would be left with no statement stays whole
    for unit in units:
        if unit.children and unit.kept and not any(c.kept for c in unit.children) and unit.only_defs:
            blank = [u for u in blank if u.parent is not unit]
    if sum(u.end - u.start + 1 for u in blank) < (1 - MAX_KEPT_SHARE) * len(lines):
        return None
    for unit in blank:
        first, last = unit.start, unit.end
        cr = "\r" if lines[first - 1].endswith("\r") else ""
        indent = lines[first - 1][: len(lines[first - 1]) - len(lines[first - 1].lstrip(" \t"))]
        for row in range(first - 1, last):
            lines[row] = cr
        if last > first:
            # one string statement over the same lines: a single token for libcst, where blank lines
            # would each become a node
            lines[first - 1] = indent + '"""' + cr
            lines[last - 1] = '"""' + cr
    return Focused("\n".join(lines), frozenset(u.index for u in blank))


def _live(hits: Set[int], skeleton: Skeleton, lines: List[str]) -> Set[int]:
    """The hit rows where a marker can matter: not comment lines, and not in the docstrings of the module
    and of its classes, functions and methods (a string statement is never sent anywhere). A line of a
    string literal that looks like a comment counts as one: a statement in that string starts on
    another line."""
    docstrings = [d for d in [skeleton.module_doc] + [u.doc for u in skeleton.units] if d is not None]
    docstrings.sort()
    starts = [a for a, _ in docstrings]
    # the latest end among the docstrings that start at or before each one (they do not nest, but a
    # one-line string may share a line with another)
    reach: List[int] = []
    for _, b in docstrings:
        reach.append(max(b, reach[-1]) if reach else b)

    def inert(row: int) -> bool:
        if row <= len(lines) and lines[row - 1].lstrip(" \t\f").startswith("#"):
            return True
        i = bisect.bisect_right(starts, row) - 1
        return i >= 0 and reach[i] >= row

    return {row for row in hits if not inert(row)}


def _dunder(name: str) -> bool:
    """``__init__``, ``__enter__``...: called implicitly, and by every class; not a helper's name."""
    return name.startswith("__") and name.endswith("__")


def _keep(unit: _Unit) -> None:
    unit.kept = True
    if unit.parent is not None:
        unit.parent.kept = True


def _own_ranges(unit: _Unit) -> Iterable[Tuple[int, int]]:
    """A class's lines outside its methods (header, decorators, attributes, nested statements)."""
    row = unit.start
    for child in unit.children:
        if child.start > row:
            yield row, child.start - 1
        row = child.end + 1
    if row <= unit.end:
        yield row, unit.end


def _kept_words(unit: _Unit, unit_words, words) -> Set[str]:
    if not unit.children:
        return unit_words(unit)
    out: Set[str] = set()
    for first, last in _own_ranges(unit):
        out |= words(first, last)
    for child in unit.children:
        if child.kept:
            out |= unit_words(child)
    return out
