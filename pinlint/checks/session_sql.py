"""PostgreSQL statements that leave state on the server connection.

Sources for every verdict are in the rule specs (``rules/PIN1*.toml``, ``[docs] references``); the
gist: PgBouncer in transaction mode lends a server connection per
transaction, so anything that outlives the transaction stays behind for the next client (SET,
LISTEN, WITH HOLD cursors, SQL PREPARE, LOAD, session advisory locks, temp tables without ON COMMIT
DROP), except the parameters PgBouncer tracks per client. RDS Proxy pins the client to its backend
for any SET or set_config, SQL-level prepared statements, DISCARD, any temporary object, any DECLARE,
LISTEN, LOAD, nextval/setval and session advisory locks.
"""

from __future__ import annotations

from typing import List, Optional

from pinlint.checks.context import SqlContext, Verdict
from pinlint.checks.registry import sql_check
from pinlint.checks.sqltext import call_span, executed_calls, short
from pinlint.checks.triggers import END, IDENT, NAME, Shape
from pinlint.sql.pg_parameters import PG_PARAMETERS, is_pg_parameter
from pinlint.sql.statement import HOLE, Call, Statement
from pinlint.targets import (
    BREAKS,
    LARGE_STATEMENT_BYTES,
    LEAKS,
    LOST,
    PGBOUNCER,
    PINS,
    RDS_PROXY,
    static_bytes,
)

#: Parameters whose SET acts on the current transaction only, even without LOCAL.
TRANSACTION_SCOPED = frozenset({"transaction_isolation", "transaction_read_only", "transaction_deferrable"})
FALSE_LITERALS = frozenset({"false", "'f'", "'false'", "'off'", "'no'", "'0'"})
TRUE_LITERALS = frozenset({"true", "'t'", "'true'", "'on'", "'yes'", "'1'"})

#: Statements that run the functions they call (DDL such as ``DEFAULT nextval(...)`` only stores them).
EXECUTING_KINDS = frozenset({"query", "declare", "create_temp"})

SESSION_LOCKS = ("pg_advisory_lock", "pg_advisory_lock_shared", "pg_try_advisory_lock", "pg_try_advisory_lock_shared")
SEQUENCE_SETTERS = ("nextval", "setval")
SEQUENCE_READERS = ("currval", "lastval")

#: ``CREATE [OR REPLACE] [GLOBAL | LOCAL] TEMP | TEMPORARY``
CREATE_TEMP = r"create\s+(?:or\s+replace\s+)?(?:(?:global|local)\s+)?temp(?:orary)?"
_SET = r"set\s+(?:(?:session|local)\s+)?"


def parameter_like(name: str) -> bool:
    """A SET/RESET target as source text shows it that could be a server parameter, not a word of prose
    ("Set the value", "Reset password")."""
    n = name.strip('"\\').lower()
    return n in PG_PARAMETERS or n in ("all", "role") or any(c in n for c in "._@{")


def _pgbouncer_set_effect(ctx: SqlContext, name: Optional[str]) -> Optional[str]:
    if name is None:
        return None  # unknown parameter: it may be one that PgBouncer tracks
    if ctx.targets.pgbouncer.tracked(name):
        return None
    return LEAKS


def _executed_calls(st: Statement, names) -> List[Call]:
    return executed_calls(st, names, EXECUTING_KINDS)


@sql_check("PIN101", kinds=("set", "set_session_characteristics"), shapes=(
    Shape("set", _SET + NAME + r"\s*(?:=|to\b)", parameter_like),
    Shape("set", _SET + r"(?:time\s+zone|session\s+characteristics)\b"),
    Shape("set", r"set\s+(?:schema|names)\s"),
))
def set_session_parameter(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    if st.kind == "set_session_characteristics":
        return [Verdict({RDS_PROXY: PINS, PGBOUNCER: LEAKS},
                        {"name": "session characteristics", "statement": short(st.text)})]
    if st.kind != "set" or st.scope != "session":
        return []
    if st.name in TRANSACTION_SCOPED or (st.name is not None and not is_pg_parameter(st.name)):
        return []  # transaction-scoped, or not a PostgreSQL parameter (MySQL's sql_mode, ...)
    return [Verdict({RDS_PROXY: PINS, PGBOUNCER: _pgbouncer_set_effect(ctx, st.name)},
                    {"name": st.name or "a parameter", "statement": short(st.text)})]


@sql_check("PIN102", kinds=("set_role", "set_session_authorization"), shapes=(
    Shape("set", _SET + r"(?:role|session\s+authorization)\b"),
))
def set_role(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    if st.kind not in ("set_role", "set_session_authorization") or st.scope != "session":
        return []
    what = "ROLE" if st.kind == "set_role" else "SESSION AUTHORIZATION"
    # SET ROLE NONE / SET SESSION AUTHORIZATION DEFAULT go back to the login role: nothing is left
    # behind, but the change may land on another server connection than the one it should undo.
    resets = st.name in ("none", "default")
    return [Verdict({RDS_PROXY: PINS, PGBOUNCER: LOST if resets else LEAKS},
                    {"what": what, "statement": short(st.text)})]


@sql_check("PIN103", kinds=("reset",), shapes=(
    Shape("reset", r"reset\s+" + NAME + END, parameter_like),
    Shape("reset", r"reset\s+(?:session\s+authorization|time\s+zone)\b"),
))
def reset_parameter(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    if st.kind != "reset":
        return []
    if st.name is None or st.name in TRANSACTION_SCOPED:
        return []
    if st.name not in ("all", "role", "session_authorization") and (
            ctx.targets.pgbouncer.tracked(st.name) or not is_pg_parameter(st.name)):
        return []
    return [Verdict({PGBOUNCER: LOST}, {"name": st.name, "statement": short(st.text)})]


@sql_check("PIN104", functions=("set_config",))
def set_config_session(ctx: SqlContext) -> List[Verdict]:
    out = []
    for call in _executed_calls(ctx.statement, ("set_config",)):
        if len(call.args) != 3:
            continue
        is_local = call.args[2]
        if is_local not in FALSE_LITERALS:
            continue  # true: transaction-local; unknown: stay quiet
        param = call.args[0]
        name = param.strip("'").lower() if param and param.startswith("'") else None
        if name in TRANSACTION_SCOPED or (name is not None and not is_pg_parameter(name)):
            continue
        out.append(Verdict({RDS_PROXY: PINS, PGBOUNCER: _pgbouncer_set_effect(ctx, name)},
                           {"name": name or "a parameter"}, span=call_span(call)))
    return out


@sql_check("PIN111", kinds=("prepare", "execute", "deallocate"), shapes=(
    Shape("prepare", r"prepare\s+" + IDENT + r"\s*(?:\(|as\b)"),
    Shape("execute", r"execute\s+" + IDENT + r"\s*(?:\(|;|[\"'`]|$)"),
    Shape("deallocate", r"deallocate\s+" + IDENT),
))
def sql_prepared_statement(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    if st.kind == "prepare":
        # deallocated later in the same string (one implicit transaction): nothing stays behind
        freed = any(o.kind == "deallocate" and o.name in (st.name, "all") for o in ctx.later)
        effect = None if freed and st.name is not None else LEAKS
    elif st.kind in ("execute", "deallocate"):
        if st.name == "all":
            effect = None  # DEALLOCATE ALL cannot fail
        else:
            prepared_here = st.name is not None and any(
                o.kind == "prepare" and o.name == st.name for o in ctx.earlier)
            effect = None if prepared_here else BREAKS
    else:
        return []
    return [Verdict({RDS_PROXY: PINS, PGBOUNCER: effect},
                    {"verb": st.kind.upper(), "name": st.name or "statement", "statement": short(st.text)})]


@sql_check("PIN112", kinds=("discard",), shapes=(
    Shape("discard", r"discard\s+(?:all|plans|sequences|temp|temporary)\b"),
))
def discard(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    if st.kind != "discard":
        return []
    return [Verdict({RDS_PROXY: PINS}, {"what": (st.name or "").upper(), "statement": short(st.text)})]


@sql_check("PIN121", kinds=("listen", "unlisten"), shapes=(
    Shape(r"(?:un)?listen", r"(?:un)?listen\s+(?:" + IDENT + r"|\*)" + END),
))
def listen(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    if st.kind == "listen":
        return [Verdict({RDS_PROXY: PINS, PGBOUNCER: LEAKS}, {"verb": "LISTEN", "channel": st.name or "channel"})]
    if st.kind == "unlisten":
        return [Verdict({PGBOUNCER: LOST}, {"verb": "UNLISTEN", "channel": st.name or "channel"})]
    return []


@sql_check("PIN122", kinds=("load",), shapes=(Shape("load", r"load\s+'"),))
def load_module(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    if st.kind != "load":
        return []
    return [Verdict({RDS_PROXY: PINS, PGBOUNCER: LEAKS}, {"module": st.name or "module"})]


@sql_check("PIN131", kinds=("declare",), shapes=(
    Shape("declare", r"declare\s+" + IDENT + r"\s[^;]{0,200}?\bcursor\b"),
))
def cursor_declare(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    if st.kind != "declare":
        return []
    statement_mode = ctx.targets.pgbouncer.pool_mode == "statement"
    # used (FETCH/MOVE/CLOSE) later in the same string: the same transaction, even in statement mode
    used_here = any(o.kind in ("fetch", "close") for o in ctx.later)
    if st.hold:
        closed = any(o.kind == "close" and o.name in (st.name, "all") for o in ctx.later)
        effects = {RDS_PROXY: PINS, PGBOUNCER: None if closed and st.name is not None else LEAKS}
    else:
        effects = {RDS_PROXY: PINS, PGBOUNCER: BREAKS if statement_mode and not used_here else None}
    hold = "WITH HOLD" if st.hold else "WITHOUT HOLD"
    return [Verdict(effects, {"cursor": st.name or "cursor", "hold": hold})]


@sql_check("PIN141", kinds=("create_temp",), shapes=(
    Shape(CREATE_TEMP, CREATE_TEMP + r"\s", hazard=r"temp|temporary"),
), markers=(r"into\s+temp",))
def temporary_object(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    if st.kind != "create_temp":
        return []
    if st.temp_object == "table" and st.on_commit == "drop":
        used_here = st.name is not None and any(st.name in o.text.lower() for o in ctx.later)
        pgb = BREAKS if ctx.targets.pgbouncer.pool_mode == "statement" and not used_here else None
    else:
        pgb = LEAKS
    return [Verdict({RDS_PROXY: PINS, PGBOUNCER: pgb},
                    {"object": st.temp_object or "object", "name": st.name or "object"})]


def _named(name: str, names) -> Optional[str]:
    """The function of ``names`` a call names: exactly, or with an unknown suffix after one."""
    if name in names:
        return name
    head, hole, rest = name.partition(HOLE.lower())
    return head if hole and not rest and head in names else None


def _session_lock(name: str) -> Optional[str]:
    """The session-level lock function a call names: exactly, or with an unknown suffix after one
    (``pg_advisory_lock{suffix}`` is ``pg_advisory_lock`` or ``pg_advisory_lock_shared``, both session
    locks; a transaction-level lock has ``_xact`` before ``lock``)."""
    return _named(name, SESSION_LOCKS)


#: a name assembled from parts (``"pg_" + "try_" + "advisory_lock"``) still shows "advisory"
@sql_check("PIN151", functions=SESSION_LOCKS, markers=("advisory",))
def session_advisory_lock(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    if st.kind not in EXECUTING_KINDS and st.kind != "do":
        return []
    out = []
    for call in st.calls:
        name = _session_lock(call.name)
        if name is None:
            continue
        # inside a DO block the lock is taken by server-side code: RDS Proxy does not see it (poolers.md:
        # "state changed inside stored procedures/functions is not detected"), so it stays with the backend
        effects = {RDS_PROXY: LEAKS, PGBOUNCER: LEAKS} if st.kind == "do" else {RDS_PROXY: PINS, PGBOUNCER: LEAKS}
        out.append(Verdict(effects, {"function": name}, span=(call.start, call.start + len(name))))
    return out


SESSION_UNLOCKS = ("pg_advisory_unlock", "pg_advisory_unlock_shared", "pg_advisory_unlock_all")


@sql_check("PIN152", functions=SESSION_UNLOCKS)
def session_advisory_unlock(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    if st.kind not in EXECUTING_KINDS and st.kind != "do":
        return []
    if any(_session_lock(c.name) for other in ctx.earlier for c in other.calls) \
            or any(_session_lock(c.name) for c in st.calls):
        return []  # locked earlier in this SQL string: the same transaction, the same server connection
    out = []
    for call in st.calls:
        name = _named(call.name, SESSION_UNLOCKS)
        if name is not None:
            out.append(Verdict({PGBOUNCER: LOST}, {"function": name}, span=(call.start, call.start + len(name))))
    return out


@sql_check("PIN161", functions=SEQUENCE_SETTERS)
def sequence_function(ctx: SqlContext) -> List[Verdict]:
    return [
        Verdict({RDS_PROXY: PINS}, {"function": call.name}, span=call_span(call))
        for call in _executed_calls(ctx.statement, SEQUENCE_SETTERS)
    ]


def _sets_sequence_earlier(ctx: SqlContext, st: Statement, call: Call) -> bool:
    """Whether this string already ran nextval/setval, or an INSERT (a serial default), before ``call``:
    then both run in the same implicit transaction, on the same server connection."""
    for other in ctx.earlier:
        if other.text[:6].upper() == "INSERT" or any(c.name in SEQUENCE_SETTERS for c in other.calls):
            return True
    return any(c.name in SEQUENCE_SETTERS and c.start < call.start for c in st.calls)


@sql_check("PIN162", functions=SEQUENCE_READERS)
def session_sequence_value(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    return [
        Verdict({PGBOUNCER: LOST}, {"function": call.name}, span=call_span(call))
        for call in _executed_calls(st, SEQUENCE_READERS)
        if not _sets_sequence_earlier(ctx, st, call)
    ]


@sql_check("PIN191", large=True)
def statement_too_large(ctx: SqlContext) -> List[Verdict]:
    """A SQL text larger than 16 KB. Code sends the whole string as one query text, so the site's text
    counts (reported once, at its first statement); a .sql file is judged statement by statement.
    Unknown parts (holes) count for nothing: only the static text can prove the size."""
    st = ctx.statement
    if ctx.site.sink == "sql-file":
        text = st.text
    elif any(o.kind != "unknown" for o in ctx.earlier):
        return []
    else:
        text = ctx.site.text
    size = static_bytes(text)
    if size <= LARGE_STATEMENT_BYTES:
        return []
    head = st.text.split(None, 1)[0] if st.text.split() else ""
    return [Verdict({RDS_PROXY: PINS}, {"size": f"{size / 1024:.1f} KB"}, span=(st.start, st.start + len(head)))]
