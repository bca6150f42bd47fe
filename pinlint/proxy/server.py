"""The asyncio server: accept clients, connect each to the upstream PostgreSQL, pass bytes through.

Bytes are forwarded as they arrive, in the chunks they arrive in, unchanged, in both directions;
a :class:`~pinlint.proxy.session.Session` observes a copy. Nothing is held back except the startup
packet (until it is complete) and what a client sends before the upstream connection is up.
Result sets are never buffered: server bytes are scanned for message boundaries only.

- TLS: an SSLRequest (or GSSENCRequest) is answered "N" (no encryption) by the proxy itself, so the
  session is inspected in plain text on loopback; a client that insists on TLS (``sslmode=require``)
  fails to connect. A client using direct TLS (PostgreSQL 17 ``sslnegotiation=direct``) is passed
  through uninspected, and so are CancelRequest connections.
- Flow control: when one side's write buffer passes ``HIGH_WATER``, reading from the other side
  pauses until it drains, so memory per connection stays bounded.
- A client that disappears (killed, reset) only closes its own upstream connection.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import stat
from dataclasses import dataclass
from typing import Callable, Optional, Set, Tuple

from pinlint.proxy import wire
from pinlint.proxy.session import Session

log = logging.getLogger("pinlint.proxy")

HIGH_WATER = 256 * 1024
#: the most client bytes held while the upstream connection is being set up
MAX_PENDING = 1 << 20
DEFAULT_PG_PORT = 5432
LOOPBACK = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True)
class Address:
    """A TCP host and port, or a Unix socket path (``host`` is None then)."""

    host: Optional[str]
    port: int
    path: Optional[str] = None

    def __str__(self) -> str:
        if self.path is not None:
            return self.path
        return f"[{self.host}]:{self.port}" if self.host and ":" in self.host else f"{self.host}:{self.port}"


def parse_address(text: str, default_port: int = DEFAULT_PG_PORT) -> Address:
    """``HOST:PORT``, ``[IPv6]:PORT``, ``HOST`` (default port), or a Unix socket: a directory as in
    PGHOST (``/run/postgresql``, optionally ``:PORT``; the socket is ``.s.PGSQL.PORT`` in it) or the
    socket file itself. Raises ValueError."""
    text = text.strip()
    if not text:
        raise ValueError("empty address")
    if text.startswith("/"):
        path, port = text, default_port
        head, sep, tail = text.rpartition(":")
        if sep and tail.isdigit():
            path, port = head, int(tail)
        if os.path.isdir(path):
            path = os.path.join(path, f".s.PGSQL.{port}")
        return Address(None, port, path)
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise ValueError(f"bad address {text!r}")
        port_text = rest[1:]
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    elif ":" in text:
        host, port_text = text, ""  # a bare IPv6 address
    else:
        host, port_text = text, ""
    if not host:
        raise ValueError(f"no host in {text!r}")
    if port_text and not port_text.isdigit():
        raise ValueError(f"bad port in {text!r}")
    port = int(port_text) if port_text else default_port
    if port > 65535:
        raise ValueError(f"bad port in {text!r}")
    return Address(host, port)


def is_loopback(host: str) -> bool:
    return host in LOOPBACK or host.startswith("127.")


class _Upstream(asyncio.Protocol):
    """The connection to PostgreSQL of one client."""

    def __init__(self, client: "_Client") -> None:
        self.client = client
        self.transport: Optional[asyncio.Transport] = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.set_write_buffer_limits(high=HIGH_WATER)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        client = self.client
        if client.transport.is_closing():
            return
        client.transport.write(data)
        if client.session is not None:
            client.session.server_bytes(data)

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.client.upstream_lost()

    def pause_writing(self) -> None:
        self.client.transport.pause_reading()

    def resume_writing(self) -> None:
        if not self.client.transport.is_closing():
            self.client.transport.resume_reading()


STARTUP, INSPECT, RAW = "startup", "inspect", "raw"


class _Client(asyncio.Protocol):
    """One client connection."""

    def __init__(self, proxy: "Proxy") -> None:
        self.proxy = proxy
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.peer = "?"
        self.phase = STARTUP
        self.buf = bytearray()
        self.pending: Optional[bytearray] = bytearray()
        self.upstream: Optional[_Upstream] = None
        self.session: Optional[Session] = None
        self.closed = False

    # ---- client side -----------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.set_write_buffer_limits(high=HIGH_WATER)  # type: ignore[attr-defined]
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and len(peer) >= 2:
            self.peer = f"[{peer[0]}]:{peer[1]}" if ":" in str(peer[0]) else f"{peer[0]}:{peer[1]}"
        elif peer:
            self.peer = str(peer)
        self.proxy.clients.add(self)

    def data_received(self, data: bytes) -> None:
        if self.phase == STARTUP:
            self._startup(data)
            return
        self._forward(data)
        if self.session is not None:
            self.session.client_bytes(data)

    def _forward(self, data: bytes) -> None:
        up = self.upstream
        if up is not None and up.transport is not None:
            if not up.transport.is_closing():
                up.transport.write(data)
            return
        assert self.pending is not None
        self.pending += data
        if len(self.pending) > MAX_PENDING:
            self.transport.pause_reading()

    def _startup(self, data: bytes) -> None:
        self.buf += data
        while self.phase == STARTUP and self.buf:
            if self.buf[0] == wire.TLS_HANDSHAKE:
                self.proxy.collector.not_inspected("direct TLS")
                self._go_raw()
                return
            try:
                packet = wire.read_startup(bytes(self.buf[:wire.MAX_STARTUP_PACKET]))
            except wire.ProtocolError as exc:
                log.warning("pinlint proxy: %s: bad startup packet (%s); closing", self.peer, exc)
                self.transport.write(wire.encode_error(f"pinlint proxy: invalid startup packet ({exc})", "08P01"))
                self.transport.close()
                return
            if packet is None:
                return
            if packet.kind in ("ssl", "gssenc"):
                del self.buf[:packet.length]
                self.transport.write(b"N")  # no encryption: inspected in plain text (loopback)
                continue
            if packet.kind == "cancel":
                self._go_raw()
                return
            self.session = self.proxy.new_session(self.peer)
            self.session.start(packet.params)
            rest = bytes(self.buf[packet.length:])
            self._begin(INSPECT)
            if rest:
                self.session.client_bytes(rest)

    def _go_raw(self) -> None:
        self._begin(RAW)

    def _begin(self, phase: str) -> None:
        self.phase = phase
        data, self.buf = bytes(self.buf), bytearray()
        self._forward(data)
        self.proxy.loop.create_task(self._connect())

    async def _connect(self) -> None:
        address = self.proxy.upstream
        loop = self.proxy.loop
        try:
            if address.path is not None:
                transport, _ = await loop.create_unix_connection(lambda: _Upstream(self), address.path)
            else:
                transport, _ = await loop.create_connection(lambda: _Upstream(self), address.host, address.port)
        except OSError as exc:
            log.warning("pinlint proxy: %s: cannot connect to upstream %s: %s", self.peer, address, exc)
            if not self.transport.is_closing():
                if self.phase == INSPECT:
                    self.transport.write(wire.encode_error(
                        f"pinlint proxy: cannot connect to upstream {address}: {exc.strerror or exc}"))
                self.transport.close()
            self._finish()
            return
        upstream: _Upstream = transport.get_protocol()  # type: ignore[assignment]
        if self.closed:
            transport.close()
            return
        self.upstream = upstream
        pending, self.pending = self.pending, None
        if pending:
            transport.write(bytes(pending))
            if len(pending) > MAX_PENDING:
                self.transport.resume_reading()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        up = self.upstream
        if up is not None and up.transport is not None:
            up.transport.close()  # what the client sent last still reaches the server
        self._finish()

    def pause_writing(self) -> None:
        up = self.upstream
        if up is not None and up.transport is not None:
            up.transport.pause_reading()

    def resume_writing(self) -> None:
        up = self.upstream
        if up is not None and up.transport is not None and not up.transport.is_closing():
            up.transport.resume_reading()

    # ---- either side -----------------------------------------------------------------------------

    def upstream_lost(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()  # after what the server sent last
        self._finish()

    def _finish(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.proxy.clients.discard(self)
        if self.session is not None:
            self.session.close()

    def abort(self) -> None:
        for transport in (self.transport, self.upstream.transport if self.upstream else None):
            if transport is not None:
                transport.abort()
        self._finish()


class Proxy:
    """The listening proxy. ``await start()``, then ``await stop()``."""

    def __init__(self, upstream: Address, listen: Address, judge, collector) -> None:
        self.upstream = upstream
        self.listen = listen
        self.judge = judge
        self.collector = collector
        self.clients: Set[_Client] = set()
        self.loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]
        self._server: Optional[asyncio.base_events.Server] = None
        self._sid = 0

    def new_session(self, peer: str) -> Session:
        self._sid += 1
        return Session(self._sid, peer, self.judge, self.collector)

    async def start(self) -> Tuple[str, int]:
        """Listen; returns the address (the port the OS chose when 0 was asked for)."""
        self.loop = asyncio.get_running_loop()
        self._server = await self.loop.create_server(lambda: _Client(self), self.listen.host, self.listen.port,
                                                     reuse_address=True)
        sock = self._server.sockets[0]
        host, port = sock.getsockname()[:2]
        return host, port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for client in list(self.clients):
            client.abort()
        if self._server is not None:
            await self._server.wait_closed()


def _check_upstream(address: Address) -> None:
    if address.path is not None and os.path.exists(address.path) and not stat.S_ISSOCK(os.stat(address.path).st_mode):
        raise ValueError(f"{address.path} is not a socket")


async def serve(upstream: Address, listen: Address, judge, collector,
                announce: Callable[[str, int], None]) -> None:
    """Run until SIGINT or SIGTERM."""
    _check_upstream(upstream)
    proxy = Proxy(upstream, listen, judge, collector)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        host, port = await proxy.start()
        announce(host, port)  # after the handlers: a signal right after this line is handled
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await proxy.stop()
