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
#: at most this many alternative texts per expression (``texts``)
MAX_ALTERNATIVES = 8

#: A name's binding: the one expression bound to it, or None (unbound, or bound more than once).
Binding = Callable[[Any], Optional[Any]]
#: The bindings of a Name that reach its use, in order: (``"="`` or ``"+="``, value, conditional), or None
#: (pinlint.facts.flow).
Flow = Callable[[Any], Optional[List[Tuple[str, Any, bool]]]]
#: A dict built in steps: the expression bound to a Name (or ``self.attr``) and the steps after it
#: (pinlint.facts.flow.dict_steps); the base is None when it is not visible.
Steps = Callable[[Any], Optional[Tuple[Any, List[Tuple[str, Any]]]]]
#: The items of a list a Name holds, built in steps (``stmts = []; stmts.append(...)``): their nodes, None
#: for items not known one by one; None when the name is not such a list.
Listed = Callable[[Any], Optional[List[Any]]]


class _Unseen:
    """The completeness of a dict built in steps on a base pinlint cannot see (a parameter, a call such as
    ``self.get_connection_params()``): false like an incomplete dict, and told apart from one whose
    display shows ``**other``, so that a missing key stays unknown (quiet) instead of a warning."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "UNSEEN"


UNSEEN = _Unseen()


def _partial(complete: Any) -> Any:
    """``complete`` after a step with an unknown key: False, or still UNSEEN."""
    return complete if complete is UNSEEN else False


#: What the module alone cannot evaluate (a constant of another module, a class attribute, a function
#: returning SQL): its text (HOLE for unknown parts) or None.
Other = Callable[[Any], Optional[str]]


def _add(left: Optional[str], right: Optional[str]) -> Optional[str]:
    """``left + right`` with HOLE for an unknown side (None when both are unknown)."""
    if left is None and right is None:
        return None
    return (HOLE if left is None else left) + (HOLE if right is None else right)


class Evaluator:
    """Evaluates expressions of one syntax (``CstSyntax`` or ``AstSyntax``). ``binding`` resolves a Name
    node to the expression bound to it; ``other`` answers for names, attributes and calls the module
    cannot (both optional)."""

    def __init__(self, syntax: Any, binding: Optional[Binding] = None, other: Optional[Other] = None,
                 flow: Optional[Flow] = None, steps: Optional[Steps] = None, listed: Optional[Listed] = None) -> None:
        self.flow = flow
        self.steps = steps
        self.listed = listed
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
                return None if lt is None else self._percent(lt, right, depth)
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

    # -- alternatives --------------------------------------------------------------------------------
    def texts(self, node: Any, depth: int = 0) -> List[Optional[str]]:
        """The texts ``node`` may have (``"TEMP " if tmp else ""``, a name bound in both branches of an
        ``if``, ``sql += ...`` in a branch): like ``text``, one entry per alternative (None: unknown), at
        most MAX_ALTERNATIVES."""
        if node is None or depth > MAX_DEPTH:
            return [None]
        out: List[Optional[str]] = []
        for alt in self._texts(node, depth):
            if alt is not None and len(alt) > MAX_LEN:
                alt = alt[:MAX_LEN]
            if alt not in out:
                out.append(alt)
            if len(out) >= MAX_ALTERNATIVES:
                break
        return out or [None]

    def _texts(self, node: Any, depth: int) -> List[Optional[str]]:
        v = self.view(node)
        kind = v[0]
        if kind == "ifexp":
            return self.texts(v[1], depth + 1) + self.texts(v[2], depth + 1)
        if kind == "name" and self.flow is not None:
            versions = self.flow(node)
            if versions is not None:
                return self._versions(versions, depth)
        if kind == "name" and self.flow is None and self.binding is not None:
            target = self.binding(node)  # no flow: the name's one binding
            if target is not None:
                return self.texts(target, depth + 1)
        if kind == "binop" and v[1] == "+":
            return [_add(lt, rt) for lt in self.texts(v[2], depth + 1) for rt in self.texts(v[3], depth + 1)]
        if kind == "binop" and v[1] == "%":
            out = []
            for lt in self.texts(v[2], depth + 1):
                out.extend([None] if lt is None else self._percent_texts(lt, v[3], depth))
            return out
        if kind == "fstr":
            alts: List[Optional[str]] = [""]
            for part in v[1]:
                if isinstance(part, str):
                    pieces: List[Optional[str]] = [part]
                else:
                    expr, plain = part
                    pieces = [HOLE if p is None else p for p in self.texts(expr, depth + 1)] if plain else [HOLE]
                alts = [a + p for a in alts for p in pieces if a is not None and p is not None][:MAX_ALTERNATIVES]
            return alts
        if kind == "call":
            fv = self.view(v[1])
            if fv[0] == "attr" and fv[2] == "format":
                return [None if b is None else self._brace(b, v[2], v[3], depth) for b in self.texts(fv[1], depth + 1)]
            if fv[0] == "attr" and fv[2] in PASS_THROUGH_METHODS and not v[2] and not v[3]:
                return self.texts(fv[1], depth + 1)
            name = fv[2] if fv[0] == "attr" else (fv[1] if fv[0] == "name" else None)
            if name in PASS_THROUGH_FUNCS and v[2]:
                return self.texts(v[2][0], depth + 1)
            if fv[0] == "attr" and fv[2] == "join" and len(v[2]) == 1:
                element = self._comprehension_element(v[2][0])
                if element is not None:  # ``"; ".join(f"LISTEN {c}" for c in channels)``: one item stands for all
                    return self.texts(element, depth + 1)
        return [self.text(node, depth)]

    def _versions(self, versions: List[Tuple[str, Any, bool]], depth: int) -> List[Optional[str]]:
        states: Optional[List[Optional[str]]] = None
        for op, value, conditional in versions:
            values = self.texts(value, depth + 1)
            if op == "=":
                states = values if states is None or not conditional else states + values
            else:  # "+="
                if states is None:
                    return [None]
                grown = [_add(s, x) for s in states for x in values]
                states = states + grown if conditional else grown
            states = states[:MAX_ALTERNATIVES]
        return states or [None]

    def _comprehension_element(self, node: Any) -> Optional[Any]:
        """The element expression of a list comprehension or generator (libcst only), else None."""
        elt = getattr(node, "elt", None)
        return elt if elt is not None and type(node).__name__ in ("ListComp", "GeneratorExp", "SetComp") else None

    def _argument(self, node: Any, depth: int) -> Optional[str]:
        """A formatting argument's text: a string's, a number written as a literal, else None."""
        v = self.view(node)
        if v[0] == "num" and not isinstance(v[1], bool):
            return str(v[1])
        if v[0] == "neg" and self.view(v[1])[0] == "num":
            return "-" + str(self.view(v[1])[1])
        text = self.text(node, depth + 1)
        return None if text is not None and HOLE in text and text.strip() == HOLE else text

    def _percent(self, template: str, right: Any, depth: int) -> str:
        """``template % right``: a tuple's items fill the fields in order, a dict's by name, else the one value."""
        v = self.view(right)
        if v[0] == "tuple" and v[1] is not None:
            return percent_format(template, [self._argument(e, depth) for e in v[1]])
        if v[0] == "dict" and v[2]:
            mapping = {}
            for key, value in v[1]:
                name = self.literal(key)
                if isinstance(name, str):
                    mapping[name] = self._argument(value, depth)
            return percent_format(template, mapping=mapping)
        if v[0] in ("str", "fstr", "concat", "num", "neg", "binop"):
            return percent_format(template, [self._argument(right, depth)])
        return percent_format(template)

    def _argument_texts(self, node: Any, depth: int) -> List[Optional[str]]:
        """The alternatives of a formatting argument (``_argument``)."""
        v = self.view(node)
        if v[0] in ("num", "neg"):
            return [self._argument(node, depth)]
        return [None if x is not None and x.strip() == HOLE else x for x in self.texts(node, depth + 1)]

    def _tuple_items(self, node: Any, depth: int) -> Optional[List[Any]]:
        """The items of a tuple the code builds: a display, a name bound to one, ``(a,) + b``."""
        if depth > 8:
            return None
        v = self.view(node)
        if v[0] == "tuple":
            return None if v[1] is None else list(v[1])
        if v[0] == "binop" and v[1] == "+":
            left, right = self._tuple_items(v[2], depth + 1), self._tuple_items(v[3], depth + 1)
            return None if left is None or right is None else left + right
        if v[0] == "name":
            target = self.binding(node) if self.binding is not None else None
            if target is None and self.flow is not None:
                versions = self.flow(node)
                if versions and all(op == "=" for op, _, _ in versions):
                    target = versions[0][1]  # the items' positions are what matters here
            return None if target is None else self._tuple_items(target, depth + 1)
        return None

    def _percent_texts(self, template: str, right: Any, depth: int) -> List[str]:
        """``_percent`` with each argument's alternatives (at most MAX_ALTERNATIVES results)."""
        items = self._tuple_items(right, 0)
        if items is None:
            return [self._percent(template, right, depth)]
        combos: List[List[Optional[str]]] = [[]]
        for e in items:
            combos = [c + [a] for c in combos for a in self._argument_texts(e, depth)][:MAX_ALTERNATIVES]
        return [percent_format(template, c) for c in combos]

    def _brace(self, template: str, positional: Tuple[Any, ...], keywords: Dict[str, Any], depth: int) -> str:
        """``template.format(...)`` with the arguments whose text is known."""
        return brace_format(template, [self._argument(a, depth) for a in positional],
                            {k: self._argument(a, depth) for k, a in keywords.items()})

    def _items(self, seq: Any, depth: int) -> Optional[List[Optional[str]]]:
        """The texts of a list/tuple literal's items (or of a name bound to one), None for unknown items."""
        v = self.view(seq)
        if v[0] == "name" and self.listed is not None:
            found = self.listed(seq)
            if found is not None:
                return [None if e is None else self.text(e, depth + 1) for e in found]
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
                return None if base is None else self._brace(base, positional, keywords, depth)
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
        the keys are complete (no ``**splat``, every key known); None when the node is not a dict. A name
        bound to a dict that the code then changes (``kwargs["options"] = ...``, ``kwargs.update(...)``,
        ``del kwargs[k]``) gets those changes."""
        if node is not None and self.steps is not None and self.view(node)[0] in ("name", "attr"):
            built = self.steps(node)
            if built is not None:
                return self._apply_steps(built[0], built[1])
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

    def _apply_steps(self, base: Any, steps: List[Tuple[str, Any]]) -> Optional[Tuple[Dict[str, Any], bool]]:
        """A dict built in steps on ``base``; a base the evaluator cannot see (None: a parameter or
        attribute set elsewhere, or a call such as ``settings.model_dump()``) gives the keys the steps set,
        the others unknown."""
        found = self.dict_items(base) if base is not None else None
        if found is None:
            return self.apply_steps({}, UNSEEN, steps) if steps else None
        return self.apply_steps(found[0], found[1], steps)

    def apply_steps(self, items: Dict[str, Any], complete: bool, steps: List[Tuple[str, Any]]
                    ) -> Tuple[Dict[str, Any], bool]:
        """A dict's entries after the steps that built it (``dict_steps``)."""
        out = dict(items)
        for op, value in steps:
            if op == "[]":
                key_node, value_node = self.view(value)[1]
                key = self.literal(key_node)
                if isinstance(key, str):
                    out[key] = value_node
                else:
                    complete = _partial(complete)
            elif op == "del":
                key = self.literal(value)
                if isinstance(key, str):
                    out.pop(key, None)
                else:
                    complete = _partial(complete)
            else:  # a method call on the dict
                _, func, positional, keywords, starred = self.view(value)
                method = self.view(func)[2]
                if method == "update":
                    for arg in positional:
                        merged = self.dict_items(arg)
                        if merged is None:
                            complete = _partial(complete)
                        else:
                            out.update(merged[0])
                            complete = complete and merged[1]
                    out.update(keywords)
                    complete = complete and not starred
                elif method in ("setdefault", "pop") and positional:
                    key = self.literal(positional[0])
                    if not isinstance(key, str):
                        complete = _partial(complete)
                    elif method == "pop":
                        out.pop(key, None)
                    elif key not in out and len(positional) > 1:
                        out[key] = positional[1]
                elif method == "clear":
                    out = {}
                else:
                    complete = _partial(complete)
        return out, complete
