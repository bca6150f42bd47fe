"""Fixes of PostgreSQL statements (pinlint/checks/fixes.py): the SQL is edited where it is written.

All of them change what the statement does, so they are unsafe, and each is offered only where the code
shows that the transaction-scoped form does what the session-scoped one was meant to:

- ``SET x`` / ``SET SESSION x`` -> ``SET LOCAL x`` (also ``ROLE``, ``SESSION AUTHORIZATION``), when the call
  that sends it is visibly inside a transaction block of its connection (``with conn.transaction():``,
  ``with transaction.atomic():``, ``with engine.begin() as conn:``; ``fixes.in_transaction``): outside
  one, ``SET LOCAL`` does nothing;
- ``pg_advisory_lock(k)`` -> ``pg_advisory_xact_lock(k)`` (and the ``try``/``shared`` variants), when the
  call is visibly inside a transaction block and the same function's one ``pg_advisory_unlock(k)`` (same
  key, same connection, same parameters) can be removed with it: a transaction-level lock is released at
  commit, and cannot be unlocked;
- ``CREATE TEMP TABLE t ...`` -> ``CREATE TEMP TABLE t ... ON COMMIT DROP``, when the call is visibly inside
  a transaction block or the same SQL string uses the table after creating it, and only when no selected
  target reports such a table (RDS Proxy pins on any temporary table; PgBouncer's statement mode breaks
  one the string does not use).
"""

from __future__ import annotations

import re
from typing import Optional, Tuple

from pinlint.checks import fixes
from pinlint.checks.context import SqlContext
from pinlint.targets import hazard

_SET_HEAD = re.compile(r"(?is)set(\s+)")
#: ``SET SESSION ...`` where SESSION is the scope (not ``SET SESSION AUTHORIZATION``/``CHARACTERISTICS``)
_SESSION_SCOPE = re.compile(r"(?is)session\b(?!\s+(?:authorization|characteristics)\b)")
_SESSION_SESSION = re.compile(r"(?is)session(?=\s+session\s+authorization\b)")

XACT_LOCKS = {
    "pg_advisory_lock": "pg_advisory_xact_lock",
    "pg_advisory_lock_shared": "pg_advisory_xact_lock_shared",
    "pg_try_advisory_lock": "pg_try_advisory_xact_lock",
    "pg_try_advisory_lock_shared": "pg_try_advisory_xact_lock_shared",
}
_ANY_LOCK = re.compile(r"(?i)\bpg_(?:try_)?advisory_lock")
_UNLOCK = re.compile(r"(?is)\s*select\s+(pg_advisory_unlock(?:_shared|_all)?)\s*\((.*)\)\s*;?\s*")
_TEMP_TABLE = re.compile(r"(?is)create\s+(?:(?:global|local)\s+)?temp(?:orary)?\s+table\s+(?:if\s+not\s+exists\s+)?"
                         r"(?:\"[^\"]+\"|[\w$]+)(?:\.(?:\"[^\"]+\"|[\w$]+))?\s*")


def _case(word: str, like: str) -> str:
    return word.upper() if like[:1].isupper() else word.lower()


def set_local(ctx: SqlContext) -> Optional[fixes.FixBuilder]:
    """``SET LOCAL`` for a session-scoped SET, SET ROLE or SET SESSION AUTHORIZATION."""
    st, site = ctx.statement, ctx.site
    head = _SET_HEAD.match(st.text)
    if head is None or st.kind not in ("set", "set_role", "set_session_authorization"):
        return None
    at = st.start + head.end()
    rest = st.text[head.end():]
    scope = (_SESSION_SESSION if st.kind == "set_session_authorization" else _SESSION_SCOPE).match(rest)
    local = _case("local", st.text)
    edit = fixes.SqlSpan(site, at, at + len(scope.group()), local) if scope else \
        fixes.SqlSpan(site, at, at, local + " ")
    shown = "SET LOCAL" + {"set_role": " ROLE", "set_session_authorization": " SESSION AUTHORIZATION"}.get(st.kind, "")

    def build(fctx: fixes.FixContext) -> Optional[fixes.FixPlan]:
        if not fixes.in_transaction(fctx, site):
            return None
        return fixes.FixPlan(f"Use `{shown}` (the call runs inside a transaction block)", (edit,))

    return build


def _arguments(text: str, at: int) -> Optional[Tuple[int, str]]:
    """After a function name at ``at``: (offset after the closing parenthesis, the arguments' text)."""
    i = at
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text) or text[i] != "(":
        return None
    depth, j, quote = 0, i, ""
    while j < len(text):
        c = text[j]
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return j + 1, text[i + 1: j]
        j += 1
    return None


def _same(a: str, b: str) -> bool:
    return re.sub(r"\s+", "", a.lower()) == re.sub(r"\s+", "", b.lower())


def xact_lock(ctx: SqlContext, call) -> Optional[fixes.FixBuilder]:
    """``pg_advisory_xact_lock`` for a session lock whose unlock in the same function can go."""
    st, site = ctx.statement, ctx.site
    new = XACT_LOCKS.get(call.name)
    if new is None or st.kind != "query" or site.call is None:
        return None
    span = (call.start, call.start + len(call.name))
    written = site.text[span[0]:span[1]]
    args = _arguments(site.text, span[1])
    if written.lower() != call.name or args is None:
        return None
    unlocks = ("pg_advisory_unlock_shared" if call.name.endswith("_shared") else "pg_advisory_unlock",
               "pg_advisory_unlock_all")
    edit = fixes.SqlSpan(site, span[0], span[1], _case(new, written))

    def build(fctx: fixes.FixContext) -> Optional[fixes.FixPlan]:
        function = fctx.function_of(site.call)
        if function is None or not fixes.in_transaction(fctx, site):
            return None
        sites = fixes.statements_in(fctx, function, fctx.facts.sql_sites)
        if [s for s in sites if _ANY_LOCK.search(s.text)] != [site]:
            return None  # another lock in the function: which unlock is whose is not mechanical
        found = []
        for s in sites:
            m = _UNLOCK.fullmatch(s.text)
            if m is None or m.group(1).lower() not in unlocks:
                continue
            if m.group(1).lower() != "pg_advisory_unlock_all" and not _same(m.group(2), args[1]):
                continue
            found.append(s)
        if len(found) != 1 or found[0].call is None:
            return None
        unlock = found[0]
        if fixes.receiver(unlock.call) != fixes.receiver(site.call) or \
                [fixes.source(a.value) for a in unlock.call.args[1:]] != [fixes.source(a.value) for a in site.call.args[1:]]:
            return None
        line = fixes.statement_of(fctx, unlock.call)
        removal = fixes.removal(fctx, line) if line is not None else None
        if removal is None:
            return None
        return fixes.FixPlan(f"Use `{new}()` (released at commit) and remove the `{unlocks[0]}()` call", (edit, removal))

    return build


def on_commit_drop(ctx: SqlContext) -> Optional[fixes.FixBuilder]:
    """``ON COMMIT DROP`` for a temporary table, where that removes the finding."""
    st, site = ctx.statement, ctx.site
    if st.temp_object != "table" or re.search(r"(?i)\bon\s+commit\b", st.text):
        return None
    used_here = st.name is not None and any(st.name in o.text.lower() for o in ctx.later)
    fixed = hazard("temp-on-commit-drop", flags=["used-here" if used_here else ""])
    if any(o.reported for o in ctx.targets.outcomes(fixed).values()):
        return None  # a selected target still reports the table (RDS Proxy pins on any temporary table)
    m = _TEMP_TABLE.match(st.text)
    if m is None:
        return None
    at = m.end()
    if st.text[at:at + 1] == "(":
        closed = _arguments(st.text, at)
        if closed is None:
            return None
        at = closed[0]
        while at < len(st.text) and st.text[at].isspace():
            at += 1
    rest = st.text[at:]
    clause = _case("on commit drop", st.text)
    if not rest:
        edit = fixes.SqlSpan(site, st.start + len(st.text), st.start + len(st.text), " " + clause)
    elif re.match(r"(?i)as\b", rest):
        edit = fixes.SqlSpan(site, st.start + at, st.start + at, clause + " ")
    else:
        return None  # WITH (...), TABLESPACE, INHERITS, PARTITION BY, ...: written by hand

    def build(fctx: fixes.FixContext) -> Optional[fixes.FixPlan]:
        if not used_here and not fixes.in_transaction(fctx, site):
            return None
        return fixes.FixPlan("Add `ON COMMIT DROP` (the table is dropped when the transaction ends)", (edit,))

    return build
