"""Hand-built PostgreSQL protocol messages for the proxy tests."""

from __future__ import annotations

import struct


def msg(t: bytes, body: bytes) -> bytes:
    return t + struct.pack("!I", len(body) + 4) + body


def startup(*pairs, version=196608) -> bytes:
    body = struct.pack("!I", version) + b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in pairs) + b"\0"
    return struct.pack("!I", len(body) + 4) + body


def query(sql: str) -> bytes:
    return msg(b"Q", sql.encode() + b"\0")


def parse(name: str, sql: str, oids=()) -> bytes:
    return msg(b"P", name.encode() + b"\0" + sql.encode() + b"\0" + struct.pack("!H", len(oids)) +
               b"".join(struct.pack("!I", o) for o in oids))


def bind(portal: str, name: str) -> bytes:
    return msg(b"B", portal.encode() + b"\0" + name.encode() + b"\0" + b"\0\0\0\0\0\0")


def ready(status: str) -> bytes:
    return msg(b"Z", status.encode())
