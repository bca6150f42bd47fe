"""Targets: the poolers a finding is judged for, their options, and how effects read in a message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Optional, Tuple

#: RDS Proxy pins a session on a statement whose text is larger than this (bytes): poolers.md, AWS
#: "Avoiding pinning" ("statement text larger than 16 KB").
LARGE_STATEMENT_BYTES = 16 * 1024

PGBOUNCER = "pgbouncer"
RDS_PROXY = "rds-proxy"
ALL_TARGETS: Tuple[str, ...] = (PGBOUNCER, RDS_PROXY)
TARGET_CHOICES = ("any",) + ALL_TARGETS

#: Parameters PgBouncer keeps per client and re-applies on every server connection it lends
#: (pgbouncer.org/config.html, "track_extra_parameters"; features.html "Startup parameters").
#: IntervalStyle is tracked by default since 1.20 (track_extra_parameters); observed untracked on 1.18.
#: application_name is left out on purpose: PgBouncer re-applies it only to clients that sent one at
#: connect, and the live oracle (tests/live) observed a SET application_name reaching such a client.
PGBOUNCER_TRACKED = frozenset(
    {"client_encoding", "datestyle", "intervalstyle", "timezone", "standard_conforming_strings"}
)

POOL_MODES = ("transaction", "statement")


@dataclass(frozen=True)
class PgBouncerOptions:
    pool_mode: str = "transaction"
    #: > 0 means protocol-level prepared statements are supported (PgBouncer >= 1.21)
    max_prepared_statements: int = 0
    track_extra_parameters: FrozenSet[str] = frozenset()
    ignore_startup_parameters: FrozenSet[str] = frozenset()
    #: PgBouncer's client_idle_timeout in seconds; 0 means off (the default)
    client_idle_timeout: int = 0

    def tracked(self, parameter: str) -> bool:
        p = parameter.lower()
        return p in PGBOUNCER_TRACKED or p in self.track_extra_parameters


#: MySQL/MariaDB system variables RDS Proxy tracks: setting them does not pin, the proxy reuses the
#: connection only for sessions with the same values (AWS, "What RDS Proxy tracks for RDS for MariaDB and
#: RDS for MySQL databases"; ../shared/reference/poolers.md). ``names`` and ``charset`` stand for
#: SET NAMES and SET CHARACTER SET / SET CHARSET.
RDS_PROXY_MYSQL_TRACKED = frozenset(
    {
        "autocommit", "auto_increment_increment", "names", "charset",
        "character_set_client", "character_set_database", "character_set_filesystem",
        "character_set_connection", "character_set_results", "character_set_server",
        "collation_connection", "collation_database", "collation_server",
        "interactive_timeout", "net_write_timeout", "query_cache_type", "session_track_schema",
        "sql_mode", "time_zone", "transaction_isolation", "tx_isolation",
        "transaction_read_only", "tx_read_only", "wait_timeout",
    }
)


@dataclass(frozen=True)
class RdsProxyOptions:
    idle_client_timeout: int = 1800
    #: MySQL only: the proxy's EXCLUDE_VARIABLE_SETS session pinning filter
    exclude_variable_sets: bool = False


@dataclass(frozen=True)
class TargetSet:
    """The selected targets (``any`` selects all of them) and their options."""

    names: Tuple[str, ...] = ALL_TARGETS
    pgbouncer: PgBouncerOptions = field(default_factory=PgBouncerOptions)
    rds_proxy: RdsProxyOptions = field(default_factory=RdsProxyOptions)
    #: connections that bypass the pooler (Django aliases, variable names of engines, pools, connections)
    direct_connections: FrozenSet[str] = frozenset()
    #: SQL dialect of call sites whose driver the code does not show (``[tool.pinlint] dialect``):
    #: "postgres", "mysql", or None (then PostgreSQL, and no dialect-dependent rule where the file uses both)
    dialect: Optional[str] = None

    @classmethod
    def from_name(cls, name: str, **kwargs: object) -> "TargetSet":
        names = ALL_TARGETS if name == "any" else (name,)
        return cls(names=names, **kwargs)  # type: ignore[arg-type]

    def __contains__(self, target: str) -> bool:
        return target in self.names


# Effects: what a statement does on one target. The phrases are the consequence half of a message.
PINS = "pins"  # RDS Proxy: the client gets a dedicated backend until it disconnects
LEAKS = "leaks"  # PgBouncer: the state stays on the server connection and reaches other clients
LOST = "lost"  # PgBouncer: the state is not there in the client's next transaction
BREAKS = "breaks"  # an error at run time


def effect_phrase(target: str, effect: str, targets: TargetSet) -> str:
    if target == RDS_PROXY:
        if effect == PINS:
            return "pins the session under RDS Proxy"
        if effect == LEAKS:
            return "leaks to other clients under RDS Proxy"
        if effect == BREAKS:
            return "fails under RDS Proxy"
        return "is unreliable under RDS Proxy"
    mode = f"PgBouncer {targets.pgbouncer.pool_mode} mode"
    if effect == LEAKS:
        return f"leaks to the next client of the server connection under {mode}"
    if effect == LOST:
        return f"is lost when the next transaction runs on another server connection under {mode}"
    if effect == BREAKS:
        return f"fails under {mode}"
    return f"is unreliable under {mode}"


def consequence(effects: Dict[str, str], targets: TargetSet) -> str:
    """Join per-target effects in a stable order: 'pins the session under RDS Proxy; leaks ...'."""
    parts = [effect_phrase(t, effects[t], targets) for t in (RDS_PROXY, PGBOUNCER) if t in effects]
    return "; ".join(parts)


def select_effects(effects: Dict[str, Optional[str]], targets: TargetSet) -> Dict[str, str]:
    """Keep the effects on selected targets; drop targets where nothing happens."""
    return {t: e for t, e in effects.items() if e and t in targets}


def static_bytes(text: str) -> int:
    """The size of a SQL text's static part in bytes (holes, the unknown parts, count for nothing)."""
    from pinlint.sql.statement import HOLE

    return len(text.replace(HOLE, "").encode("utf-8"))


def large_statement(text: str) -> bool:
    """More static SQL text than RDS Proxy takes without pinning."""
    return len(text) > LARGE_STATEMENT_BYTES // 4 and static_bytes(text) > LARGE_STATEMENT_BYTES
