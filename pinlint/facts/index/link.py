"""Linking the per-file summaries: constants and returned SQL evaluated across modules, wrappers
inferred to a fixpoint."""

from __future__ import annotations

import ast
import hashlib
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from pinlint.facts.catalog import SQL_FUNCTION_NAMES, SQL_KEYWORD_ARGS, SQL_METHODS, is_sql_method_call
from pinlint.facts.index.model import ARG_MARKER, ProjectIndex, SqlText, Wrapper
from pinlint.facts.index.summarise import FunctionSummary, ModuleSummary, dotted_name
from pinlint.facts.syntax import AstSyntax
from pinlint.facts.values import Evaluator


class _Linker:
    def __init__(self, modules: Dict[str, ModuleSummary], extra_wrappers: Sequence[str]) -> None:
        self.modules = modules
        self.by_suffix: Dict[str, Optional[str]] = {}
        for mod in modules.values():
            parts = mod.name.split(".")
            for i in range(len(parts)):
                key = ".".join(parts[i:])
                self.by_suffix[key] = mod.name if self.by_suffix.get(key, mod.name) == mod.name else None
        self.memo: Dict[Tuple[str, str], Optional[str]] = {}
        self.active: Set[Tuple[str, str]] = set()
        self.extra_wrappers = tuple(extra_wrappers)

    # name resolution
    def _absolute(self, mod: ModuleSummary, target: str) -> str:
        if not target.startswith("."):
            return target
        dots = len(target) - len(target.lstrip("."))
        parts = mod.name.split(".")
        if not mod.is_package:
            parts = parts[:-1]
        if dots > 1:
            parts = parts[: max(0, len(parts) - (dots - 1))]
        return ".".join(p for p in (*parts, target[dots:]) if p)

    def locate(self, mod: ModuleSummary, dotted: str, depth: int = 0) -> Optional[Tuple[ModuleSummary, str]]:
        """(module, key) that a dotted name written in ``mod`` refers to, through imports."""
        if depth > 10:
            return None
        head, _, rest = dotted.partition(".")
        if head in mod.imports:
            full = self._absolute(mod, mod.imports[head]) + ("." + rest if rest else "")
            return self.locate_qualified(full, depth + 1)
        return mod, dotted

    def locate_qualified(self, full: str, depth: int = 0) -> Optional[Tuple[ModuleSummary, str]]:
        parts = full.split(".")
        for i in range(len(parts) - 1, 0, -1):
            name = self.by_suffix.get(".".join(parts[:i]))
            if name is not None:
                target = self.modules[name]
                key = ".".join(parts[i:])
                if key.split(".")[0] in target.imports and key not in target.consts and key not in target.functions:
                    return self.locate(target, key, depth + 1)  # a re-export
                return target, key
        return None

    def const_text(self, mod: ModuleSummary, key: str) -> Optional[str]:
        memo_key = (mod.name, key)
        if memo_key in self.memo:
            return self.memo[memo_key]
        if memo_key in self.active or key not in mod.consts:
            return None
        self.active.add(memo_key)
        scope = key.rsplit(".", 1)[0] if "." in key else None
        try:
            value = self.text(mod.consts[key], mod, scope, None)
        except RecursionError:
            value = None
        self.active.discard(memo_key)
        self.memo[memo_key] = value
        return value

    def _name_text(self, dotted: str, mod: ModuleSummary, scope: Optional[str]) -> Optional[str]:
        """The text of a name or attribute written in ``mod`` (in class ``scope``, if any): a constant of
        this or another module, a class attribute (``self.X``, ``cls.X``, inherited ones too)."""
        head = dotted.split(".")[0]
        if scope is not None and "." not in dotted and f"{scope}.{dotted}" in mod.consts:
            return self.const_text(mod, f"{scope}.{dotted}")
        if head in ("self", "cls") and scope is not None and "." in dotted:
            return self._class_attr(mod, scope, dotted.split(".", 1)[1], 0)
        found = self.locate(mod, dotted)
        if found is None:
            return None
        target, key = found
        if key in target.consts:
            return self.const_text(target, key)
        cls, _, attr = key.rpartition(".")
        if cls and cls in target.classes:
            return self._class_attr(target, cls, attr, 0)
        return None

    def _class_attr(self, mod: ModuleSummary, cls: str, attr: str, depth: int) -> Optional[str]:
        if depth > 5 or "." in attr:
            return None
        if f"{cls}.{attr}" in mod.consts:
            return self.const_text(mod, f"{cls}.{attr}")
        for base in mod.classes.get(cls, ()):
            found = self.locate(mod, base)
            if found is not None and found[1] in found[0].classes:
                text = self._class_attr(found[0], found[1], attr, depth + 1)
                if text is not None:
                    return text
        return None

    def text(self, node: ast.expr, mod: ModuleSummary, scope: Optional[str], local: Optional[dict],
             params: Sequence[str] = ()) -> Optional[str]:
        """The SQL text of an expression written in ``mod`` (``scope``: its class; ``local``: the enclosing
        function's bindings; ``params``: its parameters, which stand as ``ARG_MARKER`` placeholders that a
        call fills in with its arguments), through pinlint.facts.values."""

        def binding(name: ast.expr) -> Optional[ast.expr]:
            values = local.get(name.id) if local is not None and isinstance(name, ast.Name) else None
            return values[0] if values is not None and len(values) == 1 else None

        def other(n: ast.expr) -> Optional[str]:
            if not isinstance(n, (ast.Name, ast.Attribute)):
                return None
            if isinstance(n, ast.Name) and n.id in params and (local is None or n.id not in local):
                return ARG_MARKER.format(params.index(n.id))
            dotted = dotted_name(n)
            if dotted is None or (local is not None and dotted.split(".")[0] in local):
                return None  # a local name: bound more than once, or an attribute of a local object
            return self._name_text(dotted, mod, scope)

        return Evaluator(AstSyntax, binding, other).text(node)

    # function returns
    def returns(self, mod: ModuleSummary, fn: FunctionSummary) -> Optional[List[Tuple[str, int]]]:
        """The SQL the function returns: one text, or each statement of a returned list; None if unknown."""
        if not fn.returns:
            return None
        local = getattr(fn, "locals", {})
        params = fn.params[1:] if fn.method else fn.params
        results: List[List[Tuple[str, int]]] = []
        for value in fn.returns:
            if isinstance(value, ast.Name) and len(local.get(value.id, ())) == 1:
                value = local[value.id][0]
            if isinstance(value, (ast.List, ast.Tuple)):
                items = [(self.text(e, mod, fn.cls, local, params), e.lineno) for e in value.elts]
                if not items or any(t is None for t, _ in items):
                    return None
                results.append([(t, line) for t, line in items if t is not None])
            else:
                t = self.text(value, mod, fn.cls, local, params)
                if t is None:
                    return None
                results.append([(t, value.lineno)])
        first = [t for t, _ in results[0]]
        if any([t for t, _ in r] != first for r in results[1:]):
            return None  # different SQL on different paths: stay quiet
        return results[0]

    # wrappers
    def wrappers(self) -> Dict[str, Tuple[ModuleSummary, FunctionSummary, Wrapper]]:
        found: Dict[str, Tuple[ModuleSummary, FunctionSummary, Wrapper]] = {}
        by_method: Dict[str, Wrapper] = {}

        def wrap(mod: ModuleSummary, fn: FunctionSummary, param: str, transform: str, line: int) -> bool:
            qual = f"{mod.name}.{fn.key}"
            if qual in found or param not in fn.params:
                return False
            position = fn.params.index(param) - (1 if fn.method else 0)
            if position < 0:
                return False
            noqa = mod.noqa.get(line, frozenset()) | mod.noqa.get(fn.line, frozenset())
            w = Wrapper(qual, position, param, fn.method, mod.path, line, transform, noqa)
            found[qual] = (mod, fn, w)
            if fn.method:
                by_method.setdefault(fn.key.rsplit(".", 1)[-1], w)
            return True

        self.configured: Dict[str, Wrapper] = {}
        for extra in self.extra_wrappers:
            located = self.locate_qualified(extra)
            fn = located[0].functions.get(located[1]) if located is not None else None
            if located is not None and fn is not None and len(fn.params) > (1 if fn.method else 0):
                wrap(located[0], fn, fn.params[1 if fn.method else 0], "", fn.line)
            else:
                # not in the run (or not parsable): the first argument is SQL, by configuration
                self.configured[extra] = Wrapper(extra, 0, "sql", False, "sql-functions setting", 0)

        changed = True
        rounds = 0
        while changed and rounds < 20:
            changed, rounds = False, rounds + 1
            for mod in self.modules.values():
                for fn in mod.functions.values():
                    if f"{mod.name}.{fn.key}" in found:
                        continue
                    for callee, passed, line in fn.calls:
                        hit = self._callee_param(mod, fn, callee, passed, found, by_method)
                        if hit is not None and wrap(mod, fn, hit[0], hit[1], line):
                            changed = True
                            break
        return found

    def _callee_param(self, mod: ModuleSummary, fn: FunctionSummary, callee: ast.expr, passed, found, by_method):
        """The parameter of ``fn`` that this call sends to a SQL sink, if any."""
        def at(position: int, keywords: Sequence[str]) -> Optional[Tuple[str, str]]:
            for where, param, transform in passed:
                if where == position or where in keywords:
                    return param, transform
            return None

        name = callee.attr if isinstance(callee, ast.Attribute) else (callee.id if isinstance(callee, ast.Name) else "")
        if isinstance(callee, ast.Attribute) and name in SQL_METHODS:
            receiver = callee.value
            while isinstance(receiver, ast.Call):
                receiver = receiver.func
            last = receiver.attr if isinstance(receiver, ast.Attribute) else (
                receiver.id if isinstance(receiver, ast.Name) else "")
            return at(0, SQL_KEYWORD_ARGS) if is_sql_method_call(name, last, mod.server_db) else None
        dotted = dotted_name(callee)
        if dotted is None:
            return None
        if isinstance(callee, ast.Name) and name in SQL_FUNCTION_NAMES:
            target = mod.imports.get(name, "")
            if target.startswith("sqlalchemy"):
                return at(0, SQL_KEYWORD_ARGS)
        head = dotted.split(".")[0]
        wrapper: Optional[Wrapper] = None
        if head in ("self", "cls") and fn.cls is not None and dotted.count(".") == 1:
            entry = found.get(f"{mod.name}.{fn.cls}.{name}")
            wrapper = entry[2] if entry else by_method.get(name)
        elif isinstance(callee, ast.Attribute) and head not in mod.imports and head not in mod.classes:
            wrapper = by_method.get(name)
        else:
            located = self.locate(mod, dotted)
            if located is not None:
                target, key = located
                entry = found.get(f"{target.name}.{key}")
                if entry is None and "." not in key and target is mod and fn.key.count(".") >= 1:
                    # a nested helper defined in an enclosing function
                    prefix = fn.key.rsplit(".", 1)[0]
                    entry = found.get(f"{mod.name}.{prefix}.{key}")
                wrapper = entry[2] if entry else None
        if wrapper is None:
            return None
        return at(wrapper.position, (wrapper.keyword,))


def _noqa_for(mod: ModuleSummary, first: int, last: int) -> FrozenSet[str]:
    out: FrozenSet[str] = frozenset()
    for row in range(first, last + 1):
        out |= mod.noqa.get(row, frozenset())
    return out


def link(modules: Dict[str, ModuleSummary], interesting: Callable[[Optional[str]], bool],
         all_files: Iterable[str] = (), sql_functions: Sequence[str] = (),
         paths: Optional[Dict[str, str]] = None, dialects: Sequence[Tuple[str, str]] = ()) -> ProjectIndex:
    """The index of these summaries. ``interesting``: whether a text held by a constant or returned by a
    function can give a finding (only those are kept)."""
    linker = _Linker(modules, sql_functions)
    constants: Dict[str, SqlText] = {}
    for mod in modules.values():
        for key in mod.consts:
            text = linker.const_text(mod, key)
            if interesting(text):
                first, last = mod.const_lines[key]
                constants[f"{mod.name}.{key}"] = SqlText(text, mod.path, first, key, _noqa_for(mod, first, last))
    for mod in modules.values():  # re-exports: ``from .queries import LOCK`` in a package __init__
        for alias in mod.imports:
            if f"{mod.name}.{alias}" in constants:
                continue
            located = linker.locate(mod, alias)
            if located is not None and located[0] is not mod:
                hit = constants.get(f"{located[0].name}.{located[1]}")
                if hit is not None:
                    constants[f"{mod.name}.{alias}"] = hit
    returns: Dict[str, Tuple[SqlText, ...]] = {}
    method_candidates: Dict[str, Set[Tuple[str, ...]]] = {}
    method_texts: Dict[str, Tuple[SqlText, ...]] = {}
    for mod in modules.values():
        for fn in mod.functions.values():
            try:
                result = linker.returns(mod, fn)
            except RecursionError:
                result = None
            short = fn.key.rsplit(".", 1)[-1]
            if fn.method:
                method_candidates.setdefault(short, set()).add(
                    tuple(t for t, _ in result) if result is not None else ("<unknown>",))
            if result is None or not any(interesting(t) for t, _ in result):
                continue
            texts = tuple(SqlText(t, mod.path, line, f"{fn.key}()", _noqa_for(mod, line, line)
                                  | mod.noqa.get(fn.line, frozenset())) for t, line in result)
            returns[f"{mod.name}.{fn.key}"] = texts
            if fn.method:
                method_texts.setdefault(short, texts)
    method_returns = {name: texts for name, texts in method_texts.items()
                      if len({c for c in method_candidates.get(name, ()) if c not in (("",),)}) == 1}
    found = linker.wrappers()
    wrappers = {qual: w for qual, (_, _, w) in found.items()}
    for qual, w in linker.configured.items():
        wrappers.setdefault(qual, w)
    positions: Dict[str, Set[int]] = {}
    for w in wrappers.values():
        if w.method:
            positions.setdefault(w.name, set()).add(w.position)
    method_wrappers = {}
    for w in wrappers.values():
        if w.method and len(positions[w.name]) == 1 and w.name not in SQL_METHODS:
            method_wrappers.setdefault(w.name, w)
    module_table = tuple(sorted((paths or {}).items())) or tuple(sorted((m.path, m.name) for m in modules.values()))
    digest = hashlib.sha256()
    for part in (module_table, sorted(constants.items()), sorted(returns.items()), sorted(method_returns.items()),
                 sorted(wrappers.items()), sorted(method_wrappers.items()), sorted(all_files), tuple(dialects)):
        digest.update(repr(part).encode("utf-8", "replace"))
    return ProjectIndex(
        modules=module_table,
        constants=tuple(sorted(constants.items())),
        returns=tuple(sorted(returns.items())),
        method_returns=tuple(sorted(method_returns.items())),
        wrappers=tuple(sorted(wrappers.items())),
        method_wrappers=tuple(sorted(method_wrappers.items())),
        files=frozenset(all_files),
        dialects=tuple(dialects),
        fingerprint=digest.hexdigest(),
    )

