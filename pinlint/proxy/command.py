"""``pinlint proxy``: the click command (the work is done in :mod:`pinlint.proxy.server`)."""

from __future__ import annotations

import sys

import click

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
#: the first line the proxy prints; :mod:`pinlint.proxy.launcher` reads the address from it
LISTENING = "pinlint proxy: listening on {host}:{port}"


def _target(value):
    from pinlint.cli_options import target_option  # one parser for `check --target` and `proxy --target`

    return target_option(value)


@click.command()
@click.option("--upstream", required=True, metavar="HOST:PORT",
              help="The PostgreSQL server to pass traffic to: HOST:PORT, or a Unix socket directory as in PGHOST.")
@click.option("--listen", default="127.0.0.1:0", show_default=True, metavar="HOST:PORT",
              help="Where to listen; port 0 picks a free port (printed).")
@click.option("--target", default=None, callback=lambda c, p, v: _target(v),
              help="The poolers to judge for, comma-separated (default: the configuration's, else any).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None,
              help="Write the findings as JSON to this file when the proxy stops.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Configuration file (default: the nearest pyproject.toml / pinlint.toml).")
@click.option("--loop", "loop_name", type=click.Choice(["auto", "asyncio", "uvloop"]), default="auto",
              show_default=True, help="Event loop: uvloop is faster; auto uses it when it is installed.")
def proxy(upstream: str, listen: str, target: str, report_path: str, config_file: str, loop_name: str) -> None:
    """Pass PostgreSQL traffic through unchanged and report what the clients send that pins or breaks
    sessions behind a pooler (the rules of `pinlint check`).

    Point the application (a test suite, a staging run) at the printed address. SIGINT (Ctrl-C) or
    SIGTERM stops the proxy: it writes the report, prints a summary and exits 1 when anything was
    found, else 0 (2 for a usage or configuration error)."""
    import asyncio
    import gc
    import logging

    from pinlint.proxy.judge import ConfigError, Judge, SpecError
    from pinlint.proxy.report import Collector
    from pinlint.proxy.server import is_loopback, parse_address, serve

    gc.set_threshold(700, 10, 10)  # a long-running process: Python's default thresholds, not the CLI's
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    try:
        up = parse_address(upstream)
        where = parse_address(listen, default_port=0)
    except ValueError as exc:
        click.echo(f"pinlint: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    if where.path is not None:
        click.echo("pinlint: error: --listen takes HOST:PORT", err=True)
        sys.exit(EXIT_ERROR)
    if not is_loopback(where.host or ""):
        click.echo(f"pinlint proxy: warning: listening on {where.host}, not loopback: anyone who can reach it "
                   "can use the upstream database", err=True)
    try:
        judge = Judge(target, config_file)
    except (ConfigError, SpecError) as exc:
        click.echo(f"pinlint: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    collector = Collector(judge.targets.names, judge.pool_mode)
    gc.collect()
    gc.freeze()  # what the imports built (the classifier, the rule specs) is never scanned again

    def announce(host: str, port: int) -> None:
        click.echo(LISTENING.format(host=host, port=port) + f" (upstream {up}); stop with Ctrl-C or SIGTERM")
        sys.stdout.flush()

    run = asyncio.run
    if loop_name != "asyncio":
        try:
            import uvloop
        except ImportError:
            if loop_name == "uvloop":
                click.echo("pinlint: error: --loop uvloop: uvloop is not installed (pip install uvloop)", err=True)
                sys.exit(EXIT_ERROR)
        else:
            run = uvloop.run
    try:
        run(serve(up, where, judge, collector, announce))
    except OSError as exc:
        click.echo(f"pinlint: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except ValueError as exc:
        click.echo(f"pinlint: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    failed = None
    if report_path:
        try:
            collector.write(report_path)
        except OSError as exc:
            failed = f"pinlint: error: cannot write the report: {exc}"
    click.echo(collector.summary(None if failed else report_path))
    if failed:
        click.echo(failed, err=True)
        sys.exit(EXIT_ERROR)
    sys.exit(collector.exit_code)
