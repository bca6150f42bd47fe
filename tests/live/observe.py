"""The live oracle: does a statement leave session state behind?

PostgreSQL (``observe_pg``), through a PgBouncer whose pool has ONE server
connection, so every client shares the same backend:

1. ``reset_pool``: terminate PgBouncer's server connections (found with the
   admin console's SHOW SERVERS, killed with pg_terminate_backend over a direct
   connection) so the observation starts on a fresh backend.
2. Client A runs ``setup`` (if any).  Client B takes the *baseline* probe.
3. A runs ``sql`` as ONE execute (simple query protocol: ``"BEGIN; DECLARE ...;
   COMMIT"`` is one message, one transaction).  If A is left inside a
   transaction that alone is a residue (PgBouncer keeps the server assigned to
   A); A then rolls back.
4. A probes (what A itself now sees), then B probes again on the same backend.
   Every difference between B's baseline and B's second probe is a *residue*:
   state a later client inherits.  Differences only A sees are *notes* (that is
   PgBouncer re-applying its tracked parameters - client_encoding, DateStyle,
   IntervalStyle, TimeZone, standard_conforming_strings, application_name - to
   B).
5. Optional ``followup``: the backend is replaced (as if A's next transaction
   landed on another server connection) and A runs ``followup``; an error there
   is a residue too (``PREPARE`` -> ``EXECUTE``).

The probe is one SELECT (valid in statement mode too) reading pg_settings
(name, setting, source), current_user/session_user, pg_prepared_statements,
pg_cursors, temporary relations in pg_my_temp_schema(), pg_listening_channels(),
the backend's advisory locks in pg_locks, and current_setting(name, true) for
every ``prefix.name`` token in the SQL (custom placeholder settings such as
``app.tenant`` are not listed in pg_settings); plus ``lastval()``.
Loaded modules show up as settings that appear (``LOAD 'auto_explain'``).

MariaDB (``observe_mysql``), directly (no pooler): does the statement leave
state that the SAME connection carries into its next use (what a connection
pool hands to the next borrower)?  Baseline and after-probe are taken on that
connection: information_schema.USER_VARIABLES, SESSION_VARIABLES differing from
GLOBAL_VARIABLES, METADATA_LOCK_INFO (GET_LOCK user locks, LOCK TABLES), global
Prepared_stmt_count, DATABASE()/CURRENT_USER()/CURRENT_ROLE(), and temporary
tables (MariaDB 10.11 cannot list them: every identifier in the SQL is checked
with SHOW CREATE TABLE).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any, Optional

import psycopg
from psycopg import pq

__all__ = [
    "Observation",
    "ObserveError",
    "observe_pg",
    "observe_mysql",
    "reset_pool",
    "pool_servers",
    "pg_connect",
]


class ObserveError(RuntimeError):
    """The observation itself could not be made (setup failed, pool not reset...)."""


@dataclass(repr=False)
class Observation:
    engine: str  # "postgresql" | "mariadb"
    via: str  # "pgbouncer transaction", "pgbouncer statement", "direct"
    sql: str
    setup: str = ""
    residues: list[str] = field(default_factory=list)  # state a later client/borrower inherits
    notes: list[str] = field(default_factory=list)  # informational, not residues
    error: Optional[str] = None  # error client A got running `sql`
    followup: Optional[str] = None
    followup_error: Optional[str] = None
    backend_pid: Optional[int] = None  # PG backend pid / MariaDB connection id
    same_backend: bool = True  # B's probes and A ran on one backend (PG)
    baseline: dict = field(default_factory=dict, repr=False)
    after: dict = field(default_factory=dict, repr=False)

    @property
    def session_scoped(self) -> bool:
        return bool(self.residues)

    def mentions(self, text: str) -> bool:
        """Some residue mentions ``text`` (case-insensitive)."""
        return any(text.lower() in r.lower() for r in self.residues)

    def __repr__(self) -> str:
        return "\n" + str(self)

    def __str__(self) -> str:
        lines = [f"[{self.engine} via {self.via}] {self.sql!r}: "
                 f"{'SESSION-SCOPED' if self.session_scoped else 'not session-scoped'}"]
        if self.setup:
            lines.append(f"  setup: {self.setup!r}")
        if self.error:
            lines.append(f"  error: {self.error}")
        lines += [f"  residue: {r}" for r in self.residues]
        lines += [f"  note: {n}" for n in self.notes]
        if self.followup:
            lines.append(f"  followup {self.followup!r}: {self.followup_error or 'ok'}")
        return "\n".join(lines)


def _err(e: BaseException) -> str:
    msg = str(e).strip().splitlines()
    return f"{type(e).__name__}: {msg[0] if msg else ''}"


_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*)+")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")


def _dotted_names(*texts: str, limit: int = 100) -> list[str]:
    seen: dict[str, None] = {}
    for t in texts:
        for m in _DOTTED.findall(t or ""):
            seen.setdefault(m.lower(), None)
    return list(seen)[:limit]


# ---------------------------------------------------------------------------
# PostgreSQL / PgBouncer


def pg_connect(dsn: str, **kw: Any) -> psycopg.Connection:
    """psycopg 3 connection as the observer uses it: autocommit (each execute is
    its own transaction), no protocol-level prepared statements."""
    kw.setdefault("autocommit", True)
    kw.setdefault("prepare_threshold", None)
    kw.setdefault("connect_timeout", 10)
    return psycopg.connect(dsn, **kw)


def _admin(bouncer) -> psycopg.Connection:
    # the admin console speaks the simple query protocol only: ClientCursor
    return psycopg.connect(bouncer.admin_dsn, autocommit=True, connect_timeout=10,
                           cursor_factory=psycopg.ClientCursor)


def pool_servers(bouncer) -> list[dict]:
    """PgBouncer's SHOW SERVERS as dicts (database, state, remote_pid, ...)."""
    with _admin(bouncer) as adm:
        cur = adm.execute("SHOW SERVERS")
        names = [d.name for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]


def reset_pool(bouncer, timeout: float = 10.0) -> None:
    """Drop every server connection of ``bouncer`` so the next client gets a fresh
    backend: pg_terminate_backend() on the pids SHOW SERVERS reports, then wait
    until PgBouncer has noticed (SHOW SERVERS empty) and the backends are gone."""
    deadline = time.monotonic() + timeout
    killed: set[int] = set()
    with _admin(bouncer) as adm, pg_connect(bouncer.server.dsn) as direct:
        while True:
            cur = adm.execute("SHOW SERVERS")
            names = [d.name for d in cur.description]
            pids = sorted(int(dict(zip(names, r))["remote_pid"]) for r in cur.fetchall())
            if pids:
                killed.update(pids)
                direct.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) pid", (pids,))
            else:
                alive = direct.execute(
                    "SELECT pid FROM pg_stat_activity WHERE pid = ANY(%s::int[])", (sorted(killed),)
                ).fetchall()
                if not alive:
                    return
            if time.monotonic() > deadline:
                raise ObserveError(f"PgBouncer server connections {pids or sorted(killed)} still there "
                                   f"after {timeout}s\n{bouncer.log_tail(15)}")
            time.sleep(0.01)


def _probe_sql(custom: list[str]) -> str:
    arr = "ARRAY[" + ",".join("'" + n.replace("'", "''") + "'" for n in custom) + "]::text[]"
    return f"""
SELECT pg_backend_pid() AS pid,
       current_user::text AS current_user,
       session_user::text AS session_user,
       (SELECT json_agg(json_build_array(name, setting, source)) FROM pg_settings) AS settings,
       (SELECT json_agg(json_build_array(n, current_setting(n, true))) FROM unnest({arr}) n) AS custom,
       (SELECT json_agg(json_build_array(name, statement, from_sql)) FROM pg_prepared_statements) AS prepared,
       (SELECT json_agg(json_build_array(name, is_holdable, statement)) FROM pg_cursors
         WHERE name <> '') AS cursors,
       (SELECT json_agg(json_build_array(c.relname, c.relkind)) FROM pg_class c
         WHERE c.relpersistence = 't' AND c.relnamespace = pg_my_temp_schema()) AS temp_relations,
       (SELECT json_agg(ch) FROM pg_listening_channels() ch) AS listening,
       (SELECT json_agg(json_build_array(classid, objid, objsubid, mode)) FROM pg_locks
         WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS advisory_locks
"""


def _probe_pg(conn: psycopg.Connection, custom: list[str]) -> dict:
    cur = conn.execute(_probe_sql(custom))
    names = [d.name for d in cur.description]
    row = dict(zip(names, cur.fetchone()))
    for k in ("settings", "custom", "prepared", "cursors", "temp_relations", "listening", "advisory_locks"):
        v = row[k]
        row[k] = json.loads(v) if isinstance(v, str) else (v or [])
    try:
        row["lastval"] = conn.execute("SELECT lastval()").fetchone()[0]
    except psycopg.Error:
        row["lastval"] = None
    return row


#: Modules PostgreSQL loads by itself on first use in a backend (any DO block or PL/pgSQL function): their
#: settings appearing is not state a statement left for the next client.
AUTOLOADED_PREFIXES = ("plpgsql.",)


def _diff_pg(base: dict, now: dict) -> tuple[list[str], list[str]]:
    """(residues, notes) between two probes."""
    res: list[str] = []
    notes: list[str] = []
    b = {n: (s, src) for n, s, src in base["settings"]}
    a = {n: (s, src) for n, s, src in now["settings"]}
    for name in sorted(set(b) | set(a), key=str.lower):
        if name not in b and name.startswith(AUTOLOADED_PREFIXES):
            notes.append(f"setting {name} appeared (module autoloaded on first use)")
        elif name not in b:
            res.append(f"setting {name} appeared = {a[name][0]!r} (module loaded into the backend?)")
        elif name not in a:
            res.append(f"setting {name} disappeared")
        elif b[name][0] != a[name][0]:
            res.append(f"setting {name} = {a[name][0]!r} (was {b[name][0]!r}; source {a[name][1]})")
        elif b[name][1] != a[name][1]:
            notes.append(f"setting {name}: value unchanged {a[name][0]!r}, source {b[name][1]} -> {a[name][1]}")
    if base["current_user"] != now["current_user"]:
        # a role without superuser cannot see some settings: one note, not 20 residues
        gone = [r for r in res if r.endswith(" disappeared")]
        if gone:
            res = [r for r in res if r not in gone]
            notes.append(f"{len(gone)} settings not visible to role {now['current_user']!r}")
    bc, ac = dict(map(tuple, base["custom"])), dict(map(tuple, now["custom"]))
    for name in sorted(set(bc) | set(ac)):
        if bc.get(name) is None and ac.get(name) == "":
            # SET LOCAL / set_config(..., true) of an undefined custom setting leaves
            # the placeholder defined with '' after the transaction: no value leaks
            notes.append(f"custom setting {name}: placeholder now defined as '' (was undefined)")
        elif bc.get(name) != ac.get(name):
            res.append(f"custom setting {name} = {ac.get(name)!r} (was {bc.get(name)!r})")
    for k in ("current_user", "session_user"):
        if base[k] != now[k]:
            res.append(f"{k} = {now[k]!r} (was {base[k]!r})")

    def sets(key: str, label: str, fmt) -> None:
        bs = {json.dumps(x, sort_keys=True) for x in base[key]}
        ns = {json.dumps(x, sort_keys=True) for x in now[key]}
        for x in sorted(ns - bs):
            res.append(f"{label} left behind: {fmt(json.loads(x))}")
        for x in sorted(bs - ns):
            res.append(f"{label} gone: {fmt(json.loads(x))}")

    sets("prepared", "prepared statement",
         lambda x: f"{x[0]} ({'SQL PREPARE' if x[2] else 'protocol-level'}): {x[1]}")
    sets("cursors", "cursor", lambda x: f"{x[0]} ({'WITH HOLD' if x[1] else 'without hold'}): {x[2]}")
    sets("temp_relations", "temporary relation", lambda x: f"{x[0]} (relkind {x[1]})")
    sets("listening", "LISTEN channel", lambda x: f"{x}")
    sets("advisory_locks", "advisory lock",
         lambda x: f"session advisory lock classid={x[0]} objid={x[1]} objsubid={x[2]} {x[3]}")
    if base.get("lastval") != now.get("lastval"):
        # Every nextval() sets the session's lastval/currval. That state only matters to a later
        # currval()/lastval() without its own nextval(), which PIN162 reports at the reader; counting it
        # here would make every INSERT into a serial column "session-scoped".
        notes.append(f"lastval() = {now.get('lastval')!r} (was {base.get('lastval')!r}): sequence session state")
    return res, notes


def _exec_all(conn: psycopg.Connection, sql: str) -> None:
    cur = conn.execute(sql)
    while cur.nextset():
        pass


def observe_pg(
    sql: str,
    *,
    setup: str = "",
    bouncer,
    followup: Optional[str] = None,
    b_connect: Optional[dict] = None,
) -> Observation:
    """Run ``sql`` as client A through ``bouncer`` and report what client B, next
    on the same backend, inherits.  See the module docstring.

    ``b_connect``: extra psycopg.connect() arguments for client B (e.g.
    ``{"application_name": "b"}``: startup parameters PgBouncer tracks for B)."""
    obs = Observation("postgresql", f"pgbouncer {bouncer.pool_mode}", sql, setup, followup=followup)
    custom = _dotted_names(sql, setup, followup or "")
    reset_pool(bouncer)
    a = b = None
    try:
        a = pg_connect(bouncer.dsn)
        if setup:
            try:
                _exec_all(a, setup)
            except psycopg.Error as e:
                raise ObserveError(f"setup {setup!r} failed: {_err(e)}") from e
        b = pg_connect(bouncer.dsn, **(b_connect or {}))
        base = _probe_pg(b, custom)
        obs.baseline = base
        try:
            _exec_all(a, sql)
        except psycopg.Error as e:
            obs.error = _err(e)
        a_ok = not a.closed and not a.broken
        if a_ok and a.info.transaction_status in (pq.TransactionStatus.INTRANS, pq.TransactionStatus.INERROR):
            status = a.info.transaction_status.name
            obs.residues.append(
                f"open transaction ({status}): the server connection stays assigned to client A")
            try:
                a.execute("ROLLBACK")
            except psycopg.Error as e:
                obs.notes.append(f"A's ROLLBACK failed: {_err(e)}")
        a_view = None
        if a_ok:
            try:
                a_view = _probe_pg(a, custom)
            except psycopg.Error as e:
                obs.notes.append(f"A's own probe failed: {_err(e)}")
        try:
            after = _probe_pg(b, custom)
        except psycopg.Error as e:
            obs.residues.append(f"client B's probe failed: {_err(e)}")
            after = None
        if after is not None:
            obs.after = after
            obs.backend_pid = base["pid"]
            pids = {base["pid"], after["pid"]} | ({a_view["pid"]} if a_view else set())
            obs.same_backend = len(pids) == 1
            if not obs.same_backend:
                obs.notes.append(f"backend changed during the observation (pids {sorted(pids)}); "
                                 "the comparison is against a fresh backend")
            res, notes = _diff_pg(base, after)
            obs.residues += res
            obs.notes += notes
            if a_view is not None:
                a_res, _ = _diff_pg(base, a_view)
                for r in a_res:
                    if r not in res:
                        obs.notes.append(f"visible to A only: {r}")
        if followup:
            reset_pool(bouncer)  # A's next transaction lands on another server connection
            if a.closed or a.broken:
                a = pg_connect(bouncer.dsn)
            try:
                _exec_all(a, followup)
            except psycopg.Error as e:
                obs.followup_error = _err(e)
                obs.residues.append(f"A's next transaction on another backend failed: {obs.followup_error}")
        return obs
    finally:
        for c in (a, b):
            if c is not None:
                c.close()
        reset_pool(bouncer)


# ---------------------------------------------------------------------------
# MariaDB

_MYSQL_VOLATILE = {
    "TIMESTAMP", "WARNING_COUNT", "ERROR_COUNT", "RAND_SEED1", "RAND_SEED2",
}


def _mysql_all(cur, sql: str) -> list[tuple]:
    cur.execute(sql)
    rows = list(cur.fetchall() or ())
    while cur.nextset():
        rows += list(cur.fetchall() or ())
    return rows


def _mysql_words(*texts: str, limit: int = 200) -> list[str]:
    seen: dict[str, None] = {}
    for t in texts:
        for m in _DOTTED.findall(t or "") + _WORD.findall(t or ""):
            if len(m.split(".")) <= 2:
                seen.setdefault(m, None)
    return list(seen)[:limit]


def _probe_mysql(conn, words: list[str]) -> dict:
    import pymysql

    cur = conn.cursor()
    out: dict[str, Any] = {"unobservable": []}
    try:
        out["user_variables"] = sorted(
            (n, v, t) for n, v, t in _mysql_all(
                cur, "SELECT VARIABLE_NAME, VARIABLE_VALUE, VARIABLE_TYPE FROM information_schema.USER_VARIABLES"))
    except pymysql.MySQLError as e:
        out["user_variables"] = []
        out["unobservable"].append(f"user variables ({_err(e)})")
    try:
        out["locks"] = sorted(
            tuple("" if x is None else str(x) for x in r) for r in _mysql_all(
                cur, "SELECT LOCK_TYPE, LOCK_MODE, TABLE_SCHEMA, TABLE_NAME "
                     "FROM information_schema.METADATA_LOCK_INFO WHERE THREAD_ID = CONNECTION_ID()"))
    except pymysql.MySQLError as e:
        out["locks"] = []
        out["unobservable"].append(f"metadata/user locks ({_err(e)})")
    out["prepared_count"] = int(_mysql_all(cur, "SHOW GLOBAL STATUS LIKE 'Prepared_stmt_count'")[0][1])
    out["identity"] = _mysql_all(cur, "SELECT CONNECTION_ID(), DATABASE(), CURRENT_USER(), CURRENT_ROLE()")[0]
    temp = []
    for w in words:
        quoted = ".".join(f"`{p}`" for p in w.split("."))
        try:
            rows = _mysql_all(cur, f"SHOW CREATE TABLE {quoted}")
        except pymysql.MySQLError:
            continue
        if rows and len(rows[0]) > 1 and str(rows[0][1]).upper().startswith("CREATE TEMPORARY TABLE"):
            temp.append(w)
    out["temp_tables"] = sorted(temp)
    # last: the statements above reset the per-statement diagnostics anyway
    out["session_variables"] = {
        n: (s, g) for n, s, g in _mysql_all(
            cur,
            "SELECT s.VARIABLE_NAME, s.VARIABLE_VALUE, g.VARIABLE_VALUE "
            "FROM information_schema.SESSION_VARIABLES s "
            "LEFT JOIN information_schema.GLOBAL_VARIABLES g USING (VARIABLE_NAME)")
        if n not in _MYSQL_VOLATILE
    }
    cur.close()
    return out


def _diff_mysql(base: dict, now: dict) -> list[str]:
    res: list[str] = []
    bu = {n: (v, t) for n, v, t in base["user_variables"]}
    nu = {n: (v, t) for n, v, t in now["user_variables"]}
    for n in sorted(set(bu) | set(nu)):
        if bu.get(n) != nu.get(n):
            res.append(f"user variable @{n} = {nu.get(n, (None,))[0]!r} (was {bu.get(n, (None,))[0]!r})")
    for lk in sorted(set(now["locks"]) - set(base["locks"])):
        typ, mode, schema, name = lk
        what = f"'{schema}'" if typ == "User lock" else ".".join(p for p in (schema, name) if p)
        res.append(f"lock held: {typ} {what} ({mode})".replace("  ", " "))
    for lk in sorted(set(base["locks"]) - set(now["locks"])):
        res.append(f"lock released: {lk[0]} {'.'.join(p for p in lk[2:] if p)} ({lk[1]})")
    d = now["prepared_count"] - base["prepared_count"]
    if d:
        res.append(f"prepared statements: {d:+d} (Prepared_stmt_count)")
    for t in sorted(set(now["temp_tables"]) - set(base["temp_tables"])):
        res.append(f"temporary table {t}")
    for t in sorted(set(base["temp_tables"]) - set(now["temp_tables"])):
        res.append(f"temporary table {t} gone")
    labels = ("connection id", "DATABASE()", "CURRENT_USER()", "CURRENT_ROLE()")
    for label, x, y in zip(labels, base["identity"], now["identity"]):
        if x != y:
            res.append(f"{label} = {y!r} (was {x!r})")
    bs, ns = base["session_variables"], now["session_variables"]
    for n in sorted(set(bs) | set(ns)):
        if bs.get(n, (None,))[0] != ns.get(n, (None,))[0]:
            s, g = ns.get(n, (None, None))
            if n == "IN_TRANSACTION" and s == "1":
                res.append("open transaction (IN_TRANSACTION = 1)")
                continue
            res.append(f"session variable {n} = {s!r} (global {g!r}; was {bs.get(n, (None,))[0]!r})")
    return res


def observe_mysql(sql: str, setup: str = "", *, server, followup: Optional[str] = None) -> Observation:
    """Run ``sql`` (several statements allowed) on a fresh MariaDB connection and
    report the state that connection carries into its next use."""
    import pymysql
    from pymysql.constants import CLIENT

    obs = Observation("mariadb", "direct", sql, setup, followup=followup)
    words = _mysql_words(sql, setup, followup or "")
    conn = pymysql.connect(**server.connect_kwargs(client_flag=CLIENT.MULTI_STATEMENTS))
    try:
        cur = conn.cursor()
        if setup:
            try:
                _mysql_all(cur, setup)
            except pymysql.MySQLError as e:
                raise ObserveError(f"setup {setup!r} failed: {_err(e)}") from e
        base = _probe_mysql(conn, words)
        obs.baseline = base
        obs.backend_pid = base["identity"][0]
        try:
            _mysql_all(cur, sql)
        except pymysql.MySQLError as e:
            obs.error = _err(e)
            # drain the remaining results of a failed multi-statement
            try:
                while cur.nextset():
                    pass
            except pymysql.MySQLError:
                pass
        after = _probe_mysql(conn, words)
        obs.after = after
        obs.residues += _diff_mysql(base, after)
        obs.notes += [f"not observable: {u}" for u in after["unobservable"]]
        if followup:
            fresh = pymysql.connect(**server.connect_kwargs(client_flag=CLIENT.MULTI_STATEMENTS))
            try:
                _mysql_all(fresh.cursor(), followup)
            except pymysql.MySQLError as e:
                obs.followup_error = _err(e)
                obs.residues.append(f"the next use on another connection failed: {obs.followup_error}")
            finally:
                fresh.close()
        return obs
    finally:
        conn.close()
