"""Command-line values that more than one command reads (``check`` and ``proxy``)."""

from __future__ import annotations

from typing import Optional

import click


def target_option(value: Optional[str]) -> Optional[str]:
    """``--target`` (``check`` and ``proxy``): ``any`` or target names, comma-separated; exit 2 otherwise."""
    if value is None:
        return None
    from pinlint.targets import target_argument

    try:
        return target_argument(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--target'") from None
