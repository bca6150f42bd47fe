"""``pinlint check --show-settings``: the resolved configuration, one key per line, each with where its
value came from (the command line, the configuration file, or pinlint's default), in the TOML spelling of
``[tool.pinlint]`` so that a line can be copied into the file."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any, List

from pinlint.config import Settings

#: Settings fields that are not configuration keys (shown in the header instead)
_NOT_KEYS = ("root", "source")


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (set, frozenset)):
        return _toml(sorted(value, key=str))
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, Path):
        return json.dumps(str(value))
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (tuple, list)):
        if value and all(isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) for v in value):
            return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value) + " }"
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value))


def render(final: Settings, from_file: Settings, enabled: List[str]) -> str:
    """``final``: after the command line's options; ``from_file``: as the configuration file left it."""
    default = Settings()
    lines = [f"# configuration file: {final.source or '(none: defaults)'}",
             f"# project root: {final.root}"]
    for f in fields(Settings):
        if f.name in _NOT_KEYS:
            continue
        value = getattr(final, f.name)
        if value != getattr(from_file, f.name):
            where = "command line"
        elif value != getattr(default, f.name):
            where = final.source or "configuration"
        else:
            where = "default"
        key = f.name.replace("_", "-")
        if f.name == "target_options":
            for opts in value:
                lines.append(f"[tool.pinlint.{opts.target}]  # {where}")
                lines.extend(f"  {k} = {_toml(v)}" if v is not None else f"  # {k}: not set"
                             for k, v in opts.values)
            if not value:
                lines.append(f"# [tool.pinlint.<target>]: none  # {where}")
            continue
        if value is None:
            lines.append(f"# {key}: not set  # {where}")
        elif f.name == "per_file_ignores" and not value:
            lines.append(f"{key} = {{}}  # {where}")
        else:
            lines.append(f"{key} = {_toml(value)}  # {where}")
    lines.append(f"# targets judged: {', '.join(final.targets.names)}")
    lines.append(f"# rules enabled: {len(enabled)} ({', '.join(sorted(enabled))})")
    return "\n".join(lines)
