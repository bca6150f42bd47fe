"""What a check gets and what it returns.

A SQL check gets a ``SqlContext`` (one classified statement of one SQL site) and returns ``Verdict`` s:
the hazard it found (``pinlint.targets.hazard``: a family, its parameters, a few flags). A module check
gets a ``ModuleContext`` (the file's public facts, ``pinlint.facts.model``) and returns ``NodeVerdict`` s
at nodes of the file. The engine judges the hazard for each selected target with its profile
(``pins``, ``leaks``, ``lost``, ``breaks``, ``fine``), keeps the targets where the rule reports, renders
the message from the spec and drops a verdict when nothing is left. Either kind of verdict may say what
would fix it (``fix``: pinlint/checks/fixes.py).

Derived facts that several checks share (``DriverFacts``, the SQLAlchemy engines, Django's
``DATABASES``, the connection hooks) are *views*: a ``View`` subclass computed from the context on
first use (``ctx.view(Engines)``), once per file, and cached on the file's context (never on
``Facts``). A check or view names the views it reads in ``needs``; reading one it did not declare is an
error, so the declaration stays true.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, FrozenSet, Optional, Tuple, Type, TypeVar

from pinlint.targets import Hazard, TargetSet

if TYPE_CHECKING:  # pragma: no cover
    import libcst as cst

    from pinlint.facts.model import Facts, SqlSite
    from pinlint.sql.statement import Statement


@dataclass
class Verdict:
    #: what the check found (``pinlint.targets.hazard``): each target's profile judges it
    hazard: Optional["Hazard"]
    #: values for the spec's ``{placeholders}`` in message and help
    fields: Dict[str, str] = field(default_factory=dict)
    #: character span of the offending text inside the site's SQL (defaults to the statement)
    span: Optional[Tuple[int, int]] = None
    #: per-target verdicts that replace the profiles' (target -> effect, ``Outcome`` or None); for what a
    #: check knows better than a family's cell
    effects: Optional[Dict[str, Any]] = None
    #: the verdict rests on a fact no source settles, or on a value known only at run time: a warning at most
    unconfirmed: bool = False
    #: what would fix it: ``fix(FixContext) -> FixPlan | None`` (pinlint/checks/fixes.py), called only in
    #: a run that computes fixes
    fix: Optional[Callable[..., object]] = None


@dataclass
class SqlContext:
    statement: "Statement"
    #: the statements of the whole site, in order (some verdicts depend on what came before)
    statements: Tuple["Statement", ...]
    index: int
    site: "SqlSite"
    targets: TargetSet

    @property
    def earlier(self) -> Tuple["Statement", ...]:
        return self.statements[: self.index]

    @property
    def later(self) -> Tuple["Statement", ...]:
        return self.statements[self.index + 1:]


@dataclass
class NodeVerdict:
    """A module check's verdict at a node (a call, a keyword argument, a settings entry)."""

    node: "cst.CSTNode"
    hazard: Optional["Hazard"]
    fields: Dict[str, str] = field(default_factory=dict)
    #: picks the spec's help variant (django, sqlalchemy, psycopg, psycopg2, asyncpg, mysql)
    framework: Optional[str] = None
    #: as ``Verdict.effects``
    effects: Optional[Dict[str, Any]] = None
    #: the verdict depends on a value known only at run time, or on a fact no source settles: a warning
    unconfirmed: bool = False
    #: as ``Verdict.fix``
    fix: Optional[Callable[..., object]] = None


V = TypeVar("V", bound="View")


class ModuleContext:
    """A file's facts and targets, and the views computed from them (shared by every check of the file).

    ``needs``: the views this context may hand out (a check's or a view's declaration); None for the
    evaluation itself."""

    def __init__(self, facts: "Facts", targets: TargetSet, views: Optional[Dict[type, "View"]] = None,
                 needs: Optional[FrozenSet[type]] = None, reader: str = "evaluation") -> None:
        self.facts = facts
        self.targets = targets
        self.views: Dict[type, View] = {} if views is None else views
        self.needs = needs
        self.reader = reader

    def view(self, cls: Type[V]) -> V:
        """The file's ``cls`` view, computed on first use."""
        if self.needs is not None and cls not in self.needs:
            raise LookupError(f"{self.reader} reads the view {cls.__name__} without naming it in `needs`")
        got = self.views.get(cls)
        if got is None:
            got = self.views[cls] = cls(self.for_reader(cls.needs, cls.__name__))
        return got  # type: ignore[return-value]

    def for_reader(self, needs: Tuple[type, ...], reader: str) -> "ModuleContext":
        """The same file's context for a check or view that declared ``needs``."""
        return ModuleContext(self.facts, self.targets, self.views, frozenset(needs), reader)


class View:
    """A fact derived from a file's facts, shared by several checks (computed once per file)."""

    #: the other views this one reads
    needs: Tuple[type, ...] = ()

    def __init__(self, ctx: ModuleContext) -> None:  # pragma: no cover - every view defines it
        raise NotImplementedError
