"""Findings over all sessions: the JSON report and the summary printed when the proxy stops.

The summary reads like the pooler's own metrics would (RDS Proxy's CloudWatch metrics
ClientConnections, DatabaseConnectionsCurrentlySessionPinned, DatabaseConnectionsCurrentlyInTransaction):
client sessions seen, the sessions that would be pinned and by what (the first cause per session),
and the backend connections the proxy would need at the busiest moment: every pinned session keeps
its backend until it disconnects, every other session needs one only while it is in a transaction
(or runs a statement). For PgBouncer: the sessions that would break or leak state, and the server
connections in use at the busiest moment.

Memory is bounded: one entry per distinct (rule, message) up to ``MAX_ENTRIES``; further distinct
findings are only counted.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Tuple

from pinlint.proxy.judge import BREAKS, PGBOUNCER, PINS, RDS_PROXY, ProxyFinding, atomic_write

#: a client session (pinlint.proxy.session.Session; not imported here: the session reports to this module)
Session = Any

MAX_ENTRIES = 10000
#: outcomes per session, each with its first cause
PINNED, REFUSED, POOLER = "pinned", "refused", "pgbouncer"


def _timestamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Entry:
    __slots__ = ("finding", "count", "sessions", "first_seen", "application_name", "peer")

    def __init__(self, finding: ProxyFinding, seen: float, session: Session) -> None:
        self.finding = finding
        self.count = 0
        self.sessions = 0
        self.first_seen = seen
        self.application_name = session.application_name
        self.peer = session.peer

    def to_json(self) -> Dict[str, object]:
        f = self.finding
        return {
            "code": f.code,
            "name": f.name,
            "message": f.message,
            "help": f.help,
            "severity": f.severity,
            "fix": None,
            "url": f.url,
            "targets": list(f.targets),
            "effects": dict(f.effects),
            "sql": f.sql,
            "count": self.count,
            "sessions": self.sessions,
            "first_seen": _timestamp(self.first_seen),
            "client": {"application_name": self.application_name, "peer": self.peer},
        }


class Collector:
    """Receives sessions' findings and state changes; renders the report and the summary."""

    def __init__(self, targets: Tuple[str, ...], pool_mode: str, clock: Callable[[], float] = time.time) -> None:
        self.targets = targets
        self.pool_mode = pool_mode
        self.clock = clock
        self.entries: Dict[Tuple[str, str], Entry] = {}
        self.overflow = 0
        self.sessions = 0
        self.open = 0
        self.peak_open = 0
        self.busy = 0
        self.peak_busy = 0
        self.pinned_open = 0
        self.busy_unpinned = 0
        self.peak_backends = 0
        #: outcome -> code -> sessions whose first cause it was
        self.causes: Dict[str, Dict[str, int]] = {PINNED: {}, REFUSED: {}, POOLER: {}}
        self.uninspected: Dict[str, int] = {}
        self.judging_failures = 0
        #: per open session: the finding keys already counted for it
        self._seen: Dict[int, set] = {}

    # ---- events from sessions --------------------------------------------------------------------

    def session_started(self, s: Session) -> None:
        self.sessions += 1
        self.open += 1
        self.peak_open = max(self.peak_open, self.open)
        self._seen[s.sid] = set()

    def session_ended(self, s: Session) -> None:
        self.open -= 1
        if PINNED in s.causes:
            self.pinned_open -= 1
        self._seen.pop(s.sid, None)

    def busy_changed(self, s: Session) -> None:
        step = 1 if s.busy else -1
        self.busy += step
        self.peak_busy = max(self.peak_busy, self.busy)
        if PINNED not in s.causes:
            self.busy_unpinned += step
        self._backends()

    def add(self, s: Session, finding: ProxyFinding) -> None:
        key = (finding.code, finding.message)
        entry = self.entries.get(key)
        if entry is None:
            if len(self.entries) >= MAX_ENTRIES:
                self.overflow += 1
                return
            entry = self.entries[key] = Entry(finding, self.clock(), s)
        entry.count += 1
        seen = self._seen.setdefault(s.sid, set())
        if key not in seen:
            seen.add(key)
            entry.sessions += 1
        for target, effect in finding.effects:
            if target == RDS_PROXY and effect == PINS:
                self._cause(s, PINNED, finding.code)
            elif target == RDS_PROXY and effect == BREAKS:
                self._cause(s, REFUSED, finding.code)
            elif target == PGBOUNCER:
                self._cause(s, POOLER, finding.code)

    def desynced(self, s: Session, why: str) -> None:
        self.uninspected["stopped following the protocol"] = self.uninspected.get(
            "stopped following the protocol", 0) + 1

    def judging_failed(self, s: Session) -> None:
        self.judging_failures += 1

    def not_inspected(self, why: str) -> None:
        """A connection the proxy passes through without looking (direct TLS)."""
        self.uninspected[why] = self.uninspected.get(why, 0) + 1

    def _cause(self, s: Session, outcome: str, code: str) -> None:
        if outcome in s.causes:
            return
        s.causes[outcome] = code
        counts = self.causes[outcome]
        counts[code] = counts.get(code, 0) + 1
        if outcome == PINNED:
            self.pinned_open += 1
            if s.busy:
                self.busy_unpinned -= 1
            self._backends()

    def _backends(self) -> None:
        self.peak_backends = max(self.peak_backends, self.pinned_open + self.busy_unpinned)

    # ---- output ----------------------------------------------------------------------------------

    def findings(self) -> List[Dict[str, object]]:
        return [e.to_json() for e in sorted(self.entries.values(), key=lambda e: (e.first_seen, e.finding.code))]

    def write(self, path: str) -> None:
        payload = json.dumps(self.findings(), indent=2, ensure_ascii=False) + "\n"
        atomic_write(path, payload.encode("utf-8"))

    @property
    def exit_code(self) -> int:
        return 1 if self.entries or self.overflow else 0

    def _per_session(self, outcome: str, verb: str) -> Optional[str]:
        counts = self.causes[outcome]
        n = sum(counts.values())
        if not n:
            return None
        share = f" ({100 * n / self.sessions:.0f}%)" if self.sessions else ""
        names = {e.finding.code: e.finding.name for e in self.entries.values()}
        causes = ", ".join(f"{code} {names.get(code, '')} {k}".replace("  ", " ")
                           for code, k in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        return f"{n} of {self.sessions} sessions {verb}{share}; first cause per session: {causes}"

    def summary(self, report_path: Optional[str] = None) -> str:
        s = "" if self.sessions == 1 else "s"
        lines = [f"pinlint proxy: {self.sessions} client session{s} (at most {self.peak_open} at once)"]
        if RDS_PROXY in self.targets:
            lines.append("RDS Proxy:")
            pinned = self._per_session(PINNED, "would be pinned")
            lines.append("  " + (pinned or f"0 of {self.sessions} sessions would be pinned"))
            refused = self._per_session(REFUSED, "would be refused at connect")
            if refused:
                lines.append("  " + refused)
            lines.append(f"  backend connections needed: at most {self.peak_backends} at once "
                         f"(pinned sessions keep theirs until they disconnect, the others borrow one per transaction)")
        if PGBOUNCER in self.targets:
            lines.append(f"PgBouncer ({self.pool_mode} mode):")
            broken = self._per_session(POOLER, "would break or leak state")
            lines.append("  " + (broken or f"0 of {self.sessions} sessions would break or leak state"))
            lines.append(f"  server connections in use: at most {self.peak_busy} at once")
        for why, n in sorted(self.uninspected.items()):
            lines.append(f"not inspected: {n} connection{'' if n == 1 else 's'} ({why})")
        if self.judging_failures:
            lines.append(f"judging failed {self.judging_failures} times (see the log)")
        if self.entries:
            lines.append("Findings:")
            for e in sorted(self.entries.values(), key=lambda e: (e.first_seen, e.finding.code)):
                who = f"application_name {e.application_name!r} from {e.peer}" if e.application_name else e.peer
                lines.append(f"  {e.finding.code} {e.finding.message}")
                lines.append(f"      seen {e.count} time{'' if e.count == 1 else 's'} in {e.sessions} "
                             f"session{'' if e.sessions == 1 else 's'}; first from {who}")
                if e.finding.sql:
                    sql = " ".join(e.finding.sql.split())
                    lines.append(f"      {sql if len(sql) <= 100 else sql[:99] + '…'}")
            if self.overflow:
                lines.append(f"  ... and {self.overflow} more distinct findings (not kept)")
        else:
            lines.append("No findings.")
        if report_path:
            lines.append(f"Report: {report_path}")
        return "\n".join(lines)
