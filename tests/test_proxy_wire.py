"""pinlint.proxy.wire: the PostgreSQL protocol framing, on hand-built messages."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pinlint.proxy import wire
from proxy_messages import bind, msg, parse, query, ready, startup


# ---- startup packet ----------------------------------------------------------------------------------


def test_startup_message_parameters_in_order():
    packet = startup(("user", "app"), ("database", "db"), ("options", "-c search_path=x"))
    got = wire.read_startup(packet + b"Qtrailing")
    assert got == wire.Startup("startup", len(packet), 196608,
                               (("user", "app"), ("database", "db"), ("options", "-c search_path=x")))


def test_startup_protocol_3_2_is_read_too():
    assert wire.read_startup(startup(("user", "u"), version=196610)).params == (("user", "u"),)


@pytest.mark.parametrize("code, kind", [(80877103, "ssl"), (80877104, "gssenc")])
def test_encryption_requests(code, kind):
    assert wire.read_startup(struct.pack("!II", 8, code)) == wire.Startup(kind, 8, code)


def test_cancel_request():
    packet = struct.pack("!IIII", 16, 80877102, 1234, 5678)
    assert wire.read_startup(packet).kind == "cancel"


def test_incomplete_startup_needs_more_bytes():
    packet = startup(("user", "app"))
    for cut in range(len(packet)):
        assert wire.read_startup(packet[:cut]) is None


@pytest.mark.parametrize("packet", [
    struct.pack("!II", 4, 196608),                     # shorter than its own header
    struct.pack("!II", 20000, 196608),                 # longer than PostgreSQL accepts
    struct.pack("!II", 9, 2 << 16) + b"\0",            # protocol 2
    struct.pack("!II", 12, 196608) + b"user",          # parameters without NUL
    struct.pack("!II", 14, 196608) + b"user\0\0",      # a name without a value... then the terminator
])
def test_malformed_startup(packet):
    with pytest.raises(wire.ProtocolError):
        wire.read_startup(packet)


# ---- decoding ----------------------------------------------------------------------------------------


def test_decoders():
    assert wire.decode_query(b"SELECT 1; SET x = 1\0") == "SELECT 1; SET x = 1"
    assert wire.decode_parse(parse("_pg3_0", "SELECT $1", (23,))[5:]) == ("_pg3_0", "SELECT $1")
    assert wire.decode_parse(parse("", "SELECT 1")[5:]) == ("", "SELECT 1")
    assert wire.decode_bind(bind("", "__asyncpg_stmt_1__")[5:]) == ("", "__asyncpg_stmt_1__")
    assert wire.decode_close(b"S_pg3_0\0") == ("S", "_pg3_0")
    assert wire.decode_close(b"Pportal\0") == ("P", "portal")


def test_truncated_sql_is_read_to_the_cut():
    assert wire.decode_query(b"SELECT 'aaa", truncated=True) == "SELECT 'aaa"
    with pytest.raises(wire.ProtocolError):
        wire.decode_query(b"SELECT 'aaa")  # not cut: the NUL is missing


@pytest.mark.parametrize("body", [b"", b"X name\0", b"Sname"])
def test_bad_close(body):
    with pytest.raises(wire.ProtocolError):
        wire.decode_close(body)


def test_error_response_is_a_framed_message():
    data = wire.encode_error("cannot connect")
    assert data[:1] == b"E" and struct.unpack("!I", data[1:5])[0] == len(data) - 1
    assert b"Mcannot connect\0" in data and data.endswith(b"\0\0")


# ---- client stream -----------------------------------------------------------------------------------


def _client_messages(chunks, caps=None):
    got = []
    stream = wire.ClientStream(lambda t, body, cut: got.append((chr(t), body, cut)),
                               caps if caps is not None else {wire.QUERY: 100, wire.PARSE: 100})
    for chunk in chunks:
        stream.feed(chunk)
    return got


SESSION_BYTES = (query("SET search_path TO app") + parse("_pg3_0", "SELECT $1", (23,)) + bind("", "_pg3_0")
                 + msg(b"E", b"\0\0\0\0\0") + msg(b"S", b"") + msg(b"d", b"1\t2\n" * 50) + msg(b"c", b"")
                 + msg(b"X", b""))
EXPECTED = [("Q", b"SET search_path TO app\0", False), ("P", parse("_pg3_0", "SELECT $1", (23,))[5:], False),
            ("B", b"", False), ("E", b"", False), ("S", b"", False), ("d", b"", False), ("c", b"", False),
            ("X", b"", False)]


def test_client_stream_whole_and_byte_by_byte():
    assert _client_messages([SESSION_BYTES]) == EXPECTED
    assert _client_messages([SESSION_BYTES[i:i + 1] for i in range(len(SESSION_BYTES))]) == EXPECTED


@given(st.lists(st.integers(min_value=0, max_value=len(SESSION_BYTES)), max_size=12))
@settings(max_examples=200, deadline=None)
def test_client_stream_any_split(cuts):
    points = sorted(set(cuts) | {0, len(SESSION_BYTES)})
    chunks = [SESSION_BYTES[a:b] for a, b in zip(points, points[1:])]
    assert _client_messages(chunks) == EXPECTED


def test_client_stream_keeps_only_the_cap():
    big = "SELECT '" + "x" * 5000 + "'"
    got = _client_messages([query(big)], caps={wire.QUERY: 64})
    assert got == [("Q", (big.encode() + b"\0")[:64], True)]
    assert wire.decode_query(got[0][1], True) == big[:64]


@pytest.mark.parametrize("length", [0, 3, 0x80000000])
def test_client_stream_bad_length(length):
    with pytest.raises(wire.ProtocolError):
        _client_messages([b"Q" + struct.pack("!I", length) + b"xxxx"])


# ---- server stream -----------------------------------------------------------------------------------


def _statuses(chunks):
    got = []
    stream = wire.ServerStream(got.append)
    for chunk in chunks:
        stream.feed(chunk)
    return got


def data_row(*values: bytes) -> bytes:
    return msg(b"D", struct.pack("!H", len(values)) + b"".join(struct.pack("!I", len(v)) + v for v in values))


# a DataRow whose value looks like a ReadyForQuery message must not be read as one
SERVER_BYTES = (msg(b"R", b"\0\0\0\0") + msg(b"S", b"TimeZone\0UTC\0") + msg(b"K", b"\0\0\0\1\0\0\0\2") + ready("I")
                + msg(b"1", b"") + msg(b"2", b"") + data_row(b"Z\0\0\0\5T", b"x" * 300) + msg(b"C", b"SELECT 1\0")
                + ready("T") + msg(b"E", b"SERROR\0C42P01\0Mno\0\0") + ready("E") + msg(b"C", b"ROLLBACK\0")
                + ready("I"))


def test_server_stream_ready_statuses():
    assert _statuses([SERVER_BYTES]) == ["I", "T", "E", "I"]
    assert _statuses([SERVER_BYTES[i:i + 1] for i in range(len(SERVER_BYTES))]) == ["I", "T", "E", "I"]


@given(st.lists(st.integers(min_value=0, max_value=len(SERVER_BYTES)), max_size=12))
@settings(max_examples=300, deadline=None)
def test_server_stream_any_split(cuts):
    points = sorted(set(cuts) | {0, len(SERVER_BYTES)})
    assert _statuses([SERVER_BYTES[a:b] for a, b in zip(points, points[1:])]) == ["I", "T", "E", "I"]


def test_server_stream_large_rows_are_skipped_not_held():
    stream = wire.ServerStream(lambda s: None)
    row = data_row(b"y" * 1_000_000)
    stream.feed(row[:100])
    stream.feed(row[100:200_000])
    assert stream._skip == len(row) - 200_000 and stream._head == b""  # only a count is kept


def test_server_stream_bad_length():
    with pytest.raises(wire.ProtocolError):
        _statuses([b"D\0\0\0\1xxxx"])
