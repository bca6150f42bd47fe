"""A result cache: one small JSON file per (file content, path, effective configuration, pinlint build).

A hit costs one read of the source (to hash it) and one read of the entry: no decode, no parse. The
key covers everything that can change a file's diagnostics:

- the file's bytes (SHA-256) and its path (the reported name, and per-file-ignores match on it);
- the effective configuration: targets and their pooler options, enabled codes, per-file-ignores,
  the project root, whether the prefilter runs, the memory bound;
- the pinlint build: its version, the text of every module of the package and of every rule spec
  (so an edited checkout never serves stale results, whatever its version says).

**The cache directory is untrusted input**: it sits in the checkout, which may come from anyone. So
(``_CacheDir``) the cache root and every directory and file below it are opened through directory
descriptors with ``O_NOFOLLOW``: pinlint creates no symbolic link there and follows none (a ``runs``
link pointing elsewhere, or a cache directory that is a link, makes the cache unusable, never a place to
write or delete; the root's parent directories are resolved as the operating system does). Nothing is
written, replaced or deleted outside the directory, and ``.gitignore``/``CACHEDIR.TAG`` go only into a
directory pinlint created or found empty. An entry is read only when it is a regular file no larger
than ``MAX_ENTRY_BYTES``, parsed with bounded nesting, and every record is checked against its schema
and against the file it is for (its path and hash, the codes pinlint knows, rows within the file; a
run's records name only the run's files). On any doubt the entry is ignored and rewritten.

Entries are written atomically (a temporary file, then a rename in the same directory); a time-out or
an internal error is never cached. A cache that cannot be written (read-only tree) is silently skipped:
the cache only ever saves time. It is not a trust boundary for results: a hand-made entry that passes
every check can still hide a finding, so CI on untrusted changes should run with ``--no-cache``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import sys
from dataclasses import fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple, Union

from pinlint import __version__
from pinlint.model import Diagnostic, Edit, Fix, Position

DEFAULT_DIR_NAME = ".pinlint_cache"
ENV_VAR = "PINLINT_CACHE_DIR"
#: Bump when the entry layout changes.
FORMAT = 2
#: Larger entries are neither written nor read.
MAX_ENTRY_BYTES = 64 << 20
#: The deepest JSON pinlint writes is 6 levels (a run record's fix edits); deeper input is refused.
MAX_JSON_DEPTH = 12

Compute = Callable[[str, bytes, Any], List[Diagnostic]]


def resolve_cache_dir(root: Union[str, Path], cache_dir: Optional[str], no_cache: bool,
                      environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """``--no-cache`` > ``--cache-dir`` > ``$PINLINT_CACHE_DIR`` > ``<project root>/.pinlint_cache``."""
    if no_cache:
        return None
    env = os.environ if environ is None else environ
    chosen = cache_dir or env.get(ENV_VAR) or str(Path(root) / DEFAULT_DIR_NAME)
    return os.path.abspath(chosen)


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


def _canonical(value: Any) -> Any:
    """A JSON-able form that does not depend on hash ordering (frozensets are sorted)."""
    if isinstance(value, (frozenset, set)):
        return sorted(_canonical(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _canonical(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items())}
    return value


@lru_cache(maxsize=64)
def options_fingerprint(options: Any) -> str:
    """Digest of the effective configuration (a RunOptions, minus where the cache lives) and the build."""
    index = getattr(options, "index", None)
    data = _canonical(replace(options, index=None) if index is not None else options)
    data.pop("cache_dir", None)
    data.pop("time_budget", None)  # a time-out is never cached; other results do not depend on it
    data["index"] = getattr(index, "fingerprint", None)  # the index changes with any indexed SQL
    text = json.dumps({"options": data, "build": build_digest()}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _entry_parts(options: Any, path: str, data: bytes) -> Tuple[Tuple[str, ...], str]:
    """(directories below the cache root, file name) of a file's entry."""
    fp = options_fingerprint(options)
    h = hashlib.sha256()
    for part in (fp, path, os.path.abspath(path)):
        h.update(part.encode("utf-8", "surrogateescape") + b"\0")
    h.update(hashlib.sha256(data).digest())
    key = h.hexdigest()
    return (f"v{FORMAT}", fp[:16], key[:2]), f"{key}.json"


def entry_path(cache_dir: str, options: Any, path: str, data: bytes) -> Path:
    parts, name = _entry_parts(options, path, data)
    return Path(cache_dir).joinpath(*parts, name)


# -- serialisation ---------------------------------------------------------------------------------

def _pos(p: Position) -> List[int]:
    return [p.row, p.column]


def dump_diagnostic(d: Diagnostic) -> Dict[str, Any]:
    return {
        "code": d.code, "name": d.name, "message": d.message, "help": d.help, "severity": d.severity,
        "filename": d.filename, "start": _pos(d.start), "end": _pos(d.end), "targets": list(d.targets),
        "url": d.url,
        "fix": None if d.fix is None else {
            "title": d.fix.title, "applicability": d.fix.applicability,
            "edits": [{"start": _pos(e.start), "end": _pos(e.end), "content": e.content} for e in d.fix.edits],
        },
        "effects": [list(e) for e in d.effects],
        "noqa_rows": list(d.noqa_rows),
    }


def _str(v: Any) -> str:
    if not isinstance(v, str):
        raise ValueError("expected a string")
    return v


def _position(v: Any) -> Position:
    if not (isinstance(v, list) and len(v) == 2 and all(type(x) is int for x in v)):
        raise ValueError("expected [row, column]")
    return Position(v[0], v[1])


def load_diagnostic(obj: Any) -> Diagnostic:
    """The inverse of dump_diagnostic; raises ValueError (or KeyError/TypeError) on anything unexpected."""
    if not isinstance(obj, dict):
        raise ValueError("expected an object")
    fix = obj["fix"]
    if fix is not None:
        fix = Fix(
            title=_str(fix["title"]), applicability=_str(fix["applicability"]),
            edits=tuple(Edit(_position(e["start"]), _position(e["end"]), _str(e["content"])) for e in fix["edits"]),
        )
    effects = tuple((_str(t), _str(e)) for t, e in obj["effects"])
    rows = obj["noqa_rows"]
    if not isinstance(rows, list) or not all(type(r) is int for r in rows):
        raise ValueError("noqa_rows")
    return Diagnostic(
        code=_str(obj["code"]), name=_str(obj["name"]), message=_str(obj["message"]), help=_str(obj["help"]),
        severity=_str(obj["severity"]), filename=_str(obj["filename"]), start=_position(obj["start"]),
        end=_position(obj["end"]), targets=tuple(_str(t) for t in obj["targets"]), url=_str(obj["url"]),
        fix=fix, effects=effects, noqa_rows=tuple(rows),
    )


# -- validation ------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _known_rules() -> Dict[str, Tuple[str, str]]:
    """code -> (name, url) of every rule."""
    from pinlint.specs import load_specs

    return {s.code: (s.name, s.url) for s in load_specs()}


_SEVERITIES = ("error", "warning")


def _valid(d: Diagnostic, filenames: Union[str, FrozenSet[str]], max_row: Optional[int]) -> bool:
    """Whether a cached diagnostic is one pinlint could have made for this file (or these files)."""
    from pinlint.targets import ALL_TARGETS

    rule = _known_rules().get(d.code)
    if rule is None or rule[0] != d.name or d.severity not in _SEVERITIES:
        return False
    if (d.filename != filenames) if isinstance(filenames, str) else (d.filename not in filenames):
        return False
    if not all(t in ALL_TARGETS for t in d.targets) or not all(t in ALL_TARGETS for t, _ in d.effects):
        return False
    positions = [d.start, d.end]
    if d.fix is not None:
        positions += [p for e in d.fix.edits for p in (e.start, e.end)]
    rows = [p.row for p in positions] + list(d.noqa_rows)
    if any(r < 1 or (max_row is not None and r > max_row) for r in rows):
        return False
    return all(p.column >= 1 for p in positions) and d.start <= d.end


def _rows_upper_bound(data: bytes) -> int:
    """At least the number of lines of the file, in any line model (``\r``, ``\n``, ``\r\n``)."""
    return data.count(b"\n") + data.count(b"\r") + 1


def _loads(payload: bytes) -> Any:
    """``json.loads`` with nesting bounded by MAX_JSON_DEPTH (a deeper document raises ValueError)."""
    frame, depth = sys._getframe(), 0
    while frame is not None:
        depth += 1
        frame = frame.f_back
    old = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(depth + MAX_JSON_DEPTH + 20)
        return json.loads(payload)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    finally:
        sys.setrecursionlimit(old)


def _diagnostics(raw: Any, filenames: Union[str, FrozenSet[str]], max_row: Optional[int],
                 check: Mapping[str, Any]) -> Optional[List[Diagnostic]]:
    if not isinstance(raw, dict) or raw.get("format") != FORMAT or not isinstance(raw.get("diagnostics"), list):
        return None
    for key, value in check.items():
        if raw.get(key) != value:
            return None
    out = [load_diagnostic(d) for d in raw["diagnostics"]]
    if not all(_valid(d, filenames, max_row) for d in out):
        return None
    return out


def read_entry(file: Path, filename: Optional[str] = None, data: Optional[bytes] = None) -> Optional[List[Diagnostic]]:
    """The diagnostics of an entry file, or None when it is missing or unusable (not a regular file, too
    large, corrupt, another layout, or not for ``filename`` with bytes ``data``)."""
    store = _CacheDir(str(file.parent))
    payload = store.read((), file.name)
    if payload is None:
        return None
    try:
        raw = _loads(payload)
        if filename is None:
            names: Union[str, FrozenSet[str]] = frozenset(
                d.get("filename") for d in raw.get("diagnostics", []) if isinstance(d, dict))  # type: ignore[misc]
            return _diagnostics(raw, names, None, {})
        check = {"path": filename}
        if data is not None:
            check["sha256"] = hashlib.sha256(data).hexdigest()
        return _diagnostics(raw, filename, _rows_upper_bound(data) if data is not None else None, check)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


# -- storage ---------------------------------------------------------------------------------------

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


class _CacheDir:
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


def _payload(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")


def write_entry(cache_dir: str, file: Path, diags: Sequence[Diagnostic]) -> None:
    """Write a per-file entry file (tests and callers that know the path); see ``check_cached``."""
    try:
        rel = file.relative_to(cache_dir)
        _CacheDir(cache_dir).write(rel.parts[:-1], rel.name,
                                   _payload({"format": FORMAT, "diagnostics": [dump_diagnostic(d) for d in diags]}))
    except (OSError, ValueError):
        pass


def check_cached(path: str, data: bytes, options: Any, compute: Compute) -> List[Diagnostic]:
    """``compute(path, data, options)``, or its cached result for the same bytes, path, configuration and build."""
    from pinlint.pipeline.run import is_transient

    store = _CacheDir(options.cache_dir)
    try:
        parts, name = _entry_parts(options, path, data)
    except (TypeError, ValueError, OSError):  # options that cannot be fingerprinted: no caching
        return compute(path, data, options)
    digest = hashlib.sha256(data).hexdigest()
    payload = store.read(parts, name)
    if payload is not None:
        try:
            hit = _diagnostics(_loads(payload), path, _rows_upper_bound(data), {"path": path, "sha256": digest})
        except (ValueError, KeyError, TypeError, AttributeError):
            hit = None
        if hit is not None:
            from pinlint.pipeline.timings import count

            count("from cache")
            return hit
    diags = compute(path, data, options)
    if not is_transient(diags):
        try:
            store.write(parts, name, _payload({"format": FORMAT, "path": path, "sha256": digest,
                                               "diagnostics": [dump_diagnostic(d) for d in diags]}))
        except (OSError, ValueError):
            pass  # an unwritable cache only costs time
    return diags


# -- the project index -------------------------------------------------------------------------------
#
# Building the cross-module index reads and summarises many files; an unchanged tree reuses it. The
# key is every discovered file's path, size and mtime plus the build and the configuration that
# shapes the index. Stored as JSON (never pickle: a cache directory could come from someone else's
# repository, and loading it must not run code), and checked field by field on the way back.


def _index_key(paths: Sequence[str], root: str, sql_functions: Sequence[str]) -> str:
    h = hashlib.sha256(f"{build_digest()}\0{os.path.abspath(root)}\0{sorted(sql_functions)}\0{os.getcwd()}\n".encode(
        "utf-8", "surrogateescape"))
    stat_ = os.stat
    lines = []
    for p in paths:  # relative paths are relative to the working directory, hashed above
        try:
            st = stat_(p)
            lines.append(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\n")
        except OSError:
            lines.append(f"{p}\0missing\n")
    h.update("".join(lines).encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _record_to_json(record: Any) -> Dict[str, Any]:
    return {f.name: sorted(getattr(record, f.name)) if isinstance(getattr(record, f.name), frozenset)
            else getattr(record, f.name) for f in fields(record)}


def _typed(value: Any, hint: Any) -> Any:
    """``value`` (from JSON) as ``hint`` (str, int, bool, float, FrozenSet[str], Tuple[X, ...], Optional[X]);
    ValueError when it does not fit."""
    import typing

    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint in (str, bool):
        if type(value) is not hint:
            raise ValueError(f"expected {hint.__name__}")
        return value
    if hint is int:
        if type(value) is not int:
            raise ValueError("expected int")
        return value
    if hint is float:
        if type(value) not in (int, float):
            raise ValueError("expected float")
        return float(value)
    if origin is Union:
        if value is None and type(None) in args:
            return None
        for option in args:
            if option is not type(None):
                try:
                    return _typed(value, option)
                except ValueError:
                    pass
        raise ValueError("no alternative fits")
    if origin in (frozenset, FrozenSet) and args:
        if not isinstance(value, list):
            raise ValueError("expected a list")
        return frozenset(_typed(v, args[0]) for v in value)
    if origin is tuple and args:
        if not isinstance(value, list):
            raise ValueError("expected a list")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_typed(v, args[0]) for v in value)
        if len(args) != len(value):
            raise ValueError("wrong length")
        return tuple(_typed(v, a) for v, a in zip(value, args))
    raise ValueError(f"unsupported field type {hint!r}")


def _record_from_json(cls: Any, obj: Any) -> Any:
    import typing

    if not isinstance(obj, dict):
        raise ValueError("expected an object")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in fields(cls)]
    if set(obj) != set(names):
        raise ValueError("unexpected fields")
    return cls(**{name: _typed(obj[name], hints[name]) for name in names})


def index_to_json(index: Any) -> Dict[str, Any]:
    return {
        "modules": [list(m) for m in index.modules],
        "constants": [[k, _record_to_json(v)] for k, v in index.constants],
        "returns": [[k, [_record_to_json(v) for v in vs]] for k, vs in index.returns],
        "method_returns": [[k, [_record_to_json(v) for v in vs]] for k, vs in index.method_returns],
        "wrappers": [[k, _record_to_json(v)] for k, v in index.wrappers],
        "method_wrappers": [[k, _record_to_json(v)] for k, v in index.method_wrappers],
        "files": sorted(index.files),
        "fingerprint": index.fingerprint,
    }


def _pairs(value: Any, load: Callable[[Any], Any]) -> Tuple[Tuple[str, Any], ...]:
    if not isinstance(value, list):
        raise ValueError("expected a list")
    out = []
    for item in value:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
            raise ValueError("expected [name, value]")
        out.append((item[0], load(item[1])))
    return tuple(out)


def _many(cls: Any) -> Callable[[Any], Tuple[Any, ...]]:
    def load(value: Any) -> Tuple[Any, ...]:
        if not isinstance(value, list):
            raise ValueError("expected a list")
        return tuple(_record_from_json(cls, v) for v in value)
    return load


def index_from_json(obj: Any) -> Any:
    """The index from its JSON form; ValueError (or KeyError/TypeError) on anything unexpected."""
    from pinlint.facts.index.model import ProjectIndex, SqlText, Wrapper

    if not isinstance(obj, dict):
        raise ValueError("expected an object")
    files = obj["files"]
    fingerprint = obj["fingerprint"]
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files) or not isinstance(fingerprint, str):
        raise ValueError("files / fingerprint")
    return ProjectIndex(
        modules=_pairs(obj["modules"], lambda v: _typed(v, str)),
        constants=_pairs(obj["constants"], lambda v: _record_from_json(SqlText, v)),
        returns=_pairs(obj["returns"], _many(SqlText)),
        method_returns=_pairs(obj["method_returns"], _many(SqlText)),
        wrappers=_pairs(obj["wrappers"], lambda v: _record_from_json(Wrapper, v)),
        method_wrappers=_pairs(obj["method_wrappers"], lambda v: _record_from_json(Wrapper, v)),
        files=frozenset(files),
        fingerprint=fingerprint,
    )


def cached_index(cache_dir: str, paths: Sequence[str], root: str, sql_functions: Sequence[str],
                 build: Callable[[], Any]) -> Any:
    """``build()``, or the index built for the same files (path, size, mtime), build and configuration."""
    try:
        key = _index_key(paths, root, sql_functions)
    except (OSError, ValueError):
        return build()
    store = _CacheDir(cache_dir)
    parts, name = (f"v{FORMAT}", "index"), f"{key}.json"
    payload = store.read(parts, name)
    if payload is not None:
        try:
            obj = _loads(payload)
            if isinstance(obj, dict) and obj.get("format") == FORMAT:
                return index_from_json(obj["index"])
        except (ValueError, KeyError, TypeError, AttributeError):
            pass
    index = build()
    try:
        store.write(parts, name, _payload({"format": FORMAT, "index": index_to_json(index)}))
    except (OSError, TypeError, ValueError):
        pass
    return index


# -- whole runs ------------------------------------------------------------------------------------
#
# An unchanged tree checked again with the same configuration: the run's diagnostics come back from one
# file, found by every discovered file's path, size and mtime (as for the index), the build and the
# effective configuration. No file is read, no worker is started. Any change falls through to the
# per-file entries above. Only the last RUNS_KEPT run records are kept.

RUNS_KEPT = 8


def _run_key(paths: Sequence[str], options: Any) -> str:
    return hashlib.sha256(
        (_index_key(paths, options.root, options.sql_functions) + "\0" + options_fingerprint(options)).encode()
    ).hexdigest()


def _run_file(cache_dir: str, paths: Sequence[str], options: Any) -> Path:
    return Path(cache_dir) / f"v{FORMAT}" / "runs" / f"{_run_key(paths, options)}.json"


def cached_run(paths: Sequence[str], options: Any, run: Callable[[], List[Diagnostic]]) -> List[Diagnostic]:
    """``run()``, or the diagnostics of the last run over the same files (path, size, mtime), build and
    configuration. ``options`` must not carry an index yet (the index is a function of the files)."""
    from pinlint.pipeline.run import is_transient

    try:
        key = _run_key(paths, options)
    except (OSError, TypeError, ValueError):
        return run()
    store = _CacheDir(options.cache_dir)
    parts, name = (f"v{FORMAT}", "runs"), f"{key}.json"
    payload = store.read(parts, name)
    if payload is not None:
        try:
            hit = _diagnostics(_loads(payload), frozenset(paths), None, {"files": len(paths)})
        except (ValueError, KeyError, TypeError, AttributeError):
            hit = None
        if hit is not None:
            from pinlint.pipeline.timings import count

            count("from cache", len(paths))
            count("files", len(paths))
            return hit
    diags = run()
    if not is_transient(diags):
        try:
            store.write(parts, name, _payload({"format": FORMAT, "files": len(paths),
                                               "diagnostics": [dump_diagnostic(d) for d in diags]}))
            store.prune(parts, RUNS_KEPT)
        except (OSError, ValueError):
            pass
    return diags
