"""The static evaluator: Python expressions as SQL text, literal values and dict entries, for libcst and
``ast`` nodes alike (through pinlint.facts.syntax). The per-file extractor, the driver rules and the
project index all evaluate with this one class; they differ only in how names are resolved.

Text: what cannot be known statically becomes the identifier ``HOLE``, so that the SQL classifier can
still decide from the static parts (``f"SET search_path TO {schema}"`` is a SET of search_path whatever
``schema`` is) and stay quiet when the unknown part decides the verdict. Understood: literals, implicit
concatenation, ``+``, f-strings, ``%`` and ``.format()`` templates, ``str * n``, ``sep.join([...])``,
pass-through calls (``textwrap.dedent``, ``text()``, ``sql.SQL``, ``.strip()``), psycopg
``sql.Composed([...])``; names and attributes through the resolvers.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

from pinlint.facts.catalog import CONCAT_FUNCS, ENV_GETTERS, PASS_THROUGH_FUNCS, PASS_THROUGH_METHODS
from pinlint.facts.model import UNKNOWN
from pinlint.sql.statement import HOLE
from pinlint.sql.templates import brace_format, percent_format

MAX_DEPTH = 30
MAX_LEN = 1_000_000

#: A name's binding: the one expression bound to it, or None (unbound, or bound more than once).
Binding = Callable[[Any], Optional[Any]]
#: What the module alone cannot evaluate (a constant of another module, a class attribute, a function
#: returning SQL): its text (HOLE for unknown parts) or None.
Other = Callable[[Any], Optional[str]]


class Evaluator:
    """Evaluates expressions of one syntax (``CstSyntax`` or ``AstSyntax``). ``binding`` resolves a Name
    node to the expression bound to it; ``other`` answers for names, attributes and calls the module
    cannot (both optional)."""

    def __init__(self, syntax: Any, binding: Optional[Binding] = None, other: Optional[Other] = None) -> None:
        self.syntax = syntax
        self.view = syntax.view
        self.dotted = syntax.dotted
        self.binding = binding
        self.other = other
        self._local: Optional["Evaluator"] = None

    def local(self) -> "Evaluator":
        """The same evaluator without ``other``: what the module alone says."""
        if self.other is None:
            return self
        if self._local is None:
            self._local = Evaluator(self.syntax, self.binding)
        return self._local

    # -- text ---------------------------------------------------------------------------------------
    def text(self, node: Any, depth: int = 0) -> Optional[str]:
        """The SQL text of ``node`` with HOLE for unknown parts, or None if nothing is known."""
        if node is None or depth > MAX_DEPTH:
            return None
        result = self._text(node, depth)
        if result is not None and len(result) > MAX_LEN:
            return result[:MAX_LEN]
        return result

    def _text(self, node: Any, depth: int) -> Optional[str]:
        v = self.view(node)
        kind = v[0]
        if kind == "str":
            return v[1]
        if kind == "concat":
            parts = [self.text(p, depth + 1) for p in v[1]]
            return None if any(p is None for p in parts) else "".join(parts)  # type: ignore[arg-type]
        if kind == "fstr":
            out = []
            for part in v[1]:
                if isinstance(part, str):
                    out.append(part)
                else:
                    expr, plain = part
                    inner = self.text(expr, depth + 1) if plain else None
                    out.append(HOLE if inner is None else inner)
            return "".join(out)
        if kind == "binop":
            op, left, right = v[1], v[2], v[3]
            if op == "+":
                lt, rt = self.text(left, depth + 1), self.text(right, depth + 1)
                if lt is None and rt is None:
                    return None
                return (HOLE if lt is None else lt) + (HOLE if rt is None else rt)
            if op == "%":
                lt = self.text(left, depth + 1)
                return None if lt is None else percent_format(lt)
            rv = self.view(right)
            if rv[0] == "num" and type(rv[1]) is int:
                # ``"(%s, %s), " * 500``: the repeated text is static (bounded by MAX_LEN)
                lt = self.text(left, depth + 1)
                if lt is None or rv[1] < 0 or len(lt) * rv[1] > MAX_LEN:
                    return None
                return lt * rv[1]
            return None
        if kind == "name":
            target = self.binding(node) if self.binding is not None else None
            if target is not None:
                return self.text(target, depth + 1)
            return self.other(node) if self.other is not None else None
        if kind == "call":
            result = self._call_text(v, depth)
            if result is None and self.other is not None:
                result = self.other(node)
            return result
        if kind == "attr":
            return self.other(node) if self.other is not None else None
        return None

    def _items(self, seq: Any, depth: int) -> Optional[List[Optional[str]]]:
        """The texts of a list/tuple literal's items (or of a name bound to one), None for unknown items."""
        v = self.view(seq)
        if v[0] == "name" and self.binding is not None:
            target = self.binding(seq)
            if target is not None:
                v = self.view(target)
        if v[0] not in ("list", "tuple") or v[1] is None:
            return None
        return [self.text(e, depth + 1) for e in v[1]]

    def _call_text(self, v: Tuple[Any, ...], depth: int) -> Optional[str]:
        _, func, positional, keywords, _starred = v
        fv = self.view(func)
        if fv[0] == "attr":
            attr = fv[2]
            if attr == "format":
                base = self.text(fv[1], depth + 1)
                return None if base is None else brace_format(base)
            if attr in PASS_THROUGH_METHODS and not positional and not keywords:
                return self.text(fv[1], depth + 1)
            if attr == "join" and len(positional) == 1:
                sep = self.text(fv[1], depth + 1)
                items = self._items(positional[0], depth) if sep is not None else None
                if items is None:
                    return None
                return sep.join(HOLE if i is None else i for i in items)  # type: ignore[union-attr]
            name = attr
        elif fv[0] == "name":
            name = fv[1]
        else:
            return None
        if name in PASS_THROUGH_FUNCS and positional:
            return self.text(positional[0], depth + 1)
        if name in CONCAT_FUNCS and positional:
            items = self._items(positional[0], depth)
            return None if items is None else "".join(HOLE if i is None else i for i in items)
        return None

    def setting_text(self, node: Any, depth: int = 0) -> Optional[str]:
        """Text as configuration reads it: like ``text``, and an environment getter (``os.getenv("X",
        "postgresql://...")``, ``env("X", default=...)``) counts as its default; a name bound to such a
        call is followed."""
        if node is None or depth > 10:
            return None
        v = self.view(node)
        while v[0] == "await":
            node = v[1]
            v = self.view(node)
        if v[0] == "call":
            _, func, positional, keywords, _ = v
            fv = self.view(func)
            last = fv[2] if fv[0] == "attr" else (fv[1] if fv[0] == "name" else "")
            if last in ENV_GETTERS:
                default = keywords.get("default")
                if default is None and len(positional) >= 2:
                    default = positional[1]
                return self.setting_text(default, depth + 1) if default is not None else None
            return None
        if v[0] == "name" and self.binding is not None:
            target = self.binding(node)
            if target is not None:
                tv = self.view(target)
                while tv[0] == "await":
                    target = tv[1]
                    tv = self.view(target)
                if tv[0] == "call":
                    return self.setting_text(target, depth + 1)
        return self.text(node)

    # -- literal values -----------------------------------------------------------------------------
    def literal(self, node: Any, depth: int = 0) -> object:
        """The Python value of a literal expression (str, int, float, bool, None, dict, list, tuple),
        names followed; UNKNOWN for anything else."""
        if node is None or depth > 20:
            return UNKNOWN
        v = self.view(node)
        kind = v[0]
        if kind in ("str", "concat", "fstr"):
            # strings: names in f-strings are followed, other modules are not
            text = self.local().text(node)
            return UNKNOWN if text is None or HOLE in text else text
        if kind == "num":
            return v[1]
        if kind == "const":
            return v[1]
        if kind == "neg":
            inner = self.literal(v[1], depth + 1)
            return -inner if isinstance(inner, (int, float)) and not isinstance(inner, bool) else UNKNOWN
        if kind == "name":
            target = self.binding(node) if self.binding is not None else None
            return UNKNOWN if target is None else self.literal(target, depth + 1)
        if kind == "dict":
            if not v[2]:
                return UNKNOWN  # ``**other``: the dict's keys are not all known
            out: Dict[Any, object] = {}
            for key_node, value_node in v[1]:
                key = self.literal(key_node, depth + 1)
                if key is UNKNOWN or isinstance(key, (dict, list)):
                    return UNKNOWN
                out[key] = self.literal(value_node, depth + 1)
            return out
        if kind in ("list", "tuple"):
            if v[1] is None:
                return UNKNOWN
            items = [self.literal(e, depth + 1) for e in v[1]]
            return items if kind == "list" else tuple(items)
        if kind == "call" and self.dotted(v[1]) == "dict":
            _, _, positional, keywords, starred = v
            if positional or starred:
                return UNKNOWN
            return {k: self.literal(val, depth + 1) for k, val in keywords.items()}
        return UNKNOWN

    def dict_items(self, node: Any) -> Optional[Tuple[Dict[str, Any], bool]]:
        """The string-keyed entries of a dict display (or a name bound to one, or ``dict(...)``) and whether
        the keys are complete (no ``**splat``, every key known); None when the node is not a dict."""
        for _ in range(10):
            if node is not None and self.view(node)[0] == "name" and self.binding is not None:
                node = self.binding(node)
                continue
            break
        if node is None:
            return None
        v = self.view(node)
        if v[0] == "dict":
            out: Dict[str, Any] = {}
            complete = v[2]
            for key_node, value_node in v[1]:
                key = self.literal(key_node)
                if isinstance(key, str):
                    out[key] = value_node
                else:
                    complete = False
            return out, complete
        if v[0] == "call" and self.dotted(v[1]) == "dict":
            _, _, positional, keywords, starred = v
            return dict(keywords), not (positional or starred)
        return None

