"""Find the files to check: walk directories, keep Python sources, honour excludes."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import Iterable, List, Sequence

SOURCE_SUFFIXES = (".py", ".pyi", ".sql")  # .sql: SQL files, judged statement by statement (pinlint.sqlfile)

DEFAULT_EXCLUDES = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints", ".mypy_cache", ".nox",
    ".pants.d", ".pinlint_cache", ".pytest_cache", ".pytype", ".ruff_cache", ".svn", ".tox", ".venv",
    "__pycache__", "__pypackages__", "_build", "buck-out", "build", "dist", "node_modules", "site-packages",
    "venv", "*.egg-info",
)


class PathNotFound(Exception):
    pass


def _excluded(path: Path, root: Path, patterns: Sequence[str]) -> bool:
    name = path.name
    try:
        rel = path.relative_to(root).as_posix()
    except ValueError:
        rel = path.as_posix()
    for pattern in patterns:
        if "/" in pattern.rstrip("/"):
            if fnmatch.fnmatchcase(rel, pattern.rstrip("/")) or fnmatch.fnmatchcase(rel, pattern.rstrip("/") + "/*"):
                return True
        elif fnmatch.fnmatchcase(name, pattern.rstrip("/")):
            return True
    return False


def _excluded_with_parents(path: Path, root: Path, patterns: Sequence[str]) -> bool:
    path = path.absolute()
    for candidate in (path, *path.parents):
        if candidate == root or candidate == candidate.parent:
            break
        if _excluded(candidate, root, patterns):
            return True
    return False


def discover(paths: Iterable[str], excludes: Sequence[str], root: Path, force_exclude: bool = False) -> List[Path]:
    """Files to check, sorted, without duplicates. Paths named explicitly are kept even when excluded,
    unless ``force_exclude``. Symlinked directories are not followed (no loops)."""
    found = set()
    for raw in paths:
        path = Path(raw)
        if not os.path.lexists(path):
            raise PathNotFound(raw)
        if path.is_dir():
            if force_exclude and _excluded_with_parents(path, root, excludes):
                continue
            for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
                base = Path(dirpath)
                dirnames[:] = sorted(
                    d for d in dirnames if not _excluded((base / d).absolute(), root, excludes)
                    and not (base / d).is_symlink()
                )
                for f in filenames:
                    p = base / f
                    if p.suffix in SOURCE_SUFFIXES and not _excluded(p.absolute(), root, excludes):
                        found.add(p)
        else:
            if force_exclude and _excluded_with_parents(path, root, excludes):
                continue
            found.add(path)
    return sorted(found, key=lambda p: p.as_posix())
