"""What a module's code names that another place of the project holds: constants and class attributes of
other modules, functions that return SQL, project wrappers around SQL sinks, and ``.sql`` files the code
loads by name. Names written in the module are resolved as Python would (imports, ``self``/``cls`` in a
method, the module's own definitions), then by method name when the index knows only one meaning."""

from __future__ import annotations

import os
from typing import Callable, List, Optional, Tuple

import libcst as cst

from pinlint.facts.catalog import MAX_SQL_FILE_BYTES, READ_METHODS, RESOURCE_READERS, SQL_METHODS
from pinlint.facts.index.model import ProjectIndex, SqlText, Wrapper
from pinlint.facts.model import Scope, class_of, dotted
from pinlint.sql.statement import HOLE

#: The local text of an expression (this module's bindings only), for the names of loaded files.
LocalText = Callable[[cst.BaseExpression, Scope], Optional[str]]
#: Whether a name is bound in a scope of this module.
Bound = Callable[[str, Scope], bool]


class ProjectReach:
    """Lookups in the project index for one module."""

    def __init__(self, index: ProjectIndex, module_name: Optional[str], is_package: bool, imports: dict,
                 path: Optional[str], local_text: LocalText, bound: Bound) -> None:
        self.index = index
        self.here = module_name
        self.is_package = is_package
        self.imports = imports
        self.path = path
        self.local_text = local_text
        self.bound = bound

    def _absolute(self, qualname: str) -> str:
        return self.index.absolute(qualname, self.here, self.is_package)

    def _find(self, name: str, scope: Scope, imported: Callable, in_module: Callable,
              by_method: Optional[Callable] = None, bare: Optional[Callable] = None):
        """One resolution order for every lookup: an imported name; a bare name of this module (``bare``);
        ``self.X``/``cls.X`` in a method (this class, else by method name); ``Class.X`` of this module;
        else by method name."""
        head, _, rest = name.partition(".")
        last = name.rsplit(".", 1)[-1]
        here = self.here
        if head in self.imports:
            return imported(self._absolute(self.imports[head]) + ("." + rest if rest else ""))
        if not rest:
            return bare(name) if bare is not None else None
        if head in ("self", "cls") and "." not in rest:
            cls = class_of(scope)
            found = in_module(here, f"{cls}.{rest}") if here and cls else None
            return found if found is not None or by_method is None else by_method(last)
        found = in_module(here, name) if here else None
        return found if found is not None or by_method is None else by_method(last)

    def text(self, node: cst.BaseExpression, scope: Scope) -> Optional[Tuple[SqlText, ...]]:
        """SQL text that the project index knows for a name, attribute or call written in this module."""
        index = self.index
        if isinstance(node, cst.Call):
            if isinstance(node.func, cst.Attribute) and node.func.attr.value in READ_METHODS | RESOURCE_READERS:
                loaded = self.loaded_sql(node, scope)
                if loaded is not None:
                    return loaded
            name = dotted(node.func)
            if name is None:
                # ``Ops().set_time_zone_sql()``, ``get_ops().x()``: by method name
                return index.method_returned(node.func.attr.value) if isinstance(node.func, cst.Attribute) else None
            return self._find(name, scope, index.returned, index.returned_in, index.method_returned,
                              bare=lambda n: index.returned_in(self.here, n) if self.here else None)
        name = dotted(node)
        if name is None:
            return None
        found = self._find(name, scope, index.constant, index.constant_in)
        return None if found is None else (found,)

    def wrapper(self, call: cst.Call, scope: Scope) -> Optional[Wrapper]:
        """The project wrapper this call goes to, if the index knows it."""
        index = self.index
        name = dotted(call.func)
        if name is None:
            # ``Database().query(...)``, ``get_db().run(...)``: by method name
            attr = call.func.attr.value if isinstance(call.func, cst.Attribute) else None
            return index.method_wrapper(attr) if attr and attr not in SQL_METHODS else None

        def bare(n: str) -> Optional[Wrapper]:
            if self.bound(n, scope) or not self.here:
                return None
            found = index.wrapper_in(self.here, n)
            if found is None:
                # a helper nested in an enclosing function: ``def run(sql): conn.execute(sql)``
                prefix = f"{self.here}."
                hits = [w for q, w in index.wrappers if q.startswith(prefix) and q.endswith("." + n) and not w.method]
                found = hits[0] if len(hits) == 1 else None
            return found

        return self._find(name, scope, index.wrapper, index.wrapper_in,
                          lambda last: index.method_wrapper(last) if last not in SQL_METHODS else None, bare)

    def _path_parts(self, node: cst.BaseExpression, scope: Scope, parts: List[str], depth: int = 0) -> None:
        """The static strings a path expression is built from (``Path(BASE) / "q" / "lock.sql"``,
        ``open(name)``), in order, appended to ``parts``."""
        if depth > 12:
            return
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
            self._path_parts(node.left, scope, parts, depth + 1)
            self._path_parts(node.right, scope, parts, depth + 1)
        elif isinstance(node, cst.Call):
            if isinstance(node.func, cst.Attribute):
                self._path_parts(node.func.value, scope, parts, depth + 1)
            for arg in node.args:
                if arg.keyword is None or arg.keyword.value in ("file", "path", "resource", "name"):
                    self._path_parts(arg.value, scope, parts, depth + 1)
        elif isinstance(node, cst.Attribute):
            self._path_parts(node.value, scope, parts, depth + 1)
        elif isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString, cst.Name)):
            text = self.local_text(node, scope)
            if text is not None and HOLE not in text and text.strip():
                parts.append(text)

    def loaded_sql(self, call: cst.Call, scope: Scope) -> Optional[Tuple[SqlText, ...]]:
        """``Path("queries/lock.sql").read_text()``, ``open(...).read()``, ``importlib.resources``: the
        text of a ``.sql`` file the code loads by name, unless the run lints that file in its own right."""
        parts: List[str] = []
        self._path_parts(call.func.value if isinstance(call.func, cst.Attribute) else call.func, scope, parts)
        if call.func.attr.value in RESOURCE_READERS if isinstance(call.func, cst.Attribute) else False:
            for arg in call.args:
                self._path_parts(arg.value, scope, parts)
        if not parts or not parts[-1].lower().endswith(".sql"):
            return None
        rel = os.path.join(*[p.strip("/") if i else p for i, p in enumerate(parts[-3:]) if not p.endswith(".py")]
                           ) if len(parts) > 1 else parts[-1]
        base = os.path.dirname(os.path.abspath(self.path or "."))
        candidates = []
        if os.path.isabs(rel):
            candidates.append(rel)
        else:
            d = base
            for _ in range(6):
                candidates.append(os.path.join(d, rel))
                candidates.append(os.path.join(d, os.path.basename(rel)))
                parent = os.path.dirname(d)
                if parent == d:
                    break
                d = parent
        for candidate in candidates:
            if os.path.isfile(candidate) and os.path.getsize(candidate) <= MAX_SQL_FILE_BYTES:
                if os.path.abspath(candidate) in self.index.files:
                    return None  # linted in its own right; its findings point into it
                try:
                    with open(candidate, encoding="utf-8", errors="replace") as fh:
                        text = fh.read()
                except OSError:
                    return None
                return (SqlText(text, os.path.relpath(candidate), 1, os.path.basename(candidate)),)
        return None
