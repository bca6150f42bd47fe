"""The catalog: the one list of database libraries, SQL sinks, receivers, SQL keyword arguments and
pass-through calls. Every other module (extraction, the project index, dialect evidence, the prefilter)
derives what it needs from here, so a new sink or library is one line in one place.

Sources: each library's own documentation and source (see ../rules/*.toml references and README's
"what pinlint follows").
"""

from __future__ import annotations

import re
from typing import Optional, Tuple

# -- libraries --------------------------------------------------------------------------------------

#: the two SQL dialects, as facts and findings name them
MYSQL = "mysql"
POSTGRES = "postgres"

#: PostgreSQL drivers (top-level import names).
POSTGRES_LIBS: Tuple[str, ...] = ("psycopg", "psycopg2", "psycopg_pool", "asyncpg", "pg8000", "aiopg", "psqlpy",
                                  "pgvector")
#: MySQL drivers.
MYSQL_LIBS: Tuple[str, ...] = ("pymysql", "MySQLdb", "mysql", "aiomysql", "asyncmy", "mysqlx")
#: ORMs and database layers that send SQL to a server database (PostgreSQL or MySQL).
ORM_LIBS: Tuple[str, ...] = ("sqlalchemy", "django", "databases", "peewee", "playhouse", "tortoise", "alembic",
                             "piccolo", "prisma", "sqlmodel", "flask_sqlalchemy", "records", "pony", "ormar", "gino")
#: Importing one of these is evidence that ``.execute(...)`` in the file is SQL for a server database.
SERVER_DB_LIBS: Tuple[str, ...] = POSTGRES_LIBS + MYSQL_LIBS + ORM_LIBS
#: Embedded databases: a file that uses only these sends no SQL to a pooler.
SQLITE_LIBS: Tuple[str, ...] = ("sqlite3", "aiosqlite", "apsw", "duckdb")
#: Clients of databases that no PostgreSQL/MySQL pooler fronts (qualified-name prefixes): SQL sent on a
#: connection or session they return is not judged, whatever else the file imports. Redshift
#: (``redshift_connector``) is not here: it speaks PostgreSQL's protocol and can sit behind PgBouncer.
OTHER_DB_CLIENTS: Tuple[str, ...] = SQLITE_LIBS + (
    "snowflake.connector", "databricks.sql", "google.cloud.bigquery", "clickhouse_driver", "clickhouse_connect",
    "cassandra", "trino", "pyhive", "pyathena", "oracledb", "cx_Oracle", "pymssql", "ibm_db", "teradatasql",
    "pyspark", "vertica_python", "pinotdb", "pydruid", "sqlalchemy_bigquery")

#: Calls that import a module by its name as a string, bound to a module-level name: the name is then an
#: import of that module (``asyncpg = LazyLoader("asyncpg", globals(), "asyncpg")``, as Piccolo and
#: TensorFlow write it; ``pg = importlib.import_module("psycopg")``). Call name -> index of the argument
#: that names the module.
LAZY_IMPORTS = {"importlib.import_module": 0, "import_module": 0, "LazyLoader": 2, "lazy_import": 0}

#: Modules (qualified-name prefixes) that show a dialect, for pinlint.facts.dialect.
MYSQL_MODULES: Tuple[str, ...] = MYSQL_LIBS + ("django.db.backends.mysql", "django.contrib.gis.db.backends.mysql")
POSTGRES_MODULES: Tuple[str, ...] = ("psycopg", "psycopg2", "psycopg_pool", "asyncpg", "pg8000", "aiopg", "psqlpy",
                                     "django.db.backends.postgresql", "django.contrib.postgres",
                                     "django.contrib.gis.db.backends.postgis")

#: Distributions (as dependency files name them, lower case) that show which dialect a project speaks.
DIALECT_DISTRIBUTIONS = {
    **dict.fromkeys(("psycopg", "psycopg-binary", "psycopg2", "psycopg2-binary", "psycopg-pool", "asyncpg",
                     "pg8000", "aiopg", "psqlpy"), POSTGRES),
    **dict.fromkeys(("pymysql", "mysqlclient", "mysql-connector-python", "mysql-connector", "aiomysql",
                     "asyncmy", "mariadb"), MYSQL),
}

# -- sinks ------------------------------------------------------------------------------------------

#: Methods whose first argument (or SQL keyword argument) is SQL text on DB-API cursors and connections,
#: psycopg 3 connections, SQLAlchemy connections and sessions, asyncpg connections and pools, Django
#: cursors, Peewee databases.
SQL_METHODS = frozenset({"execute", "executemany", "exec_driver_sql", "fetch", "fetchrow", "fetchval", "raw",
                         "execute_sql"})
#: Functions whose first argument is SQL text, by qualified name.
SQL_FUNCTIONS = frozenset({
    "sqlalchemy.text",
    "sqlalchemy.sql.text",
    "sqlalchemy.sql.expression.text",
    "sqlalchemy.sql.elements.TextClause",
    "django.db.models.expressions.RawSQL",
    "django.db.models.RawSQL",
    # a migration's SQL runs on the connection ``migrate`` uses (a string, or a list of statements)
    "django.db.migrations.RunSQL",
    "django.db.migrations.operations.RunSQL",
    "django.db.migrations.operations.special.RunSQL",
})
#: Keyword arguments that carry more SQL of the same call (``RunSQL(sql, reverse_sql=...)``).
MORE_SQL_KEYWORDS: Tuple[str, ...] = ("reverse_sql",)
#: ``QuerySet.extra(select={...}, where=[...])`` (Django): SQL fragments, a select list's expressions and a
#: WHERE clause's conditions.
EXTRA_FRAGMENTS = {"select": "SELECT {}", "where": "SELECT 1 WHERE {}"}
#: The last name of ``SQL_FUNCTIONS`` a wrapper may call by its bare name (``text(sql)``).
SQL_FUNCTION_NAMES = frozenset({"text"})
#: Keyword arguments that carry the SQL text of a sink call.
SQL_KEYWORD_ARGS: Tuple[str, ...] = ("sql", "query", "operation", "statement", "stmt", "command")

#: Calls that return their first argument's SQL unchanged, by last name component.
PASS_THROUGH_FUNCS = frozenset({"dedent", "text", "SQL", "literal_column", "DDL", "TextClause"})
#: Calls that concatenate the list they get (psycopg ``sql.Composed([...])``).
CONCAT_FUNCS = frozenset({"Composed"})
#: String methods that keep a SQL text's meaning (``sql.strip()``).
PASS_THROUGH_METHODS = frozenset({"strip", "lstrip", "rstrip", "upper", "lower"})

#: Receiver names that look like a database handle when the file imports no database library
#: (``op`` is Alembic's operations object).
DB_RECEIVER_RE = re.compile(
    r"(?i)^(?:.*_)?(?:cur|curs|cursor|conn|connection|cnx|db|database|session|sess|engine|tx|txn|"
    r"transaction|pool|pg|postgres|psql|mysql|dbapi|op)(?:_.*)?\d*$"
)


def receiver_looks_like_db(name: str) -> bool:
    """Whether a receiver's last name (``cur``, ``self.conn`` -> ``conn``) looks like a database handle."""
    return DB_RECEIVER_RE.match(name) is not None


#: Calls whose result is a database handle (a connection, cursor, session, transaction): a receiver bound
#: to one counts as a database handle whatever its name (``c = db.cursor(); c.execute(sql)``).
DB_HANDLE_FACTORIES = frozenset({
    "cursor", "connect", "acquire", "begin", "connection", "raw_connection", "getconn", "get_conn",
    "get_connection", "session", "Session", "begin_nested", "transaction", "create_engine", "create_async_engine",
    "create_pool", "get_db", "get_cursor", "engine",
})

#: Types whose instances are database handles (parameter annotations: ``cur: Cursor``).
DB_HANDLE_TYPES = frozenset({
    "Connection", "AsyncConnection", "Cursor", "AsyncCursor", "Session", "AsyncSession", "Engine", "AsyncEngine",
    "Pool", "ConnectionPool", "AsyncConnectionPool", "Database", "CursorWrapper", "PooledDB", "Transaction",
    "DictCursor", "RealDictCursor", "ServerCursor", "Record", "MySQLConnection", "MySQLCursor",
})

#: Method or function names that DB layers use to send SQL besides ``SQL_METHODS`` (DAL ``executesql``,
#: Twisted ``runQuery``/``runOperation``, encode/databases ``fetch_all``, records ``query``, Prisma
#: ``execute_raw``, project DB layers' ``run``/``one``/``all``): a complete SQL statement passed to one of
#: these is SQL sent to the database.
SQL_SINK_NAMES = frozenset({
    "query", "run", "one", "all", "first", "scalar", "scalars", "fetch_all", "fetch_one", "fetch_val",
    "fetch_value", "fetchall", "fetchone", "iterate", "execute_many", "executesql", "runQuery", "runOperation",
    "runInteraction", "execute_raw", "query_raw", "raw_sql", "execute_sql", "run_sql", "exec_sql", "execSQL",
    "execute_query", "run_query", "sql", "exec", "perform", "do", "execute_script", "executescript",
})
#: Words that make a name a SQL sink's name (``run_sql``, ``execQuery``, ``db_execute``).
SQL_SINK_WORDS = ("sql", "query", "exec", "fetch", "cursor")

#: Calls that take SQL-looking text but never send it (logging, printing, string and regex methods,
#: parsers and formatters, test assertions, exceptions, translations), by their last name or its start.
NON_SQL_CALLS = frozenset({
    "print", "echo", "write", "writelines", "secho", "warn", "warning", "debug", "info", "error", "critical",
    "exception", "log", "msg", "notice", "startswith", "endswith", "find", "rfind", "index", "rindex", "count",
    "replace", "split", "rsplit", "splitlines", "partition", "rpartition", "strip", "lstrip", "rstrip", "lower",
    "upper", "casefold", "encode", "decode", "join", "match", "search", "fullmatch", "findall", "finditer", "sub",
    "subn", "compile", "escape", "mogrify", "format", "format_map", "parse", "parse_one", "transpile", "tokenize",
    "split_statements", "dedent", "indent", "fill", "wrap", "shorten", "gettext", "ngettext", "pgettext",
    "gettext_lazy", "ugettext", "_", "mark_safe", "Markup", "param", "approx", "raises", "skip", "fail", "xfail",
    "add_argument", "help", "system", "popen", "run_command", "check_call", "check_output", "Popen", "call",
    "getenv", "get", "setdefault", "append", "extend", "add", "update", "insert", "put", "push", "set", "remove",
    "discard", "render", "render_template", "template", "Template", "explain", "describe", "quote", "quote_ident",
    "literal", "Literal", "Identifier", "assertEqual", "assertIn", "assertRegex",
})
#: Test assertions: the SQL in their arguments is what a test expects, not what the code sends.
ASSERTION_PREFIXES = ("assert", "expect", "eq_", "ne_", "is_", "should")
NON_SQL_PREFIXES = ASSERTION_PREFIXES + ("check_", "log_", "print_", "raise", "mock_", "validate", "lint")
#: Modules whose functions never send SQL.
NON_SQL_MODULES = ("logging", "re", "regex", "subprocess", "os", "sys", "shlex", "warnings", "textwrap",
                   "sqlparse", "sqlglot", "pglast", "click", "typer", "rich", "pytest", "unittest", "json", "yaml",
                   "string", "html", "markupsafe", "jinja2", "structlog", "loguru", "builtins", "gettext")


def is_non_sql_call(last: str, qualname: Optional[str]) -> bool:
    """Whether a call is clearly something else than sending SQL (see ``NON_SQL_CALLS``)."""
    if last in NON_SQL_CALLS or last.startswith(NON_SQL_PREFIXES) or last.endswith(("Error", "Exception",
                                                                                    "Warning", "Exit")):
        return True
    return qualname is not None and qualname.split(".")[0] in NON_SQL_MODULES


def sink_like_name(last: str) -> bool:
    """A call name that DB layers use for sending SQL (``SQL_SINK_NAMES``, or a name with a SQL word)."""
    if last in SQL_SINK_NAMES or last in SQL_METHODS:
        return True
    low = last.lower()
    return any(w in low for w in SQL_SINK_WORDS)


def is_sql_method_call(method: str, receiver: str, server_db: bool, sqlite_only: bool = False) -> bool:
    """Whether ``receiver.method(...)`` sends SQL text: a SQL method, called in a file that uses a server
    database library or on a receiver that looks like a database handle, and not in a file that uses
    only an embedded database. ``receiver`` is the last name of the receiver expression, calls unwrapped
    (``self.conn.execute`` -> ``conn``, ``get_conn().execute`` -> ``get_conn``)."""
    if method not in SQL_METHODS or sqlite_only:
        return False
    return server_db or receiver_looks_like_db(receiver)


# -- SQLAlchemy expression language ---------------------------------------------------------------------

#: SQLAlchemy's ``func`` namespace: ``func.pg_advisory_lock(1)`` is SQL without a SQL string.
SA_FUNC_BASES = frozenset({"sqlalchemy.func", "sqlalchemy.sql.func", "sqlalchemy.sql.expression.func",
                           "sqlalchemy.sql.functions.func", "sqlmodel.func"})
#: ``func.X`` names that a rule can judge (anything else is left alone).
SA_FUNC_NAMES = frozenset({"pg_advisory_lock", "pg_advisory_lock_shared", "pg_try_advisory_lock",
                           "pg_try_advisory_lock_shared", "set_config", "nextval", "setval", "currval", "lastval"})
#: Calls and keywords under which a ``func.X(...)`` is stored in the schema (a column default), not run.
SA_DDL_CALLS = frozenset({"Column", "mapped_column", "Sequence", "Index", "CheckConstraint", "Computed", "Identity",
                          "DDL", "Field", "column_property", "DefaultClause", "Table"})
SA_DDL_KEYWORDS = frozenset({"default", "server_default", "onupdate", "server_onupdate", "sa_column_kwargs"})

# -- files the code loads ------------------------------------------------------------------------------

#: Reading a file: ``Path("q.sql").read_text()``, ``open("q.sql").read()``, importlib.resources.
READ_METHODS = frozenset({"read_text", "read", "read_bytes"})
RESOURCE_READERS = frozenset({"read_text", "get_data"})
MAX_SQL_FILE_BYTES = 1024 * 1024

# -- configuration values --------------------------------------------------------------------------------

#: Methods that change a dict in place (a step of building driver keyword arguments).
DICT_METHODS = frozenset({"update", "setdefault", "pop", "popitem", "clear"})
#: Methods that add items to a list (``stmts.append("SET ...")``): the list a name holds is built in steps.
LIST_METHODS = frozenset({"append", "extend", "insert"})

#: Calls that read configuration and return their ``default`` when the variable is unset.
ENV_GETTERS = frozenset({"getenv", "get", "env", "str", "config", "environ_get"})


def module_dialect(qualname: str) -> Optional[str]:
    """The dialect a qualified name belongs to (``pymysql.connect`` -> ``"mysql"``), or None."""
    for dialect, modules in ((MYSQL, MYSQL_MODULES), (POSTGRES, POSTGRES_MODULES)):
        if any(qualname == m or qualname.startswith(m + ".") for m in modules):
            return dialect
    return None
