"""A result cache: one small JSON file per (file content, path, effective configuration, pinlint build).

A hit costs one read of the source (to hash it) and one read of the entry: no decode, no parse. The
key covers everything that can change a file's diagnostics:

- the file's bytes (SHA-256) and its path (the reported name, and per-file-ignores match on it);
- the effective configuration: targets and their pooler options, enabled codes, per-file-ignores,
  the project root, whether the prefilter runs;
- the pinlint build: its version, the text of every module of the package and of every rule spec
  (so an edited checkout never serves stale results, whatever its version says).

Entries are written atomically (a temporary file, then ``os.replace``); an entry that cannot be read
or does not have the expected shape is ignored and rewritten. A cache that cannot be written (read-only
tree) is silently skipped: the cache only ever saves time.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

from pinlint import __version__
from pinlint.atomic import atomic_write
from pinlint.model import Diagnostic, Edit, Fix, Position

DEFAULT_DIR_NAME = ".pinlint_cache"
ENV_VAR = "PINLINT_CACHE_DIR"
#: Bump when the entry layout changes.
FORMAT = 1

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
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
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
    data["index"] = getattr(index, "fingerprint", None)  # the index changes with any indexed SQL
    text = json.dumps({"options": data, "build": build_digest()}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def entry_path(cache_dir: str, options: Any, path: str, data: bytes) -> Path:
    fp = options_fingerprint(options)
    h = hashlib.sha256()
    for part in (fp, path, os.path.abspath(path)):
        h.update(part.encode("utf-8", "surrogateescape") + b"\0")
    h.update(hashlib.sha256(data).digest())
    key = h.hexdigest()
    return Path(cache_dir) / f"v{FORMAT}" / fp[:16] / key[:2] / f"{key}.json"


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


# -- storage ---------------------------------------------------------------------------------------

def read_entry(file: Path) -> Optional[List[Diagnostic]]:
    """The cached diagnostics, or None when the entry is missing or unusable (corrupt, other layout)."""
    try:
        raw = json.loads(file.read_bytes())
        if not isinstance(raw, dict) or raw.get("format") != FORMAT or not isinstance(raw.get("diagnostics"), list):
            return None
        return [load_diagnostic(d) for d in raw["diagnostics"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _prepare_dir(cache_dir: Path) -> None:
    """Create the cache directory with a .gitignore (never committed) and a CACHEDIR.TAG (never backed up)."""
    if (cache_dir / ".gitignore").exists():
        return
    cache_dir.mkdir(parents=True, exist_ok=True)
    _atomic_write(cache_dir / ".gitignore", b"# created by pinlint\n*\n")
    _atomic_write(cache_dir / "CACHEDIR.TAG",
                  b"Signature: 8a477f597d28d172789f06886806bc55\n# pinlint result cache; see pinlint's README\n")


def _atomic_write(file: Path, payload: bytes) -> None:
    atomic_write(file, payload)


def write_entry(cache_dir: str, file: Path, diags: Sequence[Diagnostic]) -> None:
    payload = json.dumps({"format": FORMAT, "diagnostics": [dump_diagnostic(d) for d in diags]},
                         ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    try:
        _prepare_dir(Path(cache_dir))
        _atomic_write(file, payload)
    except OSError:
        pass  # an unwritable cache only costs time


def check_cached(path: str, data: bytes, options: Any, compute: Compute) -> List[Diagnostic]:
    """``compute(path, data, options)``, or its cached result for the same bytes, path, configuration and build."""
    cache_dir = options.cache_dir
    try:
        file = entry_path(cache_dir, options, path, data)
    except (TypeError, ValueError, OSError):  # options that cannot be fingerprinted: no caching
        return compute(path, data, options)
    hit = read_entry(file)
    if hit is not None:
        from pinlint.pipeline.timings import count

        count("from cache")
        return hit
    diags = compute(path, data, options)
    write_entry(cache_dir, file, diags)
    return diags


# -- the project index -------------------------------------------------------------------------------
#
# Building the cross-module index reads and summarises many files; an unchanged tree reuses it. The
# key is every discovered file's path, size and mtime plus the build and the configuration that
# shapes the index. Stored as JSON (never pickle: a cache directory could come from someone else's
# repository, and loading it must not run code).


def _index_key(paths: Sequence[str], root: str, sql_functions: Sequence[str]) -> str:
    h = hashlib.sha256(f"{build_digest()}\0{os.path.abspath(root)}\0{sorted(sql_functions)}\0{os.getcwd()}\n".encode(
        "utf-8", "surrogateescape"))
    stat = os.stat
    lines = []
    for p in paths:  # relative paths are relative to the working directory, hashed above
        try:
            st = stat(p)
            lines.append(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\n")
        except OSError:
            lines.append(f"{p}\0missing\n")
    h.update("".join(lines).encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _record_to_json(record: Any) -> Dict[str, Any]:
    return {f.name: sorted(getattr(record, f.name)) if isinstance(getattr(record, f.name), frozenset)
            else getattr(record, f.name) for f in fields(record)}


def _record_from_json(cls: Any, obj: Dict[str, Any]) -> Any:
    kwargs = {}
    for f in fields(cls):
        value = obj[f.name]
        kwargs[f.name] = frozenset(value) if isinstance(f.default, frozenset) else value
    return cls(**kwargs)


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


def index_from_json(obj: Dict[str, Any]) -> Any:
    from pinlint.facts.index.model import ProjectIndex, SqlText, Wrapper

    return ProjectIndex(
        modules=tuple(tuple(m) for m in obj["modules"]),
        constants=tuple((k, _record_from_json(SqlText, v)) for k, v in obj["constants"]),
        returns=tuple((k, tuple(_record_from_json(SqlText, v) for v in vs)) for k, vs in obj["returns"]),
        method_returns=tuple((k, tuple(_record_from_json(SqlText, v) for v in vs)) for k, vs in obj["method_returns"]),
        wrappers=tuple((k, _record_from_json(Wrapper, v)) for k, v in obj["wrappers"]),
        method_wrappers=tuple((k, _record_from_json(Wrapper, v)) for k, v in obj["method_wrappers"]),
        files=frozenset(obj["files"]),
        fingerprint=obj["fingerprint"],
    )


def cached_index(cache_dir: str, paths: Sequence[str], root: str, sql_functions: Sequence[str],
                 build: Callable[[], Any]) -> Any:
    """``build()``, or the index built for the same files (path, size, mtime), build and configuration."""
    try:
        key = _index_key(paths, root, sql_functions)
    except (OSError, ValueError):
        return build()
    file = Path(cache_dir) / f"v{FORMAT}" / "index" / f"{key}.json"
    try:
        obj = json.loads(file.read_bytes())
        if obj.get("format") == FORMAT:
            return index_from_json(obj["index"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    index = build()
    try:
        payload = json.dumps({"format": FORMAT, "index": index_to_json(index)}, ensure_ascii=False,
                             separators=(",", ":")).encode("utf-8")
        _prepare_dir(Path(cache_dir))
        _atomic_write(file, payload)
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


def _run_file(cache_dir: str, paths: Sequence[str], options: Any) -> Path:
    key = hashlib.sha256(
        (_index_key(paths, options.root, options.sql_functions) + "\0" + options_fingerprint(options)).encode()
    ).hexdigest()
    return Path(cache_dir) / f"v{FORMAT}" / "runs" / f"{key}.json"


def cached_run(paths: Sequence[str], options: Any, run: Callable[[], List[Diagnostic]]) -> List[Diagnostic]:
    """``run()``, or the diagnostics of the last run over the same files (path, size, mtime), build and
    configuration. ``options`` must not carry an index yet (the index is a function of the files)."""
    try:
        file = _run_file(options.cache_dir, paths, options)
    except (OSError, TypeError, ValueError):
        return run()
    hit = read_entry(file)
    if hit is not None:
        from pinlint.pipeline.timings import count

        count("from cache", len(paths))
        count("files", len(paths))
        return hit
    diags = run()
    write_entry(options.cache_dir, file, diags)
    try:
        runs = sorted(file.parent.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in runs[RUNS_KEPT:]:
            old.unlink()
    except OSError:
        pass
    return diags
