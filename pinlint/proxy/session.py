"""One client session as the proxy sees it: what it sent in the current transaction, its named
prepared statements, and whether it holds a server connection right now.

SQL is judged a transaction at a time, like a multi-statement string in ``pinlint check`` (one
implicit transaction): the texts a client sends until the server reports the session idle again
(ReadyForQuery "I") form one unit. A statement that is safe inside a transaction because of what
follows in it (a cursor fetched and closed, a temporary table used before ON COMMIT DROP, currval
after the INSERT that set it, a named statement closed again) is judged with what followed.

Memory is bounded: a unit keeps at most ``MAX_UNIT_TEXTS`` texts and ``MAX_UNIT_CHARS`` characters
(a longer transaction is judged in parts), and a session remembers at most ``MAX_PREPARED`` named
statements (and ``MAX_UNIT_CHARS`` characters of their SQL).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Dict, List, Sequence, Tuple

from pinlint.proxy import wire

if TYPE_CHECKING:  # pragma: no cover
    from pinlint.proxy.judge import Judge
    from pinlint.proxy.report import Collector

log = logging.getLogger("pinlint.proxy")

#: the most bytes of a Query or Parse body kept for judging (longer SQL is judged on this prefix)
SQL_CAP = 1 << 20
#: message types whose body is read, and how much of it
CAPS = {wire.QUERY: SQL_CAP, wire.PARSE: SQL_CAP, wire.CLOSE: 256, wire.BIND: 256}
MAX_UNIT_TEXTS = 2000
MAX_UNIT_CHARS = 4 << 20
MAX_PREPARED = 1024


class Session:
    """A client connection after its startup packet."""

    def __init__(self, sid: int, peer: str, judge: "Judge", collector: "Collector") -> None:
        self.sid = sid
        self.peer = peer
        self.judge = judge
        self.collector = collector
        self.params: Dict[str, str] = {}
        #: holds a server connection now: from its first message until the server reports it idle
        self.busy = False
        #: first cause per outcome (set by the collector): "pinned", "refused", "pooler"
        self.causes: Dict[str, str] = {}
        #: the client's bytes stopped following the protocol: no more inspection (traffic still flows)
        self.desynced = False
        self.closed = False
        self._texts: List[str] = []
        self._chars = 0
        self._hazard = False
        #: named statements parsed in this unit: (name, SQL)
        self._parsed: List[Tuple[str, str]] = []
        #: statement names closed in this unit
        self._closed_names: set = set()
        #: named statements of the session (name -> SQL), oldest first
        self._prepared: Dict[str, str] = {}
        self._prepared_chars = 0
        self._client_stream = wire.ClientStream(self._message, CAPS)
        self._server_stream = wire.ServerStream(self.ready)

    @property
    def application_name(self) -> str:
        return self.params.get("application_name", "")

    # ---- input -----------------------------------------------------------------------------------

    def start(self, params: Sequence[Tuple[str, str]]) -> None:
        self.params = dict(params)
        self.collector.session_started(self)
        self._set_busy(True)  # authentication and setup run on a server connection
        for finding in self.judge.startup(params):
            self.collector.add(self, finding)

    def client_bytes(self, data: bytes) -> None:
        self._feed(self._client_stream, data, "client")

    def server_bytes(self, data: bytes) -> None:
        self._feed(self._server_stream, data, "server")

    def _feed(self, stream, data: bytes, side: str) -> None:
        if self.desynced:
            return
        try:
            stream.feed(data)
        except wire.ProtocolError as exc:
            self._desync(f"{side} bytes: {exc}")
        except Exception as exc:  # a bug must not stop the traffic
            log.exception("pinlint proxy: session %d (%s): inspection failed", self.sid, self.peer)
            self._desync(f"inspection failed: {exc!r}")

    def ready(self, status: str) -> None:
        """ReadyForQuery from the server: "I" idle, "T" in a transaction block, "E" in a failed one."""
        if status == "I":
            self._judge_unit()
            self._set_busy(False)

    def close(self) -> None:
        if self.closed:
            return
        self._judge_unit()
        self._set_busy(False)
        self.closed = True
        self.collector.session_ended(self)

    # ---- messages --------------------------------------------------------------------------------

    def _message(self, mtype: int, body: bytes, truncated: bool) -> None:
        if mtype != wire.TERMINATE and not self.busy:
            self._set_busy(True)
        if mtype == wire.QUERY:
            self._add_text(wire.decode_query(body, truncated))
        elif mtype == wire.PARSE:
            name, sql = wire.decode_parse(body, truncated)
            if name:  # its SQL runs at each Bind of the name
                self._parsed.append((name, sql))
                self._remember(name, sql)
            else:  # the unnamed statement runs at the next Bind
                self._add_text(sql)
        elif mtype == wire.BIND:
            _, name = wire.decode_bind(body, truncated)
            sql = self._prepared.get(name) if name else None
            if sql is not None:
                self._add_text(sql)
        elif mtype == wire.CLOSE:
            kind, name = wire.decode_close(body, truncated)
            if kind == "S" and name:
                self._closed_names.add(name)
                self._forget(name)

    def _add_text(self, text: str) -> None:
        if self.judge.wants(text):
            self._hazard = True
        if len(self._texts) >= MAX_UNIT_TEXTS or self._chars + len(text) > MAX_UNIT_CHARS:
            self._judge_unit()
        self._texts.append(text)
        self._chars += len(text)

    def _remember(self, name: str, sql: str) -> None:
        self._forget(name)
        self._prepared[name] = sql
        self._prepared_chars += len(sql)
        while len(self._prepared) > MAX_PREPARED or self._prepared_chars > MAX_UNIT_CHARS:
            self._forget(next(iter(self._prepared)))

    def _forget(self, name: str) -> None:
        sql = self._prepared.pop(name, None)
        if sql is not None:
            self._prepared_chars -= len(sql)

    # ---- judging ---------------------------------------------------------------------------------

    def _judge_unit(self) -> None:
        if not self._texts and not self._parsed and not self._closed_names:
            return
        texts, hazard, parsed, closed = self._texts, self._hazard, self._parsed, self._closed_names
        self._texts, self._chars, self._hazard, self._parsed, self._closed_names = [], 0, False, [], set()
        findings = []
        try:
            if hazard:
                findings += self.judge.sql(texts)
            for name, sql in parsed:
                if name in closed:
                    continue  # prepared and closed in one transaction: nothing outlives it
                finding = self.judge.named_statement(name, sql)
                if finding is not None:
                    findings.append(finding)
        except Exception:  # a bug in judging must not stop the traffic
            log.exception("pinlint proxy: session %d (%s): judging failed", self.sid, self.peer)
            self.collector.judging_failed(self)
        for finding in findings:
            self.collector.add(self, finding)

    def _set_busy(self, busy: bool) -> None:
        if busy != self.busy:
            self.busy = busy
            self.collector.busy_changed(self)

    def _desync(self, why: str) -> None:
        log.warning("pinlint proxy: session %d (%s): %s; passing its traffic through uninspected",
                    self.sid, self.peer, why)
        self.desynced = True
        self.collector.desynced(self, why)
        self._judge_unit()
