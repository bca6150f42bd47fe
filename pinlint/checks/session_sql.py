"""PostgreSQL statements that leave state on the server connection.

Each check names the hazard family of what it finds (``pinlint.targets.hazard``); what that does under
each pooler, with the source, is in the target profiles (``pinlint/targets/profiles.toml``, printed by
``pinlint targets``). The gist: a transaction pooler (PgBouncer, Supavisor, ...) lends a server
connection per transaction, so anything that outlives the transaction stays behind for the next client
(SET, LISTEN, WITH HOLD cursors, SQL PREPARE, LOAD, session advisory locks, temp tables without ON COMMIT
DROP), except what the pooler tracks per client. RDS Proxy pins the client to its backend for any SET or
set_config, SQL-level prepared statements, DISCARD, any temporary object, any DECLARE, LISTEN, LOAD,
nextval/setval and session advisory locks.
"""
from __future__ import annotations

import re
from typing import List, Optional

from pinlint.checks.context import SqlContext, Verdict
from pinlint.checks.registry import sql_check
from pinlint.checks.sql_fixes import on_commit_drop, set_local, xact_lock
from pinlint.checks.sqltext import call_span, executed_calls, short
from pinlint.checks.triggers import END, IDENT, NAME, Shape
from pinlint.sql.pg_parameters import PG_PARAMETERS, is_pg_parameter
from pinlint.sql.statement import HOLE, Call, Statement
from pinlint.targets import LARGE_STATEMENT_BYTES, hazard, static_bytes

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


#: statements PgDog treats as SETs when one query string mixes them with others
SET_KINDS = frozenset({"set", "set_role", "set_session_authorization", "set_session_characteristics",
                       "set_transaction", "reset"})
#: the first words PgDog's regex pre-check sends through its parser (pgdog/src/frontend/regex_parser.rs)
_PARSED_START = re.compile(r"(?i)^\s*(?:set|reset|begin|commit|rollback|listen|unlisten|notify)\b")


def _company(ctx: SqlContext) -> List[str]:
    """Flags for a SET by the statements it shares its SQL string with: ``mixed`` when some are not SETs,
    ``parsed`` when the string starts with a statement PgDog's pre-check parses."""
    others = [o for i, o in enumerate(ctx.statements) if i != ctx.index and o.kind != "unknown"]
    if not any(o.kind not in SET_KINDS for o in others):
        return []
    return ["mixed", "parsed" if _PARSED_START.match(ctx.statements[0].text) else ""]


def _executed_calls(st: Statement, names) -> List[Call]:
    return executed_calls(st, names, EXECUTING_KINDS)


@sql_check("PIN101", families=("session-set",), kinds=("set", "set_session_characteristics"), shapes=(
    Shape("set", _SET + NAME + r"\s*(?:=|to\b)", parameter_like),
    Shape("set", _SET + r"(?:time\s+zone|session\s+characteristics)\b"),
    Shape("set", r"set\s+(?:schema|names)\s"),
))
def set_session_parameter(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    if st.kind == "set_session_characteristics":
        param = "default_transaction_isolation" if "isolation" in st.text.lower() else "default_transaction_read_only"
        return [Verdict(hazard("session-set", param, flags=["characteristics"] + _company(ctx)),
                        {"name": "session characteristics", "statement": short(st.text)})]
    if st.kind != "set" or st.scope != "session":
        return []
    if st.name in TRANSACTION_SCOPED or (st.name is not None and not is_pg_parameter(st.name)):
        return []  # transaction-scoped, or not a PostgreSQL parameter (MySQL's sql_mode, ...)
    # an unknown name (a hole) may be a parameter a target tracks: the profiles then stay quiet
    return [Verdict(hazard("session-set", st.name, flags=_company(ctx)),
                    {"name": st.name or "a parameter", "statement": short(st.text)}, fix=set_local(ctx))]


@sql_check("PIN102", families=("set-role",), kinds=("set_role", "set_session_authorization"), shapes=(
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
    flags = ["resets" if resets else "", "session-authorization" if st.kind == "set_session_authorization" else ""]
    return [Verdict(hazard("set-role", flags=flags + _company(ctx)), {"what": what, "statement": short(st.text)},
                    fix=None if resets else set_local(ctx))]


@sql_check("PIN103", families=("reset",), kinds=("reset",), shapes=(
    Shape("reset", r"reset\s+" + NAME + END, parameter_like),
    Shape("reset", r"reset\s+(?:session\s+authorization|time\s+zone)\b"),
))
def reset_parameter(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    if st.kind != "reset":
        return []
    if st.name is None or st.name in TRANSACTION_SCOPED:
        return []
    if st.name not in ("all", "role", "session_authorization") and not is_pg_parameter(st.name):
        return []
    # a RESET of a parameter a target tracks is fine there (the profiles' ``tracked``)
    return [Verdict(hazard("reset", st.name), {"name": st.name, "statement": short(st.text)})]


def _alone(st: Statement, call: Call) -> bool:
    """``SELECT set_config('name', 'value', false)`` and nothing else, with constant arguments: the one
    form PgDog's parser takes for a SET."""
    if len(st.calls) != 1 or any(a is None or HOLE in a or not (a.startswith("'") or a in FALSE_LITERALS)
                                 for a in call.args):
        return False
    return re.match(r"(?is)^\s*select\s+set_config\s*\(.*\)\s*;?\s*$", st.text) is not None


@sql_check("PIN104", families=("set-config-session",), functions=("set_config",))
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
        alone = "alone" if _alone(ctx.statement, call) else ""
        out.append(Verdict(hazard("set-config-session", name, flags=[alone]),
                           {"name": name or "a parameter"}, span=call_span(call)))
    return out


@sql_check("PIN111", families=("sql-prepare", "sql-prepared-use"), kinds=("prepare", "execute", "deallocate"), shapes=(
    Shape("prepare", r"prepare\s+" + IDENT + r"\s*(?:\(|as\b)"),
    Shape("execute", r"execute\s+" + IDENT + r"\s*(?:\(|;|[\"'`]|$)"),
    Shape("deallocate", r"deallocate\s+" + IDENT),
))
def sql_prepared_statement(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    if st.kind == "prepare":
        # deallocated later in the same string (one implicit transaction): nothing stays behind
        freed = any(o.kind == "deallocate" and o.name in (st.name, "all") for o in ctx.later)
        found = hazard("sql-prepare", flags=["contained" if freed and st.name is not None else ""])
    elif st.kind in ("execute", "deallocate"):
        prepared_here = st.name is not None and st.name != "all" and any(
            o.kind == "prepare" and o.name == st.name for o in ctx.earlier)
        # DEALLOCATE ALL cannot fail where nothing tracks prepared statements
        found = hazard("sql-prepared-use", flags=["all" if st.name == "all" else "",
                                                  "contained" if prepared_here else ""])
    else:
        return []
    return [Verdict(found,
                    {"verb": st.kind.upper(), "name": st.name or "statement", "statement": short(st.text)})]


@sql_check("PIN112", families=("discard",), kinds=("discard",), shapes=(
    Shape("discard", r"discard\s+(?:all|plans|sequences|temp|temporary)\b"),
))
def discard(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    if st.kind != "discard":
        return []
    return [Verdict(hazard("discard", st.name), {"what": (st.name or "").upper(), "statement": short(st.text)})]


@sql_check("PIN121", families=("listen", "unlisten"), kinds=("listen", "unlisten"), shapes=(
    Shape(r"(?:un)?listen", r"(?:un)?listen\s+(?:" + IDENT + r"|\*)" + END),
))
def listen(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    if st.kind == "listen":
        return [Verdict(hazard("listen"), {"verb": "LISTEN", "channel": st.name or "channel"})]
    if st.kind == "unlisten":
        return [Verdict(hazard("unlisten"), {"verb": "UNLISTEN", "channel": st.name or "channel"})]
    return []


@sql_check("PIN122", families=("load",), kinds=("load",), shapes=(Shape("load", r"load\s+'"),))
def load_module(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    if st.kind != "load":
        return []
    return [Verdict(hazard("load"), {"module": st.name or "module"})]


@sql_check("PIN131", families=("cursor-with-hold", "cursor-without-hold"), kinds=("declare",), shapes=(
    Shape("declare", r"declare\s+" + IDENT + r"\s[^;]{0,200}?\bcursor\b"),
))
def cursor_declare(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    if st.kind != "declare":
        return []
    # used (FETCH/MOVE/CLOSE) later in the same string: the same transaction, even in statement mode
    used_here = any(o.kind in ("fetch", "close") for o in ctx.later)
    if st.hold:
        closed = any(o.kind == "close" and o.name in (st.name, "all") for o in ctx.later)
        found = hazard("cursor-with-hold", flags=["contained" if closed and st.name is not None else ""])
    else:
        found = hazard("cursor-without-hold", flags=["used-here" if used_here else ""])
    hold = "WITH HOLD" if st.hold else "WITHOUT HOLD"
    return [Verdict(found, {"cursor": st.name or "cursor", "hold": hold})]


@sql_check("PIN141", families=("temp-table", "temp-on-commit-drop"), kinds=("create_temp",), shapes=(
    Shape(CREATE_TEMP, CREATE_TEMP + r"\s", hazard=r"temp|temporary"),
), markers=(r"into\s+temp",))
def temporary_object(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    if st.kind != "create_temp":
        return []
    if st.temp_object == "table" and st.on_commit == "drop":
        used_here = st.name is not None and any(st.name in o.text.lower() for o in ctx.later)
        found = hazard("temp-on-commit-drop", flags=["used-here" if used_here else ""])
    else:
        found = hazard("temp-table")
    return [Verdict(found,
                    {"object": st.temp_object or "object", "name": st.name or "object"},
                    fix=on_commit_drop(ctx) if found.family == "temp-table" else None)]


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
@sql_check("PIN151", families=("advisory-lock",), functions=SESSION_LOCKS, markers=("advisory",))
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
        found = hazard("advisory-lock", flags=["server-side" if st.kind == "do" else ""])
        out.append(Verdict(found, {"function": name}, span=(call.start, call.start + len(name)),
                           fix=xact_lock(ctx, call) if st.kind != "do" else None))
    return out


SESSION_UNLOCKS = ("pg_advisory_unlock", "pg_advisory_unlock_shared", "pg_advisory_unlock_all")


@sql_check("PIN152", families=("advisory-unlock",), functions=SESSION_UNLOCKS)
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
            out.append(Verdict(hazard("advisory-unlock"), {"function": name}, span=(call.start, call.start + len(name))))
    return out


@sql_check("PIN161", families=("sequence-function",), functions=SEQUENCE_SETTERS)
def sequence_function(ctx: SqlContext) -> List[Verdict]:
    return [
        Verdict(hazard("sequence-function"), {"function": call.name}, span=call_span(call))
        for call in _executed_calls(ctx.statement, SEQUENCE_SETTERS)
    ]


def _sets_sequence_earlier(ctx: SqlContext, st: Statement, call: Call) -> bool:
    """Whether this string already ran nextval/setval, or an INSERT (a serial default), before ``call``:
    then both run in the same implicit transaction, on the same server connection."""
    for other in ctx.earlier:
        if other.text[:6].upper() == "INSERT" or any(c.name in SEQUENCE_SETTERS for c in other.calls):
            return True
    return any(c.name in SEQUENCE_SETTERS and c.start < call.start for c in st.calls)


@sql_check("PIN162", families=("session-sequence-value",), functions=SEQUENCE_READERS)
def session_sequence_value(ctx: SqlContext) -> List[Verdict]:
    st = ctx.statement
    return [
        Verdict(hazard("session-sequence-value"), {"function": call.name}, span=call_span(call))
        for call in _executed_calls(st, SEQUENCE_READERS)
        if not _sets_sequence_earlier(ctx, st, call)
    ]


@sql_check("PIN191", families=("statement-too-large",), large=True)
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
    return [Verdict(hazard("statement-too-large"), {"size": f"{size:,} bytes"},
                    span=(st.start, st.start + len(head)))]
