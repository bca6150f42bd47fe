#!/usr/bin/env python3
"""Benchmark ``pinlint proxy``: simple SELECTs with psycopg 3, direct vs through the proxy.

    python bench/proxy.py                       # a throwaway PostgreSQL (tests/live/servers.py), 4 clients
    python bench/proxy.py --clients 8 --seconds 5
    python bench/proxy.py --dsn postgresql://app@127.0.0.1:5432/app --upstream 127.0.0.1:5432

Each client is its own process with one autocommit connection running ``SELECT 1`` (or ``--query``)
in a loop and timing every round trip. Rounds alternate direct and proxied runs (``--rounds``),
so both see the same machine load. Prints, per mode: the median and 99th percentile round-trip
latency over all clients, queries per second; then the ratios proxy / direct. The proxy runs as
``python -m pinlint proxy`` in a subprocess, judging for every target. Speed is never asserted in the
test suite: this script is run by hand and in review. ``--pgbouncer`` adds runs through PgBouncer in
session mode, for what one pooler hop written in C costs on the same machine. The proxy runs once
per event loop available (asyncio, and uvloop when installed).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Dict, Optional
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _client(dsn: str, query: str, seconds: float, start_at: float, out) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        cur = conn.cursor()
        for _ in range(50):  # warm up (and let psycopg prepare the query: its default threshold is 5)
            cur.execute(query)
            cur.fetchall()
        while time.time() < start_at:
            time.sleep(0.001)
        lat = []
        clock = time.perf_counter_ns
        end = clock() + int(seconds * 1e9)
        while True:
            t0 = clock()
            cur.execute(query)
            cur.fetchall()
            t1 = clock()
            lat.append(t1 - t0)
            if t1 >= end:
                break
    out.put(lat)


def run_mode(dsn: str, clients: int, seconds: float, query: str):
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    start_at = time.time() + 1.0
    procs = [ctx.Process(target=_client, args=(dsn, query, seconds, start_at, q)) for _ in range(clients)]
    for p in procs:
        p.start()
    lats = []
    for _ in procs:
        lats.extend(q.get(timeout=seconds + 60))
    for p in procs:
        p.join()
    return lats


def _with_port(dsn: str, host: str, port: int) -> str:
    parts = urlsplit(dsn)
    netloc = parts.netloc.rsplit("@", 1)
    auth = netloc[0] + "@" if len(netloc) == 2 else ""
    return urlunsplit((parts.scheme, f"{auth}{host}:{port}", parts.path, parts.query, parts.fragment))


def _stats(lats, seconds: float, clients: int):
    lats = sorted(lats)
    med = statistics.median(lats) / 1000
    p99 = lats[int(len(lats) * 0.99) - 1] / 1000
    return med, p99, len(lats) / seconds


def _loops():
    import importlib.util

    return ["asyncio", "uvloop"] if importlib.util.find_spec("uvloop") else ["asyncio"]


def bench(dsn: str, upstream: str, clients: int, seconds: float, rounds: int, query: str,
          pgbouncer_dsn: Optional[str] = None) -> None:
    from contextlib import ExitStack

    from pinlint.proxy.launcher import RunningProxy

    with ExitStack() as stack:
        modes = {"direct": dsn}
        proxies = {}
        for loop in _loops():
            proxy = stack.enter_context(RunningProxy(upstream, extra=["--loop", loop]))
            proxies[loop] = proxy
            modes[f"proxy/{loop}"] = _with_port(dsn, proxy.host, proxy.port)
        if pgbouncer_dsn:
            modes["pgbouncer"] = pgbouncer_dsn
        results: Dict[str, list] = {m: [] for m in modes}
        for r in range(rounds):
            for mode, url in modes.items():
                lats = run_mode(url, clients, seconds, query)
                med, p99, qps = _stats(lats, seconds, clients)
                results[mode].append((med, p99, qps))
                print(f"round {r + 1} {mode:>14}: median {med:7.1f} us  p99 {p99:7.1f} us  {qps:8.0f} queries/s",
                      flush=True)
        codes = {loop: p.stop().returncode for loop, p in proxies.items()}
    print()
    summary = {}
    for mode, rows in results.items():
        summary[mode] = tuple(statistics.median(x[i] for x in rows) for i in range(3))
        med, p99, qps = summary[mode]
        print(f"{mode:>14}: median latency {med:7.1f} us, p99 {p99:7.1f} us, {qps:8.0f} queries/s")
    print(f"(median of {rounds} rounds; {clients} clients, {seconds:g} s each; query {query!r})")
    d = summary["direct"]
    for mode, row in summary.items():
        if mode != "direct":
            print(f"{mode:>14} / direct: latency x{row[0] / d[0]:.2f} (median), x{row[1] / d[1]:.2f} (p99); "
                  f"throughput x{row[2] / d[2]:.2f}")
    print(f"proxy exit codes {codes} (1 = findings: psycopg's default prepare_threshold names statements)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--query", default="SELECT 1")
    ap.add_argument("--dsn", help="a PostgreSQL URL to benchmark against (default: start a throwaway server)")
    ap.add_argument("--upstream", help="HOST:PORT of --dsn for the proxy (default: read from --dsn)")
    ap.add_argument("--pgbouncer", action="store_true",
                    help="also run through PgBouncer (session mode): what a pooler hop in C costs here")
    args = ap.parse_args()
    if args.dsn:
        parts = urlsplit(args.dsn)
        upstream = args.upstream or f"{parts.hostname or '127.0.0.1'}:{parts.port or 5432}"
        bench(args.dsn, upstream, args.clients, args.seconds, args.rounds, args.query)
        return
    from tests.live import servers

    with servers.postgres_server(extra_conf={"max_connections": str(max(30, 4 * args.clients + 10))}) as pg:
        print(f"PostgreSQL on {pg.host}:{pg.port}; {os.cpu_count()} CPUs", flush=True)
        if not args.pgbouncer:
            bench(pg.dsn, f"{pg.host}:{pg.port}", args.clients, args.seconds, args.rounds, args.query)
            return
        size = str(args.clients)
        with servers.pgbouncer(pg, pool_mode="session", extra={"default_pool_size": size,
                                                               "max_db_connections": size}) as pgb:
            bench(pg.dsn, f"{pg.host}:{pg.port}", args.clients, args.seconds, args.rounds, args.query, pgb.dsn)


if __name__ == "__main__":
    main()
