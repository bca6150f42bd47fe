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
from dataclasses import fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, List, Mapping, Optional, Sequence, Tuple, Union

from pinlint.model import Diagnostic
from pinlint.pipeline.cache_index import index_key
from pinlint.pipeline.cache_records import diagnostics_of, dump_diagnostic, loads_bounded, rows_upper_bound
from pinlint.pipeline.cache_store import FORMAT, CacheDir, build_digest, payload_of

DEFAULT_DIR_NAME = ".pinlint_cache"


ENV_VAR = "PINLINT_CACHE_DIR"


Compute = Callable[[str, bytes, Any], List[Diagnostic]]


def resolve_cache_dir(root: Union[str, Path], cache_dir: Optional[str], no_cache: bool,
                      environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """``--no-cache`` > ``--cache-dir`` > ``$PINLINT_CACHE_DIR`` > ``<project root>/.pinlint_cache``."""
    if no_cache:
        return None
    env = os.environ if environ is None else environ
    chosen = cache_dir or env.get(ENV_VAR) or str(Path(root) / DEFAULT_DIR_NAME)
    return os.path.abspath(chosen)


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


def write_entry(cache_dir: str, file: Path, diags: Sequence[Diagnostic]) -> None:
    """Write a per-file entry file (tests and callers that know the path); see ``check_cached``."""
    try:
        rel = file.relative_to(cache_dir)
        CacheDir(cache_dir).write(rel.parts[:-1], rel.name,
                                   payload_of({"format": FORMAT, "diagnostics": [dump_diagnostic(d) for d in diags]}))
    except (OSError, ValueError):
        pass


def check_cached(path: str, data: bytes, options: Any, compute: Compute) -> List[Diagnostic]:
    """``compute(path, data, options)``, or its cached result for the same bytes, path, configuration and build."""
    from pinlint.pipeline.budget import is_transient

    store = CacheDir(options.cache_dir)
    try:
        parts, name = _entry_parts(options, path, data)
    except (TypeError, ValueError, OSError):  # options that cannot be fingerprinted: no caching
        return compute(path, data, options)
    digest = hashlib.sha256(data).hexdigest()
    payload = store.read(parts, name)
    if payload is not None:
        try:
            hit = diagnostics_of(loads_bounded(payload), path, rows_upper_bound(data), {"path": path, "sha256": digest})
        except (ValueError, KeyError, TypeError, AttributeError):
            hit = None
        if hit is not None:
            from pinlint.pipeline.timings import count

            count("from cache")
            return hit
    diags = compute(path, data, options)
    if not is_transient(diags):
        try:
            store.write(parts, name, payload_of({"format": FORMAT, "path": path, "sha256": digest,
                                               "diagnostics": [dump_diagnostic(d) for d in diags]}))
        except (OSError, ValueError):
            pass  # an unwritable cache only costs time
    return diags


RUNS_KEPT = 8


def _run_key(paths: Sequence[str], options: Any) -> str:
    return hashlib.sha256(
        (index_key(paths, options.root, options.sql_functions) + "\0" + options_fingerprint(options)).encode()
    ).hexdigest()


def _run_file(cache_dir: str, paths: Sequence[str], options: Any) -> Path:
    return Path(cache_dir) / f"v{FORMAT}" / "runs" / f"{_run_key(paths, options)}.json"


def cached_run(paths: Sequence[str], options: Any, run: Callable[[], List[Diagnostic]]) -> List[Diagnostic]:
    """``run()``, or the diagnostics of the last run over the same files (path, size, mtime), build and
    configuration. ``options`` must not carry an index yet (the index is a function of the files)."""
    from pinlint.pipeline.budget import is_transient

    try:
        key = _run_key(paths, options)
    except (OSError, TypeError, ValueError):
        return run()
    store = CacheDir(options.cache_dir)
    parts, name = (f"v{FORMAT}", "runs"), f"{key}.json"
    payload = store.read(parts, name)
    if payload is not None:
        try:
            hit = diagnostics_of(loads_bounded(payload), frozenset(paths), None, {"files": len(paths)})
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
            store.write(parts, name, payload_of({"format": FORMAT, "files": len(paths),
                                               "diagnostics": [dump_diagnostic(d) for d in diags]}))
            store.prune(parts, RUNS_KEPT)
        except (OSError, ValueError):
            pass
    return diags
