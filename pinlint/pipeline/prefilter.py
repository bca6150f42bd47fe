"""Decide cheaply whether a file can produce a finding, so that libcst sees few files.

The markers are built from the checks' declared triggers (``pinlint.checks.triggers``, merged in
``pinlint.checks.hazards``), in two *families*, the SQL checks of every dialect and the module checks:

- the SQL family: a statement keyword of its checks where a SQL string can start (``SqlStarts``), a
  SQL function its checks judge, or one of their markers (``/*!``);
- the module family: every word of one of the module checks' needles (``Words``), and its shape.

Stage 1 (``may_matter``, ``families_hit``) looks at the lower-cased bytes; most files stop here without
being decoded. Stage 2 (``narrow``) reads the decoded source text (regexes and substring tests, no
parser) for the families stage 1 let through: a SQL family needs a statement with the shape of a
hazardous one (each check's ``Shape.grammar``: ``SET name =``/``TO``, ``LISTEN channel``, ...) where a
string can start, or a call of one of its functions; the module family needs a needle's words as
identifiers. Source text is read, not string values, so escape sequences count as blanks and ``{...}``
(an f-string field) counts as a name.

Every pass is linear in the size of the file: the regexes start at a literal or a rare character and
cannot run into the next place they are tried, and the scans that look back (a comment line before a
statement) look at each line once (``tests/test_prefilter_linear.py``).

The contract, tested in tests/test_rule_examples.py: every rule example gives the same findings with
and without the prefilter. The prefilter can only cost time, never findings.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Dict, FrozenSet, Iterator, List, Optional, Sequence, Tuple

from pinlint.checks.triggers import IDENT, NAME, Needle, Shape

if TYPE_CHECKING:  # pragma: no cover
    from pinlint.checks.hazards import DialectTriggers

#: The dialects' line comments (a statement may start on the line after one).
LINE_COMMENTS = {"postgres": ("--",), "mysql": ("--", "#")}
SQL, MODULES = "sql", "modules"


def _compile(pattern: str, as_bytes: bool, flags: int = 0) -> "re.Pattern":
    return re.compile(pattern.encode("utf-8") if as_bytes else pattern, flags)


def _once(build: Callable[[], object]) -> Callable[[], object]:
    """``build()`` on the first call only (what stage 2 needs is compiled when a file first reaches it)."""
    return lru_cache(maxsize=None)(build)


# -- where a statement can start ------------------------------------------------------------------------


class SqlStarts:
    """Where a statement starting with one of ``keywords`` can begin in lower-cased source text (bytes or
    str), each found by one forward regex search:

    (a) right after a quote, a semicolon or the end of a ``/* */`` comment, blanks and the escapes
        ``\\n \\t \\r`` between;
    (b) first on its line, when the previous non-blank line holds a line comment;
    (c) after an escaped line break (``\\n``) on a line that holds a line comment before it.

    ``comments``: (line comment mark, the keywords that may follow it: its dialects' keywords). The
    regexes stay linear: a blank run after a start character ends at the next non-blank; the rest of a
    comment line is read from its last comment mark only (it holds no other mark), once per line; the
    blanks after an escaped break hold no other escaped break."""

    def __init__(self, keywords: Sequence[str], comments: Sequence[Tuple[str, Sequence[str]]], as_bytes: bool) -> None:
        def kw(words: Sequence[str]) -> str:
            return "((?:" + "|".join(words) + r")\b)"

        blanks = r"\s*(?:\\[ntr]\s*)*"
        self.regexes = [_compile(r"[\"'`;]" + blanks + kw(keywords), as_bytes),  # (a)
                        _compile(r"\*/" + blanks + kw(keywords), as_bytes)]
        self.comments = []
        for mark, words in comments:
            rest = _rest_of_line(mark)
            self.comments.append((mark.encode() if as_bytes else mark, [
                _compile(re.escape(mark) + rest + r"*\n\s*" + kw(words), as_bytes),  # (b)
                _compile(re.escape(mark) + rest + r"*?\\n\s*(?:\\[tr]\s*)*" + kw(words), as_bytes)]))  # (c)

    def spans(self, low) -> Iterator[Tuple[int, int]]:
        """(start of the evidence, start of the keyword) for every place found."""
        regexes = list(self.regexes)
        for mark, rs in self.comments:
            if mark in low:
                regexes += rs
        for regex in regexes:
            for m in regex.finditer(low):
                yield m.start(), m.start(1)


def _rest_of_line(mark: str) -> str:
    """A character of a line comment after ``mark`` that does not start another ``mark``."""
    first = re.escape(mark[0])
    if len(mark) == 1:
        return r"[^\n" + first + "]"
    return r"(?:[^\n" + first + "]|" + first + "(?!" + re.escape(mark[1:]) + "))"


# -- words --------------------------------------------------------------------------------------------


def _automaton_module():
    """pyahocorasick, where it is installed (a dependency of pinlint-db): one pass over a text finds
    every word of a set (Aho-Corasick), where ``word in text`` passes over the text once per word."""
    try:
        import ahocorasick
    except ImportError:  # pragma: no cover - the fallback is tested by forcing it (tests/test_prefilter_words.py)
        return None
    return ahocorasick


class Words:
    """Substring tests of many words on one text (``tester``). With pyahocorasick, one pass over the text
    finds all of them. Without it, each word is searched at most once per text: a word that contains
    another word is absent when that one is (it is searched first); the other words share a group when
    three or more of them hold a common substring of five or more characters (chosen greedily), and
    are absent when the group's substring is. The last text's tester is kept (the two families and the
    stages ask about the same bytes in turn)."""

    def __init__(self, words: Sequence[bytes], automaton: bool = True) -> None:
        self.words = sorted(dict.fromkeys(words), key=len)
        #: the last text, its tester, and (with the automaton) the words found in it
        self._last: Tuple[Optional[bytes], Optional[Callable[[bytes], bool]], Optional[FrozenSet[bytes]]] = (
            None, None, None)
        self._automaton = None
        module = _automaton_module() if automaton and self.words else None
        if module is not None:
            self._automaton = module.Automaton()
            for w in self.words:
                # Latin-1 maps each byte to one character: a word (ASCII) matches where its bytes occur
                self._automaton.add_word(w.decode("latin-1"), w)
            self._automaton.make_automaton()
            return
        self.inside = {w: [o for o in self.words if o != w and o in w] for w in self.words}
        self.group: Dict[bytes, bytes] = {}
        left = {w for w in self.words if not self.inside[w]}
        while True:
            counts: Dict[bytes, set] = {}
            for w in left:
                for i in range(len(w)):
                    for j in range(i + 5, len(w) + 1):
                        counts.setdefault(w[i:j], set()).add(w)
            best = max(counts.items(), key=lambda kv: (len(kv[1]), len(kv[0]), kv[0]), default=None)
            if best is None or len(best[1]) < 3:
                break
            for w in best[1]:
                self.group[w] = best[0]
            left -= best[1]

    def tester(self, text: bytes) -> Callable[[bytes], bool]:
        """``present(word)`` for one text (one of the words)."""
        return self._for(text)[0]

    def found(self, text: bytes) -> Optional[FrozenSet[bytes]]:
        """The words that occur in ``text``, when one pass finds them all (with pyahocorasick), else None."""
        return self._for(text)[1]

    def _for(self, text: bytes) -> Tuple[Callable[[bytes], bool], Optional[FrozenSet[bytes]]]:
        seen, present, found = self._last
        if seen is not text or present is None:
            if self._automaton is not None:
                found = frozenset(w for _, w in self._automaton.iter(text.decode("latin-1"))) if text else frozenset()
                present = found.__contains__
            else:
                found, present = None, self._searcher(text)
            self._last = (text, present, found)
        return present, found  # type: ignore[return-value]

    def _searcher(self, text: bytes) -> Callable[[bytes], bool]:
        known: Dict[bytes, bool] = {}

        def present(word: bytes) -> bool:
            got = known.get(word)
            if got is None:
                if not all(present(o) for o in self.inside.get(word, ())):
                    got = False
                else:
                    key = self.group.get(word)
                    got = (key is None or present_key(key)) and word in text
                known[word] = got
            return got

        def present_key(key: bytes) -> bool:
            got = known.get(key)
            if got is None:
                got = known[key] = key in text
            return got

        return present


def _identifier_in(text: str, word: str) -> bool:
    """``word`` occurs as a whole identifier (not inside a longer name)."""
    i = text.find(word)
    while i != -1:
        j = i + len(word)
        if (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")) and (
                j == len(text) or not (text[j].isalnum() or text[j] == "_")):
            return True
        i = text.find(word, j)
    return False


# -- families -----------------------------------------------------------------------------------------


class SqlFamily:
    """The markers of the SQL checks of every dialect (``dialects``: dialect -> its merged triggers)."""

    def __init__(self, dialects: Dict[str, "DialectTriggers"], shared: Optional[Words] = None) -> None:
        keywords = list(dict.fromkeys(k for t in dialects.values() for k in t.keywords))
        rules: Dict[str, List[str]] = {}  # a line comment -> the keywords of the dialects that have it
        for d, t in dialects.items():
            for mark in LINE_COMMENTS.get(d, ("--",)):
                words = rules.setdefault(mark, [])
                words += [k for k in t.keywords if k not in words]
        self.starts = SqlStarts(keywords, list(rules.items()), True) if keywords else None
        functions = list(dict.fromkeys(f for t in dialects.values() for f in t.functions))
        self.functions = [f.encode() for f in functions]
        markers = list(dict.fromkeys(m for t in dialects.values() for m in t.markers))
        #: markers that are plain words are substring tests, with the functions (a function that holds
        #: such a word is absent when the word is)
        self.marker_words = [m.encode() for m in markers if re.escape(m) == m]
        #: ``shared``: a set of words shared with the other family (one pass over a file for both)
        self.words = shared if shared is not None else Words(self.plain_words(dialects))
        self.markers = [_compile(m, True) for m in markers if re.escape(m) != m]
        self.stage2_parts = _once(lambda: _SqlText(keywords, rules, functions, markers, dialects))
        #: the last lower-cased text stage 2 saw, and its answer
        self._last_stage2: Tuple[Optional[str], bool] = (None, False)

    @staticmethod
    def plain_words(dialects: Dict[str, "DialectTriggers"]) -> List[bytes]:
        """The words stage 1 tests as substrings: the functions, and the markers that are plain words."""
        functions = dict.fromkeys(f for t in dialects.values() for f in t.functions)
        markers = dict.fromkeys(m for t in dialects.values() for m in t.markers)
        return [f.encode() for f in functions] + [m.encode() for m in markers if re.escape(m) == m]

    def stage1(self, lowered: bytes) -> bool:
        present = self.words.tester(lowered)
        if any(present(f) for f in self.marker_words) or any(present(f) for f in self.functions):
            return True
        if any(m.search(lowered) for m in self.markers):
            return True
        return self.starts is not None and next(self.starts.spans(lowered), None) is not None

    def spans(self, lowered: bytes) -> Iterator[Tuple[int, int]]:
        present = self.words.tester(lowered)
        for f in self.functions + self.marker_words:
            if present(f):
                yield from _occurrences(lowered, f)
        for m in self.markers:
            for hit in m.finditer(lowered):
                yield hit.span()
        if self.starts is not None:
            for begin, kw in self.starts.spans(lowered):
                yield begin, kw + 1

    def stage2(self, text: str, low: str, lowered: Optional[bytes] = None) -> bool:
        """Whether a place passes stage 2 in the file (``lowered``: unused here; the module family's
        stage 2 takes it)."""
        seen, hit = self._last_stage2
        if seen is not low and seen != low:  # the survey asks for the file and for the index in turn
            hit = next(self.text_spans(low), None) is not None
            self._last_stage2 = (low, hit)
        return hit

    def text_spans(self, low: str) -> Iterator[Tuple[int, int]]:
        """Stage 2 place by place, on the lower-cased source text: where a call of one of the functions,
        a marker, or a statement with the shape of a hazardous one occurs (offsets in ``low``). A file
        passes stage 2 when there is one; focus keeps the code around each."""
        parts = self.stage2_parts()
        for f, regex in parts.functions.items():
            if f in low:
                for m in regex.finditer(low):
                    yield m.span()
        for marker in parts.markers:
            for m in marker.finditer(low):
                yield m.span()
        if parts.starts is None:
            return
        for begin, start in parts.starts.spans(low):
            for grammar, tests in parts.grammars:
                m = grammar.match(low, start)
                if m is not None:
                    test = tests.get(m.lastgroup or "")
                    if test is None or test(m.group("n" + m.lastgroup[1:])):
                        yield begin, m.end()
                        break


class _SqlText:
    """What stage 2 of the SQL family matches on source text (compiled when a file first reaches it)."""

    def __init__(self, keywords, rules, functions, markers, dialects) -> None:
        self.starts = SqlStarts(keywords, list(rules.items()), False) if keywords else None
        self.functions = {f: re.compile(r"\b" + re.escape(f) + r"\b\s*\(") for f in functions}
        self.markers = [_compile(m, False) for m in markers]
        #: per dialect, the shapes at a keyword in one regex (the first alternative that matches decides):
        #: each check's grammar, then each keyword with a blank at the very end of a string (the rest of
        #: the statement is another expression)
        self.grammars = [_grammar(t.shapes) for t in dialects.values() if t.shapes]


def _grammar(shapes: Sequence[Shape]) -> Tuple["re.Pattern[str]", Dict[str, Callable[[str], bool]]]:
    """One regex for the shapes: alternative ``a<i>`` holds shape i (its ``{name}`` as group ``n<i>``)."""
    parts, tests = [], {}
    for i, s in enumerate(shapes):
        parts.append(f"(?P<a{i}>" + s.pattern.replace(NAME, f"(?P<n{i}>" + IDENT + ")") + ")")
        if NAME in s.pattern and s.name_test is not None:
            tests[f"a{i}"] = s.name_test
    for k in dict.fromkeys(s.keyword for s in shapes):
        parts.append("(?:" + k + r")\s+[\"'`]")
    return re.compile("|".join(parts)), tests


def _occurrences(data: bytes, word: bytes) -> Iterator[Tuple[int, int]]:
    i = data.find(word)
    while i != -1:
        yield i, i + len(word)
        i = data.find(word, i + len(word))


#: the bytes a Python name can hold (letters, digits, ``_``; any byte of a UTF-8 sequence)
_NAME_BYTE = [chr(b).isalnum() or b == 0x5F or b >= 0x80 for b in range(256)]


def _identifiers(data: bytes, word: bytes) -> Iterator[Tuple[int, int]]:
    """The occurrences of ``word`` that are not inside a longer name."""
    for i, j in _occurrences(data, word):
        if (i == 0 or not _NAME_BYTE[data[i - 1]]) and (j == len(data) or not _NAME_BYTE[data[j]]):
            yield i, j


class ModuleFamily:
    """The needles of the module checks."""

    def __init__(self, needles: Sequence[Needle], words: Optional[Words] = None) -> None:
        self.needles = list(needles)
        self.words = words if words is not None else Words(self.needle_words(needles))
        compiled = {p: _compile(p, True, re.IGNORECASE) for p in dict.fromkeys(n.shape for n in self.needles if n.shape)}
        self.shapes = {n: compiled[n.shape] for n in self.needles if n.shape}
        #: stage 1 per needle: (needle, its words as lower-cased bytes, its shape or None), and the
        #: needles by their first word
        self._plans = [(n, tuple(w.lower().encode() for w in n.words), self.shapes.get(n)) for n in self.needles]
        self._by_first: Dict[bytes, List[int]] = {}
        for i, (_, words, _) in enumerate(self._plans):
            self._by_first.setdefault(words[0], []).append(i)
        #: stage 2: the shapes on source text (the case written, any case for text), the import statements
        self.text_parts = _once(lambda: (
            {n: _compile(n.shape, False, re.IGNORECASE if n.text else 0) for n in self.needles if n.shape},
            {n.module: _import_re(n.module) for n in self.needles if n.module}))

    @staticmethod
    def needle_words(needles: Sequence[Needle]) -> List[bytes]:
        return [w.lower().encode() for n in needles for w in n.words]

    def _stage1_hits(self, lowered: bytes) -> Iterator[Needle]:
        present = self.words.tester(lowered)
        matched: Dict[object, bool] = {}  # several needles share a shape (``DATABASES =``): search it once

        def shape_matches(regex: "re.Pattern[bytes]") -> bool:
            got = matched.get(regex)
            if got is None:
                got = matched[regex] = regex.search(lowered) is not None
            return got

        found = self.words.found(lowered)
        if found is None:
            plans = self._plans
        else:  # only the needles whose first word occurs (few, for a file at all)
            plans = [self._plans[i] for i in sorted({i for w in found for i in self._by_first.get(w, ())})]
        for n, words, shape in plans:
            if all(present(w) for w in words) and (shape is None or shape_matches(shape)):
                yield n

    def stage1(self, lowered: bytes) -> bool:
        return next(self._stage1_hits(lowered), None) is not None

    def spans(self, lowered: bytes, text: Optional[str] = None, low: Optional[str] = None
              ) -> Iterator[Tuple[int, int]]:
        """Where the markers of the needles that hit occur: stage 1's, or with the file's ``text`` (whose
        lower-cased bytes ``lowered`` are; ``low``: the text lower-cased, if known) only those whose
        stage 2 passes too, since a needle that fails stage 2 (``prepare`` in a file that imports no
        driver it belongs to) gives its check nothing to find there."""
        if text is not None and low is None:
            low = text.lower()
        hits = self._stage1_hits(lowered) if text is None else self._stage2_hits(text, low, lowered)
        for n in hits:
            for w in n.words:
                if text is None or n.text:
                    yield from _occurrences(lowered, w.lower().encode())
                else:  # stage 2 looks for the word as a whole identifier (``connect``, not ``connection``)
                    yield from _identifiers(lowered, w.lower().encode())
            if n in self.shapes:
                for m in self.shapes[n].finditer(lowered):
                    yield m.span()

    def stage2(self, text: str, low: str, lowered: Optional[bytes] = None) -> bool:
        return next(self._stage2_hits(text, low, lowered), None) is not None

    def _stage2_hits(self, text: str, low: str, lowered: Optional[bytes] = None) -> Iterator[Needle]:
        """The needles whose stage 2 passes in the file; ``lowered``: its lower-cased bytes, when known:
        then only the needles whose stage 1 passes there are tried (stage 2 asks more of each)."""
        known: Dict[Tuple[str, bool], bool] = {}

        def has(word: str, in_text: bool) -> bool:
            got = known.get((word, in_text))
            if got is None:
                got = known[(word, in_text)] = word.lower() in low if in_text else _identifier_in(text, word)
            return got

        shapes, import_res = self.text_parts()
        imports: Dict[str, bool] = {}

        def imports_module(module: str) -> bool:
            got = imports.get(module)
            if got is None:
                got = imports[module] = import_res[module].search(text)
            return got

        for n in self.needles if lowered is None else list(self._stage1_hits(lowered)):
            if all(has(w, n.text) for w in n.words) and (n.module is None or imports_module(n.module)) and (
                    n not in shapes or shapes[n].search(text)):
                yield n


def _import_re(module: str) -> "ImportTest":
    """An ``import`` or ``from`` statement that names ``module`` (``import a, module.sub as m``), or a lazy
    import of it by name (``LazyLoader("asyncpg", globals(), "asyncpg")``: pinlint.facts.catalog.LAZY_IMPORTS)."""
    return ImportTest(module)


class ImportTest:
    """``search(text)``: whether the text imports ``module`` (``_import_re``). The module's name is found
    first (a substring search) and only the lines that hold it are matched, anchored at their start: one
    regex over the whole text has no literal to start from and is tried at every position."""

    def __init__(self, module: str) -> None:
        from pinlint.facts.catalog import LAZY_IMPORTS

        m = re.escape(module)
        self.module = module
        self.line = re.compile(r"[ \t]*(?:from[ \t]+" + m + r"\b|import[ \t]+(?:[\w.]+(?:[ \t]+as[ \t]+\w+)?[ \t]*,[ \t]*)*"
                               + m + r"\b)")
        self.lazy_words = sorted({k.rsplit(".", 1)[-1] for k in LAZY_IMPORTS})
        self.lazy = re.compile(r"\b(?:" + "|".join(re.escape(k) for k in self.lazy_words) + r")\([^)\n]{0,200}?[\"']" + m
                               + r"\b")

    def search(self, text: str) -> bool:
        i = text.find(self.module)
        while i != -1:
            start = text.rfind("\n", 0, i) + 1
            if self.line.match(text, start) is not None:
                return True
            end = text.find("\n", i)
            if end == -1:
                break
            i = text.find(self.module, end)
        return any(w in text for w in self.lazy_words) and self.lazy.search(text) is not None


class Families:
    def __init__(self) -> None:
        from pinlint.checks.hazards import hazards

        h = hazards()
        words = Words(SqlFamily.plain_words(h.sql) + ModuleFamily.needle_words(h.needles))
        self.sql = SqlFamily(h.sql, words)
        self.modules = ModuleFamily(h.needles, words)
        self.all = {SQL: self.sql, MODULES: self.modules}
        #: the last lower-cased bytes stage 1 of the SQL family saw, and its answer (``may_matter`` and
        #: then ``sql_hit`` on the same bytes, as the survey of a parallel run does, scan them once)
        self.last_sql: Tuple[Optional[bytes], bool] = (None, False)

    def sql_stage1(self, lowered: bytes) -> bool:
        seen, hit = self.last_sql
        if seen is not lowered:
            hit = self.sql.stage1(lowered)
            self.last_sql = (lowered, hit)
        return hit


@lru_cache(maxsize=None)
def families() -> Families:
    """The families, built from the registered checks on first use."""
    return Families()


# -- the stages ----------------------------------------------------------------------------------------


def families_hit(data: bytes, lowered: Optional[bytes] = None) -> FrozenSet[str]:
    """The rule families whose byte markers occur in ``data`` (``lowered``: its lower-cased form, if the
    caller has it)."""
    lowered = data.lower() if lowered is None else lowered
    fam = families()
    return frozenset(name for name, f in fam.all.items() if (fam.sql_stage1(lowered) if f is fam.sql else f.stage1(lowered)))


def may_matter(data: bytes, lowered: Optional[bytes] = None) -> bool:
    """Stage 1: whether any rule family's byte markers occur in ``data`` (``lowered``: its lower-cased
    form, if the caller has it)."""
    fam = families()
    lowered = data.lower() if lowered is None else lowered
    return fam.sql_stage1(lowered) or fam.modules.stage1(lowered)


def sql_hit(lowered: bytes) -> bool:
    """Stage 1 of the SQL family only (the project index: a constant may hold hazardous SQL)."""
    return families().sql_stage1(lowered)


def sql_shaped(text: str) -> bool:
    """Stage 2 of the SQL family only."""
    return families().sql.stage2(text, text.lower())


def narrow(text: str, hit: Optional[FrozenSet[str]] = None, lowered: Optional[bytes] = None) -> bool:
    """Stage 2: whether a file that stage 1 let through can still produce a finding (``hit``: the
    families whose stage 1 matched; default: computed from the text; ``lowered``: the file's lower-cased
    bytes, if the caller has them)."""
    if hit is None:
        hit = families_hit(text.encode("utf-8", "surrogatepass"))
    if not hit:
        return False
    low = text.lower()
    return any(f.stage2(text, low, lowered) for name, f in families().all.items() if name in hit)


def hit_spans(lowered: bytes) -> Iterator[Tuple[int, int]]:
    """Where stage 1's markers of every family occur, in the lower-cased bytes."""
    fam = families()
    yield from fam.modules.spans(lowered)
    yield from fam.sql.spans(lowered)


def text_hit_spans(lowered: bytes, text: str) -> Tuple[List[Tuple[int, int]], List[Tuple[int, int]]]:
    """Where what passes stage 2 occurs (focus keeps the code around it): the markers of the module
    checks' needles whose stage 2 passes in the file, as offsets in ``lowered`` (the file's lower-cased
    bytes); and the SQL family's stage-2 places, as offsets in ``text``."""
    fam = families()
    low = text.lower()
    return list(fam.modules.spans(lowered, text, low)), list(fam.sql.text_spans(low))
