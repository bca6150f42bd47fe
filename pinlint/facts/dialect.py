"""Which SQL dialect a SQL site speaks, from the driver the code uses (used by pinlint.facts.extract).

A site's dialect (``Dialects.of_site``) is one of:

* ``"mysql"`` / ``"postgres"``: the code shows the driver;
* ``None``: the code names no database at all (a helper taking ``cur`` as a parameter, Django's
  ``connection``): the configuration's ``dialect`` applies, else PostgreSQL. ``SqlSite`` records this
  as ``dialect = "postgres"`` with ``dialect_known = False``;
* ``MIXED``: the file uses both and this site could not be tied to one: the configuration's
  ``dialect`` applies, else the rules whose verdict depends on the dialect stay quiet.

:func:`effective` turns a site's dialect and the configured one into the dialect its rules use.

Evidence, per file: imports of MySQL drivers (PyMySQL, mysqlclient ``MySQLdb``, mysql-connector
``mysql.connector``, aiomysql, asyncmy, ``mysqlx``) or PostgreSQL drivers (psycopg, psycopg2, asyncpg,
...), and string literals that are SQLAlchemy URLs (``mysql+pymysql://``, ``mariadb://``,
``postgresql+psycopg://``) or Django engine names (``django.db.backends.mysql``,
``django.db.backends.postgresql``), written as call arguments or in module-level assignments. One side
only: every site of the file has that dialect. A Django settings module is usually another file than the
code that runs SQL: there, the configured ``dialect`` is the way to say it.

Both sides: each site is decided by its receiver, followed through the names bound in the enclosing
scopes (assignments, ``with ... as``, parameter annotations): ``cur`` from ``conn.cursor()`` from
``conn = pymysql.connect(...)`` is MySQL; ``session`` from ``Session(engine)`` with ``engine =
create_engine("postgresql://...")`` is PostgreSQL. A receiver that leads nowhere (a parameter without
annotation, an attribute such as ``self.conn``) leaves the site ``MIXED``.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Protocol, Set, TYPE_CHECKING, Tuple

import libcst as cst

from pinlint.facts.catalog import MYSQL, MYSQL_MODULES, POSTGRES, POSTGRES_MODULES, module_dialect
from pinlint.facts.walk import walk
from pinlint.sql.statement import HOLE

if TYPE_CHECKING:  # pragma: no cover
    from pinlint.facts.model import Scope

MIXED = "mixed"
#: how findings name a dialect
DIALECT_NAMES = {MYSQL: "MySQL", POSTGRES: "PostgreSQL"}

_URLS = (
    (MYSQL, re.compile(r"(?i)^(?:mysql|mariadb)(?:\+\w+)?://|^django\.(?:contrib\.gis\.)?db\.backends\.mysql$")),
    (POSTGRES, re.compile(r"(?i)^(?:postgres|postgresql)(?:\+\w+)?://"
                          r"|^django\.(?:contrib\.gis\.)?db\.backends\.(?:postgresql\w*|postgis)$")),
)
_ENGINE_FACTORIES = ("create_engine", "create_async_engine", "make_url")


#: SQL that only MySQL / MariaDB means: its functions and statements, system variables that PostgreSQL
#: does not have, user variables (``@v :=``, ``INTO @v``, ``@@var``), backquoted names, executable comments.
_MYSQL_ONLY = re.compile(
    r"(?i)\b(?:get_lock|release_lock|release_all_locks|is_free_lock|is_used_lock|found_rows|sql_calc_found_rows"
    r"|foreign_key_checks|unique_checks|sql_safe_updates|group_concat_max_len|auto_increment_increment"
    r"|innodb_\w+|max_execution_time|sql_mode)\b|\b(?:lock|unlock|flush)\s+tables?\b|@@\w|(?<![\w@])@[a-z_]\w*\s*:?="
    r"|\binto\s+@[a-z_]|`\w+`|/\*m?!"
)
#: SQL that only PostgreSQL means: its functions and run-time parameters, LISTEN/NOTIFY, DISCARD, DO blocks,
#: ``$1`` placeholders, ``::`` casts, dollar quotes.
_POSTGRES_ONLY = re.compile(
    r"(?i)\bpg_\w+\s*\(|\b(?:set_config|nextval|setval|currval|lastval|search_path|statement_timeout|lock_timeout"
    r"|idle_in_transaction_session_timeout|work_mem|application_name|jit)\b|^\s*(?:listen|unlisten|notify|discard)\b"
    r"|\bdo\s+\$|\$\d+\b|::[a-z_]|\$\$|^\s*load\s+'"
    r"|^\s*set\s+(?:(?:session|local)\s+)?[a-z_]\w*\.[a-z_]\w*\s*(?:=|to\b)"
)


#: ``SET [modifier] name = ...``: the name decides when only one dialect has such a variable.
_SET_NAME = re.compile(r"(?is)^\s*set\s+(?:(?:session|global|local|persist)\s+)?(?:@@(?:session|global|local)\.)?"
                       r"([a-z_][\w$]*)\s*(?::?=|to\b)")
#: names both dialects accept after SET
_SHARED_SET_NAMES = frozenset({"names", "transaction", "time", "role", "session", "local", "constraints"})


def text_dialect(text: str) -> Optional[Tuple[str, str]]:
    """The dialect a SQL text can only be (``GET_LOCK(...)`` is MySQL's, ``pg_advisory_lock(...)``
    PostgreSQL's, ``SET sql_log_bin = 0`` sets a variable PostgreSQL does not have), with the words that
    say so; None when it could be either or neither."""
    from pinlint.sql.pg_parameters import is_pg_parameter

    my = _MYSQL_ONLY.search(text)
    pg = _POSTGRES_ONLY.search(text)
    if my and not pg:
        return MYSQL, " ".join(my.group(0).split())
    if pg and not my:
        return POSTGRES, " ".join(pg.group(0).split()).rstrip("(").strip()
    if not my and not pg:
        m = _SET_NAME.match(text)
        if m and m.group(1).lower() not in _SHARED_SET_NAMES and HOLE not in m.group(1) \
                and not is_pg_parameter(m.group(1)):
            return MYSQL, m.group(1)
    return None


#: Names that say a dialect where code is written: a module path (``.../mysql/...``), a class or a function
#: (``class MySQLDatabase``, ``def postgres_connect``).
_NAMED_MYSQL = re.compile(r"(?i)mysql|mariadb")
_NAMED_POSTGRES = re.compile(r"(?i)postgres|psycopg|(?:^|[/_.])pg(?:[/_.]|$)")


def name_dialect(*names: Optional[str]) -> Optional[Tuple[str, str]]:
    """The dialect the names around a SQL call point to (the innermost first), with the name that says so."""
    for name in names:
        if not name:
            continue
        my, pg = _NAMED_MYSQL.search(name), _NAMED_POSTGRES.search(name)
        if my and not pg:
            return MYSQL, name
        if pg and not my:
            return POSTGRES, name
    return None


def url_dialect(text: Optional[str]) -> Optional[str]:
    """The dialect of a SQLAlchemy URL or Django engine name, or None."""
    if not text:
        return None
    for dialect, pattern in _URLS:
        if pattern.match(text):
            return dialect
    return None


class _Strings(cst.CSTVisitor):
    """Dialects named by string literals (URLs, engine names) in a module."""

    def __init__(self) -> None:
        self.found: Set[str] = set()

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if "://" not in node.value and "backends" not in node.value:
            return
        try:
            value = node.evaluated_value
        except Exception:  # pragma: no cover - an odd literal libcst cannot evaluate
            return
        dialect = url_dialect(value) if isinstance(value, str) else None
        if dialect:
            self.found.add(dialect)

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        dialect = url_dialect(node.value)
        if dialect:
            self.found.add(dialect)


class ModuleReader(Protocol):
    """What the dialect evidence reads of the module being extracted (pinlint.facts.extract.Extractor)."""

    facts: Any
    collector: Any
    imports: Dict[str, str]

    def qualified(self, node: cst.BaseExpression) -> Optional[str]: ...


class Dialects:
    """The dialect of each SQL site of one module (built at the module's first SQL site)."""

    def __init__(self, extractor: "ModuleReader") -> None:
        self.x = extractor
        found: Set[str] = set()
        facts = extractor.facts
        if facts.imported(MYSQL_MODULES):
            found.add(MYSQL)
        if facts.imported(POSTGRES_MODULES):
            found.add(POSTGRES)
        found |= self._named_by_strings()
        #: the file's dialect: MYSQL, POSTGRES, MIXED, or None (no evidence)
        self.file: Optional[str] = found.pop() if len(found) == 1 else (MIXED if found else None)

    def _named_by_strings(self) -> Set[str]:
        """Dialects named by string literals where URLs and engine names are written: call arguments
        (``create_engine("mysql+pymysql://...")``, ``os.environ.get("URL", "postgresql://...")``) and
        module-level assignments (``DATABASES = {...}``, ``DATABASE_URL = "..."``). Only those subtrees
        are visited, not the whole module."""
        strings = _Strings()
        for call, _ in self.x.collector.calls:
            for arg in call.args:
                if isinstance(arg.value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
                    walk(arg.value, strings)
        module_scope = self.x.facts.module_scope
        for values in (module_scope.assigns.values() if module_scope is not None else ()):
            for value in values:
                if isinstance(value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString, cst.Dict)):
                    walk(value, strings)
        return strings.found

    def of_site(self, call: cst.Call, scope: "Scope") -> Tuple[Optional[str], bool]:
        """The site's dialect, and whether its receiver shows it (True) or only the file does (False)."""
        func = call.func
        by_receiver = self._expr(func.value, scope, 0) if isinstance(func, cst.Attribute) else None
        if by_receiver is not None:
            return by_receiver, True
        return self.file, False

    # receivers -----------------------------------------------------------------------------
    def _expr(self, node: cst.BaseExpression, scope: "Scope", depth: int) -> Optional[str]:
        if depth > 12:
            return None
        if isinstance(node, cst.Await):
            return self._expr(node.expression, scope, depth + 1)
        if isinstance(node, (cst.Name, cst.Attribute)):
            qualified = self.x.qualified(node)
            if qualified is not None:
                return module_dialect(qualified)
            if isinstance(node, cst.Name):
                found = self._binding(node.value, scope)
                if found is None:
                    return None
                values, where = found
                dialects = {self._annotation(v) if isinstance(v, str) else
                            self._expr(v, where, depth + 1) if isinstance(v, cst.BaseExpression) else None
                            for v in values}
                return dialects.pop() if len(dialects) == 1 else None
            return None
        if isinstance(node, cst.Call):
            qualified = self.x.qualified(node.func)
            if qualified is not None:
                dialect = module_dialect(qualified)
                if dialect is not None:
                    return dialect
                if qualified.rsplit(".", 1)[-1] in _ENGINE_FACTORIES:
                    return url_dialect(self._first_string(node, scope))
            if isinstance(node.func, cst.Attribute):  # conn.cursor(), engine.connect(), pool.acquire()
                return self._expr(node.func.value, scope, depth + 1)
            if isinstance(node.func, cst.Call):  # sessionmaker(bind=engine)()
                return self._expr(node.func, scope, depth + 1)
            arg = self._engine_argument(node)  # Session(engine), sessionmaker(bind=engine)
            return None if arg is None else self._expr(arg, scope, depth + 1)
        return None

    @staticmethod
    def _engine_argument(call: cst.Call) -> Optional[cst.BaseExpression]:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "bind":
                return arg.value
        if call.args and call.args[0].keyword is None and not call.args[0].star:
            return call.args[0].value
        return None

    def _first_string(self, call: cst.Call, scope: "Scope") -> Optional[str]:
        arg = self._engine_argument(call)
        if arg is None:
            for a in call.args:
                if a.keyword is not None and a.keyword.value in ("url", "name_or_url"):
                    arg = a.value
        if arg is None:
            return None
        return self.x.facts.string(arg, scope)

    def _annotation(self, written: Optional[str]) -> Optional[str]:
        """The dialect of a parameter's annotation (``pymysql.cursors.Cursor``) through the imports."""
        if not written:
            return None
        head, _, rest = written.partition(".")
        base = self.x.imports.get(head)
        return module_dialect(f"{base}.{rest}" if base and rest else (base or written))

    def _binding(self, name: str, scope: "Scope") -> Optional[Tuple[List[object], "Scope"]]:
        """The values bound to ``name`` in the innermost enclosing scope that binds it: assignments,
        ``with ... as name`` and a parameter's annotation (as written)."""
        s: Optional["Scope"] = scope
        while s is not None:
            if s.kind != "class" or s is scope:
                values: List[object] = list(s.assigns.get(name, ())) + list(s.managed.get(name, ()))
                if name in s.params:  # a parameter shadows the names around it
                    if s.params[name] is not None:
                        values.append(s.params[name])
                    return (values, s) if values else None
                if values:
                    return values, s
            s = s.parent
        return None


def effective(site_dialect: Optional[str], configured: Optional[str], known: bool = True) -> Optional[str]:
    """The grammar and rules a SQL site gets: the code's evidence first (``known``), then the configured
    ``dialect``, then PostgreSQL; where the file uses both dialects (``MIXED``) and nothing is
    configured, None: no dialect-dependent rule runs there."""
    if known and site_dialect in (MYSQL, POSTGRES):
        return site_dialect
    if configured in (MYSQL, POSTGRES):
        return configured
    return None if site_dialect == MIXED else POSTGRES
