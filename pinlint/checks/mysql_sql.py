"""MySQL / MariaDB statements that pin the session under Amazon RDS Proxy.

Sources for every verdict are in the rule specs (``rules/PIN2*.toml``, ``[docs] references``); the
gist, from the AWS page "Avoiding pinning an RDS Proxy" (MySQL part): RDS Proxy pins the
client to its database connection for a user variable set, a SET of a system variable it does not
track, ``SET TRANSACTION`` at next-transaction scope, SQL-level prepared statements, executable
comments, ``GET_LOCK``, ``LOCK TABLES`` / ``FLUSH TABLES WITH READ LOCK`` and temporary tables; and
"sometimes" for ``ROW_COUNT()`` / ``FOUND_ROWS()``. ``SET LOCAL`` does not pin. With the proxy's
``EXCLUDE_VARIABLE_SETS`` session pinning filter (``[tool.pinlint.rds-proxy] exclude-variable-sets``),
SET statements no longer pin: their values stay on the database connection and reach other clients.

The other targets are PostgreSQL poolers: the MySQL families apply to RDS Proxy only (its profile is
the one whose ``dialects`` include MySQL). They see only the SQL sites
whose dialect is MySQL (their specs say ``dialect = "mysql"``; pinlint.evaluate filters on it).
"""

from __future__ import annotations

from typing import List, Optional

from pinlint.checks.context import SqlContext, Verdict
from pinlint.checks.registry import sql_check
from pinlint.checks.sqltext import call_span, executed_calls, short
from pinlint.checks.triggers import BLANK, IDENT, NAME, Shape
from pinlint.sql.statement import SESSION, USER, Call, Statement
from pinlint.targets import RDS_PROXY_MYSQL_TRACKED, hazard

#: Statements that evaluate the function calls in them (SET evaluates its values, DO its expressions).
EXECUTING_KINDS = frozenset({"query", "set", "create_temp"})

#: Functions whose result is what the previous statement left on the connection.
LAST_STATEMENT_FUNCTIONS = ("found_rows", "row_count")

_SET = r"set\s+(?:(?:global|session|local|persist|persist_only)\s+)?"
#: MySQL system variables without an underscore in their name (most have one)
PLAIN_VARIABLES = frozenset({"autocommit", "profiling", "timestamp", "identity", "warnings", "pseudo_thread_id"})


def variable_like(name: str) -> bool:
    """A SET target as source text shows it that could be a system variable, not a word of prose."""
    n = name.strip("`\"").lower()
    return n in PLAIN_VARIABLES or any(c in n for c in "._@{")


def _executed_calls(st: Statement, names) -> List[Call]:
    return executed_calls(st, names, EXECUTING_KINDS)


def tracked_by_rds_proxy(name: str) -> bool:
    """Whether RDS Proxy tracks this system variable (a SET of it does not pin)."""
    return name.lower() in RDS_PROXY_MYSQL_TRACKED



def _assigns_user_variable(st: object) -> bool:
    return any(a.scope == USER for a in getattr(st, "assignments", ()))


@sql_check("PIN201", families=("mysql-user-variable",), kinds=("set",), shapes=(
    Shape("set", _SET + "@"),
    # ``SELECT @v := expr``, ``SELECT ... INTO @v``
    Shape("select", r"select\b[^;\"'`]{0,300}?(?:@\w+\s*:=|\binto\s+@)", hazard="select"),
), statement_test=_assigns_user_variable)
def user_variable(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    if st.kind not in ("set", "query"):
        return []
    # a SET of a user variable pins (AWS); whether the proxy also sees one set by a query (SELECT @v := ...,
    # SELECT ... INTO @v) is not documented: reported as a warning
    out = []
    for a in st.assignments:
        if a.scope != USER:
            continue
        variable = "@" + (a.name or "variable")
        into = st.kind == "query" and st.text[:a.start - st.start].rstrip().upper().endswith(("INTO", ","))
        assignment = f"SET {variable}" if st.kind == "set" else (
            f"SELECT ... INTO {variable}" if into else f"SELECT {variable} := ...")
        out.append(Verdict(hazard("mysql-user-variable"),
                           {"variable": variable, "assignment": assignment, "statement": short(st.text)},
                           span=(a.start, a.end), unconfirmed=st.kind == "query"))
    return out


@sql_check("PIN202", families=("mysql-set-variable",), kinds=("set",), shapes=(
    Shape("set", _SET + NAME + r"\s*:?=", variable_like),
    Shape("set", _SET + r"(?:names|char(?:acter|set))\b"),
))
def set_system_variable(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    if st.kind != "set":
        return []
    out = []
    for a in st.assignments:
        # LOCAL: documented not to pin; GLOBAL: the server's value; None: a hole decides the modifier
        if a.scope != SESSION:
            continue
        if a.name is None:
            # a name known only at run time after an explicit SESSION (``"SET SESSION {} = %s".format(name)``):
            # it pins unless it is one of the few the proxy tracks, so a warning that says so. Without the
            # keyword (``f"SET {name} = 1"``) the hole may hold GLOBAL or LOCAL too: quiet.
            shown = short(st.text[a.start - st.start:a.end - st.start], 40)
            if not shown.lower().startswith(("session ", "@@session.")):
                continue
            out.append(Verdict(hazard("mysql-set-variable"),
                               {"variable": shown, "statement": short(st.text),
                                "condition": " unless the variable, named at run time, is one RDS Proxy tracks"},
                               span=(a.start, a.end), unconfirmed=True))
            continue
        if tracked_by_rds_proxy(a.name) or "." in a.name:
            continue  # tracked; or a key cache component (structured variables are global)
        out.append(Verdict(hazard("mysql-set-variable"),
                           {"variable": a.name, "statement": short(st.text), "condition": ""},
                           span=(a.start, a.end)))
    return out


@sql_check("PIN203", families=("mysql-set-transaction",), kinds=("set_transaction",), shapes=(Shape("set", _SET + r"transaction\b"),))
def set_transaction(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    if st.kind != "set_transaction":
        return []
    return [Verdict(hazard("mysql-set-transaction"), {"statement": short(st.text)})]


@sql_check("PIN211", families=("mysql-prepared",), kinds=("prepare", "execute"), shapes=(
    Shape("prepare", r"prepare\s+" + IDENT + r"\s+from\b"),
    Shape("execute", r"execute\s+" + IDENT + BLANK + r"*(?:using\b|;|[\"'`]|$)"),
))
def prepared_statement(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    if st.kind not in ("prepare", "execute"):
        return []
    return [Verdict(hazard("mysql-prepared"), {"verb": st.kind.upper(), "name": st.name or "statement",
                                               "statement": short(st.text)})]


@sql_check("PIN221", families=("mysql-executable-comment",), markers=(r"/\*m?!",), statement_test=lambda st: bool(st.executable_comments))
def executable_comment(ctx: SqlContext) -> List[Verdict]:
    text = ctx.site.text
    return [
        Verdict(hazard("mysql-executable-comment"), {"comment": short(text[start:end], 40, hole="{…}")}, span=(start, end))
        for start, end in ctx.statement.executable_comments
    ]


@sql_check("PIN241", families=("mysql-temp-table",), kinds=("create_temp",), shapes=(
    Shape(r"create\s+(?:or\s+replace\s+)?temporary", r"create\s+(?:or\s+replace\s+)?temporary\s",
          hazard="temporary"),
))
def temporary_table(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    if st.kind != "create_temp":
        return []
    return [Verdict(hazard("mysql-temp-table"), {"name": st.name or "table"})]


@sql_check("PIN251", families=("mysql-named-lock",), functions=("get_lock",))
def named_lock(ctx: SqlContext) -> List[Verdict]:
    return [
        Verdict(hazard("mysql-named-lock"), {"function": call.name.upper()}, span=call_span(call))
        for call in _executed_calls(ctx.statement, ("get_lock",))
    ]


@sql_check("PIN252", families=("mysql-table-lock",), kinds=("lock_tables", "flush_tables_read_lock"), shapes=(
    Shape(r"lock\s+tables?", r"lock\s+tables?\s", hazard="lock"),
    Shape(r"flush\s+tables?", hazard="flush"),
))
def table_lock(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    what: Optional[str] = {"lock_tables": "LOCK TABLES",
                           "flush_tables_read_lock": "FLUSH TABLES WITH READ LOCK"}.get(st.kind)
    if what is None:
        return []
    return [Verdict(hazard("mysql-table-lock"), {"what": what, "statement": short(st.text)})]


@sql_check("PIN261", families=("mysql-last-statement-function",), functions=LAST_STATEMENT_FUNCTIONS)
def last_statement_function(ctx: SqlContext) -> List[Verdict]:
    return [
        Verdict(hazard("mysql-last-statement-function"), {"function": call.name.upper()}, span=call_span(call))
        for call in _executed_calls(ctx.statement, LAST_STATEMENT_FUNCTIONS)
    ]
