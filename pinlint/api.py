"""A small programmatic API (used by the tests, the flake8 plugin and the live oracle)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Mapping, Optional

from pinlint.config import Settings, apply_table, enabled_codes
from pinlint.pipeline.options import RunOptions
from pinlint.pipeline.run import check_source as _check_bytes
from pinlint.model import Diagnostic
from pinlint.specs import load_specs


def run_options(settings: Settings) -> RunOptions:
    known = [s.code for s in load_specs()]
    return RunOptions(
        targets=settings.targets,
        enabled=enabled_codes(settings, known),
        per_file_ignores=settings.per_file_ignores,
        root=str(settings.root),
        sql_functions=tuple(getattr(settings, "sql_functions", ())),
    )


def check_source(source: str, filename: str = "example.py", target: str = "any",
                 options: Optional[Mapping[str, Any]] = None, select: Optional[List[str]] = None,
                 use_prefilter: bool = True) -> List[Diagnostic]:
    """Lint Python source text. ``options`` is a ``[tool.pinlint]``-shaped table (``pgbouncer``, ...)."""
    settings = Settings(root=Path.cwd())
    table = dict(options or {})
    table["target"] = target
    if select is not None:
        table["select"] = select
    settings = apply_table(settings, table, "<api>")
    opts = run_options(settings)
    if not use_prefilter:
        from dataclasses import replace

        opts = replace(opts, use_prefilter=False)
    from pinlint.checks.drivers.connection_budget import settle

    return settle(_check_bytes(filename, source.encode("utf-8"), opts))


def check_sql(sql: str, target: str = "any", options: Optional[Mapping[str, Any]] = None) -> List[Diagnostic]:
    """Lint one SQL string as if a psycopg connection executed it."""
    source = "import psycopg\n\nwith psycopg.connect('', prepare_threshold=None) as conn:\n    conn.execute(" + repr(sql) + ")\n"
    return check_source(source, target=target, options=options)
