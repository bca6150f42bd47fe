"""The project index's cache record: the index to and from JSON (every field checked), kept until a file
of the run changes (pinlint.pipeline.cache).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import fields
from typing import Any, Callable, Dict, FrozenSet, Sequence, Tuple, Union

from pinlint.pipeline.cache_records import loads_bounded
from pinlint.pipeline.cache_store import FORMAT, CacheDir, build_digest, payload_of


def index_key(paths: Sequence[str], root: str, sql_functions: Sequence[str]) -> str:
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
        "dialects": [list(d) for d in index.dialects],
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
        dialects=_typed(obj["dialects"], Tuple[Tuple[str, str], ...]),
        fingerprint=fingerprint,
    )


def cached_index(cache_dir: str, paths: Sequence[str], root: str, sql_functions: Sequence[str],
                 build: Callable[[], Any]) -> Any:
    """``build()``, or the index built for the same files (path, size, mtime), build and configuration."""
    try:
        key = index_key(paths, root, sql_functions)
    except (OSError, ValueError):
        return build()
    store = CacheDir(cache_dir)
    parts, name = (f"v{FORMAT}", "index"), f"{key}.json"
    payload = store.read(parts, name)
    if payload is not None:
        try:
            obj = loads_bounded(payload)
            if isinstance(obj, dict) and obj.get("format") == FORMAT:
                return index_from_json(obj["index"])
        except (ValueError, KeyError, TypeError, AttributeError):
            pass
    index = build()
    try:
        store.write(parts, name, payload_of({"format": FORMAT, "index": index_to_json(index)}))
    except (OSError, TypeError, ValueError):
        pass
    return index
