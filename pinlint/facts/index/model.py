"""The project index's data: SQL text written somewhere in the project, wrappers, and ``ProjectIndex``
(plain picklable data passed to workers; its ``fingerprint`` belongs in any result-cache key)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Dict, FrozenSet, Optional, Sequence, Set, Tuple


#: In SQL text returned by a function: where its positional parameter N goes (``"SET SESSION {} = 1".format(name)``
#: returns ``SET SESSION __pinlint_arg0__ = 1``); a call fills in its arguments (``fill_arguments``).
ARG_MARKER = "__pinlint_arg{}__"
_ARG_RE = re.compile(r"__pinlint_arg(\d+)__")


def fill_arguments(text: str, arguments: Sequence[Optional[str]], hole: str) -> str:
    """A returned text with the call's argument texts in place of the parameter markers (``hole`` where an
    argument is unknown or missing)."""
    if "__pinlint_arg" not in text:
        return text

    def repl(m: "re.Match[str]") -> str:
        i = int(m.group(1))
        value = arguments[i] if i < len(arguments) else None
        return hole if value is None else value

    return _ARG_RE.sub(repl, text)


@dataclass(frozen=True)
class SqlText:
    """SQL text written somewhere in the project (HOLE for unknown parts)."""

    text: str
    path: str
    line: int
    #: how the code names it: ``LOCK_SQL``, ``Q.LOCK``, ``lock_sql()``
    what: str
    #: ``# noqa`` codes on the lines where it is written (``"*"``: all); empty: none
    noqa: FrozenSet[str] = frozenset()

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Wrapper:
    """A project function that sends one of its parameters to a SQL sink."""

    qualname: str
    #: index of the SQL parameter among the call's positional arguments (``self`` not counted)
    position: int
    keyword: str
    method: bool
    path: str = ""
    line: int = 0
    #: "" (as is), "%" (printf-formatted), "{}" (str.format)
    transform: str = ""
    noqa: FrozenSet[str] = frozenset()

    @property
    def name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]


@dataclass(frozen=True, eq=False)
class ProjectIndex:
    """Cross-module SQL facts of one run. Plain data: picklable, hashable by ``fingerprint``."""

    #: path (as discovered) -> dotted module name
    modules: Tuple[Tuple[str, str], ...] = ()
    #: "module.NAME" or "module.Class.NAME" -> text
    constants: Tuple[Tuple[str, SqlText], ...] = ()
    #: "module.func" / "module.Class.method" -> texts it returns (several for a list of statements)
    returns: Tuple[Tuple[str, Tuple[SqlText, ...]], ...] = ()
    #: method name -> texts, when every method of that name in the project returns the same SQL
    method_returns: Tuple[Tuple[str, Tuple[SqlText, ...]], ...] = ()
    #: "module.func" / "module.Class.method" -> wrapper
    wrappers: Tuple[Tuple[str, Wrapper], ...] = ()
    #: method name -> wrapper, when every wrapping method of that name agrees on the parameter
    method_wrappers: Tuple[Tuple[str, Wrapper], ...] = ()
    #: every discovered file (to tell whether a loaded .sql file is linted in its own right)
    files: FrozenSet[str] = frozenset()
    #: the dialects the project uses, each with what says so (a dependency file, a module's imports): for
    #: SQL that neither its code nor its text ties to one (pinlint.pipeline.indexing.project_dialects)
    dialects: Tuple[Tuple[str, str], ...] = ()
    fingerprint: str = ""

    # lookups (dicts built lazily, per process) ---------------------------------------------------
    def _table(self, name: str) -> dict:
        cache = self.__dict__.get("_cache")
        if cache is None:
            cache = {}
            object.__setattr__(self, "_cache", cache)
        if name not in cache:
            cache[name] = dict(getattr(self, name))
        return cache[name]

    def module_of(self, path: str) -> Optional[str]:
        table = self._table("modules")
        return table.get(path) or table.get(os.path.abspath(path))

    def _suffixes(self) -> Dict[str, Optional[str]]:
        cache = self.__dict__.get("_suffix")
        if cache is None:
            cache = {}
            for _, mod in self.modules:
                parts = mod.split(".")
                for i in range(len(parts)):
                    key = ".".join(parts[i:])
                    cache[key] = mod if cache.get(key, mod) == mod else None
            object.__setattr__(self, "_suffix", cache)
        return cache

    def find_module(self, dotted: str) -> Optional[str]:
        """The indexed module an import names (``myapp.sql`` matches ``src.myapp.sql``), if unambiguous."""
        return self._suffixes().get(dotted)

    def absolute(self, qualname: str, importer: Optional[str], is_package: bool = False) -> str:
        """Resolve a relative import target (``.sql.LOCK``) against the importing module."""
        if not qualname.startswith("."):
            return qualname
        dots = len(qualname) - len(qualname.lstrip("."))
        rest = qualname[dots:]
        parts = (importer or "").split(".") if importer else []
        if not is_package and parts:
            parts = parts[:-1]
        if dots > 1:
            parts = parts[: max(0, len(parts) - (dots - 1))]
        return ".".join(p for p in (*parts, rest) if p)

    def _split(self, qualname: str) -> Optional[Tuple[str, str]]:
        parts = qualname.split(".")
        for i in range(len(parts) - 1, 0, -1):
            mod = self.find_module(".".join(parts[:i]))
            if mod is not None:
                return mod, ".".join(parts[i:])
        return None

    def constant(self, qualname: str) -> Optional[SqlText]:
        split = self._split(qualname)
        if split is None:
            return None
        return self._table("constants").get(f"{split[0]}.{split[1]}")

    def constant_in(self, module: str, key: str) -> Optional[SqlText]:
        return self._table("constants").get(f"{module}.{key}")

    def returned(self, qualname: str) -> Optional[Tuple[SqlText, ...]]:
        split = self._split(qualname)
        if split is None:
            return None
        return self._table("returns").get(f"{split[0]}.{split[1]}")

    def returned_in(self, module: str, key: str) -> Optional[Tuple[SqlText, ...]]:
        return self._table("returns").get(f"{module}.{key}")

    def method_returned(self, name: str) -> Optional[Tuple[SqlText, ...]]:
        return self._table("method_returns").get(name)

    def wrapper(self, qualname: str) -> Optional[Wrapper]:
        table = self._table("wrappers")
        if qualname in table:
            return table[qualname]
        split = self._split(qualname)
        return None if split is None else table.get(f"{split[0]}.{split[1]}")

    def wrapper_in(self, module: str, key: str) -> Optional[Wrapper]:
        return self._table("wrappers").get(f"{module}.{key}")

    def method_wrapper(self, name: str) -> Optional[Wrapper]:
        return self._table("method_wrappers").get(name)

    def definition_noqa_rows(self, path: str) -> FrozenSet[int]:
        """Lines of ``path`` where a ``# noqa`` sits on SQL that other files use (a constant, a return,
        a wrapper's sink call): such a comment suppresses findings reported elsewhere, so an unused-noqa
        check of ``path`` alone cannot judge it."""
        rows: Set[int] = set()
        for _, t in self.constants:
            if t.noqa and t.path == path:
                rows.add(t.line)
        for _, texts in self.returns:
            rows.update(t.line for t in texts if t.noqa and t.path == path)
        for _, w in self.wrappers:
            if w.noqa and w.path == path:
                rows.add(w.line)
        return frozenset(rows)

    def mentions(self, data: bytes) -> bool:
        """Whether the file's bytes name a constant, function or wrapper the index knows (prefilter)."""
        regex = self.mention_pattern()
        if regex is None:
            return False
        names = self.__dict__["_mention_words"]
        if len(names) <= 32 and not any(n in data for n in names):  # substring tests: C speed
            return False
        return regex.search(data) is not None

    def known_names(self) -> FrozenSet[str]:
        """The last parts of the names of every constant and function the index knows holds SQL."""
        if "_known" not in self.__dict__:
            object.__setattr__(self, "_known", frozenset(key.rsplit(".", 1)[-1] for key, _ in self.constants + self.returns))
        return self.__dict__["_known"]

    def mention_pattern(self) -> "Optional[re.Pattern[bytes]]":
        """The names of the constants and functions the index knows hold hazardous SQL, as one regex."""
        if "_names_re" not in self.__dict__:
            names: Set[str] = set()
            for key, _ in self.constants:
                names.add(key.rsplit(".", 1)[-1])
            for key, _ in self.returns:
                names.add(key.rsplit(".", 1)[-1])
            # wrappers are not needed here: a wrapper call shows its SQL literal (which passes the
            # prefilter) or names a constant (listed above)
            names = {n for n in names if not n.startswith("__") and len(n) > 2}
            regex = re.compile(rb"\b(?:" + b"|".join(re.escape(n.encode()) for n in sorted(names)) + rb")\b") \
                if names else None
            object.__setattr__(self, "_names_re", regex)
            object.__setattr__(self, "_mention_words", tuple(n.encode() for n in sorted(names)))
        return self.__dict__["_names_re"]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProjectIndex) and other.fingerprint == self.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


EMPTY_INDEX = ProjectIndex()


def merge(index: ProjectIndex, own: ProjectIndex, filename: str) -> ProjectIndex:
    """The run's index plus one file that was not part of it (stdin with --stdin-filename)."""
    return ProjectIndex(
        modules=index.modules + own.modules,
        constants=index.constants + own.constants,
        returns=index.returns + own.returns,
        method_returns=index.method_returns,
        wrappers=index.wrappers + own.wrappers,
        method_wrappers=index.method_wrappers,
        files=index.files,
        dialects=index.dialects,
        fingerprint=index.fingerprint + own.fingerprint,
    )
