"""The target profiles (``profiles.toml`` next to this module), read once into frozen objects.

A *profile* is one pooler: its options (with defaults, some depending on its version), the parameters it
tracks per client, and one *cell* per hazard family: the effect under the product's defaults, the
clauses (``when``) that change it, the source and how sure that is. ``pinlint.targets.judge`` applies a
cell to a check's hazard; ``pinlint targets`` prints the cells as a matrix.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

PROFILES_FILE = Path(__file__).with_name("profiles.toml")

#: what a target does with a hazard; the first four are reported
EFFECTS = ("pins", "leaks", "lost", "breaks", "fine", "unconfirmed")
REPORTED = frozenset({"pins", "leaks", "lost", "breaks"})
CONFIDENCES = ("source", "docs", "observed", "inferred", "unconfirmed")
UNCONFIRMED = "unconfirmed"
KINDS = ("pinning", "pooler")
OPTION_TYPES = ("int", "bool", "choice", "names", "version")
OPERATORS = ("eq", "ne", "gt", "lt", "in", "contains")
DIALECTS = ("postgres", "mysql")


class ProfileError(ValueError):
    """profiles.toml is malformed."""


@dataclass(frozen=True)
class Clause:
    """One ``when`` entry: conditions on the hazard and the target's options, and the effect they give."""

    effect: str
    confidence: Optional[str] = None
    sources: Tuple[str, ...] = ()
    note: str = ""
    tracked: Optional[bool] = None
    reported: Optional[bool] = None
    parameters_in: Optional[FrozenSet[str]] = None
    untracked_in: Optional[str] = None
    flags: FrozenSet[str] = frozenset()
    not_flags: FrozenSet[str] = frozenset()
    #: (option, operator, operand)
    options: Tuple[Tuple[str, str, Any], ...] = ()

    def describe(self) -> str:
        """The conditions in words (for the matrix and the docs)."""
        parts: List[str] = []
        if self.tracked is not None:
            parts.append("the parameter is tracked" if self.tracked else "the parameter is not tracked")
        if self.reported is not None:
            parts.append("the server reports the parameter" if self.reported else "the parameter is not reported")
        if self.parameters_in is not None:
            parts.append("the parameter is " + " or ".join(sorted(self.parameters_in)))
        if self.untracked_in is not None:
            parts.append(f"the untracked parameters are in {self.untracked_in}")
        from pinlint.targets.hazard import FLAG_WORDS

        parts += [FLAG_WORDS.get(f, f) for f in sorted(self.flags)]
        parts += [f"not ({FLAG_WORDS.get(f, f)})" for f in sorted(self.not_flags)]
        for name, op, operand in self.options:
            shown = ", ".join(map(str, operand)) if isinstance(operand, (list, tuple, frozenset)) else str(operand)
            words = {"eq": "=", "ne": "!=", "gt": ">", "lt": "<", "in": "in", "contains": "contains"}[op]
            parts.append(f"{name} {words} {shown}".replace("True", "true").replace("False", "false"))
        return " and ".join(parts)


@dataclass(frozen=True)
class Cell:
    """A profile's entry for one hazard family."""

    family: str
    effect: str
    confidence: str
    sources: Tuple[str, ...]
    note: str = ""
    clauses: Tuple[Clause, ...] = ()
    #: the cell came from the base profile (``base = "pgbouncer"``)
    inherited: bool = False


@dataclass(frozen=True)
class OptionSpec:
    name: str
    type: str
    default: Any
    source: str
    choices: Tuple[str, ...] = ()
    minimum: int = 0
    maximum: Optional[int] = None
    #: ((below, value, fixed), ...): the default for versions below ``below`` ("" = any later version)
    by_version: Tuple[Tuple[str, Any, bool], ...] = ()
    #: False: the product does not expose it; the default is what it runs with
    settable: bool = True
    help: str = ""


@dataclass(frozen=True)
class Tracked:
    """The run-time parameters a target keeps per client and re-applies (a SET of them is safe)."""

    names: FrozenSet[str] = frozenset()
    #: every parameter but ``except_``
    all: bool = False
    except_: FrozenSet[str] = frozenset()
    #: the option whose value adds names (``track-extra-parameters``)
    option: Optional[str] = None
    sources: Tuple[str, ...] = ()
    confidence: str = "docs"
    note: str = ""


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    #: how messages name it; ``{option}`` placeholders take the option's value
    message_name: str
    kind: str
    dialects: Tuple[str, ...]
    options: Mapping[str, OptionSpec]
    cells: Mapping[str, Cell]
    tracked: Tracked
    phrases: Mapping[str, str] = field(default_factory=dict)
    idle_timeout_option: Optional[str] = None
    base: Optional[str] = None


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    dialect: str = "postgres"


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    url: str = ""
    ref: str = ""

    def cite(self) -> str:
        return f"{self.title} ({self.ref})" if self.ref else self.title


@dataclass(frozen=True)
class Catalog:
    profiles: Mapping[str, Profile]
    families: Mapping[str, Family]
    sources: Mapping[str, Source]
    phrases: Mapping[str, str]
    #: family -> effect -> phrase template
    family_phrases: Mapping[str, Mapping[str, str]]
    reported_parameters: FrozenSet[str]
    reported_source: str

    @property
    def names(self) -> Tuple[str, ...]:
        return tuple(self.profiles)


# -- reading ----------------------------------------------------------------------------------------

def _fail(where: str, problem: str) -> "ProfileError":
    return ProfileError(f"{PROFILES_FILE.name}: {where}: {problem}")


def _sources(raw: Any, where: str, known: Mapping[str, Source]) -> Tuple[str, ...]:
    ids = [raw] if isinstance(raw, str) else raw
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise _fail(where, f"source must be an id or a list of ids, got {raw!r}")
    for i in ids:
        if i not in known:
            raise _fail(where, f"unknown source {i!r}")
    return tuple(ids)


def _choice(value: Any, choices: Tuple[str, ...], where: str) -> str:
    if value not in choices:
        raise _fail(where, f"expected one of {', '.join(choices)}, got {value!r}")
    return value


def _flags(raw: Any, where: str) -> FrozenSet[str]:
    if raw is None:
        return frozenset()
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise _fail(where, f"expected a flag or a list of flags, got {raw!r}")
    return frozenset(items)


def _clause(raw: Any, where: str, sources: Mapping[str, Source], options: Mapping[str, Any]) -> Clause:
    if not isinstance(raw, dict):
        raise _fail(where, "a `when` entry must be a table")
    known = {"effect", "confidence", "source", "note", "tracked", "reported", "parameters-in", "untracked-in",
             "flag", "not-flag", "options"}
    unknown = set(raw) - known
    if unknown:
        raise _fail(where, f"unknown key(s) {sorted(unknown)}")
    if "effect" not in raw:
        raise _fail(where, "a `when` entry needs an effect")
    opts: List[Tuple[str, str, Any]] = []
    for name, cond in (raw.get("options") or {}).items():
        if name not in options:
            raise _fail(where, f"condition on an option the target does not have: {name!r}")
        pairs = cond.items() if isinstance(cond, dict) else [("eq", cond)]
        for op, operand in pairs:
            opts.append((name, _choice(op, OPERATORS, f"{where}.options.{name}"), operand))
    untracked_in = raw.get("untracked-in")
    if untracked_in is not None and untracked_in not in options:
        raise _fail(where, f"untracked-in names an option the target does not have: {untracked_in!r}")
    pin = raw.get("parameters-in")
    return Clause(
        effect=_choice(raw["effect"], EFFECTS, f"{where}.effect"),
        confidence=_choice(raw["confidence"], CONFIDENCES, f"{where}.confidence") if "confidence" in raw else None,
        sources=_sources(raw["source"], where, sources) if "source" in raw else (),
        note=raw.get("note", ""),
        tracked=raw.get("tracked"),
        reported=raw.get("reported"),
        parameters_in=frozenset(p.lower() for p in pin) if pin is not None else None,
        untracked_in=untracked_in,
        flags=_flags(raw.get("flag"), where),
        not_flags=_flags(raw.get("not-flag"), where),
        options=tuple(opts),
    )


def _cell(family: str, raw: Any, where: str, sources: Mapping[str, Source], options: Mapping[str, Any],
          liked: Optional[Cell]) -> Cell:
    if not isinstance(raw, dict):
        raise _fail(where, "a hazard cell must be a table")
    unknown = set(raw) - {"effect", "confidence", "source", "note", "when", "like"}
    if unknown:
        raise _fail(where, f"unknown key(s) {sorted(unknown)}")
    if "like" in raw and liked is None:
        raise _fail(where, f"like = {raw['like']!r}: no such cell")
    if "effect" not in raw and liked is None:
        raise _fail(where, "a cell needs an effect")
    if "source" not in raw or "confidence" not in raw:
        raise _fail(where, "a cell names its source and confidence")
    clauses = tuple(_clause(c, f"{where}.when[{i}]", sources, options) for i, c in enumerate(raw.get("when", [])))
    return Cell(
        family=family,
        effect=_choice(raw["effect"], EFFECTS, f"{where}.effect") if "effect" in raw else liked.effect,  # type: ignore[union-attr]
        confidence=_choice(raw["confidence"], CONFIDENCES, f"{where}.confidence"),
        sources=_sources(raw["source"], where, sources),
        note=raw.get("note", liked.note if liked else ""),
        clauses=clauses if "when" in raw or liked is None else liked.clauses,
    )


def _option(name: str, raw: Any, where: str, sources: Mapping[str, Source]) -> OptionSpec:
    if not isinstance(raw, dict):
        raise _fail(where, "an option must be a table")
    unknown = set(raw) - {"type", "default", "source", "choices", "minimum", "maximum", "by-version", "settable", "help"}
    if unknown:
        raise _fail(where, f"unknown key(s) {sorted(unknown)}")
    typ = _choice(raw.get("type"), OPTION_TYPES, f"{where}.type")
    default = raw.get("default")
    if typ == "names":
        default = frozenset(v.lower() for v in default)
    by_version = []
    for i, entry in enumerate(raw.get("by-version", [])):
        value = entry["value"]
        if typ == "names":
            value = frozenset(v.lower() for v in value)
        by_version.append((entry.get("below", ""), value, bool(entry.get("fixed", False))))
    return OptionSpec(
        name=name, type=typ, default=default, source=_sources(raw.get("source", ""), where, sources)[0],
        choices=tuple(raw.get("choices", ())), minimum=raw.get("minimum", 0), maximum=raw.get("maximum"),
        by_version=tuple(by_version), settable=raw.get("settable", True), help=raw.get("help", ""),
    )


def _tracked(raw: Any, where: str, sources: Mapping[str, Source], options: Mapping[str, OptionSpec]) -> Tracked:
    if not isinstance(raw, dict):
        raise _fail(where, "tracked-parameters must be a table")
    option = raw.get("option")
    if option is not None and option not in options:
        raise _fail(where, f"option {option!r} is not an option of the target")
    return Tracked(
        names=frozenset(n.lower() for n in raw.get("names", ())),
        all=bool(raw.get("all", False)),
        except_=frozenset(n.lower() for n in raw.get("except", ())),
        option=option,
        sources=_sources(raw["source"], where, sources),
        confidence=_choice(raw.get("confidence"), CONFIDENCES, f"{where}.confidence"),
        note=raw.get("note", ""),
    )


def parse_catalog(data: Mapping[str, Any]) -> Catalog:
    sources = {}
    for sid, raw in data.get("sources", {}).items():
        if not raw.get("title"):
            raise _fail(f"sources.{sid}", "a source needs a title")
        sources[sid] = Source(sid, raw["title"], raw.get("url", ""), raw.get("ref", ""))
    families = {}
    for name, raw in data.get("families", {}).items():
        families[name] = Family(name, raw["title"], _choice(raw.get("dialect", "postgres"), DIALECTS,
                                                            f"families.{name}.dialect"))
    phrases = {k: v for k, v in data.get("phrases", {}).items() if isinstance(v, str)}
    family_phrases = {k: v for k, v in data.get("phrases", {}).items() if isinstance(v, dict)}
    for eff in REPORTED:
        if eff not in phrases:
            raise _fail("phrases", f"no phrase for {eff!r}")
    for fam in family_phrases:
        if fam not in families:
            raise _fail(f"phrases.{fam}", "not a hazard family")
    pg = data.get("postgres", {})
    raw_profiles = data.get("targets", {})
    profiles: Dict[str, Profile] = {}
    for name, raw in raw_profiles.items():
        where = f"targets.{name}"
        options = {k: _option(k, v, f"{where}.options.{k}", sources) for k, v in raw.get("options", {}).items()}
        base = raw.get("base")
        base_profile = profiles.get(base) if base else None
        if base and base_profile is None:
            raise _fail(where, f"base {base!r} must come earlier in the file")
        cells: Dict[str, Cell] = {}
        for fam, cell_raw in raw.get("hazards", {}).items():
            if fam not in families:
                raise _fail(f"{where}.hazards.{fam}", "not a hazard family")
            liked = None
            if isinstance(cell_raw, dict) and "like" in cell_raw:
                other = profiles.get(cell_raw["like"]) or (base_profile if cell_raw["like"] == base else None)
                liked = other.cells.get(fam) if other else None
            cells[fam] = _cell(fam, cell_raw, f"{where}.hazards.{fam}", sources, options, liked)
        if base_profile is not None:
            inherited = _choice(raw.get("inherited-confidence"), CONFIDENCES, f"{where}.inherited-confidence")
            extra = _sources(raw["base-source"], f"{where}.base-source", sources)
            for fam, cell in base_profile.cells.items():
                if fam in cells:
                    continue
                for clause in cell.clauses:
                    for opt, _, _ in clause.options:
                        if opt not in options:
                            raise _fail(where, f"inherits {fam}, whose clauses need option {opt!r}")
                cells[fam] = Cell(fam, cell.effect, inherited, extra + cell.sources, cell.note,
                                  tuple(Clause(**{**c.__dict__, "confidence": inherited if inherited == UNCONFIRMED
                                                  else c.confidence}) for c in cell.clauses),
                                  inherited=True)
        dialects = tuple(_choice(d, DIALECTS, f"{where}.dialects") for d in raw.get("dialects", ["postgres"]))
        for fam in families.values():
            if fam.dialect in dialects and fam.name not in cells:
                raise _fail(where, f"no cell for hazard family {fam.name!r}")
        idle = raw.get("idle-timeout-option")
        if idle is not None and idle not in options:
            raise _fail(where, f"idle-timeout-option {idle!r} is not an option")
        profiles[name] = Profile(
            name=name,
            title=raw["title"],
            message_name=raw["name"],
            kind=_choice(raw.get("kind"), KINDS, f"{where}.kind"),
            dialects=dialects,
            options=options,
            cells=cells,
            tracked=_tracked(raw.get("tracked-parameters", {"source": "aws-pinning", "confidence": "docs"}),
                             f"{where}.tracked-parameters", sources, options),
            phrases=dict(raw.get("phrases", {})),
            idle_timeout_option=idle,
            base=base,
        )
    return Catalog(
        profiles=profiles, families=families, sources=sources, phrases=phrases, family_phrases=family_phrases,
        reported_parameters=frozenset(p.lower() for p in pg.get("reported-parameters", ())),
        reported_source=pg.get("reported-source", ""),
    )


@lru_cache(maxsize=None)
def catalog() -> Catalog:
    """The profiles shipped with pinlint."""
    with open(PROFILES_FILE, "rb") as fh:
        return parse_catalog(tomllib.load(fh))
