"""Tortoise ORM's connections (``Tortoise.init(db_url=...)``, ``config={"connections": ...}``, the
``register_tortoise`` helpers), for the rules that judge its asyncpg connections."""

from __future__ import annotations

from typing import Iterator, List, Tuple

from pinlint.checks.drivers.driverfacts import MISSING, DriverFacts, qual_in
from pinlint.checks.drivers.entrypoints import TORTOISE_INIT
from pinlint.lazy import cst
from pinlint.facts.model import CallFact


def tortoise_init(call: CallFact) -> bool:
    """``Tortoise.init(...)`` or a ``register_tortoise(...)`` helper."""
    return qual_in(call, TORTOISE_INIT) or (call.written or "").endswith("Tortoise.init")


def _tortoise_urls(d: DriverFacts, call: CallFact) -> List[Tuple[cst.CSTNode, object]]:
    """(node, Url or credentials dict entries) for a Tortoise init call's connections."""
    out: List[Tuple[cst.CSTNode, object]] = []
    db_url = call.kwarg("db_url")
    if db_url is not None:
        out.append((db_url, d.url(db_url, call.scope)))
    config = call.kwarg("config")
    items = d.dict_items(config, call.scope) if config is not None else None
    if items is not None and "connections" in items[0]:
        conns = d.dict_items(items[0]["connections"], call.scope)
        for node in (conns[0].values() if conns else ()):
            entry = d.dict_items(node, call.scope)
            if entry is not None:
                out.append((node, entry))
            else:
                out.append((node, d.url(node, call.scope)))
    return out


def tortoise_asyncpg(d: DriverFacts, call: CallFact) -> Iterator[Tuple[cst.CSTNode, str, object]]:
    """(node, kind, data) for a Tortoise init call's asyncpg connections: kind "url" with a Url, or
    "credentials" with (entries, complete)."""
    for node, info in _tortoise_urls(d, call):
        if info is None:
            continue
        if isinstance(info, tuple):
            entries, complete = info
            engine = d.value(entries.get("engine"), call.scope) if "engine" in entries else MISSING
            if engine != "tortoise.backends.asyncpg":
                continue
            creds = d.dict_items(entries.get("credentials"), call.scope) if "credentials" in entries else None
            if creds is not None:
                yield node, "credentials", creds
        elif info.scheme in ("postgres", "asyncpg"):
            yield node, "url", info
