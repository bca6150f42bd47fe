"""``pinlint check --since REF``: only the files changed since a git ref, judged with the whole tree's index.

Changed means what ``git diff REF`` shows against the working tree (what is committed since REF, staged
and unstaged), plus the untracked files git does not ignore; a renamed file counts under its new path, a
deleted one is skipped. ``REF...`` (three dots, as in ``git diff REF...``) means since the merge base of
REF and HEAD: on a pull-request branch, ``origin/main...`` is the branch's own changes, without what
landed on main meanwhile.

The files to check are the discovered ones (excludes apply) that git names; the project index (SQL
constants, wrappers and the files linted in their own right, across modules) is built from every
discovered file, as a full run builds it, so a changed file that runs an unchanged module's SQL is judged
as in a full run, and the result cache's entries are shared with full runs. The findings are those of a
full run in the changed files.

git runs with a fixed argument vector (no shell), with ``-z`` output (any file name), without optional
locks, external diff drivers or a file-system monitor hook. It only reads the local repository.
"""

from __future__ import annotations

import os
import subprocess
from typing import List, Sequence, Set

#: seconds a git command may take
GIT_TIMEOUT = 120
_GIT_CONFIG = ("-c", "core.fsmonitor=false", "-c", "core.quotepath=false")


class ChangedError(Exception):
    """Not in a git repository, no git, or a ref git does not know."""


def _git(args: Sequence[str], cwd: str) -> bytes:
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    env.pop("GIT_EXTERNAL_DIFF", None)
    try:
        done = subprocess.run(["git", *_GIT_CONFIG, *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=GIT_TIMEOUT, check=False)
    except FileNotFoundError:
        raise ChangedError("--since needs git, and no `git` program was found") from None
    except subprocess.TimeoutExpired:
        raise ChangedError(f"--since: `git {args[0]}` took more than {GIT_TIMEOUT} s") from None
    except OSError as exc:
        raise ChangedError(f"--since: cannot run git: {exc.strerror or exc}") from None
    if done.returncode != 0:
        raise _GitFailed(os.fsdecode(done.stderr).strip().splitlines()[-1:] or [""])
    return done.stdout


class _GitFailed(ChangedError):
    def __init__(self, last_line: List[str]) -> None:
        super().__init__(last_line[0])
        self.message = last_line[0]


def _null_separated(out: bytes) -> List[str]:
    return [os.fsdecode(p) for p in out.split(b"\0") if p]


def changed_paths(ref: str, cwd: str = ".") -> Set[str]:
    """The existing files changed since ``ref`` in the repository around ``cwd``: each as git names it
    (joined to the work tree's top) and as its real path, both ``normcase``d."""
    cwd = os.path.abspath(cwd)
    if not ref or ref.startswith("-") or "\0" in ref:
        raise ChangedError(f"--since: {ref!r} is not a git ref")
    try:
        top = os.fsdecode(_git(["rev-parse", "--show-toplevel"], cwd).rstrip(b"\n"))
    except _GitFailed as exc:
        raise ChangedError(f"--since needs a git repository, and {cwd} is not in one ({exc.message})") from None
    if not top:
        raise ChangedError(f"--since needs a work tree, and {cwd} has none")
    base = ref
    try:
        if ref.endswith("..."):
            base = os.fsdecode(_git(["merge-base", ref[:-3] or "HEAD", "HEAD"], top).strip())
        commit = os.fsdecode(_git(["rev-parse", "--verify", "--quiet", base + "^{commit}"], top).strip())
    except _GitFailed:
        raise ChangedError(f"--since: unknown git ref {ref!r} in {top}") from None
    # from the top of the work tree, so the paths are relative to it whatever diff.relative says
    diff = _git(["diff", "--name-only", "-z", "--no-ext-diff", "--no-textconv", "--find-renames",
                 "--diff-filter=d", commit, "--"], top)
    untracked = _git(["ls-files", "-z", "--others", "--exclude-standard", "--"], top)
    out = set()
    for rel in _null_separated(diff) + _null_separated(untracked):
        path = os.path.join(top, rel)
        if os.path.isfile(path):
            out.add(os.path.normcase(path))
            out.add(os.path.normcase(os.path.realpath(path)))
    return out


def changed_only(files: Sequence[str], ref: str, cwd: str = ".") -> List[str]:
    """The discovered ``files`` (in their order and spelling) that changed since ``ref``."""
    changed = changed_paths(ref, cwd)
    names = {os.path.basename(p) for p in changed}
    # real paths only for files whose name is among the changed ones: a few system calls, not one per file
    return [f for f in files if os.path.normcase(os.path.basename(f)) in names
            and (os.path.normcase(os.path.abspath(f)) in changed or os.path.normcase(os.path.realpath(f)) in changed)]

