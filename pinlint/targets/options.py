"""A target's options: its profile's defaults (some set by its ``version``) and ``[tool.pinlint.<target>]``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Tuple

from pinlint.targets.profiles import OptionSpec, Profile, catalog

VERSION_RE = re.compile(r"^\d+(?:\.\d+){0,2}$")


class OptionError(ValueError):
    """A bad option value: ``key`` is the option's name, ``problem`` what was expected."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


def version_tuple(text: str) -> Tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def version_below(version: str, bound: str) -> bool:
    return version_tuple(version) < version_tuple(bound)


@dataclass(frozen=True)
class TargetOptions:
    """One target's effective options (kebab-case keys as in the configuration). Hashable and picklable;
    attribute access takes the snake-case name (``opts.max_prepared_statements``)."""

    target: str
    values: Tuple[Tuple[str, Any], ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        for k, v in self.values:
            if k == key:
                return v
        return default

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        key = name.replace("_", "-")
        for k, v in self.values:
            if k == key:
                return v
        raise AttributeError(f"{self.target} has no option {key!r}")

    @property
    def profile(self) -> Profile:
        return catalog().profiles[self.target]

    def tracked(self, parameter: str) -> bool:
        """Whether this target keeps the parameter per client and re-applies it."""
        t = self.profile.tracked
        p = parameter.lower()
        if t.all:
            return p not in t.except_
        return p in t.names or (t.option is not None and p in (self.get(t.option) or ()))


def _default(spec: OptionSpec, version: str) -> Tuple[Any, bool]:
    """The default for this version, and whether the version fixes it (the option does not exist yet)."""
    if not version or not spec.by_version:
        return spec.default, False
    for below, value, fixed in spec.by_version:
        if not below or version_below(version, below):
            return value, fixed
    return spec.default, False


def _value(spec: OptionSpec, value: Any) -> Any:
    """A configured value checked against the option's type (raises OptionError)."""
    key = spec.name
    if spec.type == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < spec.minimum or (
                spec.maximum is not None and value > spec.maximum):
            bound = f"an integer >= {spec.minimum}" + (f" and <= {spec.maximum}" if spec.maximum is not None else "")
            raise OptionError(key, f"expected {bound}, got {value!r}")
        return value
    if spec.type == "bool":
        if not isinstance(value, bool):
            raise OptionError(key, f"expected true or false, got {value!r}")
        return value
    if spec.type == "choice":
        if value not in spec.choices:
            raise OptionError(key, f"expected one of {', '.join(spec.choices)}, got {value!r}")
        return value
    if spec.type == "names":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise OptionError(key, f"expected a list of strings, got {value!r}")
        return frozenset(v.lower() for v in value)
    if spec.type == "version":
        if not isinstance(value, str) or not VERSION_RE.match(value):
            raise OptionError(key, f"expected a version such as \"1.21\", got {value!r}")
        return value
    raise OptionError(key, f"unknown option type {spec.type}")  # pragma: no cover - profiles are checked


def target_options(target: str, table: Optional[Mapping[str, Any]] = None) -> TargetOptions:
    """The effective options of ``target`` with ``table`` (a ``[tool.pinlint.<target>]`` table) applied."""
    profile = catalog().profiles[target]
    table = dict(table or {})
    for key in table:
        spec = profile.options.get(key)
        if spec is None or not spec.settable:
            settable = [k for k, s in profile.options.items() if s.settable]
            expected = f"expected {', '.join(settable)}" if settable else f"{target} has no options"
            raise OptionError(key, f"unknown key ({expected})")
    values: Dict[str, Any] = {}
    version_spec = next((s for s in profile.options.values() if s.type == "version"), None)
    version = ""
    if version_spec is not None:
        version = _value(version_spec, table["version"]) if "version" in table else version_spec.default
        values[version_spec.name] = version
    for name, spec in profile.options.items():
        if spec.type == "version":
            continue
        default, fixed = _default(spec, version)
        if name in table:
            value = _value(spec, table[name])
            if fixed and value != default:
                raise OptionError(name, f"not available in {profile.title.split(',')[0]} {version} "
                                        f"(see `version`)")
            values[name] = value
        else:
            values[name] = default
    return TargetOptions(target, tuple(sorted(values.items())))
