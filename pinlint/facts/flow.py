"""What a name may hold where it is used: the bindings that reach a call, in order, each marked as certain
or conditional (inside an ``if``/``else``, a loop or a ``try`` that the first binding is not in).

``sql = "SELECT pg_"; if not wait: sql += "try_"; sql += "advisory_lock(%s)"`` reaches the call as two
texts; ``if tmp: q = "CREATE TEMP TABLE ..." else: q = "CREATE TABLE ..."`` as two. The static evaluator
(pinlint.facts.values) combines them; a name whose bindings it cannot follow (a loop variable, ``*=``) is
unknown, as before.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

import libcst as cst

from pinlint.facts.model import Scope

#: (``"="`` or ``"+="``, value, conditional)
Version = Tuple[str, cst.BaseExpression, bool]

#: The base of a dict built in steps on a function's parameter (``def connect(params): params["x"] = 1``):
#: what the caller passed, with unknown keys.
PARAMETER = type("Parameter", (), {"__repr__": lambda self: "PARAMETER"})()


def reaching(scope: Scope, name: str, at: Optional[Tuple[int, Tuple[int, ...]]]) -> Optional[List[Version]]:
    """The bindings of ``name`` that reach a use at ``at`` (its place in the walk, and the compound
    statements around it) in ``scope``: those of the innermost scope that binds it (before the use when
    that is the use's own scope). A binding is certain when the statements around it are around the use
    too (it happens whenever the use does), else conditional. None when there are none, or when one of
    them cannot be followed."""
    s: Optional[Scope] = scope
    entries = None
    while s is not None:
        if s.kind != "class" or s is scope:
            entries = s.flow.get(name)
            if entries:
                break
            if name in s.params:
                return None  # a parameter: its value comes from the caller
        s = s.parent
    if not entries:
        return None
    use_path: Tuple[int, ...] = ()
    if s is scope and at is not None:
        entries = [e for e in entries if e[3] < at[0]]
        use_path = at[1]
    if any(op in ("[]", "m", "del") for op, _, _, _ in entries):
        return None  # a container, built in steps (``dict_steps``)
    if not entries or any(op == "?" for op, _, _, _ in entries) or entries[0][0] != "=":
        return None
    if s is not scope:
        # a name of an enclosing scope, bound before the call runs: relative to its first binding
        base = entries[0][2]
        return [(op, value, path != base[:len(path)]) for op, value, path, _ in entries]
    return [(op, value, path != use_path[:len(path)]) for op, value, path, _ in entries]


def dict_steps(scope: Scope, name: str, at: Optional[int] = None, params: bool = False
               ) -> Optional[Tuple[cst.BaseExpression, List[Tuple[str, cst.BaseExpression]]]]:
    """A dict built in steps: the expression last bound to ``name`` before ``at`` (all of the scope's
    bindings when ``at`` is None) and what was done to it afterwards: ``("[]", (key, value))`` item
    stores, ``("m", call)`` method calls (``update``, ``pop``, ...) and ``("del", key)``. None when the name is
    not bound in the scope, or not by a plain assignment. With ``params``, a parameter of the scope that
    the function only changes in steps has the base PARAMETER (the caller's dict, keys unknown)."""
    s: Optional[Scope] = scope
    entries = None
    while s is not None:
        if s.kind != "class" or s is scope:
            entries = s.flow.get(name)
            if entries:
                break
            if name in s.params:
                return None
        s = s.parent
    if not entries:
        return None
    if s is scope and at is not None:
        entries = [e for e in entries if e[3] < at]
    base = PARAMETER if params and s is not None and name in s.params else None
    steps: List[Tuple[str, cst.BaseExpression]] = []
    for op, value, _, _ in entries:
        if op == "=":
            base, steps = value, []
        elif op in ("[]", "m", "del") and base is not None:
            steps.append((op, value))
        else:
            return None
    return None if base is None else (base, steps)
