"""Run ``pinlint proxy`` in a subprocess: start it, learn its address, stop it and read what it found.

Used by the pytest plugin, the live tests and ``bench/proxy.py``.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import List, Optional, Sequence

_LISTENING_RE = re.compile(r"^pinlint proxy: listening on (\S+):(\d+)")


class LaunchError(RuntimeError):
    """The proxy did not start; the message has its output."""


@dataclass
class Result:
    returncode: int
    #: what the proxy printed after its first line (the summary)
    summary: str
    stderr: str
    findings: List[dict] = field(default_factory=list)


class RunningProxy:
    """A proxy subprocess listening on ``host``:``port``."""

    def __init__(self, upstream: str, target: Optional[str] = None, report: Optional[str] = None,
                 extra: Sequence[str] = (), cwd: Optional[str] = None, timeout: float = 30.0,
                 env: Optional[dict] = None) -> None:
        self._own_report = report is None
        if report is None:
            fd, report = tempfile.mkstemp(prefix="pinlint-proxy-", suffix=".json")
            os.close(fd)
            os.unlink(report)
        self.report = report
        argv = [sys.executable, "-m", "pinlint", "proxy", "--upstream", upstream, "--listen", "127.0.0.1:0",
                "--report", report, *extra]
        if target:
            argv += ["--target", target]
        self._stderr = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self._stderr, stdin=subprocess.DEVNULL,
                                     text=True, cwd=cwd, env=env)
        self.host, self.port = self._wait_listening(timeout)
        self.result: Optional[Result] = None

    def _wait_listening(self, timeout: float):
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    self.proc.kill()
                    self.proc.wait()
                    raise LaunchError(f"pinlint proxy did not start in {timeout:.0f} s: {self._err()}")
                line = self.proc.stdout.readline()
                if not line:
                    self.proc.wait()
                    raise LaunchError(f"pinlint proxy exited with {self.proc.returncode}: {self._err()}")
                m = _LISTENING_RE.match(line)
                if m:
                    return m.group(1), int(m.group(2))
        finally:
            sel.close()

    def _err(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().strip()

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> Result:
        """Signal the proxy, wait for it, and read its summary and report."""
        if self.result is not None:
            return self.result
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        findings: List[dict] = []
        try:
            with open(self.report, encoding="utf-8") as fh:
                findings = json.load(fh)
        except (OSError, ValueError):
            pass
        if self._own_report:
            try:
                os.unlink(self.report)
            except OSError:
                pass
        self.result = Result(self.proc.returncode, (out or "").strip(), self._err(), findings)
        self._stderr.close()
        return self.result

    def __enter__(self) -> "RunningProxy":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
