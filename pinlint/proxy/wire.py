"""PostgreSQL wire protocol (version 3): framing and decoding of what the proxy inspects. No I/O.

Reference: PostgreSQL documentation, "Frontend/Backend Protocol", chapters "Message Flow" and
"Message Formats" (postgresql.org/docs/current/protocol-message-formats.html).

- Before the first message a client sends one *startup packet* without a type byte: Int32 length
  (including itself), Int32 code, then (for a StartupMessage) name/value pairs of NUL-terminated
  strings ending with an empty name. The code is a protocol version (3.0 = 196608, 3.2 = 196610) or
  one of the special requests SSLRequest, GSSENCRequest, CancelRequest.
- Afterwards both sides send typed messages: Byte1 type, Int32 length (including itself, not the
  type byte), body. Everything (authentication, queries, COPY data, notices) is framed this way.

:class:`ClientStream` and :class:`ServerStream` follow message boundaries incrementally, chunk by
chunk, however the bytes were split. They never hold more than a few header bytes plus, on the
client side, the first ``cap`` bytes of the message types asked for, so memory per connection is
bounded whatever the messages' sizes. They only observe: the proxy forwards the original chunks.
"""

from __future__ import annotations

import struct
from typing import Callable, Dict, Mapping, NamedTuple, Optional, Tuple

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102
#: PostgreSQL refuses longer startup packets (MAX_STARTUP_PACKET_LENGTH in src/include/libpq/pqcomm.h)
MAX_STARTUP_PACKET = 10000
#: the longest typed message PostgreSQL accepts is 1 GB (PQ_LARGE_MESSAGE_LIMIT); a length beyond
#: Int32's positive range is a framing error
MAX_MESSAGE = 0x7FFFFFFF
#: a TLS record starts with this byte (handshake): a client using direct TLS (PostgreSQL 17
#: ``sslnegotiation=direct``) sends it instead of a startup packet
TLS_HANDSHAKE = 0x16

# client message types the proxy reads
QUERY = ord("Q")
PARSE = ord("P")
BIND = ord("B")
CLOSE = ord("C")
TERMINATE = ord("X")
# server message types
READY_FOR_QUERY = ord("Z")

_INT32 = struct.Struct("!I")
_INT32_PAIR = struct.Struct("!II")


class ProtocolError(ValueError):
    """The bytes do not follow the protocol (bad length, missing terminator)."""


class Startup(NamedTuple):
    #: "startup", "ssl", "gssenc", "cancel"
    kind: str
    #: bytes of the packet
    length: int
    #: the protocol version (major << 16 | minor) or the request code
    code: int
    #: StartupMessage parameters, in order (``user``, ``database``, ``options``, ...)
    params: Tuple[Tuple[str, str], ...] = ()


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def read_startup(buf: bytes) -> Optional[Startup]:
    """The startup packet at the start of ``buf``; None when more bytes are needed.

    Raises ProtocolError for a length PostgreSQL would refuse or a malformed parameter list."""
    if len(buf) < 8:
        return None
    length, code = _INT32_PAIR.unpack_from(buf, 0)
    if length < 8 or length > MAX_STARTUP_PACKET:
        raise ProtocolError(f"startup packet length {length}")
    if len(buf) < length:
        return None
    if code == SSL_REQUEST:
        return Startup("ssl", length, code)
    if code == GSSENC_REQUEST:
        return Startup("gssenc", length, code)
    if code == CANCEL_REQUEST:
        return Startup("cancel", length, code)
    if code >> 16 != 3:
        raise ProtocolError(f"unsupported protocol version {code >> 16}.{code & 0xFFFF}")
    parts = bytes(buf[8:length]).split(b"\x00")
    # name, value, name, value, ..., "" (the terminator), "" (after the last NUL)
    if len(parts) < 2 or parts[-1] != b"" or parts[-2] != b"" or len(parts) % 2 != 0:
        raise ProtocolError("startup parameters are not NUL-terminated pairs")
    names, values = parts[0:-2:2], parts[1:-2:2]
    return Startup("startup", length, code, tuple((_text(n), _text(v)) for n, v in zip(names, values)))


def _cstring(body: bytes, start: int) -> Tuple[str, int]:
    """A NUL-terminated string at ``start`` and the offset after its NUL."""
    end = body.find(b"\x00", start)
    if end < 0:
        raise ProtocolError("string without NUL terminator")
    return _text(body[start:end]), end + 1


def _cstring_prefix(body: bytes, start: int, truncated: bool) -> Tuple[str, int]:
    """Like _cstring; when the body was cut at the capture limit the last string may lack its NUL."""
    end = body.find(b"\x00", start)
    if end < 0:
        if not truncated:
            raise ProtocolError("string without NUL terminator")
        return _text(body[start:]), len(body)
    return _text(body[start:end]), end + 1


def decode_query(body: bytes, truncated: bool = False) -> str:
    """Query: the SQL string (possibly several statements)."""
    return _cstring_prefix(body, 0, truncated)[0]


def decode_parse(body: bytes, truncated: bool = False) -> Tuple[str, str]:
    """Parse: (statement name, "" for the unnamed statement; SQL string)."""
    name, at = _cstring(body, 0)
    return name, _cstring_prefix(body, at, truncated)[0]


def decode_bind(body: bytes, truncated: bool = False) -> Tuple[str, str]:
    """Bind: (portal name, statement name); the parameters are not read."""
    portal, at = _cstring(body, 0)
    return portal, _cstring(body, at)[0]


def decode_close(body: bytes, truncated: bool = False) -> Tuple[str, str]:
    """Close: ("S" statement or "P" portal, name)."""
    if not body:
        raise ProtocolError("empty Close")
    kind = chr(body[0])
    if kind not in "SP":
        raise ProtocolError(f"Close of {kind!r}")
    return kind, _cstring(body, 1)[0]


def encode_error(message: str, code: str = "08006", severity: str = "FATAL") -> bytes:
    """An ErrorResponse message (sent to a client the proxy cannot serve)."""
    fields = b"".join(k + v.encode("utf-8") + b"\x00" for k, v in (
        (b"S", severity), (b"V", severity), (b"C", code), (b"M", message)))
    body = fields + b"\x00"
    return b"E" + _INT32.pack(len(body) + 4) + body


#: called with (message type, the first ``cap`` bytes of the body, True when the body was longer)
MessageCallback = Callable[[int, bytes, bool], None]


class ClientStream:
    """Typed messages from a client after the startup packet.

    ``caps`` maps the message types whose body is wanted to the most bytes kept of it; every other
    message is reported with an empty body (its type is enough) and skipped without copying.
    """

    __slots__ = ("_on_message", "_caps", "_head", "_in_body", "_type", "_remaining", "_body", "_room",
                 "_truncated")

    def __init__(self, on_message: MessageCallback, caps: Mapping[int, int]) -> None:
        self._on_message = on_message
        self._caps: Dict[int, int] = dict(caps)
        self._head = bytearray()
        self._in_body = False
        self._type = 0
        self._remaining = 0
        self._body: Optional[bytearray] = None
        self._room = 0
        self._truncated = False

    def feed(self, data: bytes) -> None:
        n = len(data)
        i = 0
        while i < n:
            if not self._in_body:
                take = 5 - len(self._head)
                self._head += data[i:i + take]
                i += take
                if len(self._head) < 5:
                    return
                t = self._head[0]
                length = _INT32.unpack_from(self._head, 1)[0]
                self._head.clear()
                if length < 4 or length > MAX_MESSAGE:
                    raise ProtocolError(f"message {chr(t)!r} with length {length}")
                self._type = t
                self._remaining = length - 4
                self._room = self._caps.get(t, 0)
                self._body = bytearray() if self._room else None
                self._truncated = False
                self._in_body = True
                if self._remaining == 0:
                    self._finish()
                continue
            take = min(self._remaining, n - i)
            body = self._body
            if body is not None:
                keep = min(take, self._room)
                if keep:
                    body += data[i:i + keep]
                    self._room -= keep
                if keep < take:
                    self._truncated = True
            self._remaining -= take
            i += take
            if self._remaining == 0:
                self._finish()

    def _finish(self) -> None:
        body = self._body
        self._in_body = False
        self._body = None
        self._on_message(self._type, bytes(body) if body is not None else b"", self._truncated)


class ServerStream:
    """Typed messages from the server: only their boundaries are followed, and ReadyForQuery's
    transaction status ("I" idle, "T" in a transaction block, "E" in a failed one) is reported."""

    __slots__ = ("_on_ready", "_skip", "_head", "_status_next")

    def __init__(self, on_ready: Callable[[str], None]) -> None:
        self._on_ready = on_ready
        #: bytes of the current message still to come
        self._skip = 0
        #: the start of a header cut by the chunk's end
        self._head = b""
        #: a ReadyForQuery header ended the last chunk: its status is the next byte
        self._status_next = False

    def feed(self, data: bytes) -> None:
        n = len(data)
        if not n:
            return
        if self._status_next:
            self._status_next = False
            self._on_ready(chr(data[0]))
        i = self._skip
        if i >= n:
            self._skip = i - n
            return
        if self._head:
            held = len(self._head)
            head = self._head + data[:5 - held]
            if len(head) < 5:
                self._head = head
                return
            self._head = b""
            i = self._message(head, 0, data, -held)
        while i + 5 <= n:
            i = self._message(data, i, data, i)
        if i < n:
            self._head = data[i:]
            self._skip = 0
        else:
            self._skip = i - n

    def _message(self, head: bytes, at: int, data: bytes, start: int) -> int:
        """Read the header at ``head[at:]`` of a message starting at ``start`` in ``data`` (negative when
        it began in the previous chunk); the offset in ``data`` after the message."""
        t = head[at]
        length = _INT32.unpack_from(head, at + 1)[0]
        if length < 4 or length > MAX_MESSAGE:
            raise ProtocolError(f"server message {chr(t)!r} with length {length}")
        if t == READY_FOR_QUERY:
            status_at = start + 5
            if status_at < len(data):
                self._on_ready(chr(data[status_at]))
            else:
                self._status_next = True
        return start + 1 + length
