"""Two views of Python expressions, one vocabulary: the static evaluator (pinlint.facts.values) reads
libcst nodes (per-file analysis) and stdlib ``ast`` nodes (the project index) through these adapters, so
that it is written once.

``view(node)`` returns a tuple whose first item is the kind:

- ``("str", value)``: a string literal (``value`` None for bytes or an escape that does not evaluate)
- ``("concat", parts)``: implicit concatenation ``"a" "b"`` (libcst only; ast merges it)
- ``("fstr", parts)``: an f-string; each part is a ``str`` or ``(expression, plain)``, ``plain`` False
  when the field has a conversion or a format spec
- ``("binop", op, left, right)``: ``op`` one of ``+ % *`` (others are ``other``)
- ``("name", identifier)``, ``("attr", value, attribute)``, ``("const", True | False | None)``
- ``("call", func, positional, keywords, starred)``: ``positional`` the arguments before any ``*args``,
  ``keywords`` name -> value, ``starred`` whether ``*``/``**`` arguments occur
- ``("list" | "tuple", elements)``: ``elements`` None when an element is starred
- ``("dict", pairs, complete)``: ``(key, value)`` pairs; ``complete`` False when ``**other`` occurs
- ``("num", value)``, ``("neg", operand)``, ``("ifexp", body, orelse)``, ``("await", value)``
- ``("other",)``: anything else
"""

from __future__ import annotations

import ast
from typing import Any, Optional, Tuple

from pinlint.lazy import cst  # the project index reads ast nodes only: libcst is loaded on first use

View = Tuple[Any, ...]
OTHER: View = ("other",)


def _decode_fstring_text(text: str, prefix: str) -> str:
    text = text.replace("{{", "{").replace("}}", "}")
    if "r" in prefix.lower() or "\\" not in text:
        return text
    try:
        value = ast.literal_eval('"""' + text.replace('"', '\\"') + '"""')
    except (SyntaxError, ValueError):
        return text
    return value if isinstance(value, str) else text


class CstSyntax:
    """libcst expressions."""

    @staticmethod
    def view(node: Any) -> View:
        if isinstance(node, cst.SimpleString):
            try:
                value = node.evaluated_value
            except Exception:  # malformed escapes: libcst defers to ast.literal_eval
                return ("str", None)
            return ("str", value if isinstance(value, str) else None)
        if isinstance(node, cst.ConcatenatedString):
            return ("concat", (node.left, node.right))
        if isinstance(node, cst.FormattedString):
            parts = []
            for part in node.parts:
                if isinstance(part, cst.FormattedStringText):
                    parts.append(_decode_fstring_text(part.value, node.prefix))
                else:
                    parts.append((part.expression, part.conversion is None and part.format_spec is None))
            return ("fstr", tuple(parts))
        if isinstance(node, cst.Name):
            if node.value in ("True", "False", "None"):
                return ("const", {"True": True, "False": False, "None": None}[node.value])
            return ("name", node.value)
        if isinstance(node, cst.Attribute):
            return ("attr", node.value, node.attr.value)
        if isinstance(node, cst.Call):
            positional = []
            keywords = {}
            starred = False
            for arg in node.args:
                if arg.star:
                    starred = True
                elif arg.keyword is not None:
                    keywords[arg.keyword.value] = arg.value
                elif not starred:
                    positional.append(arg.value)
            return ("call", node.func, tuple(positional), keywords, starred)
        if isinstance(node, cst.BinaryOperation):
            op = node.operator
            sym = "+" if isinstance(op, cst.Add) else "%" if isinstance(op, cst.Modulo) else \
                "*" if isinstance(op, cst.Multiply) else None
            return ("binop", sym, node.left, node.right) if sym else OTHER
        if isinstance(node, (cst.List, cst.Tuple)):
            items = []
            for el in node.elements:
                if not isinstance(el, cst.Element):
                    return ("list" if isinstance(node, cst.List) else "tuple", None)
                items.append(el.value)
            return ("list" if isinstance(node, cst.List) else "tuple", tuple(items))
        if isinstance(node, cst.Dict):
            pairs = []
            complete = True
            for el in node.elements:
                if isinstance(el, cst.DictElement):
                    pairs.append((el.key, el.value))
                else:
                    complete = False
            return ("dict", tuple(pairs), complete)
        if isinstance(node, cst.Integer):
            return ("num", int(node.evaluated_value))
        if isinstance(node, cst.Float):
            return ("num", float(node.evaluated_value))
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
            return ("neg", node.expression)
        if isinstance(node, cst.IfExp):
            return ("ifexp", node.body, node.orelse)
        if isinstance(node, cst.Await):
            return ("await", node.expression)
        return OTHER

    @staticmethod
    def dotted(node: Any) -> Optional[str]:
        parts = []
        while isinstance(node, cst.Attribute):
            parts.append(node.attr.value)
            node = node.value
        if isinstance(node, cst.Name):
            parts.append(node.value)
            return ".".join(reversed(parts))
        return None


class AstSyntax:
    """stdlib ``ast`` expressions."""

    @staticmethod
    def view(node: Any) -> View:
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, str):
                return ("str", value)
            if isinstance(value, bool) or value is None:
                return ("const", value)
            if isinstance(value, (int, float)):
                return ("num", value)
            return ("str", None) if isinstance(value, bytes) else OTHER
        if isinstance(node, ast.JoinedStr):
            parts = []
            for v in node.values:
                if isinstance(v, ast.Constant) and isinstance(v.value, str):
                    parts.append(v.value)
                elif isinstance(v, ast.FormattedValue):
                    parts.append((v.value, v.conversion == -1 and v.format_spec is None))
            return ("fstr", tuple(parts))
        if isinstance(node, ast.Name):
            return ("name", node.id)
        if isinstance(node, ast.Attribute):
            return ("attr", node.value, node.attr)
        if isinstance(node, ast.Call):
            positional = []
            starred = False
            for a in node.args:
                if isinstance(a, ast.Starred):
                    starred = True
                elif not starred:
                    positional.append(a)
            keywords = {}
            for kw in node.keywords:
                if kw.arg is None:
                    starred = True
                else:
                    keywords[kw.arg] = kw.value
            return ("call", node.func, tuple(positional), keywords, starred)
        if isinstance(node, ast.BinOp):
            sym = "+" if isinstance(node.op, ast.Add) else "%" if isinstance(node.op, ast.Mod) else \
                "*" if isinstance(node.op, ast.Mult) else None
            return ("binop", sym, node.left, node.right) if sym else OTHER
        if isinstance(node, (ast.List, ast.Tuple)):
            kind = "list" if isinstance(node, ast.List) else "tuple"
            if any(isinstance(e, ast.Starred) for e in node.elts):
                return (kind, None)
            return (kind, tuple(node.elts))
        if isinstance(node, ast.Dict):
            pairs = tuple((k, v) for k, v in zip(node.keys, node.values) if k is not None)
            return ("dict", pairs, len(pairs) == len(node.keys))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return ("neg", node.operand)
        if isinstance(node, ast.IfExp):
            return ("ifexp", node.body, node.orelse)
        if isinstance(node, ast.Await):
            return ("await", node.value)
        return OTHER

    @staticmethod
    def dotted(node: Any) -> Optional[str]:
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name):
            parts.append(node.id)
            return ".".join(reversed(parts))
        return None
