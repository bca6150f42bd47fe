"""A hazard judged for one target: its profile's cell, the first ``when`` clause that holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Tuple

from pinlint.targets.hazard import Hazard
from pinlint.targets.options import TargetOptions, version_below
from pinlint.targets.profiles import REPORTED, UNCONFIRMED, Clause, catalog


@dataclass(frozen=True)
class Outcome:
    """What one target does with one hazard."""

    target: str
    effect: str
    confidence: str
    sources: Tuple[str, ...] = ()
    note: str = ""

    @property
    def reported(self) -> bool:
        return self.effect in REPORTED

    @property
    def unconfirmed(self) -> bool:
        return self.confidence == UNCONFIRMED


def _all(hazard: Hazard, test) -> Optional[bool]:
    """``test`` holds for every parameter of the hazard; None when a parameter is unknown (or none given)."""
    if not hazard.parameters or any(p is None for p in hazard.parameters):
        return None
    return all(test(p) for p in hazard.parameters)


def _option_holds(value: Any, op: str, operand: Any, is_version: bool) -> bool:
    if is_version:
        if not value:
            return False  # no version configured: version-dependent clauses do not apply
        if op == "lt":
            return version_below(value, operand)
        if op == "gt":
            return version_below(operand, value)
        return (value == operand) == (op == "eq")
    if op == "eq":
        return value == operand
    if op == "ne":
        return value != operand
    if op == "gt":
        return value > operand
    if op == "lt":
        return value < operand
    if op == "in":
        return value in operand
    if op == "contains":
        return isinstance(value, (frozenset, set, list, tuple)) and str(operand).lower() in value
    raise ValueError(op)  # pragma: no cover - profiles are checked


def holds(clause: Clause, hazard: Hazard, opts: TargetOptions) -> Optional[bool]:
    """Whether the clause applies: True, False, or None when it depends on what the code does not show."""
    if not clause.flags <= hazard.flags or clause.not_flags & hazard.flags:
        return False
    profile = opts.profile
    for name, op, operand in clause.options:
        spec = profile.options[name]
        if not _option_holds(opts.get(name), op, operand, spec.type == "version"):
            return False
    tests = []
    if clause.tracked is not None:
        tests.append(lambda: _all(hazard, opts.tracked) if clause.tracked else _not(_all(hazard, opts.tracked)))
    if clause.reported is not None:
        reported = catalog().reported_parameters
        tests.append(lambda: _all(hazard, lambda p: (p in reported) == clause.reported))
    if clause.parameters_in is not None:
        tests.append(lambda: _all(hazard, lambda p: p in clause.parameters_in))
    if clause.untracked_in is not None:
        listed = opts.get(clause.untracked_in) or frozenset()
        tests.append(lambda: _all(hazard, lambda p: opts.tracked(p) or p in listed))
    unknown = False
    for test in tests:
        r = test()
        if r is False:
            return False
        if r is None:
            unknown = True
    return None if unknown else True


def _not(value: Optional[bool]) -> Optional[bool]:
    return None if value is None else not value


def outcome(opts: TargetOptions, hazard: Hazard) -> Optional[Outcome]:
    """What ``opts.target`` does with ``hazard``; None where the family does not apply (another dialect) or a
    fact the code does not show decides it."""
    profile = opts.profile
    family = catalog().families.get(hazard.family)
    if family is None:
        raise KeyError(f"unknown hazard family {hazard.family!r}")
    if family.dialect not in profile.dialects:
        return None
    cell = profile.cells[hazard.family]
    for clause in cell.clauses:
        r = holds(clause, hazard, opts)
        if r is None:
            return None
        if r:
            return Outcome(opts.target, clause.effect, clause.confidence or cell.confidence,
                           clause.sources or cell.sources, clause.note or cell.note)
    return Outcome(opts.target, cell.effect, cell.confidence, cell.sources, cell.note)
