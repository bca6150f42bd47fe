"""Static evaluation of Python string expressions into SQL text.

What cannot be known statically becomes the identifier ``HOLE`` so that the SQL classifier can
still decide from the static parts (``f"SET search_path TO {schema}"`` is a SET of search_path
whatever ``schema`` is), and stay quiet when the unknown part decides the verdict.
"""

from __future__ import annotations

import ast
from typing import Callable, Optional

import libcst as cst

from pinlint.facts.catalog import CONCAT_FUNCS, PASS_THROUGH_FUNCS, PASS_THROUGH_METHODS
from pinlint.sql.statement import HOLE
from pinlint.sql.templates import brace_format as _brace_format
from pinlint.sql.templates import percent_format as _percent_format

#: Resolves a name to the expression assigned to it (or None). Supplied by the extractor.
NameResolver = Callable[[cst.Name], Optional[cst.BaseExpression]]
#: Resolves what the file alone cannot: an imported constant, a class attribute (``self.LOCK``,
#: ``Q.LOCK``), a call to a function that returns SQL. Returns the text (HOLE for unknown parts) or None.
#: Supplied by the extractor from the project index (pinlint.facts.index).
OtherResolver = Callable[[cst.BaseExpression], Optional[str]]

MAX_DEPTH = 20
MAX_LEN = 1_000_000

def _decode_fstring_text(text: str, prefix: str) -> str:
    text = text.replace("{{", "{").replace("}}", "}")
    if "r" in prefix.lower() or "\\" not in text:
        return text
    try:
        value = ast.literal_eval('"""' + text.replace('"', '\\"') + '"""')
    except (SyntaxError, ValueError):
        return text
    return value if isinstance(value, str) else text


class StringEvaluator:
    """Evaluates expressions to strings; ``resolve`` looks names up in the enclosing scopes."""

    def __init__(self, resolve: Optional[NameResolver] = None, other: Optional[OtherResolver] = None) -> None:
        self.resolve = resolve
        self.other = other

    def value(self, node: cst.BaseExpression, depth: int = 0) -> Optional[str]:
        """The SQL text of ``node`` with HOLE for unknown parts, or None if nothing is known."""
        if depth > MAX_DEPTH:
            return None
        result = self._value(node, depth)
        if result is not None and len(result) > MAX_LEN:
            return result[:MAX_LEN]
        return result

    def _value(self, node: cst.BaseExpression, depth: int) -> Optional[str]:
        if isinstance(node, cst.SimpleString):
            try:
                value = node.evaluated_value
            except Exception:  # malformed escapes: libcst defers to ast.literal_eval
                return None
            return value if isinstance(value, str) else None
        if isinstance(node, cst.ConcatenatedString):
            left = self.value(node.left, depth + 1)
            right = self.value(node.right, depth + 1)
            if left is None or right is None:
                return None
            return left + right
        if isinstance(node, cst.FormattedString):
            prefix = node.prefix
            parts = []
            for part in node.parts:
                if isinstance(part, cst.FormattedStringText):
                    parts.append(_decode_fstring_text(part.value, prefix))
                else:
                    inner = None
                    if part.conversion is None and part.format_spec is None:
                        inner = self.value(part.expression, depth + 1)
                    parts.append(HOLE if inner is None else inner)
            return "".join(parts)
        if isinstance(node, cst.BinaryOperation):
            if isinstance(node.operator, cst.Add):
                left = self.value(node.left, depth + 1)
                right = self.value(node.right, depth + 1)
                if left is None and right is None:
                    return None
                return (HOLE if left is None else left) + (HOLE if right is None else right)
            if isinstance(node.operator, cst.Modulo):
                left = self.value(node.left, depth + 1)
                return None if left is None else _percent_format(left)
            if isinstance(node.operator, cst.Multiply) and isinstance(node.right, cst.Integer):
                # ``"(%s, %s), " * 500``: the repeated text is static (bounded by MAX_LEN)
                left = self.value(node.left, depth + 1)
                count = int(node.right.evaluated_value)
                if left is None or count < 0 or len(left) * count > MAX_LEN:
                    return None
                return left * count
            return None
        if isinstance(node, cst.Name):
            target = self.resolve(node) if self.resolve is not None else None
            if target is not None:
                return self.value(target, depth + 1) if isinstance(target, cst.BaseExpression) else None
            return self.other(node) if self.other is not None else None
        if isinstance(node, cst.Call):
            result = self._call_value(node, depth)
            if result is None and self.other is not None:
                result = self.other(node)
            return result
        if isinstance(node, cst.Attribute) and self.other is not None:
            return self.other(node)
        return None

    def _sequence(self, seq: cst.BaseExpression, depth: int) -> Optional[list]:
        """The items of a list/tuple literal (or a name bound to one), None for unknown items."""
        if isinstance(seq, cst.Name) and self.resolve is not None:
            target = self.resolve(seq)
            seq = target if isinstance(target, cst.BaseExpression) else seq
        if not isinstance(seq, (cst.List, cst.Tuple)):
            return None
        return [self.value(el.value, depth + 1) if isinstance(el, cst.Element) else None for el in seq.elements]

    def _call_value(self, node: cst.Call, depth: int) -> Optional[str]:
        func = node.func
        if isinstance(func, cst.Attribute):
            attr = func.attr.value
            if attr == "format":
                base = self.value(func.value, depth + 1)
                return None if base is None else _brace_format(base)
            if attr in PASS_THROUGH_METHODS and not node.args:
                return self.value(func.value, depth + 1)
            if attr == "join" and len(node.args) == 1:
                sep = self.value(func.value, depth + 1)
                items = self._sequence(node.args[0].value, depth) if sep is not None else None
                if items is not None:
                    return sep.join(HOLE if i is None else i for i in items)
                return None
            name = attr
        elif isinstance(func, cst.Name):
            name = func.value
        else:
            return None
        if name in PASS_THROUGH_FUNCS and node.args and node.args[0].keyword is None:
            return self.value(node.args[0].value, depth + 1)
        if name in CONCAT_FUNCS and node.args and node.args[0].keyword is None:
            items = self._sequence(node.args[0].value, depth)
            return None if items is None else "".join(HOLE if i is None else i for i in items)
        return None
