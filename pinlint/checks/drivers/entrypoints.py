"""The driver and ORM calls the configuration rules recognise, by qualified name (through the file's
imports: ``pinlint.facts.model.CallFact.qualname``). Sources: each library's documentation and source,
cited in the rules' specs."""

from __future__ import annotations

PSYCOPG_CONNECT = ("psycopg.connect", "psycopg.Connection.connect", "psycopg.AsyncConnection.connect",
                   "psycopg.connection.Connection.connect", "psycopg.connection_async.AsyncConnection.connect")
#: psycopg 3's own connection classes (a pool's ``connection_class`` that changes nothing)
PSYCOPG_CONNECTION_CLASSES = ("psycopg.Connection", "psycopg.AsyncConnection", "psycopg.connection.Connection",
                              "psycopg.connection_async.AsyncConnection")
PSYCOPG2_CONNECT = ("psycopg2.connect", "psycopg2.extensions.connection")
#: libpq connection-string builders: their result is a conninfo for a connect call or a pool
#: (psycopg's conninfo.py ``make_conninfo(conninfo="", **kwargs)``; psycopg2's ``extensions.make_dsn``)
PSYCOPG_CONNINFO = ("psycopg.conninfo.make_conninfo", "psycopg2.extensions.make_dsn")
PSYCOPG_POOLS = tuple(f"psycopg_pool.{n}" for n in (
    "ConnectionPool", "AsyncConnectionPool", "NullConnectionPool", "AsyncNullConnectionPool"))
#: psycopg 3's client-side-binding cursors: the simple query protocol, never a prepared statement
#: (psycopg's client_cursor.py; drivers.md)
PSYCOPG_CLIENT_CURSORS = ("psycopg.ClientCursor", "psycopg.AsyncClientCursor",
                          "psycopg.client_cursor.ClientCursor", "psycopg.client_cursor.AsyncClientCursor")
PSYCOPG_SERVER_CURSORS = ("psycopg.ServerCursor", "psycopg.AsyncServerCursor")
ASYNCPG_CONNECT = ("asyncpg.connect", "asyncpg.connection.connect")
ASYNCPG_POOL = ("asyncpg.create_pool", "asyncpg.pool.create_pool")
SA_ENGINES = ("sqlalchemy.create_engine", "sqlalchemy.engine.create_engine",
              "sqlalchemy.ext.asyncio.create_async_engine", "sqlalchemy.ext.asyncio.engine.create_async_engine",
              "sqlmodel.create_engine")
SA_EVENT_DECORATORS = ("sqlalchemy.event.listens_for", "sqlalchemy.event.api.listens_for")
SA_EVENT_LISTEN = ("sqlalchemy.event.listen", "sqlalchemy.event.api.listen")
PG8000_CONNECT = ("pg8000.connect", "pg8000.dbapi.connect", "pg8000.native.Connection", "pg8000.Connection",
                  "pg8000.dbapi.Connection")
MYSQL_CONNECT = ("pymysql.connect", "pymysql.Connect", "pymysql.connections.Connection", "MySQLdb.connect",
                 "MySQLdb.Connect", "mysql.connector.connect", "aiomysql.connect", "aiomysql.create_pool",
                 "asyncmy.connect", "asyncmy.create_pool")
PEEWEE_PG_DATABASES = tuple(f"{m}.{n}" for m, names in (
    ("peewee", ("PostgresqlDatabase",)),
    ("playhouse.postgres_ext", ("PostgresqlExtDatabase",)),
    ("playhouse.pool", ("PooledPostgresqlDatabase", "PooledPostgresqlExtDatabase")),
) for n in names)
PEEWEE_SERVER_SIDE = ("playhouse.postgres_ext.ServerSide",)
TORTOISE_INIT = ("tortoise.Tortoise.init", "tortoise.contrib.fastapi.register_tortoise",
                 "tortoise.contrib.starlette.register_tortoise", "tortoise.contrib.sanic.register_tortoise",
                 "tortoise.contrib.aiohttp.register_tortoise", "tortoise.contrib.quart.register_tortoise")
DATABASES_DATABASE = ("databases.Database", "databases.core.Database")
PICCOLO_ENGINE = ("piccolo.engine.postgres.PostgresEngine", "piccolo.engine.PostgresEngine")
PRISMA_CLIENT = ("prisma.Prisma", "prisma.Client", "prisma.client.Prisma")
DJANGO_RECEIVER = "django.dispatch.receiver"
