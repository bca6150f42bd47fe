"""pinlint.proxy.server and the command: bytes pass through unchanged, TLS and bad input, signals and exit
codes. The upstream is a fake server on loopback (the live tests use real PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import socket
import struct
import subprocess
import sys
import threading

import pytest

from pinlint.proxy.judge import Judge
from pinlint.proxy.launcher import RunningProxy
from pinlint.proxy.report import Collector
from pinlint.proxy.server import Address, Proxy, parse_address
from proxy_messages import bind, msg, parse, query, ready, startup

STARTUP = startup(("user", "app"), ("database", "app"), ("application_name", "t"))


@pytest.fixture(scope="module")
def judge():
    return Judge("any")


class FakeUpstream:
    """Records every byte it receives; once the startup packet is in, sends ``reply``."""

    def __init__(self, reply: bytes = b"") -> None:
        self.reply = reply
        self.received: list = []
        self.server = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def _handle(self, reader, writer) -> None:
        got = bytearray()
        self.received.append(got)
        sent = False
        while True:
            data = await reader.read(65536)
            if not data:
                break
            got += data
            if not sent and len(got) >= 8:
                sent = True
                writer.write(self.reply)
        writer.close()


async def _proxy(judge, port: int):
    collector = Collector(judge.targets.names, judge.pool_mode)
    proxy = Proxy(Address("127.0.0.1", port), Address("127.0.0.1", 0), judge, collector)
    _, listen = await proxy.start()
    return proxy, collector, listen


def _chunks(data: bytes, rng: random.Random):
    i = 0
    while i < len(data):
        n = rng.choice((1, 2, 5, 17, 300, 4096, 70000))
        yield data[i:i + n]
        i += n


def test_bytes_pass_through_unchanged_both_ways(judge):
    rng = random.Random(17)
    client_bytes = STARTUP + b"".join(
        rng.choice([query("SELECT 1"), query("SET search_path TO app"), parse("_pg3_0", "SELECT $1"),
                    bind("", "_pg3_0"), msg(b"S", b""), msg(b"d", bytes(rng.randrange(256) for _ in range(999)))])
        for _ in range(300)) + msg(b"X", b"")
    rows = b"".join(msg(b"D", struct.pack("!HI", 1, 200_000) + bytes([i % 256]) * 200_000) for i in range(12))
    server_bytes = msg(b"R", b"\0\0\0\0") + ready("I") + rows + msg(b"C", b"SELECT 12\0") + ready("I")

    async def main():
        up = FakeUpstream(server_bytes)
        proxy, collector, port = await _proxy(judge, await up.start())
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for chunk in _chunks(client_bytes, rng):
            writer.write(chunk)
            if rng.random() < 0.1:
                await writer.drain()
                await asyncio.sleep(0)
        await writer.drain()
        got = await reader.readexactly(len(server_bytes))
        writer.close()
        await asyncio.sleep(0.2)
        await proxy.stop()
        up.server.close()
        return got, bytes(up.received[0]), collector

    got, upstream_got, collector = asyncio.run(main())
    assert upstream_got == client_bytes
    assert got == server_bytes
    assert collector.sessions == 1 and collector.findings()  # it was inspected too


def test_ssl_request_is_answered_no_and_not_forwarded(judge):
    async def main():
        up = FakeUpstream(ready("I"))
        proxy, _, port = await _proxy(judge, await up.start())
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(struct.pack("!II", 8, 80877103))
        answer = await reader.readexactly(1)
        writer.write(STARTUP + query("SELECT 1"))
        got = await reader.readexactly(6)
        writer.close()
        await asyncio.sleep(0.1)
        await proxy.stop()
        up.server.close()
        return answer, got, bytes(up.received[0])

    answer, got, upstream_got = asyncio.run(main())
    assert answer == b"N" and got == ready("I")
    assert upstream_got == STARTUP + query("SELECT 1")


def test_direct_tls_is_passed_through_uninspected(judge):
    hello = b"\x16\x03\x01\x00\x05hello"

    async def main():
        up = FakeUpstream(b"\x16\x03\x03server")
        proxy, collector, port = await _proxy(judge, await up.start())
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(hello)
        got = await reader.readexactly(9)
        writer.close()
        await asyncio.sleep(0.1)
        await proxy.stop()
        up.server.close()
        return got, bytes(up.received[0]), collector

    got, upstream_got, collector = asyncio.run(main())
    assert (got, upstream_got) == (b"\x16\x03\x03server", hello)
    assert collector.uninspected == {"direct TLS": 1} and collector.sessions == 0


def test_malformed_client_bytes_still_pass_through(judge):
    garbage = b"Q\0\0\0\2" + bytes(range(256)) * 4

    async def main():
        up = FakeUpstream(ready("I"))
        proxy, collector, port = await _proxy(judge, await up.start())
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(STARTUP + garbage)
        await reader.readexactly(6)
        writer.close()
        await asyncio.sleep(0.1)
        await proxy.stop()
        up.server.close()
        return bytes(up.received[0]), collector

    upstream_got, collector = asyncio.run(main())
    assert upstream_got == STARTUP + garbage
    assert "stopped following the protocol" in collector.summary()


def test_bad_startup_packet_gets_an_error(judge):
    async def main():
        up = FakeUpstream()
        proxy, _, port = await _proxy(judge, await up.start())
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(struct.pack("!II", 9, 2 << 16) + b"\0")
        got = await reader.read()
        await proxy.stop()
        up.server.close()
        return got, up.received

    got, received = asyncio.run(main())
    assert got[:1] == b"E" and b"invalid startup packet" in got and received == []


def test_unreachable_upstream_gets_an_error_response(judge):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]  # closed again: nothing listens there

    async def main():
        proxy, collector, port = await _proxy(judge, dead_port)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(STARTUP)
        got = await reader.read()
        await proxy.stop()
        return got, collector

    got, collector = asyncio.run(main())
    assert got[:1] == b"E" and b"cannot connect to upstream" in got
    assert collector.open == 0


def test_a_client_reset_mid_query_leaves_the_others_served(judge):
    async def main():
        up = FakeUpstream(ready("I"))
        proxy, collector, port = await _proxy(judge, await up.start())
        r1, w1 = await asyncio.open_connection("127.0.0.1", port)
        w1.write(STARTUP + query("SELECT pg_sleep(10)")[:9])  # a query cut in the middle
        await r1.readexactly(6)
        sock = w1.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        w1.transport.abort()  # RST, as a killed process's socket
        r2, w2 = await asyncio.open_connection("127.0.0.1", port)
        w2.write(STARTUP + query("SET search_path TO b"))
        await r2.readexactly(6)
        w2.close()
        await asyncio.sleep(0.2)
        open_after = collector.open
        await proxy.stop()
        up.server.close()
        return collector, open_after

    collector, open_after = asyncio.run(main())
    assert collector.sessions == 2 and open_after == 0
    assert [f["code"] for f in collector.findings()] == ["PIN101"]


@pytest.mark.parametrize("text, expected", [
    ("db:5433", Address("db", 5433)),
    ("db", Address("db", 5432)),
    ("[::1]:6000", Address("::1", 6000)),
    ("::1", Address("::1", 5432)),
    ("/nonexistent/.s.PGSQL.5432", Address(None, 5432, "/nonexistent/.s.PGSQL.5432")),
])
def test_parse_address(text, expected):
    assert parse_address(text) == expected


def test_parse_address_socket_directory(tmp_path):
    assert parse_address(f"{tmp_path}:6432") == Address(None, 6432, f"{tmp_path}/.s.PGSQL.6432")


@pytest.mark.parametrize("text", ["", ":5432", "db:port", "[::1", "db:99999"])
def test_parse_address_errors(text):
    with pytest.raises(ValueError):
        parse_address(text)


# ---- the command ----------------------------------------------------------------------------------


def _fake_pg_thread():
    """A thread serving one connection: answers every message chunk with ReadyForQuery "I"."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def serve():
        conn, _ = srv.accept()
        with conn:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                conn.sendall(ready("I"))
        srv.close()

    threading.Thread(target=serve, daemon=True).start()
    return srv.getsockname()[1]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_command_reports_on_signal_and_exits_1_with_findings(tmp_path, sig):
    port = _fake_pg_thread()
    report = tmp_path / "report.json"
    proxy = RunningProxy(f"127.0.0.1:{port}", report=str(report), cwd=str(tmp_path), extra=["--loop", "asyncio"])
    with socket.create_connection((proxy.host, proxy.port)) as c:
        c.sendall(STARTUP)
        c.recv(6)
        c.sendall(query("SET search_path TO app"))
        c.recv(6)
    result = proxy.stop(sig)
    assert result.returncode == 1, result.stderr
    assert [f["code"] for f in json.loads(report.read_text())] == ["PIN101"]
    assert "1 of 1 sessions would be pinned (100%)" in result.summary
    assert f"Report: {report}" in result.summary


def test_command_exits_0_without_findings(tmp_path):
    proxy = RunningProxy("127.0.0.1:9", report=str(tmp_path / "r.json"), cwd=str(tmp_path))
    result = proxy.stop()
    assert result.returncode == 0 and json.loads((tmp_path / "r.json").read_text()) == []
    assert "0 client sessions" in result.summary and "No findings." in result.summary


@pytest.mark.parametrize("args", [
    ["--upstream", ""], ["--upstream", "db:x"], ["--upstream", "db", "--listen", "/tmp/x"],
])
def test_command_usage_errors_exit_2(tmp_path, args):
    r = subprocess.run([sys.executable, "-m", "pinlint", "proxy", *args], capture_output=True, text=True,
                       cwd=tmp_path, timeout=60)
    assert r.returncode == 2 and "pinlint: error:" in r.stderr


def test_command_warns_when_not_on_loopback(tmp_path):
    proxy = RunningProxy("127.0.0.1:9", cwd=str(tmp_path), extra=["--listen", "0.0.0.0:0"])
    result = proxy.stop()
    assert "not loopback" in result.stderr
