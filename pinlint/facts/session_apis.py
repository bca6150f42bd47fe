"""Third-party APIs that leave session state: the catalog in session_apis.toml (with sources), plus the
entries a user adds under ``[tool.pinlint] session-apis``. The extractor turns a call of one of them
(or, for a Django backend, its ENGINE string) into a SQL site holding the SQL the library sends, so the
SQL rules judge it like any other statement."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class SessionApi:
    qualnames: Tuple[str, ...]
    library: str
    sql: str
    dialect: str
    source: str
    #: (keyword, value) that makes a call transaction-scoped or stateless
    safe_when: Optional[Tuple[str, object]] = None
    #: a Django ENGINE string: the backend sends ``sql`` on every cursor
    engine: bool = False


class CatalogError(ValueError):
    """A malformed entry (the key that is wrong, and why)."""


def parse_entry(raw: Mapping[str, Any], where: str) -> SessionApi:
    def need(key: str, typ: type) -> Any:
        value = raw.get(key)
        if not isinstance(value, typ):
            raise CatalogError(f"{where}: `{key}`: expected a {typ.__name__}")
        return value

    qualnames = raw.get("qualnames", raw.get("qualname"))
    if isinstance(qualnames, str):
        qualnames = [qualnames]
    if not isinstance(qualnames, list) or not qualnames or not all(isinstance(q, str) and q for q in qualnames):
        raise CatalogError(f"{where}: `qualnames`: expected a list of qualified names")
    dialect = raw.get("dialect", "postgres")
    if dialect not in ("postgres", "mysql"):
        raise CatalogError(f"{where}: `dialect`: expected postgres or mysql")
    safe = raw.get("safe-when")
    safe_when = None
    if safe is not None:
        if not isinstance(safe, Mapping) or not isinstance(safe.get("keyword"), str) or "value" not in safe:
            raise CatalogError(f"{where}: `safe-when`: expected {{ keyword = \"...\", value = ... }}")
        safe_when = (safe["keyword"], safe["value"])
    unknown = set(raw) - {"qualnames", "qualname", "library", "sql", "dialect", "source", "safe-when", "engine"}
    if unknown:
        raise CatalogError(f"{where}: unknown key `{sorted(unknown)[0]}`")
    return SessionApi(tuple(qualnames), str(raw.get("library", "")), need("sql", str), dialect,
                      str(raw.get("source", "")), safe_when, bool(raw.get("engine", False)))


@lru_cache(maxsize=1)
def bundled() -> Tuple[SessionApi, ...]:
    data = tomllib.loads((Path(__file__).with_name("session_apis.toml")).read_text(encoding="utf-8"))
    return tuple(parse_entry(e, f"session_apis.toml entry {i + 1}") for i, e in enumerate(data.get("api", [])))


class Catalog:
    """The APIs a run knows, by qualified name."""

    def __init__(self, extra: Iterable[SessionApi] = ()) -> None:
        self.by_name: Dict[str, SessionApi] = {}
        for api in (*bundled(), *extra):
            for name in api.qualnames:
                self.by_name[name] = api
        self.engines = {n: a for n, a in self.by_name.items() if a.engine}
        #: the last part of every name: a file without one of them uses none of these APIs
        self.words = frozenset(n.rsplit(".", 1)[-1] for n in self.by_name)

    def get(self, qualname: Optional[str]) -> Optional[SessionApi]:
        return self.by_name.get(qualname) if qualname else None


@lru_cache(maxsize=8)
def catalog(extra: Tuple[SessionApi, ...] = ()) -> Catalog:
    return Catalog(extra)
