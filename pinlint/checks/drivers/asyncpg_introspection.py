"""PIN311 asyncpg-jit-introspection: asyncpg (0.29+) introspects a type it has no codec for with
``SELECT current_setting('jit'), set_config('jit', 'off', false)`` first (``Connection._introspect_types``,
asyncpg/connection.py), once per connection. The session ``set_config`` pins the session under RDS Proxy.

What makes asyncpg introspect, as far as the code shows it (asyncpg/connection.py ``_get_statement``,
``set_type_codec``):

- ``set_type_codec(..., format="tuple")`` on a type that is not a pg_catalog builtin: a composite type,
  whose codec is set up through ``_introspect_types``;
- SQL sent through asyncpg whose parameters or results have a type asyncpg has no codec for: a cast of a
  parameter (``$1::mood``) or of a result column (``SELECT ... ::mood ... FROM``) to a type that is not
  built in (an enum, a composite, a domain, an extension type such as citext or hstore), unless the file
  registers a codec for that type itself (``set_type_codec("mood", ...)``, which then asks pg_type only);
- SQLAlchemy's asyncpg dialect in the same file as a native ``Enum``/``ENUM``, ``HSTORE``, ``CITEXT``,
  ``DOMAIN`` or GeoAlchemy2 column type: a warning, as the code does not show that the column is read.

Not reported: SQLAlchemy's own JSON/JSONB codecs on connect (``set_type_codec`` on pg_catalog scalars,
answered without a query since asyncpg 0.31 and with a plain pg_type query before: no ``set_config``).
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Set

from pinlint.checks.context import ModuleContext, NodeVerdict
from pinlint.checks.drivers.driverfacts import DriverFacts
from pinlint.checks.drivers.engines import Engines
from pinlint.checks.registry import module_check
from pinlint.checks.triggers import Needle, imported, needles
from pinlint.facts.model import CallFact
from pinlint.sql.statement import HOLE
from pinlint.targets import hazard

#: PostgreSQL's built-in type names and the SQL spellings of them (asyncpg's BUILTIN_TYPE_NAME_MAP, read in
#: asyncpg 0.32.0, plus the standard aliases PostgreSQL accepts): a cast to one of these needs no
#: introspection
BUILTIN_TYPES = frozenset("""
abstime aclitem any anyarray anycompatible anycompatiblearray anycompatiblemultirange anycompatiblenonarray
anycompatiblerange anyelement anyenum anymultirange anynonarray anyrange bigint bit bool boolean box bpchar
bytea char character cid cidr circle cstring date decimal dec float float4 float8 gtsvector inet int int2 int4
int8 integer internal interval json jsonb jsonpath line lseg macaddr macaddr8 money name numeric oid opaque path
pg_lsn pg_snapshot point polygon real record refcursor regclass regcollation regconfig regdatabase regdictionary
regnamespace regoper regoperator regproc regprocedure regrole regtype reltime smallint text tid time timestamp
timestamptz timetz tinterval tsquery tsvector txid_snapshot unknown uuid varbit varchar void xid xid8 xml
double varying serial bigserial smallserial int4range int8range numrange tsrange tstzrange daterange
int4multirange int8multirange nummultirange tsmultirange tstzmultirange datemultirange
""".split())

#: ``$1::name`` (a parameter of that type)
_PARAM_CAST = re.compile(r'\$\d+\s*::\s*(?:pg_catalog\s*\.\s*)?"?([A-Za-z_][\w.]*)"?')
#: a cast anywhere (for the select list)
_CAST = re.compile(r'::\s*(?:pg_catalog\s*\.\s*)?"?([A-Za-z_][\w.]*)"?')
_SELECT_LIST = re.compile(r"(?is)^\s*(?:with\b.*?\)\s*)?select\b(.*?)(?:\bfrom\b|$)")
_RETURNING = re.compile(r"(?is)\breturning\b(.*)$")

#: SQLAlchemy column types that are not built in on the server (the asyncpg dialect registers no codec)
SA_CUSTOM_TYPES = {
    "sqlalchemy.Enum": "Enum", "sqlalchemy.types.Enum": "Enum", "sqlalchemy.sql.sqltypes.Enum": "Enum",
    "sqlalchemy.dialects.postgresql.ENUM": "ENUM", "sqlalchemy.dialects.postgresql.HSTORE": "HSTORE",
    "sqlalchemy.dialects.postgresql.CITEXT": "CITEXT", "sqlalchemy.dialects.postgresql.DOMAIN": "DOMAIN",
    "geoalchemy2.Geometry": "Geometry", "geoalchemy2.Geography": "Geography", "geoalchemy2.Raster": "Raster",
    "geoalchemy2.types.Geometry": "Geometry", "geoalchemy2.types.Geography": "Geography",
}

FIX = ("register a codec for the type up front (`await conn.set_type_codec(\"{type}\", schema=\"public\", "
       "encoder=str, decoder=str)` in the pool's init=): then asyncpg asks pg_type only; or turn asyncpg's JIT "
       "toggle off per connection (`conn._server_caps = conn._server_caps._replace(jit=False)`, private API). "
       "`ALTER ROLE ... SET jit = off` / jit = 0 in the parameter group stops only the restoring set_config")


def _type_name(raw: str) -> Optional[str]:
    """The type a cast names, lower case, without schema or array brackets; None for a builtin."""
    name = raw.split(".")[-1].lower()
    if name in BUILTIN_TYPES or name.startswith("pg_") or HOLE.lower() in name:
        return None
    return name


def custom_casts(text: str) -> List[str]:
    """The non-builtin types a statement's parameters or result columns are cast to."""
    found: List[str] = []
    for stmt in text.split(";"):
        parts = [m.group(1) for m in _PARAM_CAST.finditer(stmt)]
        for region in (_SELECT_LIST.match(stmt), _RETURNING.search(stmt)):
            if region is not None:
                parts += [m.group(1) for m in _CAST.finditer(region.group(1))]
        for p in parts:
            name = _type_name(p)
            if name is not None and name not in found:
                found.append(name)
    return found


def _codec_types(d: DriverFacts, calls: List[CallFact]) -> Dict[str, bool]:
    """Types the file gives a codec (``set_type_codec("mood", ...)``): name -> composite (format="tuple")."""
    out: Dict[str, bool] = {}
    for call in calls:
        if call.last != "set_type_codec":
            continue
        name = d.value(call.positional(0) or call.kwarg("typename"), call.scope)
        if isinstance(name, str):
            out[name.split(".")[-1].lower()] = d.value(call.kwarg("format"), call.scope) == "tuple"
    return out


def _verdict(node, what: str, type_name: str, certain: bool = True) -> NodeVerdict:
    return NodeVerdict(node, hazard("asyncpg-jit"), {"what": what, "type": type_name,
                                                     "fix": FIX.format(type=type_name)},
                       "asyncpg", unconfirmed=not certain)


@module_check("PIN311", families=("asyncpg-jit",), needs=(DriverFacts, Engines), triggers=needles(
    imported("asyncpg", "set_type_codec"),
    Needle(("asyncpg",), shape=r"::\s*\"?[A-Za-z_]", module="asyncpg"),
    Needle(("asyncpg", "enum"), shape=r"(?i)\benum\s*\(", text=True),
    Needle(("asyncpg", "hstore"), text=True), Needle(("asyncpg", "citext"), text=True),
    Needle(("asyncpg", "geoalchemy2"), text=True), Needle(("asyncpg", "domain"), text=True),
))
def asyncpg_jit_introspection(ctx: ModuleContext) -> List[NodeVerdict]:
    facts = ctx.facts
    d = ctx.view(DriverFacts)
    out: List[NodeVerdict] = []
    if facts.imported(("asyncpg",)):
        codecs = _codec_types(d, facts.calls)
        for call in facts.calls:
            if call.last != "set_type_codec" or d.is_direct(call, d.receiver(call)):
                continue
            name = d.value(call.positional(0) or call.kwarg("typename"), call.scope)
            schema = d.value(call.kwarg("schema"), call.scope)
            if not isinstance(name, str) or d.value(call.kwarg("format"), call.scope) != "tuple":
                continue  # a scalar codec: one pg_type query, no set_config
            if schema in (None, "pg_catalog") and _type_name(name) is None:
                continue  # a builtin
            out.append(_verdict(call.node, f"`set_type_codec(\"{name}\", format=\"tuple\")` on a composite type",
                                name))
        seen: Set[str] = set()
        for site in facts.sql_sites:
            if site.framework != "asyncpg" or site.dialect == "mysql":
                continue
            for name in custom_casts(site.text):
                if name in codecs and not codecs[name]:
                    continue  # the file registers a scalar codec for it
                key = f"{id(site.node)}:{name}"
                if key in seen:
                    continue
                seen.add(key)
                out.append(_verdict(site.node, f"SQL with a parameter or result of type `{name}`", name))
                break
    engines = ctx.view(Engines)
    if any(e.driver == "asyncpg" for e in engines.all) and not any(d.is_direct(e.call) for e in engines.all):
        for call in facts.calls:
            shown = SA_CUSTOM_TYPES.get(call.qualname or "")
            if shown is None or d.value(call.kwarg("native_enum"), call.scope) is False:
                continue
            out.append(_verdict(call.node, f"a column of type `{shown}` with SQLAlchemy's asyncpg dialect", shown.lower(),
                                certain=False))
    return out
