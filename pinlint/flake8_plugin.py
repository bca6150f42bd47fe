"""flake8 plugin: ``flake8 --select PIN`` reports pinlint's findings.

Registered in the ``flake8.extension`` entry-point group under the code prefix ``PIN``. flake8 does not
read pyproject.toml, so the plugin reads ``[tool.pinlint]`` (or ``pinlint.toml`` / ``.pinlint.toml``)
itself: the nearest one from the checked file's directory upwards, exactly as ``pinlint check`` finds it
from the working directory. Target, select / extend-select / ignore, per-file-ignores, excludes and the
``pgbouncer`` / ``rds-proxy`` options apply; flake8's own ``--select`` / ``--extend-ignore`` then filter
the ``PIN`` codes further.

The plugin sees what ``pinlint check`` sees across modules: once per flake8 process it builds the project
index (constants, functions returning SQL and wrappers) that ``pinlint check`` builds for the same paths
(the files and directories on flake8's command line; for single files, the modules they import too),
through the same index cache. Code read from stdin, or a run over more than ``MAX_INDEXED_FILES`` Python
files, is linted with the file's own index only.

flake8 takes 0-based columns from plugins and prints them 1-based, so the columns match ``pinlint check``.
A configuration error is reported as one ``PIN000`` on line 1 (flake8 would hide an exception behind a
crash report).
"""

from __future__ import annotations

import ast
import io
import os
import tokenize
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, List, Optional, Sequence, Tuple, Union

from pinlint import __version__

Result = Tuple[int, int, str, type]


@lru_cache(maxsize=64)
def _settings_for(directory: str) -> Union[Tuple[Any, Any], str]:
    """(Settings, RunOptions) for files in ``directory``, or the configuration error text."""
    from pinlint.api import run_options
    from pinlint.config import ConfigError, load_settings, validate_settings
    from pinlint.specs import load_specs

    try:
        settings = load_settings(start=Path(directory))
        validate_settings(settings, [s.code for s in load_specs()])
    except ConfigError as exc:
        return f"invalid pinlint configuration: {exc}"
    return settings, run_options(settings)


#: A project with more Python files than this is linted without the project index (each file alone).
MAX_INDEXED_FILES = 20000


@lru_cache(maxsize=8)
def _project_index(root: str, paths: Tuple[str, ...]) -> Any:
    """The project index ``pinlint check PATHS`` builds, for the paths flake8 was given (the files and
    directories on its command line; with single files, as pre-commit passes them, the modules they
    import are indexed too), built once per flake8 process through the same index cache; None when the
    run covers more than MAX_INDEXED_FILES Python files or cannot be read."""
    from dataclasses import replace

    from pinlint.pipeline.cache import resolve_cache_dir
    from pinlint.pipeline.discover import PathNotFound, discover
    from pinlint.pipeline.schedule import project_index

    found = _settings_for(root)
    if isinstance(found, str):
        return None
    settings, options = found
    try:
        files = [f for f in discover(paths, settings.all_excludes, Path(root)) if f.endswith(".py")]
    except (OSError, ValueError, PathNotFound):
        return None
    if not files or len(files) > MAX_INDEXED_FILES:
        return None
    return project_index(files, replace(options, cache_dir=resolve_cache_dir(root, None, False)))


def _source_bytes(lines: Sequence[str]) -> bytes:
    """The file's bytes again, from the lines flake8 decoded (its coding cookie is honoured both ways)."""
    text = "".join(lines)
    if text.startswith("\ufeff"):
        text = text[1:]
    head = text.encode("utf-8", "surrogateescape")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(head).readline)
        return text.encode("utf-8" if encoding == "utf-8-sig" else encoding)
    except (SyntaxError, LookupError, UnicodeEncodeError):
        return head


class Plugin:
    """A flake8 AST plugin (it needs ``tree`` to be one, and does not use it: pinlint parses with libcst)."""

    name = "pinlint"
    version = __version__

    #: the paths flake8 was given (``parse_options``); None until flake8 has parsed its options
    paths: Optional[Tuple[str, ...]] = None

    @classmethod
    def parse_options(cls, options: Any) -> None:
        names = getattr(options, "filenames", None)
        cls.paths = tuple(names) if names else (".",)

    def __init__(self, tree: ast.AST, filename: str, lines: Optional[Sequence[str]] = None) -> None:
        self.filename = filename
        self.lines = lines

    def _lines(self) -> Optional[List[str]]:
        if self.lines is not None:
            return list(self.lines)
        try:
            with tokenize.open(self.filename) as fh:
                return fh.readlines()
        except (OSError, SyntaxError, UnicodeDecodeError):
            return None

    def run(self) -> Iterator[Result]:
        from pinlint.pipeline.discover import _excluded_with_parents
        from pinlint.pipeline.run import check_source

        stdin = self.filename in ("-", "stdin", "<stdin>")
        directory = os.getcwd() if stdin else os.path.dirname(os.path.abspath(self.filename))
        found = _settings_for(directory)
        if isinstance(found, str):
            yield 1, 0, f"PIN000 {found}", type(self)
            return
        settings, options = found
        if not stdin and _excluded_with_parents(Path(self.filename), settings.root, settings.all_excludes):
            return
        lines = self._lines()
        if lines is None:
            return
        root = str(settings.root)
        if not stdin and self.paths is not None and "-" not in self.paths:
            index = _project_index(root, self.paths)
            if index is not None:
                from dataclasses import replace

                options = replace(options, index=index)
        for d in check_source(self.filename, _source_bytes(lines), options):
            yield d.start.row, max(0, d.start.column - 1), f"{d.code} {d.message}", type(self)
