"""Throwaway PostgreSQL / PgBouncer / MariaDB servers for the live oracle.

Every server lives in its own temporary directory (data, config, sockets, logs),
listens on 127.0.0.1 on a port picked at runtime, and runs in its own process
group.  The context managers stop the server and remove the directory on exit,
also when the body raises: first a graceful signal, then SIGKILL to the whole
process group.  As a last line of defence every server process is started with
PR_SET_PDEATHSIG=SIGKILL, so it dies with the Python process even if that is
killed with SIGKILL and no finaliser runs.

PostgreSQL and PgBouncer refuse to run as root.  When we are root (CI is), the
servers run as an unprivileged user: ``$PINLINT_LIVE_USER`` if set, else
``nobody``, else a system user ``pinlint-live`` created with ``useradd``.  The
temporary directories are chowned to that user.

This module uses no database driver; readiness is decided from the servers'
own state (postmaster.pid "ready", a listening TCP port).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Optional, Sequence

HOST = "127.0.0.1"
START_TIMEOUT = 60.0  # seconds, per server
STOP_TIMEOUT = 15.0
PG_TIMEZONE = "Asia/Kathmandu"  # deliberately not UTC (and an odd +05:45 offset)
PG_DB = "postgres"
PG_USER = "postgres"
MYSQL_DB = "pinlint"
MYSQL_USER = "root"


class ServerError(RuntimeError):
    """A server could not be set up or started; the message has the log tail."""


# ---------------------------------------------------------------------------
# binaries


def _pg_bindir() -> Optional[Path]:
    env = os.environ.get("PINLINT_PG_BINDIR")
    if env:
        return Path(env)
    cands = glob.glob("/usr/lib/postgresql/*/bin")
    cands.sort(key=lambda p: int(p.split("/")[-2]) if p.split("/")[-2].isdigit() else 0)
    if cands:
        return Path(cands[-1])
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _which(name: str, *extra_dirs: str) -> Optional[str]:
    path = os.pathsep.join([os.environ.get("PATH", ""), *extra_dirs])
    return shutil.which(name, path=path)


def _executable(p: Optional[str]) -> Optional[str]:
    return p if p and os.path.isfile(p) and os.access(p, os.X_OK) else None


def find_binaries() -> dict[str, Optional[str]]:
    """Path of each server binary the live suite needs, or None when missing.

    Overrides: $PINLINT_PG_BINDIR, $PINLINT_PGBOUNCER, $PINLINT_MARIADBD,
    $PINLINT_MARIADB_INSTALL_DB (a set but wrong override counts as missing)."""
    bindir = _pg_bindir()
    out: dict[str, Optional[str]] = {}
    for name in ("initdb", "postgres"):
        out[name] = _executable(str(bindir / name)) if bindir else None

    def pick(env: str, *names: str) -> Optional[str]:
        if env in os.environ:
            return _executable(os.environ[env])
        for n in names:
            p = _which(n, "/usr/sbin", "/usr/bin")
            if p:
                return p
        return None

    out["pgbouncer"] = pick("PINLINT_PGBOUNCER", "pgbouncer")
    out["mariadbd"] = pick("PINLINT_MARIADBD", "mariadbd", "mysqld")
    out["mariadb-install-db"] = pick("PINLINT_MARIADB_INSTALL_DB", "mariadb-install-db", "mysql_install_db")
    return out


def missing_binaries(names: Sequence[str]) -> list[str]:
    found = find_binaries()
    return [n for n in names if not found.get(n)]


def _bin(name: str) -> str:
    p = find_binaries().get(name)
    if not p:
        raise ServerError(f"binary {name!r} not found")
    return p


# ---------------------------------------------------------------------------
# unprivileged user, processes


@dataclass(frozen=True)
class RunAs:
    name: str
    uid: int
    gid: int


def run_as_user() -> Optional[RunAs]:
    """The user servers run as: None (= us) unless we are root."""
    if os.geteuid() != 0:
        return None
    wanted = os.environ.get("PINLINT_LIVE_USER")
    for name in ([wanted] if wanted else ["nobody", "pinlint-live"]):
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            continue
        return RunAs(pw.pw_name, pw.pw_uid, pw.pw_gid)
    name = wanted or "pinlint-live"
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        check=True,
        capture_output=True,
    )
    pw = pwd.getpwnam(name)
    return RunAs(pw.pw_name, pw.pw_uid, pw.pw_gid)


_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
_PR_SET_PDEATHSIG = 1


def _preexec(user: Optional[RunAs]) -> Callable[[], None]:
    def fn() -> None:  # runs in the child between fork and exec
        os.setsid()  # own session + process group: killpg reaches all its children
        if user is not None:
            os.setgroups([])
            os.setgid(user.gid)
            os.setuid(user.uid)
        # after setuid: a credential change clears the parent-death signal
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    return fn


def _child_env(user: Optional[RunAs], home: Path) -> dict[str, str]:
    env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": str(home),
        "TZ": "UTC",
    }
    if user is not None:
        env["USER"] = env["LOGNAME"] = user.name
    return env


def _tail(path: Path, n: int = 40) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError as e:
        return f"<no log: {e}>"
    return "\n".join(lines[-n:])


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop(proc: subprocess.Popen, graceful: int, timeout: float = STOP_TIMEOUT) -> None:
    """Stop a server started with _preexec (pid == pgid): graceful signal to the
    leader, then SIGKILL to the whole group, then wait for stragglers."""
    pgid = proc.pid
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, graceful)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
    if _group_alive(pgid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(5)
    deadline = time.monotonic() + 5
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.02)


def _run_tool(argv: list[str], *, user: Optional[RunAs], cwd: Path, log: Path, timeout: float) -> None:
    """Run a short-lived setup tool (initdb, mariadb-install-db) in its own group."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=_child_env(user, cwd),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_preexec(user),
        )
        try:
            rc = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            _stop(proc, signal.SIGKILL, 0)
            raise ServerError(f"{argv[0]} timed out after {timeout}s\n{_tail(log)}")
        finally:
            _stop(proc, signal.SIGKILL, 0)
    if rc != 0:
        raise ServerError(f"{' '.join(argv)} exited with {rc}\n--- {log} ---\n{_tail(log)}")


def _spawn(argv: list[str], *, user: Optional[RunAs], cwd: Path, log: Path) -> subprocess.Popen:
    """Start a long-running server in its own process group, output to ``log``."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            argv, cwd=cwd, env=_child_env(user, cwd), stdin=subprocess.DEVNULL,
            stdout=out, stderr=subprocess.STDOUT, preexec_fn=_preexec(user),
        )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def port_open(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        try:
            s.connect((host, port))
        except OSError:
            return False
        return True


def _wait_ready(
    what: str,
    proc: subprocess.Popen,
    ready: Callable[[], bool],
    log: Path,
    timeout: float = START_TIMEOUT,
) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        if proc.poll() is not None:
            raise ServerError(
                f"{what} exited with code {proc.returncode} during startup\n--- {log} ---\n{_tail(log)}"
            )
        if ready():
            return
        if time.monotonic() > deadline:
            raise ServerError(f"{what} not ready after {timeout:.0f}s\n--- {log} ---\n{_tail(log)}")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)


_OWNER_FILE = ".pinlint-live-owner"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale_dirs(base: Optional[str] = None) -> list[str]:
    """Remove temp dirs left by an earlier run that was SIGKILLed (its servers died
    with it through PR_SET_PDEATHSIG, but nobody removed the directory).  Only
    directories carrying our owner marker whose owner pid is gone are touched."""
    base = base or tempfile.gettempdir()
    removed = []
    for d in glob.glob(os.path.join(base, "pinlint-*")):
        marker = os.path.join(d, _OWNER_FILE)
        try:
            pid = int(Path(marker).read_text().strip())
        except (OSError, ValueError):
            continue
        if not _pid_alive(pid):
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


@contextlib.contextmanager
def temp_home(prefix: str, user: Optional[RunAs]) -> Iterator[Path]:
    """A temporary directory owned by ``user``; removed on exit."""
    base = os.environ.get("PINLINT_LIVE_TMPDIR") or tempfile.gettempdir()
    if user is not None:
        for parent in [Path(base).resolve(), *Path(base).resolve().parents]:
            if not os.stat(parent).st_mode & 0o001:
                raise ServerError(f"{parent} is not searchable by user {user.name!r}; "
                                  "set PINLINT_LIVE_TMPDIR (or TMPDIR) to e.g. /tmp")
    sweep_stale_dirs(base)
    d = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    try:
        (d / _OWNER_FILE).write_text(f"{os.getpid()}\n")
        os.chmod(d, 0o755)
        if user is not None:
            os.chown(d, user.uid, user.gid)
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def _mkdir(path: Path, user: Optional[RunAs], mode: int = 0o700) -> Path:
    path.mkdir(mode=mode, exist_ok=True)
    os.chmod(path, mode)
    if user is not None:
        os.chown(path, user.uid, user.gid)
    return path


def _write(path: Path, text: str, user: Optional[RunAs], mode: int = 0o600) -> Path:
    path.write_text(text)
    os.chmod(path, mode)
    if user is not None:
        os.chown(path, user.uid, user.gid)
    return path


def _start_with_port_retry(start: Callable[[int], subprocess.Popen], wait: Callable[[subprocess.Popen, int], None], stop: Callable[[subprocess.Popen], None], attempts: int = 3):
    """free_port() is racy (another process may grab the port before the server
    binds it): retry with a new port when the server dies at startup."""
    last: Optional[Exception] = None
    for _ in range(attempts):
        port = free_port()
        proc = start(port)
        try:
            wait(proc, port)
            return proc, port
        except ServerError as e:
            stop(proc)
            last = e
            if "in use" not in str(e).lower():
                raise
        except BaseException:
            stop(proc)
            raise
    assert last is not None
    raise last


# ---------------------------------------------------------------------------
# PostgreSQL


@dataclass
class PgServer:
    host: str
    port: int
    home: Path
    datadir: Path
    socket_dir: Path
    log_path: Path
    user: str = PG_USER
    dbname: str = PG_DB
    timezone: str = PG_TIMEZONE
    pid: int = 0

    @property
    def dsn(self) -> str:
        """URL form: accepted by psycopg, psycopg2 and asyncpg alike."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"

    @property
    def conninfo(self) -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname={self.dbname}"

    def log_tail(self, n: int = 40) -> str:
        return _tail(self.log_path, n)


def _pg_ready(datadir: Path) -> bool:
    # postmaster.pid line 8 is "starting", "ready", "stopping" (PostgreSQL >= 10)
    try:
        lines = (datadir / "postmaster.pid").read_text().splitlines()
    except OSError:
        return False
    return len(lines) >= 8 and lines[7].strip() == "ready"


@contextlib.contextmanager
def postgres_server(*, timezone: str = PG_TIMEZONE, extra_conf: Optional[dict[str, str]] = None) -> Iterator[PgServer]:
    """initdb a throwaway cluster (trust auth, superuser ``postgres``) and run it
    on 127.0.0.1:<free port>, unix socket inside the temp dir."""
    initdb, postgres = _bin("initdb"), _bin("postgres")
    user = run_as_user()
    with temp_home("pinlint-pg-", user) as home:
        datadir = home / "data"
        sockdir = _mkdir(home / "sock", user)
        log = home / "postgres.log"
        _write(log, "", user, 0o644)
        _run_tool(
            [initdb, "-D", str(datadir), "-U", PG_USER, "--auth=trust", "-E", "UTF8",
             "--locale=C", "--no-sync", "--no-instructions"],
            user=user, cwd=home, log=log, timeout=120,
        )
        conf = {
            "listen_addresses": HOST,
            "unix_socket_directories": str(sockdir),
            "timezone": timezone,
            "log_timezone": "UTC",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "shared_buffers": "16MB",
            "max_connections": "30",
            "logging_collector": "off",
            "log_line_prefix": "%m [%p] %q%u@%d ",
            "log_connections": "on",
            "log_disconnections": "on",
            "dynamic_shared_memory_type": "posix",
        }
        conf.update(extra_conf or {})

        def start(port: int) -> subprocess.Popen:
            argv = [postgres, "-D", str(datadir), "-p", str(port)]
            for k, v in conf.items():
                argv += ["-c", f"{k}={v}"]
            return _spawn(argv, user=user, cwd=home, log=log)

        def wait(proc: subprocess.Popen, port: int) -> None:
            _wait_ready("postgres", proc, lambda: _pg_ready(datadir) and port_open(port), log)

        stop = lambda p: _stop(p, signal.SIGINT)  # noqa: E731  SIGINT = fast shutdown
        proc, port = _start_with_port_retry(start, wait, stop)
        try:
            yield PgServer(HOST, port, home, datadir, sockdir, log, timezone=timezone, pid=proc.pid)
        finally:
            stop(proc)


# ---------------------------------------------------------------------------
# PgBouncer


@dataclass
class PgBouncer:
    host: str
    port: int
    pool_mode: str
    server: PgServer
    home: Path
    log_path: Path
    config_path: Path
    dbname: str = PG_DB
    user: str = PG_USER
    pool2_dbname: str = PG_DB + "_pool2"
    pid: int = 0

    @property
    def dsn(self) -> str:
        """Database with ONE server connection (default_pool_size=1, max_db_connections=1)."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"

    @property
    def conninfo(self) -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname={self.dbname}"

    @property
    def dsn_pool2(self) -> str:
        """Same PostgreSQL database through an alias with TWO server connections,
        for hazards that need a client's next transaction to land on another backend."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.pool2_dbname}"

    @property
    def admin_dsn(self) -> str:
        """The admin console (SHOW/RECONNECT/...; simple query protocol only)."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/pgbouncer"

    def log_tail(self, n: int = 40) -> str:
        return _tail(self.log_path, n)


PGBOUNCER_POOL_SIZE = 1


@contextlib.contextmanager
def pgbouncer(server: PgServer, *, pool_mode: str = "transaction", extra: Optional[dict[str, str]] = None) -> Iterator[PgBouncer]:
    """PgBouncer in front of ``server`` with a pool of exactly one server
    connection for database ``postgres`` (and two for ``postgres_pool2``)."""
    binary = _bin("pgbouncer")
    user = run_as_user()
    with temp_home(f"pinlint-pgb-{pool_mode}-", user) as home:
        sockdir = _mkdir(home / "sock", user)
        log = _write(home / "pgbouncer.log", "", user, 0o644)
        _write(home / "userlist.txt", f'"{PG_USER}" ""\n', user)
        target = f"host={server.host} port={server.port} dbname={server.dbname}"

        def start(port: int) -> subprocess.Popen:
            settings = {
                "listen_addr": HOST,
                "listen_port": str(port),
                "unix_socket_dir": str(sockdir),
                "auth_type": "trust",
                "auth_file": str(home / "userlist.txt"),
                "admin_users": PG_USER,
                "stats_users": PG_USER,
                "pool_mode": pool_mode,
                "default_pool_size": str(PGBOUNCER_POOL_SIZE),
                "max_db_connections": str(PGBOUNCER_POOL_SIZE),
                "min_pool_size": "0",
                "reserve_pool_size": "0",
                "max_client_conn": "100",
                # server_reset_query: left at its default (DISCARD ALL), which
                # transaction/statement mode never runs (server_reset_query_always=0)
                "ignore_startup_parameters": "extra_float_digits",
                "server_login_retry": "1",
                "query_wait_timeout": "15",
                "pidfile": str(home / "pgbouncer.pid"),
                "log_connections": "1",
                "log_disconnections": "1",
                "log_pooler_errors": "1",
            }
            settings.update(extra or {})
            cfg = "[databases]\n"
            cfg += f"{PG_DB} = {target}\n"
            cfg += f"{PG_DB}_pool2 = {target} pool_size=2 max_db_connections=2\n"
            cfg += "\n[pgbouncer]\n" + "".join(f"{k} = {v}\n" for k, v in settings.items())
            _write(home / "pgbouncer.ini", cfg, user)
            return _spawn([binary, str(home / "pgbouncer.ini")], user=user, cwd=home, log=log)

        def wait(proc: subprocess.Popen, port: int) -> None:
            _wait_ready(f"pgbouncer ({pool_mode})", proc,
                        lambda: f"listening on {HOST}:{port}" in _read(log) and port_open(port), log)

        stop = lambda p: _stop(p, signal.SIGTERM)  # noqa: E731  SIGTERM = immediate shutdown
        proc, port = _start_with_port_retry(start, wait, stop)
        try:
            yield PgBouncer(HOST, port, pool_mode, server, home, log, home / "pgbouncer.ini", pid=proc.pid)
        finally:
            stop(proc)


# ---------------------------------------------------------------------------
# MariaDB


@dataclass
class MariaDB:
    host: str
    port: int
    home: Path
    datadir: Path
    socket_path: Path
    log_path: Path
    user: str = MYSQL_USER
    password: str = ""
    database: str = MYSQL_DB
    pid: int = 0

    @property
    def dsn(self) -> str:
        return f"mysql://{self.user}@{self.host}:{self.port}/{self.database}"

    def connect_kwargs(self, **overrides) -> dict:
        """Keyword arguments for pymysql.connect()."""
        kw = dict(host=self.host, port=self.port, user=self.user, password=self.password,
                  database=self.database, connect_timeout=10, autocommit=True)
        kw.update(overrides)
        return kw

    def log_tail(self, n: int = 40) -> str:
        return _tail(self.log_path, n)


MARIADB_PLUGINS = ("metadata_lock_info",)  # information_schema.METADATA_LOCK_INFO


@contextlib.contextmanager
def mariadb_server() -> Iterator[MariaDB]:
    """mariadb-install-db into a temp dir and run mariadbd on 127.0.0.1:<free port>.

    Runs as the same unprivileged user as PostgreSQL (``--user``), root account
    ``root@localhost`` without password (auth 'normal'), database ``pinlint``
    created by an --init-file."""
    mariadbd, installdb = _bin("mariadbd"), _bin("mariadb-install-db")
    user = run_as_user()
    with temp_home("pinlint-mariadb-", user) as home:
        datadir = home / "data"
        tmpdir = _mkdir(home / "tmp", user)
        sock = home / "mysqld.sock"
        log = _write(home / "mariadb.log", "", user, 0o644)
        init = _write(home / "init.sql", f"CREATE DATABASE IF NOT EXISTS {MYSQL_DB};\n", user, 0o644)
        common = [
            "--no-defaults",
            f"--datadir={datadir}",
            f"--tmpdir={tmpdir}",
            "--innodb-buffer-pool-size=16M",
            "--innodb-log-file-size=8M",
            "--innodb-flush-log-at-trx-commit=0",
            "--innodb-doublewrite=0",
        ]
        # both run directly as the unprivileged user (no --user switch): a server
        # that drops privileges itself would lose its parent-death signal
        _run_tool(
            [installdb, *common, "--auth-root-authentication-method=normal",
             "--skip-test-db", "--skip-name-resolve"],
            user=user, cwd=home, log=log, timeout=180,
        )

        def start(port: int) -> subprocess.Popen:
            argv = [
                mariadbd, *common,
                "--skip-networking=0", f"--bind-address={HOST}", f"--port={port}",
                f"--socket={sock}", f"--pid-file={home / 'mariadbd.pid'}",
                "--skip-log-bin", "--skip-name-resolve",
                "--skip-host-cache", "--innodb-fast-shutdown=2",
                f"--init-file={init}", "--performance-schema=OFF",
                "--max-connections=50",
            ]
            for p in MARIADB_PLUGINS:
                argv.append(f"--plugin-load-add={p}")
            return _spawn(argv, user=user, cwd=home, log=log)  # no --log-error: stderr

        def wait(proc: subprocess.Popen, port: int) -> None:
            # the port is bound before --init-file runs; "ready for connections" comes after
            _wait_ready("mariadbd", proc,
                        lambda: "ready for connections" in _read(log) and port_open(port), log)

        stop = lambda p: _stop(p, signal.SIGTERM)  # noqa: E731
        proc, port = _start_with_port_retry(start, wait, stop)
        try:
            yield MariaDB(HOST, port, home, datadir, sock, log, pid=proc.pid)
        finally:
            stop(proc)
