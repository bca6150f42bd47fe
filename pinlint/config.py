"""Configuration: ``[tool.pinlint]`` in pyproject.toml, or ``pinlint.toml`` / ``.pinlint.toml``.

Found by walking up from the current directory; the command line overrides the file. Unknown keys
and bad values raise ConfigError naming the file and the key (the CLI exits 2).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from pinlint.pipeline.discover import DEFAULT_EXCLUDES
from pinlint.targets import OptionError, TargetOptions, TargetSet, parse_targets, target_options
from pinlint.targets.profiles import catalog

OUTPUT_FORMATS = ("concise", "full", "json", "sarif", "github", "gitlab", "junit")
DIALECTS = ("postgres", "mysql")
CONFIG_FILES = (".pinlint.toml", "pinlint.toml", "pyproject.toml")


class ConfigError(Exception):
    def __init__(self, source: str, key: str, problem: str) -> None:
        super().__init__(f"{source}: {key}: {problem}")
        self.source = source
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class Settings:
    target: str = "any"
    select: Tuple[str, ...] = ("ALL",)
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    exclude: Tuple[str, ...] = DEFAULT_EXCLUDES
    extend_exclude: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    output_format: str = "concise"
    #: ``[tool.pinlint.<target>]`` tables, checked against the target's profile
    target_options: Tuple[TargetOptions, ...] = ()
    #: how many processes run each client pool (the connection budget, PIN312)
    client_processes: int = 1
    #: Django aliases and variable names of engines/pools/connections that bypass the pooler
    direct_connections: Tuple[str, ...] = ()
    #: SQL dialect where the code does not show the driver: "postgres" | "mysql" (None: not set)
    dialect: Optional[str] = None
    #: project functions whose first argument is SQL text (``myapp.db.run``), on top of the inferred ones
    sql_functions: Tuple[str, ...] = ()
    #: the baseline file (pinlint/output/baseline.py), relative to the config file's directory in the file
    baseline: Optional[str] = None
    #: directory of the config file (relative excludes are matched from here)
    root: Path = field(default_factory=Path.cwd)
    source: Optional[str] = None

    @property
    def targets(self) -> TargetSet:
        return TargetSet.from_name(self.target, options=self.target_options,
                                   direct_connections=frozenset(self.direct_connections),
                                   dialect=self.dialect, client_processes=self.client_processes)

    @property
    def all_excludes(self) -> Tuple[str, ...]:
        return tuple(self.exclude) + tuple(self.extend_exclude)


def _expect_str_list(value: Any, source: str, key: str) -> Tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(source, key, f"expected a list of strings, got {value!r}")
    return tuple(value)


def _expect_choice(value: Any, choices: Sequence[str], source: str, key: str) -> str:
    if value not in choices:
        raise ConfigError(source, key, f"expected one of {', '.join(choices)}, got {value!r}")
    return value


def _expect_int(value: Any, source: str, key: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(source, key, f"expected an integer >= {minimum}, got {value!r}")
    return value


def _expect_table(value: Any, source: str, key: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(source, key, f"expected a table, got {value!r}")
    return value


def validate_codes(prefixes: Sequence[str], known: Sequence[str], source: str, key: str) -> None:
    for prefix in prefixes:
        if prefix == "ALL":
            continue
        if not prefix.startswith("PIN") or not any(code.startswith(prefix) for code in known):
            raise ConfigError(source, key, f"unknown rule code or prefix {prefix!r}")


def validate_settings(settings: "Settings", known: Sequence[str]) -> None:
    """The codes of a configuration file: select, extend-select, ignore and per-file-ignores."""
    if not settings.source:
        return
    for key in ("select", "extend_select", "ignore"):
        validate_codes(getattr(settings, key), known, settings.source, key.replace("_", "-"))
    for pattern, codes in settings.per_file_ignores:
        validate_codes(codes, known, settings.source, f"per-file-ignores.{pattern}")


def _check_glob(pattern: str, source: str, key: str) -> None:
    """A per-file-ignores pattern that can match something: relative, no ``..``, brackets closed."""
    problem = None
    if not pattern.strip():
        problem = "an empty pattern matches nothing"
    elif pattern.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", pattern):
        problem = "patterns are matched against paths relative to the project root; use a relative one"
    elif ".." in re.split(r"[/\\]", pattern):
        problem = "a pattern with '..' matches nothing (paths are relative to the project root)"
    elif pattern.endswith("/"):
        problem = f"patterns match files; use {pattern + '*'!r} for everything under the directory"
    elif _unclosed_bracket(pattern):
        problem = "unclosed '[' in the pattern"
    if problem:
        raise ConfigError(source, key, f"bad pattern {pattern!r}: {problem}")


def _unclosed_bracket(pattern: str) -> bool:
    i = 0
    while i < len(pattern):
        if pattern[i] == "[":
            j = i + 1
            if j < len(pattern) and pattern[j] in "!^":
                j += 1
            if j < len(pattern) and pattern[j] == "]":
                j += 1
            close = pattern.find("]", j)
            if close < 0:
                return True
            i = close
        i += 1
    return False


def _target(value: Any, source: str, key: str) -> str:
    """``target``: ``any``, a target name, or a list of names (also ``"a,b"``), as the canonical
    comma-separated string."""
    try:
        names = parse_targets(value)
    except ValueError as exc:
        raise ConfigError(source, key, str(exc)) from None
    return "any" if names == catalog().names and value in ("any", ["any"]) else ",".join(names)


def _target_options(settings: "Settings", name: str, table: Mapping[str, Any], source: str) -> "Settings":
    """``[tool.pinlint.<target>]``: the target's options, checked against its profile."""
    try:
        opts = target_options(name, table)
    except OptionError as exc:
        raise ConfigError(source, f"{name}.{exc.key}", exc.problem) from None
    others = tuple(o for o in settings.target_options if o.target != name)
    return replace(settings, target_options=others + (opts,))


def apply_table(settings: Settings, table: Mapping[str, Any], source: str) -> Settings:
    """Apply a ``[tool.pinlint]``-shaped table (also used for ``--config`` and examples' options)."""
    for key, value in table.items():
        if key == "target":
            settings = replace(settings, target=_target(value, source, key))
        elif key in ("select", "extend-select", "ignore", "exclude", "extend-exclude"):
            settings = replace(settings, **{key.replace("-", "_"): _expect_str_list(value, source, key)})
        elif key == "per-file-ignores":
            table_ = _expect_table(value, source, key)
            for pattern in table_:
                _check_glob(pattern, source, f"{key}.{pattern}")
            pfi = tuple((pattern, _expect_str_list(codes, source, f"{key}.{pattern}")) for pattern, codes in table_.items())
            settings = replace(settings, per_file_ignores=pfi)
        elif key == "output-format":
            settings = replace(settings, output_format=_expect_choice(value, OUTPUT_FORMATS, source, key))
        elif key == "dialect":
            settings = replace(settings, dialect=_expect_choice(value, DIALECTS, source, key))
        elif key == "direct-connections":
            settings = replace(settings, direct_connections=_expect_str_list(value, source, key))
        elif key == "sql-functions":
            names = _expect_str_list(value, source, key)
            for name in names:
                if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$", name):
                    raise ConfigError(source, key, f"expected dotted names such as 'myapp.db.run', got {name!r}")
            settings = replace(settings, sql_functions=names)
        elif key == "baseline":
            if not isinstance(value, str) or not value.strip() or "\0" in value:
                raise ConfigError(source, key, f"expected the path of a baseline file, got {value!r}")
            settings = replace(settings, baseline=str(Path(settings.root) / value))
        elif key == "client-processes":
            settings = replace(settings, client_processes=_expect_int(value, source, key, minimum=1))
        elif key in catalog().profiles:
            settings = _target_options(settings, key, _expect_table(value, source, key), source)
        else:
            raise ConfigError(source, key, "unknown key")
    return settings


def find_config(start: Path) -> Optional[Tuple[Path, Mapping[str, Any]]]:
    """The nearest config file from ``start`` upwards, with its pinlint table."""
    start = start.resolve()
    for directory in (start, *start.parents):
        for name in CONFIG_FILES:
            path = directory / name
            if not path.is_file():
                continue
            data = _load_toml(path)
            if name == "pyproject.toml":
                tool = data.get("tool", {})
                if isinstance(tool, dict) and "pinlint" in tool:
                    return path, _expect_table(tool["pinlint"], str(path), "tool.pinlint")
                continue
            return path, data
    return None


def _load_toml(path: Path) -> Dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), "(file)", f"invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(str(path), "(file)", f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), "(file)", "not UTF-8") from None


def load_settings(config_file: Optional[str] = None, start: Optional[Path] = None) -> Settings:
    if config_file is not None:
        path = Path(config_file)
        if not path.is_file():
            raise ConfigError(config_file, "(file)", "no such file")
        data = _load_toml(path)
        # pyproject-shaped (any name: `[tool.pinlint]`) or bare (`pinlint.toml`): "tool" is no key of ours
        if path.name == "pyproject.toml" or "tool" in data:
            tool = _expect_table(data.get("tool", {}), str(path), "tool")
            if "pinlint" not in tool and path.name != "pyproject.toml":
                raise ConfigError(str(path), "tool.pinlint", "no [tool.pinlint] table in this file")
            data = _expect_table(tool.get("pinlint", {}), str(path), "tool.pinlint")
        found: Optional[Tuple[Path, Mapping[str, Any]]] = (path, data)
    else:
        found = find_config(start or Path.cwd())
    if found is None:
        return Settings()
    path, table = found
    settings = Settings(root=path.parent.resolve(), source=str(path))
    return apply_table(settings, table, str(path))


def enabled_codes(settings: Settings, known: Sequence[str], source: str = "command line") -> FrozenSet[str]:
    """Codes on after select / extend-select / ignore; the most specific matching prefix wins."""
    selectors: List[Tuple[str, bool]] = [(p, True) for p in settings.select + settings.extend_select]
    selectors += [(p, False) for p in settings.ignore]
    enabled = set()
    for code in known:
        best: Optional[Tuple[int, bool]] = None
        for prefix, on in selectors:
            if prefix == "ALL" or code.startswith(prefix):
                specificity = 0 if prefix == "ALL" else len(prefix)
                # at equal specificity an ignore wins
                if best is None or specificity > best[0] or (specificity == best[0] and not on):
                    best = (specificity, on)
        if best is not None and best[1]:
            enabled.add(code)
    return frozenset(enabled)
