"""Database URLs (``postgresql+asyncpg://...?k=v``) and libpq keyword strings (``host=db options='-c ...'``),
read from static text in which unknown parts are HOLE."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, Optional
from urllib.parse import unquote_plus

from pinlint.sql.statement import HOLE


@dataclass
class Url:
    """A database URL (``scheme://...?query``) or a libpq keyword string (scheme None, ``keywords``)."""

    scheme: Optional[str]
    params: Dict[str, str] = field(default_factory=dict)
    #: False when an unknown part could hold more parameters
    complete: bool = True
    keywords: bool = False


_URL_RE = re.compile(r"^\s*([A-Za-z0-9+_.\-]*(?:" + HOLE + r")?[A-Za-z0-9+_.\-]*)://")
_KEYWORD_RE = re.compile(r"(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s']*)")
_LIBPQ_KEYWORDS = frozenset({"host", "hostaddr", "port", "dbname", "user", "password", "sslmode", "options",
                             "application_name", "connect_timeout", "target_session_attrs"})


def parse_url(text: str) -> Optional[Url]:
    m = _URL_RE.match(text)
    if m:
        scheme = m.group(1).lower()
        rest = text[m.end():]
        url = Url(scheme=None if HOLE in scheme or not scheme else scheme)
        if "?" in rest:
            query = rest.split("?", 1)[1].split("#", 1)[0]
            for part in query.split("&"):
                if not part:
                    continue
                key, _, value = part.partition("=")
                if HOLE in key:
                    url.complete = False
                    continue
                url.params[unquote_plus(key)] = unquote_plus(value)
        elif rest.endswith(HOLE):
            url.complete = False
        return url
    # libpq keyword/value string: "host=db dbname=app options='-c search_path=app'"
    pairs = _KEYWORD_RE.findall(text)
    if len(pairs) >= 2 and all(k in _LIBPQ_KEYWORDS or HOLE in k for k, _ in pairs[:2]):
        url = Url(scheme=None, keywords=True)
        for key, value in pairs:
            if value.startswith("'"):
                value = value[1:-1].replace("\\'", "'")
            url.params[key] = value
        url.complete = HOLE not in _KEYWORD_RE.sub("", text)
        return url
    return None


def postgres_scheme(scheme: Optional[str]) -> bool:
    return scheme is not None and scheme.split("+")[0] in ("postgresql", "postgres", "pgsql", "postgis", "asyncpg")


def sqlalchemy_driver(scheme: Optional[str]) -> Optional[str]:
    """``asyncpg``, ``psycopg``, ``psycopg2``, ``pg8000``, ``mysql``, ``sqlite``, ``other`` or None (unknown)."""
    if scheme is None:
        return None
    base, _, drv = scheme.partition("+")
    if base in ("postgresql", "postgres"):
        drv = drv or "psycopg2"
        if drv in ("psycopg_async", "psycopg"):
            return "psycopg"
        return drv
    if base in ("mysql", "mariadb"):
        return "mysql"
    if base == "sqlite":
        return "sqlite"
    return "other"
