"""The project index: cross-module facts about SQL, built once per run before the per-file analysis.

discover -> **index** -> per-file analysis. The per-file analysis (libcst, one file at a time, in
worker processes) cannot see other modules. This pass reads, with the stdlib ``ast`` only, the few
files whose bytes hold SQL-ish markers and records:

- module-level string constants and class attributes (``LOCK_SQL = "..."``, ``class Q: LOCK = "..."``)
  whose text can matter (a hazard word, or more than 16 KB), evaluated statically across modules;
- functions and methods that return such SQL (one string, or a list of statements);
- project wrappers: functions and methods that pass one of their parameters on to a SQL sink
  (``def run(sql, *a): cur.execute(sql, a)``), inferred to a fixpoint across modules, plus the ones
  named in the ``sql-functions`` setting.

The result (``ProjectIndex``) is plain picklable data, passed to workers in ``RunOptions``; its
``fingerprint`` belongs in any result-cache key. Files the byte prefilter would skip are still
indexed when they match ``INDEX_MARKERS``; in turn the prefilter passes files that mention a name
the index knows holds hazardous SQL (``ProjectIndex.mentions``).
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from pinlint.sql.statement import HOLE

#: RDS Proxy pins a session on a statement whose text is larger than this (bytes).
LARGE_STATEMENT_BYTES = 16 * 1024

#: SQL text that can matter to a rule (kept in step with pinlint.evaluate.SQL_HAZARD_RE).
HAZARD_RE = re.compile(
    r"(?i)\b(?:set|reset|prepare|execute|deallocate|discard|listen|unlisten|load|declare|temp|temporary|"
    r"\w*advisory\w*|set_config|nextval|setval|currval|lastval)\b"
)

#: Bytes that make a file worth indexing (matched on the lower-cased bytes): a hazard word where a
#: constant or a returned string can hold it, or a SQL sink called with a bare name (a wrapper's body
#: passes its parameter: ``cur.execute(sql, args)``). Plain words are substring tests (fast).
_INDEX_WORDS = (b"advisory", b"set_config", b"nextval", b"setval", b"currval", b"lastval")
_INDEX_RE = re.compile(
    rb"[\"']\s*(?:set|reset|prepare|execute|deallocate|discard|listen|unlisten|load|declare"
    rb"|create\s+(?:(?:global|local)\s+)?temp)\b"
)
_SINK_CALL_RE = re.compile(
    rb"\.(?:execute|executemany|exec_driver_sql|execute_sql|fetch|fetchrow|fetchval)\(\s*(?:self\.)?[a-z_]\w*\s*[,)%.]"
)
_TEXT_CALL_RE = re.compile(rb"text\(\s*[a-z_]\w*\s*\)")
#: a SQL sink or ``text()`` called with a bare name (matched on lower-cased bytes): a wrapper's body
_WRAPPER_RE = re.compile(_SINK_CALL_RE.pattern + rb"|\b" + _TEXT_CALL_RE.pattern)


def may_wrap(lowered: bytes) -> bool:
    """Whether lower-cased bytes may define a wrapper (a SQL sink called with a name): ``_WRAPPER_RE``,
    as regexes that start with a literal, run only where their literal occurs."""
    if (b".execute" in lowered or b".exec_driver_sql" in lowered or b".fetch" in lowered) \
            and _SINK_CALL_RE.search(lowered) is not None:
        return True
    if b"text(" in lowered:
        for m in _TEXT_CALL_RE.finditer(lowered):
            if m.start() == 0 or not (lowered[m.start() - 1:m.start()].isalnum() or lowered[m.start() - 1] == 95):
                return True
    return False


class _IndexMarkers:
    """``INDEX_MARKERS.search(data)``: whether a file is worth indexing: it may define a wrapper (a SQL
    sink called with a name), or it holds a hazard word where SQL starts and, read as text, a statement
    with the shape of a hazardous one (the prefilter's stage 2: ``pinlint.pipeline.prefilter``), so that one of
    its constants or returned strings can be hazardous SQL."""

    @staticmethod
    def search(data: bytes, lowered: Optional[bytes] = None, session_sql: bool = True) -> bool:
        """``lowered``: ``data.lower()`` if the caller has it. ``session_sql=False``: the caller knows
        that the prefilter's session-SQL byte markers do not occur (they cover every hazard marker
        here), so only a wrapper can make the file worth indexing."""
        if lowered is None:
            lowered = data.lower()
        if may_wrap(lowered):
            return True
        if not session_sql:
            return False
        if not any(w in lowered for w in _INDEX_WORDS) and _INDEX_RE.search(lowered) is None:
            return False
        from pinlint.pipeline.prefilter import REFINERS

        text = data.decode("utf-8", "replace")
        return REFINERS["session-sql"](text) or REFINERS["mysql"](text)


INDEX_MARKERS = _IndexMarkers()
#: Files larger than this are not indexed (generated code, vendored dumps): their SQL is still linted
#: in place, but their constants and wrappers are not seen from other modules.
MAX_INDEX_BYTES = 512 * 1024

#: Methods whose first argument is SQL text (kept in step with pinlint.facts.extract.SQL_METHODS).
SINK_METHODS = frozenset({"execute", "executemany", "exec_driver_sql", "fetch", "fetchrow", "fetchval", "raw",
                          "execute_sql"})
SINK_FUNCTIONS = frozenset({"text"})
SQL_KEYWORDS = ("sql", "query", "operation", "statement", "stmt", "command")
PASS_THROUGH = frozenset({"dedent", "text", "SQL", "literal_column", "DDL", "TextClause", "strip", "lstrip",
                          "rstrip", "upper", "lower"})
SERVER_DB_LIBS = ("psycopg", "psycopg2", "psycopg_pool", "asyncpg", "pg8000", "aiopg", "psqlpy", "pymysql", "MySQLdb",
                  "mysql", "aiomysql", "asyncmy", "sqlalchemy", "django", "databases", "peewee", "playhouse",
                  "tortoise", "alembic", "piccolo", "sqlmodel", "flask_sqlalchemy", "records", "pony", "ormar", "gino")
DB_RECEIVER_RE = re.compile(
    r"(?i)^(?:.*_)?(?:cur|curs|cursor|conn|connection|cnx|db|database|session|sess|engine|tx|txn|"
    r"transaction|pool|pg|postgres|psql|mysql|dbapi|op)(?:_.*)?\d*$"
)
MAX_DEPTH = 30


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


# --------------------------------------------------------------------------------------------------
# per-file summaries (stdlib ast)


@dataclass
class _Function:
    key: str  # "f", "Class.m", "outer.inner"
    #: the line of the ``def`` (the function's tree is not kept: summaries must stay small)
    line: int
    params: List[str]
    method: bool
    cls: Optional[str]
    returns: List[ast.expr] = field(default_factory=list)
    #: (callee, position-or-keyword -> param name, transform, line) for every call passing a parameter
    calls: List[Tuple[ast.expr, List[Tuple[object, str, str]], int]] = field(default_factory=list)


@dataclass
class _Module:
    name: str
    path: str
    is_package: bool
    imports: Dict[str, str] = field(default_factory=dict)
    consts: Dict[str, ast.expr] = field(default_factory=dict)
    const_lines: Dict[str, Tuple[int, int]] = field(default_factory=dict)
    classes: Dict[str, List[str]] = field(default_factory=dict)
    functions: Dict[str, _Function] = field(default_factory=dict)
    server_db: bool = False
    noqa: Dict[int, FrozenSet[str]] = field(default_factory=dict)


def module_name(path: str, root: str) -> str:
    p = Path(os.path.abspath(path))
    try:
        rel = p.relative_to(os.path.abspath(root))
    except ValueError:
        rel = Path(*p.parts[1:])
    parts = list(rel.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) or p.stem


def _dotted(node: ast.expr) -> Optional[str]:
    parts: List[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


_NOQA_RE = re.compile(rb"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]*(?:[\s,]+[A-Z]+[0-9]*)*))?", re.IGNORECASE)


def _noqa_rows(data: bytes) -> Dict[int, FrozenSet[str]]:
    """``# noqa`` comments by line (a line scan: only definition lines are ever looked up)."""
    rows: Dict[int, FrozenSet[str]] = {}
    for row, line in enumerate(data.split(b"\n"), 1):
        if b"noqa" not in line:
            continue
        m = _NOQA_RE.search(line)
        if m:
            codes = m.group("codes")
            rows[row] = frozenset({"*"}) if codes is None else frozenset(
                c.decode().upper() for c in re.split(rb"[\s,]+", codes.strip()) if c)
    return rows


class _Summariser:
    """A walk over statements only (expressions are scanned for calls only inside functions of files
    that may define a wrapper): much cheaper than a full ``ast.NodeVisitor`` traversal."""

    def __init__(self, mod: _Module, want_calls: bool = True) -> None:
        self.mod = mod
        self.want_calls = want_calls
        self.stack: List[Tuple[str, str]] = []  # ("class"|"function", name)
        self.func: Optional[_Function] = None
        self.locals: Dict[str, List[ast.expr]] = {}
        self.ambiguous: Set[str] = set()

    def body(self, stmts: Sequence[ast.stmt]) -> None:
        for stmt in stmts:
            self.stmt(stmt)

    def stmt(self, node: ast.stmt) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self._function(node)
        elif isinstance(node, ast.ClassDef):
            self._class(node)
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                self._bind(t, node.value, node)
            self._calls(node.value)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self._bind(node.target, node.value, node)
                self._calls(node.value)
        elif isinstance(node, ast.AugAssign):
            if isinstance(node.target, ast.Name):
                if self.func is not None:
                    self.locals.setdefault(node.target.id, []).extend((node.value, node.value))
                else:
                    self.ambiguous.add(".".join([n for _, n in self.stack] + [node.target.id]))
            self._calls(node.value)
        elif isinstance(node, ast.Return):
            if self.func is not None and node.value is not None:
                self.func.returns.append(node.value)
                self._calls(node.value)
        elif isinstance(node, ast.Expr):
            self._calls(node.value)
        elif isinstance(node, ast.Import):
            self._import(node)
        elif isinstance(node, ast.ImportFrom):
            self._import_from(node)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            if isinstance(node.target, ast.Name):
                if self.func is not None:
                    self.locals.setdefault(node.target.id, []).extend((node.iter, node.iter))
                else:
                    self.ambiguous.add(node.target.id)
            self._calls(node.iter)
            self.body(node.body)
            self.body(node.orelse)
        elif isinstance(node, (ast.If, ast.While)):
            self._calls(node.test)
            self.body(node.body)
            self.body(node.orelse)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                self._calls(item.context_expr)
            self.body(node.body)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            self.body(node.body)
            for handler in node.handlers:
                self.body(handler.body)
            self.body(node.orelse)
            self.body(node.finalbody)
        elif type(node).__name__ == "Match":
            for case in node.cases:  # type: ignore[attr-defined]
                self.body(case.body)

    # imports
    def _import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.mod.imports[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                self.mod.imports[top] = top
        if any(a.name.split(".")[0] in SERVER_DB_LIBS for a in node.names):
            self.mod.server_db = True

    def _import_from(self, node: ast.ImportFrom) -> None:
        base = "." * node.level + (node.module or "")
        if node.module and node.module.split(".")[0] in SERVER_DB_LIBS:
            self.mod.server_db = True
        for alias in node.names:
            if alias.name == "*":
                continue
            bound = alias.asname or alias.name
            self.mod.imports[bound] = f"{base}.{alias.name}" if base and not base.endswith(".") else base + alias.name

    # scopes
    def _class(self, node: ast.ClassDef) -> None:
        if self.func is None and all(k == "class" for k, _ in self.stack):
            name = ".".join([n for _, n in self.stack] + [node.name])
            self.mod.classes[name] = [d for d in (_dotted(b) for b in node.bases) if d]
        self.stack.append(("class", node.name))
        self.body(node.body)
        self.stack.pop()

    def _function(self, node) -> None:
        outer_func, outer_locals = self.func, self.locals
        in_class = bool(self.stack) and self.stack[-1][0] == "class"
        key = ".".join([n for _, n in self.stack] + [node.name])
        args = node.args
        params = [a.arg for a in (*args.posonlyargs, *args.args)]
        decorators = {_dotted(d) for d in node.decorator_list}
        method = in_class and "staticmethod" not in decorators
        fn = _Function(key, node.lineno, params, method, ".".join(n for _, n in self.stack) if in_class else None)
        fn.params_kw = [a.arg for a in args.kwonlyargs]  # type: ignore[attr-defined]
        if key in self.mod.functions:
            self.ambiguous.add(key)
        self.mod.functions[key] = fn
        self.func, self.locals = fn, {}
        self.stack.append(("function", node.name))
        self.body(node.body)
        self.stack.pop()
        # local bindings are read again only to evaluate what the function returns
        fn.locals = self.locals if fn.returns else {}  # type: ignore[attr-defined]
        self.func, self.locals = outer_func, outer_locals

    # assignments
    def _bind(self, target: ast.expr, value: ast.expr, node: ast.stmt) -> None:
        if not isinstance(target, ast.Name):
            return
        if self.func is not None:
            self.locals.setdefault(target.id, []).append(value)
            return
        if self.stack and any(k == "function" for k, _ in self.stack):
            return
        key = ".".join([n for _, n in self.stack] + [target.id])
        if key in self.mod.consts:
            self.ambiguous.add(key)
        self.mod.consts[key] = value
        self.mod.const_lines[key] = (node.lineno, getattr(node, "end_lineno", node.lineno) or node.lineno)

    # calls that pass a parameter on (wrapper inference)
    def _calls(self, expr: Optional[ast.expr]) -> None:
        fn = self.func
        if fn is None or expr is None or not self.want_calls or not (fn.params or getattr(fn, "params_kw", ())):
            return
        for node in ast.walk(expr):
            if not isinstance(node, ast.Call):
                continue
            passed: List[Tuple[object, str, str]] = []
            for i, arg in enumerate(node.args):
                if isinstance(arg, ast.Starred):
                    break  # positions after ``*args`` are unknown
                hit = _param_of(arg, fn, self.locals)
                if hit is not None:
                    passed.append((i, hit[0], hit[1]))
            for kw in node.keywords:
                if kw.arg is not None:
                    hit = _param_of(kw.value, fn, self.locals)
                    if hit is not None:
                        passed.append((kw.arg, hit[0], hit[1]))
            if passed:
                fn.calls.append((node.func, passed, node.lineno))


def _param_of(node: ast.expr, fn: _Function, local: Dict[str, List[ast.expr]], depth: int = 0,
              transform: str = "") -> Optional[Tuple[str, str]]:
    """The parameter whose value ``node`` passes on unchanged (or printf/format-ed), with the transform."""
    if depth > 10:
        return None
    if isinstance(node, ast.Name):
        if node.id in fn.params or node.id in getattr(fn, "params_kw", ()):
            if node.id in local:
                return None  # rebound in the body
            return node.id, transform
        values = local.get(node.id)
        if values is not None and len(values) == 1:
            return _param_of(values[0], fn, local, depth + 1, transform)
        return None
    if isinstance(node, ast.Call):
        name = node.func.attr if isinstance(node.func, ast.Attribute) else (
            node.func.id if isinstance(node.func, ast.Name) else "")
        if isinstance(node.func, ast.Attribute) and name in ("strip", "lstrip", "rstrip", "format"):
            return _param_of(node.func.value, fn, local, depth + 1, "{}" if name == "format" else transform)
        if name in PASS_THROUGH and node.args and not isinstance(node.args[0], ast.Starred):
            return _param_of(node.args[0], fn, local, depth + 1, transform)
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _param_of(node.left, fn, local, depth + 1, "%")
    return None


def summarise(path: str, data: bytes, name: str) -> Optional[_Module]:
    """One file's summary, or None if it does not parse."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(data, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    mod = _Module(name=name, path=path, is_package=os.path.basename(path).startswith("__init__."))
    summariser = _Summariser(mod, want_calls=may_wrap(data.lower()))
    try:
        summariser.body(tree.body)
    except RecursionError:
        return None
    for key in summariser.ambiguous:
        mod.consts.pop(key, None)
        mod.functions.pop(key, None)
    if b"noqa" in data:
        mod.noqa = _noqa_rows(data)
    return mod


# --------------------------------------------------------------------------------------------------
# linking: evaluate constants and returns across modules, infer wrappers to a fixpoint


def _percent(template: str) -> str:
    from pinlint.sql.templates import percent_format as _percent_format

    return _percent_format(template)


def _brace(template: str) -> str:
    from pinlint.sql.templates import brace_format as _brace_format

    return _brace_format(template)


class _Linker:
    def __init__(self, modules: Dict[str, _Module], extra_wrappers: Sequence[str]) -> None:
        self.modules = modules
        self.by_suffix: Dict[str, Optional[str]] = {}
        for mod in modules.values():
            parts = mod.name.split(".")
            for i in range(len(parts)):
                key = ".".join(parts[i:])
                self.by_suffix[key] = mod.name if self.by_suffix.get(key, mod.name) == mod.name else None
        self.memo: Dict[Tuple[str, str], Optional[str]] = {}
        self.active: Set[Tuple[str, str]] = set()
        self.extra_wrappers = tuple(extra_wrappers)

    # name resolution
    def _absolute(self, mod: _Module, target: str) -> str:
        if not target.startswith("."):
            return target
        dots = len(target) - len(target.lstrip("."))
        parts = mod.name.split(".")
        if not mod.is_package:
            parts = parts[:-1]
        if dots > 1:
            parts = parts[: max(0, len(parts) - (dots - 1))]
        return ".".join(p for p in (*parts, target[dots:]) if p)

    def locate(self, mod: _Module, dotted: str, depth: int = 0) -> Optional[Tuple[_Module, str]]:
        """(module, key) that a dotted name written in ``mod`` refers to, through imports."""
        if depth > 10:
            return None
        head, _, rest = dotted.partition(".")
        if head in mod.imports:
            full = self._absolute(mod, mod.imports[head]) + ("." + rest if rest else "")
            return self.locate_qualified(full, depth + 1)
        return mod, dotted

    def locate_qualified(self, full: str, depth: int = 0) -> Optional[Tuple[_Module, str]]:
        parts = full.split(".")
        for i in range(len(parts) - 1, 0, -1):
            name = self.by_suffix.get(".".join(parts[:i]))
            if name is not None:
                target = self.modules[name]
                key = ".".join(parts[i:])
                if key.split(".")[0] in target.imports and key not in target.consts and key not in target.functions:
                    return self.locate(target, key, depth + 1)  # a re-export
                return target, key
        return None

    def const_text(self, mod: _Module, key: str) -> Optional[str]:
        memo_key = (mod.name, key)
        if memo_key in self.memo:
            return self.memo[memo_key]
        if memo_key in self.active or key not in mod.consts:
            return None
        self.active.add(memo_key)
        scope = key.rsplit(".", 1)[0] if "." in key else None
        try:
            value = self.text(mod.consts[key], mod, scope, None, 0)
        except RecursionError:
            value = None
        self.active.discard(memo_key)
        self.memo[memo_key] = value
        return value

    def _name_text(self, dotted: str, mod: _Module, scope: Optional[str], local: Optional[dict],
                   depth: int) -> Optional[str]:
        head = dotted.split(".")[0]
        if local is not None and head in local:
            values = local[head]
            if "." not in dotted and len(values) == 1:
                return self.text(values[0], mod, scope, local, depth + 1)
            return None
        if scope is not None and "." not in dotted and f"{scope}.{dotted}" in mod.consts:
            return self.const_text(mod, f"{scope}.{dotted}")
        if head in ("self", "cls") and scope is not None and "." in dotted:
            return self._class_attr(mod, scope, dotted.split(".", 1)[1], 0)
        found = self.locate(mod, dotted)
        if found is None:
            return None
        target, key = found
        if key in target.consts:
            return self.const_text(target, key)
        cls, _, attr = key.rpartition(".")
        if cls and cls in target.classes:
            return self._class_attr(target, cls, attr, 0)
        return None

    def _class_attr(self, mod: _Module, cls: str, attr: str, depth: int) -> Optional[str]:
        if depth > 5 or "." in attr:
            return None
        if f"{cls}.{attr}" in mod.consts:
            return self.const_text(mod, f"{cls}.{attr}")
        for base in mod.classes.get(cls, ()):
            found = self.locate(mod, base)
            if found is not None and found[1] in found[0].classes:
                text = self._class_attr(found[0], found[1], attr, depth + 1)
                if text is not None:
                    return text
        return None

    def text(self, node: ast.expr, mod: _Module, scope: Optional[str], local: Optional[dict],
             depth: int) -> Optional[str]:
        if depth > MAX_DEPTH:
            return None
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.JoinedStr):
            parts = []
            for v in node.values:
                if isinstance(v, ast.Constant) and isinstance(v.value, str):
                    parts.append(v.value)
                elif isinstance(v, ast.FormattedValue):
                    inner = None
                    if v.conversion == -1 and v.format_spec is None:
                        inner = self.text(v.value, mod, scope, local, depth + 1)
                    parts.append(HOLE if inner is None else inner)
            return "".join(parts)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Add):
                left = self.text(node.left, mod, scope, local, depth + 1)
                right = self.text(node.right, mod, scope, local, depth + 1)
                if left is None and right is None:
                    return None
                return (HOLE if left is None else left) + (HOLE if right is None else right)
            if isinstance(node.op, ast.Mod):
                left = self.text(node.left, mod, scope, local, depth + 1)
                return None if left is None else _percent(left)
            if isinstance(node.op, ast.Mult) and isinstance(node.right, ast.Constant) \
                    and type(node.right.value) is int:
                left = self.text(node.left, mod, scope, local, depth + 1)
                if left is None or node.right.value < 0 or len(left) * node.right.value > 1_000_000:
                    return None
                return left * node.right.value
            return None
        if isinstance(node, (ast.Name, ast.Attribute)):
            dotted = _dotted(node)
            return None if dotted is None else self._name_text(dotted, mod, scope, local, depth)
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else (func.id if isinstance(func, ast.Name) else "")
            if isinstance(func, ast.Attribute) and name == "format":
                base = self.text(func.value, mod, scope, local, depth + 1)
                return None if base is None else _brace(base)
            if isinstance(func, ast.Attribute) and name == "join" and len(node.args) == 1:
                sep = self.text(func.value, mod, scope, local, depth + 1)
                seq = node.args[0]
                if sep is None or not isinstance(seq, (ast.List, ast.Tuple)):
                    return None
                items = [self.text(e, mod, scope, local, depth + 1) for e in seq.elts]
                return sep.join(HOLE if i is None else i for i in items)
            if name in PASS_THROUGH and node.args and not isinstance(node.args[0], ast.Starred):
                if isinstance(func, ast.Attribute) and name in ("strip", "lstrip", "rstrip", "upper", "lower"):
                    return self.text(func.value, mod, scope, local, depth + 1) if not node.args else None
                return self.text(node.args[0], mod, scope, local, depth + 1)
            if isinstance(func, ast.Attribute) and name in ("strip", "lstrip", "rstrip", "upper", "lower"):
                return self.text(func.value, mod, scope, local, depth + 1)
            if name == "Composed" and node.args and isinstance(node.args[0], (ast.List, ast.Tuple)):
                items = [self.text(e, mod, scope, local, depth + 1) for e in node.args[0].elts]
                return "".join(HOLE if i is None else i for i in items)
            return None
        return None

    # function returns
    def returns(self, mod: _Module, fn: _Function) -> Optional[List[Tuple[str, int]]]:
        """The SQL the function returns: one text, or each statement of a returned list; None if unknown."""
        if not fn.returns:
            return None
        local = getattr(fn, "locals", {})
        results: List[List[Tuple[str, int]]] = []
        for value in fn.returns:
            if isinstance(value, ast.Name) and len(local.get(value.id, ())) == 1:
                value = local[value.id][0]
            if isinstance(value, (ast.List, ast.Tuple)):
                items = [(self.text(e, mod, fn.cls, local, 0), e.lineno) for e in value.elts]
                if not items or any(t is None for t, _ in items):
                    return None
                results.append([(t, line) for t, line in items if t is not None])
            else:
                t = self.text(value, mod, fn.cls, local, 0)
                if t is None:
                    return None
                results.append([(t, value.lineno)])
        first = [t for t, _ in results[0]]
        if any([t for t, _ in r] != first for r in results[1:]):
            return None  # different SQL on different paths: stay quiet
        return results[0]

    # wrappers
    def wrappers(self) -> Dict[str, Tuple[_Module, _Function, Wrapper]]:
        found: Dict[str, Tuple[_Module, _Function, Wrapper]] = {}
        by_method: Dict[str, Wrapper] = {}

        def wrap(mod: _Module, fn: _Function, param: str, transform: str, line: int) -> bool:
            qual = f"{mod.name}.{fn.key}"
            if qual in found or param not in fn.params:
                return False
            position = fn.params.index(param) - (1 if fn.method else 0)
            if position < 0:
                return False
            noqa = mod.noqa.get(line, frozenset()) | mod.noqa.get(fn.line, frozenset())
            w = Wrapper(qual, position, param, fn.method, mod.path, line, transform, noqa)
            found[qual] = (mod, fn, w)
            if fn.method:
                by_method.setdefault(fn.key.rsplit(".", 1)[-1], w)
            return True

        self.configured: Dict[str, Wrapper] = {}
        for extra in self.extra_wrappers:
            located = self.locate_qualified(extra)
            fn = located[0].functions.get(located[1]) if located is not None else None
            if located is not None and fn is not None and len(fn.params) > (1 if fn.method else 0):
                wrap(located[0], fn, fn.params[1 if fn.method else 0], "", fn.line)
            else:
                # not in the run (or not parsable): the first argument is SQL, by configuration
                self.configured[extra] = Wrapper(extra, 0, "sql", False, "sql-functions setting", 0)

        changed = True
        rounds = 0
        while changed and rounds < 20:
            changed, rounds = False, rounds + 1
            for mod in self.modules.values():
                for fn in mod.functions.values():
                    if f"{mod.name}.{fn.key}" in found:
                        continue
                    for callee, passed, line in fn.calls:
                        hit = self._callee_param(mod, fn, callee, passed, found, by_method)
                        if hit is not None and wrap(mod, fn, hit[0], hit[1], line):
                            changed = True
                            break
        return found

    def _callee_param(self, mod: _Module, fn: _Function, callee: ast.expr, passed, found, by_method):
        """The parameter of ``fn`` that this call sends to a SQL sink, if any."""
        def at(position: int, keywords: Sequence[str]) -> Optional[Tuple[str, str]]:
            for where, param, transform in passed:
                if where == position or where in keywords:
                    return param, transform
            return None

        name = callee.attr if isinstance(callee, ast.Attribute) else (callee.id if isinstance(callee, ast.Name) else "")
        if isinstance(callee, ast.Attribute) and name in SINK_METHODS:
            receiver = callee.value
            while isinstance(receiver, ast.Call):
                receiver = receiver.func
            last = receiver.attr if isinstance(receiver, ast.Attribute) else (
                receiver.id if isinstance(receiver, ast.Name) else "")
            if mod.server_db or DB_RECEIVER_RE.match(last) or last in ("self",):
                if last == "self" and not mod.server_db:
                    return None
                return at(0, SQL_KEYWORDS)
            return None
        dotted = _dotted(callee)
        if dotted is None:
            return None
        if isinstance(callee, ast.Name) and name in SINK_FUNCTIONS:
            target = mod.imports.get(name, "")
            if target.startswith("sqlalchemy"):
                return at(0, SQL_KEYWORDS)
        head = dotted.split(".")[0]
        wrapper: Optional[Wrapper] = None
        if head in ("self", "cls") and fn.cls is not None and dotted.count(".") == 1:
            entry = found.get(f"{mod.name}.{fn.cls}.{name}")
            wrapper = entry[2] if entry else by_method.get(name)
        elif isinstance(callee, ast.Attribute) and head not in mod.imports and head not in mod.classes:
            wrapper = by_method.get(name)
        else:
            located = self.locate(mod, dotted)
            if located is not None:
                target, key = located
                entry = found.get(f"{target.name}.{key}")
                if entry is None and "." not in key and target is mod and fn.key.count(".") >= 1:
                    # a nested helper defined in an enclosing function
                    prefix = fn.key.rsplit(".", 1)[0]
                    entry = found.get(f"{mod.name}.{prefix}.{key}")
                wrapper = entry[2] if entry else None
        if wrapper is None:
            return None
        return at(wrapper.position, (wrapper.keyword,))


#: Statement kinds and functions that some rule can flag (PostgreSQL and MySQL classifiers).
_HAZARD_KINDS = frozenset({
    "set", "set_role", "set_session_authorization", "set_session_characteristics", "reset", "prepare",
    "execute", "deallocate", "discard", "listen", "unlisten", "load", "declare", "create_temp",
    "lock_tables", "flush_tables_read_lock",
})
_HAZARD_CALLS = ("advisory", "set_config", "nextval", "setval", "currval", "lastval", "get_lock", "found_rows",
                 "row_count")


def _interesting(text: Optional[str]) -> bool:
    """Whether SQL text held by a constant or returned by a function can give a finding: a statement
    of a kind some rule flags, a hazard function, or a statement too large for RDS Proxy. The words
    alone are not enough (``ALTER TABLE ... SET DEFAULT`` and prose mention SET too)."""
    if not text or not text.strip():
        return False
    if len(text.replace(HOLE, "").encode("utf-8")) > LARGE_STATEMENT_BYTES:
        return True
    if not HAZARD_RE.search(text):
        return False
    from pinlint.sql.classify import classify

    for dialect in ("postgres", "mysql"):
        for st in classify(text, dialect):
            if st.dynamic or (st.kind in _HAZARD_KINDS and st.scope != "local"):
                return True
            if any(h in c.name for c in st.calls for h in _HAZARD_CALLS):
                return True
            if getattr(st, "executable_comments", None):
                return True
    return False


def _noqa_for(mod: _Module, first: int, last: int) -> FrozenSet[str]:
    out: FrozenSet[str] = frozenset()
    for row in range(first, last + 1):
        out |= mod.noqa.get(row, frozenset())
    return out


def link(modules: Dict[str, _Module], all_files: Iterable[str] = (), sql_functions: Sequence[str] = (),
         paths: Optional[Dict[str, str]] = None) -> ProjectIndex:
    linker = _Linker(modules, sql_functions)
    constants: Dict[str, SqlText] = {}
    for mod in modules.values():
        for key in mod.consts:
            text = linker.const_text(mod, key)
            if _interesting(text):
                first, last = mod.const_lines[key]
                constants[f"{mod.name}.{key}"] = SqlText(text, mod.path, first, key, _noqa_for(mod, first, last))
    for mod in modules.values():  # re-exports: ``from .queries import LOCK`` in a package __init__
        for alias in mod.imports:
            if f"{mod.name}.{alias}" in constants:
                continue
            located = linker.locate(mod, alias)
            if located is not None and located[0] is not mod:
                hit = constants.get(f"{located[0].name}.{located[1]}")
                if hit is not None:
                    constants[f"{mod.name}.{alias}"] = hit
    returns: Dict[str, Tuple[SqlText, ...]] = {}
    method_candidates: Dict[str, Set[Tuple[str, ...]]] = {}
    method_texts: Dict[str, Tuple[SqlText, ...]] = {}
    for mod in modules.values():
        for fn in mod.functions.values():
            try:
                result = linker.returns(mod, fn)
            except RecursionError:
                result = None
            short = fn.key.rsplit(".", 1)[-1]
            if fn.method:
                method_candidates.setdefault(short, set()).add(
                    tuple(t for t, _ in result) if result is not None else ("<unknown>",))
            if result is None or not any(_interesting(t) for t, _ in result):
                continue
            texts = tuple(SqlText(t, mod.path, line, f"{fn.key}()", _noqa_for(mod, line, line)
                                  | mod.noqa.get(fn.line, frozenset())) for t, line in result)
            returns[f"{mod.name}.{fn.key}"] = texts
            if fn.method:
                method_texts.setdefault(short, texts)
    method_returns = {name: texts for name, texts in method_texts.items()
                      if len({c for c in method_candidates.get(name, ()) if c not in (("",),)}) == 1}
    found = linker.wrappers()
    wrappers = {qual: w for qual, (_, _, w) in found.items()}
    for qual, w in linker.configured.items():
        wrappers.setdefault(qual, w)
    positions: Dict[str, Set[int]] = {}
    for w in wrappers.values():
        if w.method:
            positions.setdefault(w.name, set()).add(w.position)
    method_wrappers = {}
    for w in wrappers.values():
        if w.method and len(positions[w.name]) == 1 and w.name not in SINK_METHODS:
            method_wrappers.setdefault(w.name, w)
    module_table = tuple(sorted((paths or {}).items())) or tuple(sorted((m.path, m.name) for m in modules.values()))
    digest = hashlib.sha256()
    for part in (module_table, sorted(constants.items()), sorted(returns.items()), sorted(method_returns.items()),
                 sorted(wrappers.items()), sorted(method_wrappers.items()), sorted(all_files)):
        digest.update(repr(part).encode("utf-8", "replace"))
    return ProjectIndex(
        modules=module_table,
        constants=tuple(sorted(constants.items())),
        returns=tuple(sorted(returns.items())),
        method_returns=tuple(sorted(method_returns.items())),
        wrappers=tuple(sorted(wrappers.items())),
        method_wrappers=tuple(sorted(method_wrappers.items())),
        files=frozenset(all_files),
        fingerprint=digest.hexdigest(),
    )


#: At most this many files of the surrounding packages are indexed besides the run's own files.
MAX_EXTRA_FILES = 20000
#: Runs on more files than this are taken to cover their project (a directory): no surroundings.
MAX_SURROUNDED = 200


_IMPORT_LINE = re.compile(
    rb"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+\(?([^\n#)]*)|import[ \t]+([\w., \t]+))", re.MULTILINE
)


def _module_paths(module: str, base_dirs: Sequence[str]) -> List[str]:
    """Files that define ``a.b.c`` under one of ``base_dirs``, with the packages' ``__init__.py``."""
    parts = [p for p in module.split(".") if p]
    for base in base_dirs:
        out = []
        d = base
        for part in parts[:-1]:
            d = os.path.join(d, part)
            init = os.path.join(d, "__init__.py")
            if os.path.isfile(init):
                out.append(init)
        if not parts:
            continue
        leaf = os.path.join(d, parts[-1])
        if os.path.isfile(leaf + ".py"):
            return out + [leaf + ".py"]
        if os.path.isfile(os.path.join(leaf, "__init__.py")):
            return out + [os.path.join(leaf, "__init__.py")]
    return []


def _package_base(path: str) -> str:
    """The directory above the file's top package (what ``sys.path`` holds for it)."""
    d = os.path.dirname(path)
    while os.path.isfile(os.path.join(d, "__init__.py")) and os.path.dirname(d) != d:
        d = os.path.dirname(d)
    return d


def _surroundings(paths: Sequence[str], root: str, levels: int = 2) -> List[str]:
    """The project modules that the run's files import, and the modules those import (``levels`` deep),
    when the run names single files (``pinlint check myapp/main.py``, pre-commit): constants, functions
    and wrappers from there still count. Imports are read with a regex over the bytes; a module outside
    the project (not found under the project root or the file's package base) is ignored."""
    from pinlint.pipeline.read import SourceError, read_bytes

    root_abs = os.path.abspath(root)
    given = {os.path.abspath(p) for p in paths}
    frontier = sorted(p for p in given if p.endswith((".py", ".pyi")))
    seen = set(given)
    extra: List[str] = []
    for _ in range(levels):
        found: List[str] = []
        for path in frontier:
            try:
                data = read_bytes(path)  # regular files only: a FIFO named .py must not block the run
            except SourceError:
                continue
            bases = [root_abs, _package_base(path)]
            for m in _IMPORT_LINE.finditer(data):
                modules: List[str] = []
                if m.group(3) is not None:
                    modules = [item.split()[0] for item in m.group(3).decode("ascii", "replace").split(",") if item.split()]
                else:
                    source = m.group(1).decode("ascii", "replace")
                    names = [item.split()[0] for item in m.group(2).decode("ascii", "replace").split(",") if item.split()]
                    dots = len(source) - len(source.lstrip("."))
                    if dots:
                        base = os.path.dirname(path)
                        for _level in range(dots - 1):
                            base = os.path.dirname(base)
                        rest = source[dots:]
                        targets = [rest] if rest else []
                        targets += [f"{rest}.{n}" if rest else n for n in names if n != "*"]
                        for target in targets:
                            found.extend(_module_paths(target, [base]))
                        continue
                    modules = [source] + [f"{source}.{n}" for n in names if n != "*"]
                for module in modules:
                    found.extend(_module_paths(module, bases))
        frontier = []
        for f in found:
            f = os.path.abspath(f)
            if f not in seen:
                seen.add(f)
                extra.append(f)
                frontier.append(f)
                if len(extra) >= MAX_EXTRA_FILES:
                    return extra
    return extra


def _names_module(function: str, module: str) -> bool:
    """Whether a configured ``pkg.mod.func`` / ``pkg.mod.Class.method`` lives in ``module`` (whose
    name may carry a source-root prefix such as ``src.``)."""
    parts = module.split(".")
    return any(function.startswith(".".join(parts[i:]) + ".") for i in range(len(parts)))


def wants_index(path: str, data: bytes, name: str, sql_functions: Sequence[str] = (),
                lowered: Optional[bytes] = None, session_sql: bool = True) -> bool:
    """Whether a file is summarised for the index: a module named in ``sql-functions``, a package
    ``__init__`` that may re-export names, or a file whose bytes match ``INDEX_MARKERS`` (``lowered``
    and ``session_sql`` as there)."""
    wanted = any(_names_module(f, name) for f in sql_functions) or (
        os.path.basename(path) == "__init__.py" and len(data) <= 64 * 1024 and b"import" in data)  # re-exports
    return wanted or (len(data) <= MAX_INDEX_BYTES and INDEX_MARKERS.search(data, lowered, session_sql))


class IndexBuilder:
    """Builds a ``ProjectIndex`` file by file (a parallel run adds files as the workers' survey
    finds them), then links it."""

    def __init__(self, paths: Sequence[str], root: str = ".", sql_functions: Sequence[str] = (), read=None) -> None:
        if read is None:
            from pinlint.pipeline.read import read_bytes as read
        self.read = read
        self.root = root
        self.sql_functions = tuple(sql_functions)
        self.summaries: Dict[str, _Module] = {}  # by path, in any order
        self.names: Dict[str, str] = {}
        self.paths = list(paths)
        #: project modules the run's files import, when the run names few files (``_surroundings``)
        self.extra = _surroundings(paths, root) if len(paths) <= MAX_SURROUNDED else []

    def add(self, path: str, known_wanted: bool = False) -> None:
        """Summarise one file if it wants indexing (``known_wanted``: already decided from its bytes)."""
        if not path.endswith((".py", ".pyi")):
            return
        name = self.names.get(path) or module_name(path, self.root)
        try:
            data = self.read(path)
        except Exception:
            return
        if not known_wanted and not wants_index(path, data, name, self.sql_functions):
            return
        mod = summarise(path, data, name)
        if mod is not None:
            self.summaries[path] = mod

    def add_summary(self, path: str, mod: Optional[_Module]) -> None:
        """A file summarised elsewhere (a worker of a parallel run: ``summarise``)."""
        if mod is not None:
            self.summaries[path] = mod

    def finish(self) -> ProjectIndex:
        """Link the summaries, in the order of the run's files (whatever order they were added in):
        when two files have one module name (``x.py`` and ``x.pyi``), the first one counts."""
        modules: Dict[str, _Module] = {}
        for path in self.paths + self.extra:
            if not path.endswith((".py", ".pyi")):
                continue
            if path not in self.names:
                self.names[path] = module_name(path, self.root)
            mod = self.summaries.get(path)
            if mod is not None and mod.name not in modules:
                modules[mod.name] = mod
        return link(modules, [os.path.abspath(p) for p in self.paths], self.sql_functions, self.names)


def build_index(paths: Sequence[str], root: str = ".", sql_functions: Sequence[str] = (),
                read=None) -> ProjectIndex:
    """Index the Python files among ``paths`` (the run's discovered files) and of the packages they
    belong to. Cheap: a byte regex first, then ``ast.parse`` of the files that match it."""
    builder = IndexBuilder(paths, root, sql_functions, read)
    for path in list(paths) + builder.extra:
        builder.add(path)
    return builder.finish()


def index_source(path: str, data: bytes, root: str = ".", sql_functions: Sequence[str] = ()) -> ProjectIndex:
    """The index of one file on its own (``check_source`` without a project index)."""
    name = module_name(path, root)
    mod = summarise(path, data, name) if INDEX_MARKERS.search(data) else None
    return link({name: mod} if mod else {}, (), sql_functions, {path: name})


# --------------------------------------------------------------------------------------------------
# hooks for the engine

#: A string literal naming a .sql file (the code may load SQL from it).
_SQL_FILE_NAME = re.compile(rb"""\.sql["']""", re.IGNORECASE)
#: ``"..." * N``: a repeated string, large enough to be a statement over 16 KB when len * N says so.
_REPEATED = re.compile(rb"""(["'])((?:(?!\1)[^\\\n]){1,400})\1\s*\*\s*(\d{2,})\b""")
_TIMES_NUMBER = re.compile(rb"\*\s*\d{2,}")
_QUOTE_TIMES = re.compile(rb"[\"']\s*\*\s*\d{2,}")
#: the same for a triple-quoted string (checked only when a closing triple quote is multiplied)
_TRIPLE_TIMES = re.compile(rb"(?:\"\"\"|''')\s*\*\s*\d{2,}")
_REPEATED_TRIPLE = re.compile(rb"(\"\"\"|''')(.{1,8000}?)\1\s*\*\s*(\d{2,})\b", re.DOTALL)
#: ``" ".join(["SET", "search_path", ...])``: a list item that is exactly a statement keyword, followed
#: by another string item.
_KEYWORD_ITEM = re.compile(  # matched on lower-cased bytes
    rb"""["'](?:set|reset|listen|load|prepare|execute|deallocate|discard|declare)\s*["']\s*,\s*[rbfu]*["']""")


def _repeated_large(data: bytes) -> bool:
    """``"..." * N`` (or a triple-quoted string times N) longer than LARGE_STATEMENT_BYTES."""
    if _TIMES_NUMBER.search(data) is None:  # cheap: no ``* NN`` at all
        return False
    for times in _QUOTE_TIMES.finditer(data):  # a string literal right before ``* NN``: read its line
        line_start = data.rfind(b"\n", 0, times.start()) + 1
        for m in _REPEATED.finditer(data, max(line_start, times.start() - 410), times.end()):
            if len(m.group(2)) * int(m.group(3)) > LARGE_STATEMENT_BYTES:
                return True
    if _TRIPLE_TIMES.search(data):
        for m in _REPEATED_TRIPLE.finditer(data):
            if len(m.group(2)) * int(m.group(3)) > LARGE_STATEMENT_BYTES:
                return True
    return False


def _assembled_sql(data: bytes) -> bool:
    if b".sql" in data.lower() and _SQL_FILE_NAME.search(data):
        return True
    return _repeated_large(data) or (b".join(" in data and _KEYWORD_ITEM.search(data.lower()) is not None)


def _large_literal(data: bytes) -> bool:
    """Whether the bytes may hold a string literal larger than LARGE_STATEMENT_BYTES (a long line or a
    long triple-quoted string). Cheap: only files that large are looked at, in one pass."""
    if len(data) <= LARGE_STATEMENT_BYTES:
        return False
    for quote in (b'"""', b"'''"):
        pos = data.find(quote)
        while pos != -1:
            end = data.find(quote, pos + 3)
            if end == -1:
                break
            if end - pos > LARGE_STATEMENT_BYTES:
                return True
            pos = data.find(quote, end + 3)
    return any(len(line) > LARGE_STATEMENT_BYTES for line in data.split(b"\n"))


def assembled_or_large(data: bytes) -> bool:
    """SQL a file's bytes may hold without a marker: a ``.sql`` file loaded by name, a statement
    assembled from parts, a literal large enough to be PIN191 (``may_reach`` without the index)."""
    return _assembled_sql(data) or _large_literal(data)


def may_reach(data: bytes, index: Optional[ProjectIndex]) -> bool:
    """Prefilter hook: SQL that the file's bytes do not show but that a finding can come from: a name
    the project index knows holds hazardous SQL (a constant, a function returning SQL, a wrapper),
    a ``.sql`` file loaded by name, or a literal large enough to be PIN191."""
    if index is not None and index.mentions(data):
        return True
    return _assembled_sql(data) or _large_literal(data)


def index_for(filename: str, text: str, options) -> ProjectIndex:
    """The run's index, or (API, stdin, flake8: one file at a time) the file's own."""
    index = getattr(options, "index", None)
    if index is not None and index.module_of(filename) is not None:
        return index
    own = index_source(filename, text.encode("utf-8", "surrogatepass"), getattr(options, "root", "."),
                       getattr(options, "sql_functions", ()))
    if index is None:
        return own
    return merge(index, own, filename)


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
        fingerprint=index.fingerprint + own.fingerprint,
    )
