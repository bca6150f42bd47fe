"""The cache directory as untrusted input: every directory and entry at and below the root opened through
directory descriptors with ``O_NOFOLLOW``, nothing written or deleted outside it, entries read only as
bounded regular files; and the build digest and format that every key includes (pinlint.pipeline.cache).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional, Sequence

from pinlint import __version__

#: Bump when the entry layout changes.
FORMAT = 2


#: Larger entries are neither written nor read.
MAX_ENTRY_BYTES = 64 << 20


#: The deepest JSON pinlint writes is 6 levels (a run record's fix edits); deeper input is refused.
MAX_JSON_DEPTH = 12


@lru_cache(maxsize=None)
def build_digest() -> str:
    """A digest of this pinlint build: version, package sources and rule specs."""
    from pinlint.specs import load_specs

    h = hashlib.sha256(f"pinlint {__version__} cache format {FORMAT}\n".encode())
    package = Path(__file__).resolve().parent.parent  # pinlint/, not pinlint/pipeline/
    # the code and its data files (the target profiles decide verdicts as much as the code does)
    for path in sorted([*package.rglob("*.py"), *package.rglob("*.toml")]):
        h.update(path.relative_to(package).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    for spec in load_specs():
        h.update(spec.code.encode() + b"\0")
        h.update(Path(spec.path).read_bytes() + b"\0")
    return h.hexdigest()


_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


#: Directory descriptors for every operation, or no cache at all (never a path-based fallback).
_SUPPORTED = bool(_O_DIRECTORY and _O_NOFOLLOW) and all(
    f in os.supports_dir_fd for f in (os.open, os.mkdir, os.unlink, os.rename, os.stat))


#: The names pinlint gives what it creates below the root.
_PART = re.compile(r"^(?:v\d+|index|runs|[0-9a-f]{2,16})$")


_ENTRY = re.compile(r"^[0-9a-f]{64}\.json$")


_MARKERS = {
    ".gitignore": b"# created by pinlint\n*\n",
    "CACHEDIR.TAG": b"Signature: 8a477f597d28d172789f06886806bc55\n# pinlint result cache; see pinlint's README\n",
}


class CacheDir:
    """The cache directory, opened component by component through directory descriptors, following no
    symbolic link below (and including) the root."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)

    def _open_root(self, create: bool) -> int:
        parent, name = os.path.split(self.root)
        if create:
            os.makedirs(parent, exist_ok=True)
        pfd = os.open(parent, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)
        try:
            created = False
            try:
                fd = os.open(name, os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW | _O_CLOEXEC, dir_fd=pfd)
            except FileNotFoundError:
                if not create:
                    raise
                try:
                    os.mkdir(name, 0o755, dir_fd=pfd)
                    created = True
                except FileExistsError:
                    pass
                fd = os.open(name, os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW | _O_CLOEXEC, dir_fd=pfd)
        finally:
            os.close(pfd)
        if create:
            try:
                self._mark(fd, created)
            except BaseException:
                os.close(fd)
                raise
        return fd

    def _mark(self, fd: int, created: bool) -> None:
        """``.gitignore`` (never committed) and ``CACHEDIR.TAG`` (never backed up), in a directory pinlint
        created or found empty."""
        try:
            os.stat(".gitignore", dir_fd=fd, follow_symlinks=False)
            return
        except FileNotFoundError:
            pass
        if not created and os.listdir(fd):
            return  # somebody else's directory: leave it as it is
        for name, payload in _MARKERS.items():
            self._write_at(fd, name, payload)

    def _open(self, parts: Sequence[str], create: bool) -> int:
        if not _SUPPORTED:
            raise OSError("no directory descriptors on this platform")
        fd = self._open_root(create)
        try:
            for part in parts:
                if not _PART.match(part):
                    raise OSError(f"unexpected cache path component {part!r}")
                try:
                    child = os.open(part, os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW | _O_CLOEXEC, dir_fd=fd)
                except FileNotFoundError:
                    if not create:
                        raise
                    try:
                        os.mkdir(part, 0o755, dir_fd=fd)
                    except FileExistsError:
                        pass
                    child = os.open(part, os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW | _O_CLOEXEC, dir_fd=fd)
                os.close(fd)
                fd = child
        except BaseException:
            os.close(fd)
            raise
        return fd

    def read(self, parts: Sequence[str], name: str) -> Optional[bytes]:
        """The entry's bytes, or None: missing, not a regular file (never opened blocking), a link, too large."""
        try:
            dfd = self._open(parts, create=False)
        except OSError:
            return None
        try:
            fd = os.open(name, os.O_RDONLY | _O_NOFOLLOW | _O_NONBLOCK | _O_CLOEXEC, dir_fd=dfd)
        except OSError:
            os.close(dfd)
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_ENTRY_BYTES:
                return None
            chunks, size = [], 0
            while size <= MAX_ENTRY_BYTES:
                chunk = os.read(fd, min(1 << 20, MAX_ENTRY_BYTES + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            return None if size > MAX_ENTRY_BYTES else b"".join(chunks)
        except OSError:
            return None
        finally:
            os.close(fd)
            os.close(dfd)

    def write(self, parts: Sequence[str], name: str, payload: bytes) -> None:
        """Write an entry atomically (raises OSError when the cache cannot be written)."""
        if len(payload) > MAX_ENTRY_BYTES:
            return
        dfd = self._open(parts, create=True)
        try:
            self._write_at(dfd, name, payload)
        finally:
            os.close(dfd)

    @staticmethod
    def _write_at(dfd: int, name: str, payload: bytes) -> None:
        tmp = f".tmp-{os.getpid()}-{os.urandom(6).hex()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC, 0o644, dir_fd=dfd)
        try:
            try:
                view = memoryview(payload)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
            # a rename replaces a link or file of that name, never what a link points to
            os.rename(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
        except BaseException:  # an error, a time-out or a signal: no half-written entry stays behind
            try:
                os.unlink(tmp, dir_fd=dfd)
            except OSError:
                pass
            raise

    def prune(self, parts: Sequence[str], keep: int) -> None:
        """Delete all but the ``keep`` newest entries of a directory: regular files named as pinlint
        names its entries, and temporary files older than an hour (left by a killed run)."""
        try:
            dfd = self._open(parts, create=False)
        except OSError:
            return
        try:
            import time

            entries, stale = [], []
            with os.scandir(dfd) as listing:
                for entry in listing:
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    if not stat.S_ISREG(st.st_mode):
                        continue
                    if _ENTRY.match(entry.name):
                        entries.append((st.st_mtime, entry.name))
                    elif entry.name.startswith(".tmp-") and st.st_mtime < time.time() - 3600:
                        stale.append(entry.name)
            entries.sort(reverse=True)
            for name in [n for _, n in entries[keep:]] + stale:
                try:
                    os.unlink(name, dir_fd=dfd)
                except OSError:
                    pass
        except OSError:
            pass
        finally:
            os.close(dfd)


def payload_of(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
