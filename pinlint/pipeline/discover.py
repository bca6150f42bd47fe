"""Find the files to check: walk directories, keep Python sources, honour excludes."""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

SOURCE_SUFFIXES = (".py", ".pyi", ".sql")  # .sql: SQL files, judged statement by statement (pinlint.pipeline.sqlfile)

DEFAULT_EXCLUDES = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints", ".mypy_cache", ".nox",
    ".pants.d", ".pinlint_cache", ".pytest_cache", ".pytype", ".ruff_cache", ".svn", ".tox", ".venv",
    "__pycache__", "__pypackages__", "_build", "buck-out", "build", "dist", "node_modules", "site-packages",
    "venv", "*.egg-info",
)


class PathNotFound(Exception):
    pass


class _Excludes:
    """The exclude patterns, compiled once: a pattern without ``/`` matches a file or directory name,
    one with ``/`` matches the path relative to the project root (or anything under it)."""

    def __init__(self, patterns: Sequence[str], root: Path) -> None:
        names = [p.rstrip("/") for p in patterns if "/" not in p.rstrip("/")]
        paths = [p.rstrip("/") for p in patterns if "/" in p.rstrip("/")]
        self.names = re.compile("|".join(fnmatch.translate(n) for n in names)) if names else None
        self.paths = re.compile("|".join(fnmatch.translate(p) + "|" + fnmatch.translate(p + "/*") for p in paths)) \
            if paths else None
        self.root = os.path.abspath(root)

    def __call__(self, path: str, name: str) -> bool:
        """Whether ``path`` (absolute) with the last part ``name`` is excluded."""
        if self.names is not None and self.names.match(name):
            return True
        if self.paths is None:
            return False
        prefix = self.root.rstrip(os.sep) + os.sep
        rel = path[len(prefix):] if path.startswith(prefix) else path
        return self.paths.match(rel.replace(os.sep, "/")) is not None


def _excluded(path: Path, root: Path, patterns: Sequence[str]) -> bool:
    return _Excludes(patterns, root)(os.path.abspath(path), path.name)


def _excluded_with_parents(path: Path, root: Path, patterns: Sequence[str]) -> bool:
    path = path.absolute()
    for candidate in (path, *path.parents):
        if candidate == root or candidate == candidate.parent:
            break
        if _excluded(candidate, root, patterns):
            return True
    return False


def _walk(top: str, excluded: "_Excludes", errors: Optional[List[Tuple[str, str]]] = None
          ) -> Iterable[Tuple[str, str]]:
    """Source files under ``top`` (a normalised path) as (path, absolute path), excludes applied to directories as they are met.
    ``os.scandir`` tells directories and symlinks apart without a stat per entry; symlinked
    directories are not entered; an unreadable directory is skipped and added to ``errors`` as
    (path, reason)."""
    sep = os.sep
    stack = [("" if top == "." else top + sep, os.path.abspath(top) + sep)]
    while stack:
        prefix, absolute = stack.pop()
        try:
            with os.scandir(prefix or ".") as entries:
                listing = list(entries)
        except OSError as exc:
            if errors is not None:
                reason = (exc.strerror or str(exc)).strip() or type(exc).__name__
                errors.append((prefix.rstrip(sep) or ".", f"cannot read directory: {reason}"))
            continue
        for entry in listing:
            name = entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if not entry.is_symlink() and not excluded(absolute + name, name):
                    stack.append((prefix + name + sep, absolute + name + sep))
            else:
                dot = name.rfind(".")
                if dot > 0 and name[dot:] in SOURCE_SUFFIXES and not excluded(absolute + name, name):
                    yield prefix + name, absolute + name


def discover(paths: Iterable[str], excludes: Sequence[str], root: Path, force_exclude: bool = False,
             errors: Optional[List[Tuple[str, str]]] = None) -> List[str]:
    """Files to check (as paths to open), sorted, without duplicates: one file named several ways
    (``x.py``, ``./x.py``, its absolute path) is checked once, under the first name given. Paths named
    explicitly are kept even when excluded, unless ``force_exclude``. Symlinked directories are not
    followed (no loops). Directories that cannot be read are added to ``errors`` as (path, reason)."""
    found: Dict[str, str] = {}
    seen_dirs = set()
    for raw in paths:
        path = Path(raw)
        if not os.path.lexists(path):
            raise PathNotFound(raw)
        if path.is_dir():
            if force_exclude and _excluded_with_parents(path, root, excludes):
                continue
            top = os.path.normcase(os.path.abspath(path))
            if top in seen_dirs:
                continue
            seen_dirs.add(top)
            for f, absolute in _walk(str(path), _Excludes(excludes, root), errors):
                found.setdefault(os.path.normcase(absolute), f)
        else:
            if force_exclude and _excluded_with_parents(path, root, excludes):
                continue
            found.setdefault(os.path.normcase(os.path.abspath(path)), str(path))
    return sorted(found.values(), key=lambda p: p.replace(os.sep, "/"))
