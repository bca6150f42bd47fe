"""PIN307 driver-session-setting: driver calls that run a session-level ``SET`` on the connection
(psycopg2 ``set_session`` with autocommit on, ``set_client_encoding()``, SQLAlchemy ``client_encoding``,
pg8000's ``isolation_level``, Peewee ``encoding=``)."""

from __future__ import annotations

from typing import List

from pinlint.checks.context import ModuleContext, NodeVerdict
from pinlint.checks.drivers.driverfacts import MISSING, DriverFacts, qual_in, source_of
from pinlint.checks.drivers.engines import Engines
from pinlint.checks.drivers.entrypoints import PEEWEE_PG_DATABASES, SA_ENGINES
from pinlint.checks.registry import module_check
from pinlint.checks.triggers import calls, imported, needles
from pinlint.facts.model import UNKNOWN, CallFact, dotted
from pinlint.targets import hazard


def _autocommit_on(d: DriverFacts, call: CallFact) -> bool:
    """Whether autocommit is on for the connection ``call`` (``conn.set_session(...)``) is made on: set on
    that same connection (``conn.autocommit = True``, ``conn.set_session(autocommit=True)``,
    ``conn.set_isolation_level(ISOLATION_LEVEL_AUTOCOMMIT)``) before the call in its function, or, for an
    attribute or a module-level connection, in another function (``self.conn.autocommit = True`` in
    ``__init__``)."""
    if d.kwarg(call, "autocommit") is True:
        return True
    recv = d.receiver(call)
    if recv is None:
        return False
    at = d.facts.call_order.get(id(call.node), (0, ()))[0]

    def before(order: int, scope: object) -> bool:
        if scope is call.scope:
            return order < at
        # another function: the same object only through an attribute (self.conn) or a module-level name
        return "." in recv or scope is d.facts.module_scope

    if any(w.attr == "autocommit" and w.owner == recv and d.value(w.value) is True and before(w.order, w.scope)
           for w in d.facts.attr_writes):
        return True
    for other in d.facts.calls:
        if other is call or d.receiver(other) != recv:
            continue
        if not before(d.facts.call_order.get(id(other.node), (0, ()))[0], other.scope):
            continue
        if other.last == "set_session" and d.kwarg(other, "autocommit") is True:
            return True
        if other.last == "set_isolation_level" and other.positional(0) is not None and (
                (dotted(other.positional(0)) or "").endswith("ISOLATION_LEVEL_AUTOCOMMIT")
                or d.value(other.positional(0)) == 0):
            return True
    return False


def _set_session(d: DriverFacts, call: CallFact) -> List[NodeVerdict]:
    names = []
    for i, kw in enumerate(("isolation_level", "readonly", "deferrable")):
        node = call.kwarg(kw) or call.positional(i)
        v = d.value(node, call.scope) if node is not None else MISSING
        if v is not MISSING and v is not None:
            names.append(f"default_transaction_{'isolation' if i == 0 else kw.replace('only', '_only')}")
    if not names:
        return []
    fix = "call set_session with autocommit off (psycopg2 >= 2.7 then starts each transaction with `BEGIN " \
          "ISOLATION LEVEL ...`)"
    if _autocommit_on(d, call):
        return [NodeVerdict(call.node, hazard("session-set", *names),
                            {"what": f"`set_session(...)` with autocommit on runs `SET {names[0]}`", "fix": fix},
                            "psycopg2")]
    flag = call.kwarg("autocommit")
    if flag is not None and d.kwarg(call, "autocommit") is UNKNOWN:
        # the value is known only at run time: what happens when it is true, as a warning
        return [NodeVerdict(call.node, hazard("session-set", *names),
                            {"what": f"`set_session(...)` runs `SET {names[0]}` when `autocommit={source_of(flag, 30)}` "
                                     "is true at run time", "fix": fix},
                            "psycopg2", unconfirmed=True)]
    return []


def _sqlalchemy(ctx: ModuleContext, d: DriverFacts, call: CallFact) -> List[NodeVerdict]:
    eng = ctx.view(Engines).of(call)
    out = []
    if call.kwarg("client_encoding") is not None and eng.driver in (None, "psycopg2", "psycopg", "pg8000", "asyncpg"):
        out.append(NodeVerdict(call.kwarg("client_encoding"), hazard("session-set", "client_encoding"),
                               {"what": "`create_engine(client_encoding=...)` runs `SET client_encoding` on "
                                        "each connection",
                                "fix": "`?client_encoding=utf8` in the URL (a startup parameter)"},
                               "sqlalchemy"))
    iso = d.kwarg(call, "isolation_level")
    if eng.driver == "pg8000" and isinstance(iso, str) and iso.upper() != "AUTOCOMMIT":
        out.append(NodeVerdict(call.kwarg("isolation_level"),
                               hazard("session-set", "default_transaction_isolation", flags=["characteristics"]),
                               {"what": "`isolation_level` with the pg8000 dialect runs `SET SESSION "
                                        "CHARACTERISTICS AS TRANSACTION ...` on each connection",
                                "fix": "drop isolation_level and use `SET TRANSACTION ISOLATION LEVEL ...` per "
                                       "transaction, or the psycopg dialect (which sets it per transaction)"},
                               "sqlalchemy"))
    return out


@module_check("PIN307", families=("session-set",), needs=(DriverFacts, Engines), triggers=needles(
    imported("psycopg2", "set_session"), imported("psycopg", "set_client_encoding"), imported("psycopg2", "set_client_encoding"),
    calls(SA_ENGINES, "client_encoding"), calls(SA_ENGINES, "isolation_level"), calls(PEEWEE_PG_DATABASES, "encoding")))
def driver_session_setting(ctx: ModuleContext) -> List[NodeVerdict]:
    facts = ctx.facts
    d = ctx.view(DriverFacts)
    out: List[NodeVerdict] = []
    pg2 = facts.imported(("psycopg2",))
    pg = pg2 or facts.imported(("psycopg",))
    for call in facts.calls:
        recv = d.receiver(call)
        if d.is_direct(call, recv):
            continue
        if pg2 and call.last == "set_session" and recv is not None:
            out += _set_session(d, call)
        elif pg and call.last == "set_client_encoding" and recv is not None and call.positional(0) is not None:
            out.append(NodeVerdict(call.node, hazard("session-set", "client_encoding"),
                                   {"what": "`set_client_encoding()` runs `SET client_encoding`",
                                    "fix": "client_encoding as a connect parameter (`connect(..., client_encoding='utf8')`)"},
                                   "psycopg2" if pg2 else "psycopg"))
        elif qual_in(call, SA_ENGINES):
            out += _sqlalchemy(ctx, d, call)
        elif qual_in(call, PEEWEE_PG_DATABASES) and call.kwarg("encoding") is not None:
            out.append(NodeVerdict(call.kwarg("encoding"), hazard("session-set", "client_encoding"),
                                   {"what": "Peewee `encoding=` calls psycopg2's `set_client_encoding()` (`SET "
                                            "client_encoding`)",
                                    "fix": "client_encoding='utf8' instead of encoding= (passed to psycopg2 as a "
                                           "connect parameter)"},
                                   None))
    return out
