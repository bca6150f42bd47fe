"""Building the project index for a run: which files to summarise (by their bytes), the modules the
run's files import when the run names single files, and the index of one file on its own."""

from __future__ import annotations

import os
import re
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from pinlint.facts.catalog import DIALECT_DISTRIBUTIONS
from pinlint.facts.catalog import module_dialect
from pinlint.facts.index.link import link
from pinlint.facts.index.model import ProjectIndex, merge
from pinlint.facts.index.summarise import ModuleSummary, module_name, summarise
from pinlint.pipeline.markers import INDEX_MARKERS, MAX_INDEX_BYTES, may_wrap, sql_matters

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
        self.summaries: Dict[str, ModuleSummary] = {}  # by path, in any order
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
        mod = summarise(path, data, name, may_wrap(data.lower()))
        if mod is not None:
            self.summaries[path] = mod

    def add_summary(self, path: str, mod: Optional[ModuleSummary]) -> None:
        """A file summarised elsewhere (a worker of a parallel run: ``summarise``)."""
        if mod is not None:
            self.summaries[path] = mod

    def finish(self) -> ProjectIndex:
        """Link the summaries, in the order of the run's files (whatever order they were added in):
        when two files have one module name (``x.py`` and ``x.pyi``), the first one counts."""
        modules: Dict[str, ModuleSummary] = {}
        for path in self.paths + self.extra:
            if not path.endswith((".py", ".pyi")):
                continue
            if path not in self.names:
                self.names[path] = module_name(path, self.root)
            mod = self.summaries.get(path)
            if mod is not None and mod.name not in modules:
                modules[mod.name] = mod
        return link(modules, sql_matters, [os.path.abspath(p) for p in self.paths], self.sql_functions, self.names,
                    project_dialects(self.root, modules.values()))


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
    mod = summarise(path, data, name, may_wrap(data.lower())) if INDEX_MARKERS.search(data) else None
    return link({name: mod} if mod else {}, sql_matters, (), sql_functions, {path: name})



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


#: Files that declare a project's dependencies, looked for in its root (and ``requirements/``).
DEPENDENCY_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "Pipfile", "Pipfile.lock", "poetry.lock", "uv.lock",
                    "requirements.txt", "requirements-dev.txt", "requirements/base.txt", "requirements/prod.txt",
                    "requirements/production.txt", "requirements/common.txt")
_DISTRIBUTION = re.compile(rb"(?i)(?<![\w.-])(" + b"|".join(re.escape(d.encode()) for d in sorted(
    DIALECT_DISTRIBUTIONS, key=len, reverse=True)) + rb")(?![\w-])")


def project_dialects(root: str, modules: Iterable[ModuleSummary]) -> Tuple[Tuple[str, str], ...]:
    """The dialects a project uses, each with the first evidence found: a dependency file in its root that
    names a driver (``requirements.txt`` naming PyMySQL), else a module of the project that imports one.
    Only what shows a driver counts (SQLAlchemy or Django alone say nothing)."""
    from pinlint.pipeline.read import SourceError, read_bytes

    found: Dict[str, str] = {}
    for name in DEPENDENCY_FILES:
        path = os.path.join(root, name)
        if not os.path.isfile(path):
            continue
        try:
            data = read_bytes(path)
        except SourceError:
            continue
        for m in _DISTRIBUTION.finditer(data[:1 << 20]):
            dist = m.group(1).decode().lower()
            found.setdefault(DIALECT_DISTRIBUTIONS[dist], f"the project's {name} names {dist}")
    for mod in modules:
        for target in mod.imports.values():
            top = target.lstrip(".").split(".")[0]
            dialect = module_dialect(top) if top else None
            if dialect is not None:
                found.setdefault(dialect, f"{mod.path} imports {top}")
    return tuple(sorted(found.items()))
