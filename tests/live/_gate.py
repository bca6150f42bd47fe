"""Skip locally, fail on CI: the live suite must never be skipped silently on CI."""

from __future__ import annotations

import importlib.util
import os

import pytest

from . import servers


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require(binaries: tuple[str, ...] = (), modules: tuple[str, ...] = (), *, module_level: bool = False) -> None:
    """Skip (locally) or fail (when $CI is set) unless every server binary and
    Python module is available."""
    missing = servers.missing_binaries(binaries)
    missing += [f"python module {m}" for m in modules if importlib.util.find_spec(m) is None]
    if not missing:
        return
    msg = (f"live oracle needs {', '.join(missing)} "
           "(apt: postgresql-15 pgbouncer mariadb-server; pip: .[test])")
    if in_ci():
        pytest.fail(f"CI is set, refusing to skip: {msg}", pytrace=False)
    pytest.skip(msg, allow_module_level=module_level)
