"""pytest plugin: run the test suite through ``pinlint proxy`` (``pytest --pinlint-proxy``).

Off unless ``--pinlint-proxy`` (or ``--pinlint-proxy-strict``) is given: without it the plugin only
adds its options. With it, before conftest.py files and the application's settings are imported,
it starts the proxy in front of the test database and points the run at it:

- with ``--pinlint-proxy-env NAME`` (or the ini option ``pinlint_proxy_env``), or when
  ``DATABASE_URL`` is set: the URL in that variable is the upstream, and the variable is rewritten to
  the same URL with the proxy's host and port;
- otherwise ``PGHOST``/``PGPORT`` (libpq's defaults when unset: the Unix socket in
  /var/run/postgresql or /tmp, else localhost, port 5432) are the upstream, and are rewritten to
  the proxy (``PGHOSTADDR`` too when it is set). psycopg, psycopg2, asyncpg and Django (with an empty
  HOST/PORT) read them.

At the end the proxy is stopped, and its summary and findings appear in a "pinlint" section of the
terminal summary. ``--pinlint-proxy-strict`` makes the run fail (exit 1) when anything was found.
Under pytest-xdist the controller's proxy serves every worker (workers inherit the rewritten
variables and do not start their own).
"""

from __future__ import annotations

import os
from typing import Dict, Optional, Tuple

import pytest

#: set (to the proxy's address) while a proxy started by this plugin runs; child pytest processes
#: (xdist workers) see it and do not start another
ACTIVE_ENV = "PINLINT_PROXY_ACTIVE"
def _targets():
    from pinlint.targets import ALL_TARGETS

    return ("any",) + tuple(ALL_TARGETS)


TARGETS = _targets()


class _State:
    def __init__(self) -> None:
        self.proxy = None
        self.result = None
        self.saved: Dict[str, Optional[str]] = {}
        self.upstream = ""
        self.rewrote = ""


_KEY = pytest.StashKey[_State]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pinlint", "pinlint proxy (see what the application sends to PostgreSQL)")
    group.addoption("--pinlint-proxy", action="store_true", default=False,
                    help="run the tests through `pinlint proxy` in front of the test database and report what "
                         "pins or breaks sessions behind a pooler")
    group.addoption("--pinlint-proxy-strict", action="store_true", default=False,
                    help="like --pinlint-proxy, and fail the run when the proxy found anything")
    group.addoption("--pinlint-proxy-env", default=None, metavar="NAME",
                    help="the variable holding the database URL to rewrite (default: DATABASE_URL when set, "
                         "else PGHOST/PGPORT)")
    group.addoption("--pinlint-proxy-target", default=None, choices=TARGETS,
                    help="the pooler to judge for (default: the project's pinlint configuration, else any)")
    group.addoption("--pinlint-proxy-report", default=None, metavar="FILE",
                    help="also write the JSON report to this file")
    parser.addini("pinlint_proxy_env", "the variable holding the database URL for --pinlint-proxy", default="")


def _wanted(config: pytest.Config) -> bool:
    ns = config.known_args_namespace
    return bool(getattr(ns, "pinlint_proxy", False) or getattr(ns, "pinlint_proxy_strict", False))


# ---- where the database is, and how to point at the proxy ------------------------------------------


def _split_netloc(netloc: str) -> Tuple[str, str, str]:
    """(userinfo with its "@", host, port) of a URL's netloc."""
    userinfo, at, hostport = netloc.rpartition("@")
    userinfo = userinfo + at
    if "," in hostport:
        raise pytest.UsageError("--pinlint-proxy: a database URL with several hosts is not supported")
    if hostport.startswith("["):
        host, _, rest = hostport[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port = hostport.partition(":")
    return userinfo, host, port


def url_upstream(url: str, environ) -> Tuple[str, "callable"]:
    """The upstream of a database URL, and a function giving the URL pointed at HOST, PORT."""
    from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise pytest.UsageError(f"--pinlint-proxy: not a PostgreSQL URL: {parts.scheme}://...")
    userinfo, host, port = _split_netloc(parts.netloc)
    query = parse_qsl(parts.query, keep_blank_values=True)
    qhost = next((v for k, v in query if k == "host"), None)
    qport = next((v for k, v in query if k == "port"), None)
    host = unquote(host) or qhost or environ.get("PGHOST") or ""
    port = port or qport or environ.get("PGPORT") or "5432"
    upstream = _libpq_upstream(host, port)

    def rewrite(new_host: str, new_port: int) -> str:
        rest = [(k, v) for k, v in query if k not in ("host", "port", "hostaddr")]
        return urlunsplit((parts.scheme, f"{userinfo}{new_host}:{new_port}", parts.path,
                           urlencode(rest, safe="/:,"), parts.fragment))

    return upstream, rewrite


def _libpq_upstream(host: str, port: str) -> str:
    """``pinlint proxy --upstream`` for a libpq host (name, address or socket directory) and port."""
    if "," in host or "," in port:
        raise pytest.UsageError("--pinlint-proxy: several hosts are not supported")
    if not host:
        for directory in ("/var/run/postgresql", "/tmp"):
            if os.path.exists(os.path.join(directory, f".s.PGSQL.{port}")):
                return f"{directory}:{port}"
        host = "localhost"
    if host.startswith("/"):
        return f"{host}:{port}"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


# ---- hooks -----------------------------------------------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args):
    # a wrapper runs before every plugin's implementation, so the variables are rewritten before
    # pytest-django (or a conftest.py) imports the settings
    if _wanted(early_config) and not os.environ.get(ACTIVE_ENV):
        _start(early_config)
    yield


def _start(config: pytest.Config) -> None:
    from pinlint.proxy.launcher import LaunchError, RunningProxy

    ns = config.known_args_namespace
    state = _State()
    env_name = ns.pinlint_proxy_env or config.getini("pinlint_proxy_env") or (
        "DATABASE_URL" if os.environ.get("DATABASE_URL") else "")
    environ = os.environ
    if env_name:
        url = environ.get(env_name)
        if not url:
            raise pytest.UsageError(f"--pinlint-proxy: ${env_name} is not set")
        upstream, rewrite = url_upstream(url, environ)
    else:
        upstream = _libpq_upstream(environ.get("PGHOST", ""), environ.get("PGPORT", "5432"))
        rewrite = None
    try:
        proxy = RunningProxy(upstream, target=ns.pinlint_proxy_target, report=ns.pinlint_proxy_report,
                             cwd=str(config.rootpath) if hasattr(config, "rootpath") else None)
    except LaunchError as exc:
        raise pytest.UsageError(f"--pinlint-proxy: {exc}") from None
    state.proxy = proxy
    state.upstream = upstream
    names = [env_name] if env_name else ["PGHOST", "PGPORT"] + (["PGHOSTADDR"] if "PGHOSTADDR" in environ else [])
    for name in names + [ACTIVE_ENV]:
        state.saved[name] = environ.get(name)
    if rewrite is not None:
        environ[env_name] = rewrite(proxy.host, proxy.port)
        state.rewrote = f"${env_name}"
    else:
        environ["PGHOST"] = proxy.host
        environ["PGPORT"] = str(proxy.port)
        if "PGHOSTADDR" in environ:
            environ["PGHOSTADDR"] = proxy.host
        state.rewrote = "$PGHOST/$PGPORT"
    environ[ACTIVE_ENV] = proxy.address
    config.stash[_KEY] = state


def pytest_report_header(config: pytest.Config):
    state = config.stash.get(_KEY, None)
    if state is not None and state.proxy is not None:
        return f"pinlint proxy: {state.proxy.address} -> {state.upstream} ({state.rewrote} points at the proxy)"
    return None


def _stop(config: pytest.Config):
    state = config.stash.get(_KEY, None)
    if state is None or state.proxy is None:
        return None
    if state.result is None:
        state.result = state.proxy.stop()
        for name, value in state.saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return state.result


def pytest_sessionfinish(session: pytest.Session, exitstatus) -> None:
    result = _stop(session.config)
    if result is None:
        return
    strict = session.config.getoption("pinlint_proxy_strict")
    if strict and (result.findings or result.returncode not in (0, 1)) and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    result = _stop(config)
    if result is None:
        return
    terminalreporter.write_sep("=", "pinlint")
    for line in result.summary.splitlines():
        terminalreporter.write_line(line)
    if result.returncode not in (0, 1):
        terminalreporter.write_line(f"pinlint proxy exited with {result.returncode}: {result.stderr}", red=True)
    elif result.findings and config.getoption("pinlint_proxy_strict"):
        terminalreporter.write_line("--pinlint-proxy-strict: failing the run", red=True)


def pytest_unconfigure(config: pytest.Config) -> None:
    _stop(config)
