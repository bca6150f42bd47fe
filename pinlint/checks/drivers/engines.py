"""The SQLAlchemy engines a module creates (``create_engine``/``create_async_engine``), with their URL's
driver and ``connect_args``: a view several rules read (computed once per file)."""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from pinlint.checks.context import ModuleContext, View
from pinlint.checks.drivers.driverfacts import MISSING, DriverFacts, qual_in
from pinlint.checks.drivers.entrypoints import SA_ENGINES
from pinlint.checks.drivers.urls import sqlalchemy_driver
from pinlint.lazy import cst
from pinlint.facts.model import UNKNOWN, CallFact


class Engine:
    """A SQLAlchemy create_engine/create_async_engine call, with its URL and connect_args."""

    def __init__(self, d: DriverFacts, call: CallFact) -> None:
        self.d = d
        self.call = call
        url_node = call.positional(0) or call.kwarg("url")
        self.url = d.url(url_node, call.scope) if url_node is not None else None
        #: ``asyncpg``, ``psycopg``, ``psycopg2``, ``pg8000``, ``mysql``, ``sqlite``, ``other`` or None (unknown)
        self.driver = sqlalchemy_driver(self.url.scheme) if self.url is not None else None
        ca = call.kwarg("connect_args")
        self.connect_args: Optional[Dict[str, cst.BaseExpression]] = None
        self.connect_args_complete = False
        self.connect_args_node = ca
        if ca is None:
            if not call.has_star_kwargs:
                self.connect_args, self.connect_args_complete = {}, True
        else:
            items = d.dict_items(ca, call.scope)
            if items is not None:
                self.connect_args, self.connect_args_complete = items

    def arg(self, key: str) -> Tuple[object, Optional[cst.BaseExpression]]:
        """A connect_args entry: (value, node); MISSING when surely absent, UNKNOWN when it may be there."""
        if self.connect_args is None:
            return UNKNOWN, None
        node = self.connect_args.get(key)
        if node is None:
            return (MISSING if self.connect_args_complete else UNKNOWN), None
        return self.d.value(node, self.call.scope), node


class Engines(View):
    needs = (DriverFacts,)

    def __init__(self, ctx: ModuleContext) -> None:
        d = ctx.view(DriverFacts)
        self.all: List[Engine] = [Engine(d, c) for c in ctx.facts.calls if qual_in(c, SA_ENGINES)]
        self.by_node = {id(e.call.node): e for e in self.all}

    def of(self, call: CallFact) -> Engine:
        """The engine a ``SA_ENGINES`` call creates."""
        return self.by_node[id(call.node)]

    def postgres_possible(self) -> bool:
        """Whether the module's SQLAlchemy code may talk to PostgreSQL (no engine, or one that may)."""
        return not self.all or any(e.driver not in ("mysql", "sqlite", "other") for e in self.all)
