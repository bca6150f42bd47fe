"""``DriverFacts``: the view of a module that the driver and ORM configuration rules share.

Everything here reads the module's public facts only: which name a call's result is bound to (so that
a connection named in ``direct-connections`` is exempt), keyword values, dict displays, DSNs and URLs
(literals and the defaults of ``os.getenv``/``os.environ.get``/``env(...)``). Computed once per file
(``ctx.view(DriverFacts)``).
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from pinlint.checks.context import ModuleContext, View
from pinlint.checks.drivers.urls import Url, parse_url
from pinlint.lazy import cst
from pinlint.facts.model import UNKNOWN, CallFact, dotted
from pinlint.facts.values import UNSEEN

#: A keyword argument or dict key that is not there at all (its library default applies).
MISSING = type("Missing", (), {"__repr__": lambda self: "MISSING", "__bool__": lambda self: False})()

#: A keyword argument not written at the call, which ``**kwargs`` the module does not show may pass: the
#: library default applies unless the caller's keywords set it (a warning, never an error).
OPEN = type("Open", (), {"__repr__": lambda self: "OPEN", "__bool__": lambda self: False})()


class DriverFacts(View):
    """Per-module facts the driver rules share (computed once per file)."""

    def __init__(self, ctx: ModuleContext) -> None:
        facts = ctx.facts
        self.facts = facts
        self.targets = ctx.targets
        self.bound = facts.bound
        self.attr_assigns = facts.attr_assigns
        self.subscript_assigns = facts.subscript_assigns
        self.strings = facts.strings
        self.call_by_node: Dict[int, CallFact] = {id(c.node): c for c in facts.calls}
        names: Dict[str, List[Tuple[cst.FunctionDef, object]]] = {}
        for fn, scope in facts.functions:
            names.setdefault(fn.name.value, []).append((fn, scope))
        self.functions = names

    # names ------------------------------------------------------------------------------------
    def name_of(self, node: cst.CSTNode) -> Optional[str]:
        """The name a value is bound to (``engine = create_engine(...)``, ``with connect() as conn``)."""
        return self.bound.get(id(node))

    def is_direct(self, call: Optional[CallFact] = None, name: Optional[str] = None) -> bool:
        """Whether ``name``, or the name ``call``'s result is bound to, is named in ``direct-connections``."""
        if not self.targets.direct_connections:
            return False
        return self.targets.is_direct(name) or (call is not None and self.targets.is_direct(self.name_of(call.node)))

    def receiver(self, call: CallFact) -> Optional[str]:
        func = call.node.func
        if isinstance(func, cst.Attribute):
            return dotted(func.value)
        return None

    # values -----------------------------------------------------------------------------------
    def kwarg(self, call: CallFact, name: str) -> object:
        node = call.kwarg(name)
        if node is None:
            return MISSING
        return self.facts.value(node, call.scope)

    def function(self, node: Optional[cst.BaseExpression]) -> Optional[Tuple[cst.FunctionDef, object]]:
        """The module's function a Name refers to (one definition only)."""
        if isinstance(node, cst.Name):
            defs = self.functions.get(node.value, [])
            if len(defs) == 1:
                return defs[0]
        return None

    def text(self, node: Optional[cst.BaseExpression], scope: object = None) -> Optional[str]:
        """A configuration string with HOLE for unknown parts; an env getter's default counts as its value."""
        return self.facts.setting_text(node, scope)  # type: ignore[arg-type]

    def url(self, node: Optional[cst.BaseExpression], scope: object = None) -> Optional[Url]:
        text = self.text(node, scope)
        return parse_url(text) if text is not None else None

    def dict_items(self, node: Optional[cst.BaseExpression], scope: object = None
                   ) -> Optional[Tuple[Dict[str, cst.BaseExpression], bool]]:
        """The string-keyed entries of a dict (a display, a name bound to one and changed in steps,
        ``dict(...)``) and whether the keys are complete; None when the node is not a dict."""
        return self.facts.dict_items(node, scope)  # type: ignore[arg-type]

    def value(self, node: Optional[cst.BaseExpression], scope: object = None) -> object:
        if node is None:
            return MISSING
        return self.facts.value(node, scope)


def is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def number(v: object) -> Optional[float]:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return None


def qual_in(call: CallFact, names: Sequence[str]) -> bool:
    return call.qualname is not None and call.qualname in names


def kwarg_or_unknown(d: DriverFacts, call: CallFact, name: str, hidden: object = UNKNOWN) -> object:
    """A keyword argument's value; MISSING when surely absent, ``hidden`` when only ``**kwargs`` the module
    does not show may pass it: UNKNOWN (quiet), or OPEN where the library default applies unless the
    caller of a driver wrapper sets it (a warning)."""
    v = d.kwarg(call, name)
    if v is MISSING and call.has_star_kwargs:
        return hidden
    return v


def dict_entry(d: DriverFacts, call: CallFact, kwarg: str, key: str, open_ok: bool = False
               ) -> Tuple[object, Optional[cst.BaseExpression], Optional[cst.BaseExpression]]:
    """``call(kwarg={key: ...})``: (value, value node, dict node); MISSING when surely absent. With
    ``open_ok``, OPEN where only ``**kwargs`` the module does not show may pass ``kwarg``, or the dict has
    entries the module does not show (``kwargs=dict(helper())``), instead of UNKNOWN."""
    node = call.kwarg(kwarg)
    if node is None:
        if call.has_star_kwargs:
            return (OPEN if open_ok else UNKNOWN), None, None
        return MISSING, None, None
    items = d.dict_items(node, call.scope)
    if items is None:
        return UNKNOWN, None, node
    entries, complete = items
    if key not in entries:
        # a dict built on a base the module does not show (UNSEEN) may hold the key: quiet
        return (MISSING if complete else (OPEN if open_ok and complete is not UNSEEN else UNKNOWN)), None, node
    return d.value(entries[key], call.scope), entries[key], node


def source_of(node: cst.CSTNode, limit: int = 60) -> str:
    """A node's source on one line, cut to ``limit`` characters."""
    try:
        text = cst.Module(body=[]).code_for_node(node)
    except Exception:  # pragma: no cover - code_for_node handles every expression
        return "..."
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
