"""The diagnostics a cache entry holds: to and from JSON, and checked against the schema and against the
file they are for (pinlint.pipeline.cache treats the cache directory as untrusted input).
"""

from __future__ import annotations

import hashlib
import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Tuple, Union

from pinlint.model import Diagnostic, Edit, Fix, Position
from pinlint.pipeline.cache_store import FORMAT, MAX_JSON_DEPTH, CacheDir


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


@lru_cache(maxsize=1)
def _known_rules() -> Dict[str, Tuple[str, str]]:
    """code -> (name, url) of every rule."""
    from pinlint.specs import load_specs

    return {s.code: (s.name, s.url) for s in load_specs()}


_SEVERITIES = ("error", "warning")


def valid_diagnostic(d: Diagnostic, filenames: Union[str, FrozenSet[str]], max_row: Optional[int]) -> bool:
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


def rows_upper_bound(data: bytes) -> int:
    """At least the number of lines of the file, in any line model (``\r``, ``\n``, ``\r\n``)."""
    return data.count(b"\n") + data.count(b"\r") + 1


def loads_bounded(payload: bytes) -> Any:
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


def diagnostics_of(raw: Any, filenames: Union[str, FrozenSet[str]], max_row: Optional[int],
                 check: Mapping[str, Any]) -> Optional[List[Diagnostic]]:
    if not isinstance(raw, dict) or raw.get("format") != FORMAT or not isinstance(raw.get("diagnostics"), list):
        return None
    for key, value in check.items():
        if raw.get(key) != value:
            return None
    out = [load_diagnostic(d) for d in raw["diagnostics"]]
    if not all(valid_diagnostic(d, filenames, max_row) for d in out):
        return None
    return out


def read_entry(file: Path, filename: Optional[str] = None, data: Optional[bytes] = None) -> Optional[List[Diagnostic]]:
    """The diagnostics of an entry file, or None when it is missing or unusable (not a regular file, too
    large, corrupt, another layout, or not for ``filename`` with bytes ``data``)."""
    store = CacheDir(str(file.parent))
    payload = store.read((), file.name)
    if payload is None:
        return None
    try:
        raw = loads_bounded(payload)
        if filename is None:
            names: Union[str, FrozenSet[str]] = frozenset(
                d.get("filename") for d in raw.get("diagnostics", []) if isinstance(d, dict))  # type: ignore[misc]
            return diagnostics_of(raw, names, None, {})
        check = {"path": filename}
        if data is not None:
            check["sha256"] = hashlib.sha256(data).hexdigest()
        return diagnostics_of(raw, filename, rows_upper_bound(data) if data is not None else None, check)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
