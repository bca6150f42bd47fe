"""flake8 plugin: ``flake8 --select PIN`` reports pinlint's findings.

Registered in the ``flake8.extension`` entry-point group under the code prefix ``PIN``. flake8 does not
read pyproject.toml, so the plugin reads ``[tool.pinlint]`` (or ``pinlint.toml`` / ``.pinlint.toml``)
itself: the nearest one from the checked file's directory upwards, exactly as ``pinlint check`` finds it
from the working directory. Target, select / extend-select / ignore, per-file-ignores, excludes and the
``pgbouncer`` / ``rds-proxy`` options apply; flake8's own ``--select`` / ``--extend-ignore`` then filter
the ``PIN`` codes further.

The plugin sees what ``pinlint check`` sees across modules: once per flake8 process it builds the project
index (constants, functions returning SQL and wrappers of every module) from the files ``pinlint check``
would discover under the configuration's root, through the same index cache. A file flake8 reads from
stdin, or a tree of more than ``MAX_INDEXED_FILES`` Python files, is linted with its own index only.

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
def _project_index(root: str) -> Any:
    """The project index of the configuration's root (its directory, or the working directory without
    one), built once per flake8 process from the files ``pinlint check`` would discover there, through
    the same index cache; None when the tree is too large or cannot be read."""
    from pinlint.pipeline.cache import resolve_cache_dir
    from pinlint.pipeline.discover import discover
    from pinlint.pipeline.schedule import project_index

    found = _settings_for(root)
    if isinstance(found, str):
        return None
    settings, options = found
    try:
        files = [f for f in discover([root], settings.all_excludes, Path(root)) if f.endswith(".py")]
    except (OSError, ValueError):
        return None
    if not files or len(files) > MAX_INDEXED_FILES:
        return None
    from dataclasses import replace

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
        if not stdin and os.path.abspath(self.filename).startswith(os.path.join(os.path.abspath(root), "")):
            index = _project_index(root)
            if index is not None:
                from dataclasses import replace

                options = replace(options, index=index)
        for d in check_source(self.filename, _source_bytes(lines), options):
            yield d.start.row, max(0, d.start.column - 1), f"{d.code} {d.message}", type(self)
