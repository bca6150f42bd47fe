"""Python string templates with unknown arguments: ``"SET x = %s" % v`` and ``"SET {} = 1".format(n)``.

Each replacement field becomes ``HOLE`` (the text is unknown); escaped ``%%``, ``{{`` and ``}}`` become
the character they stand for. No libcst here: the cheap index pass (pinlint/facts/index.py) uses it.
"""

from __future__ import annotations

import re
from typing import Dict, Optional, Sequence

from pinlint.sql.statement import HOLE

# ``%s``, ``%(name)s``, ``%d`` ... in printf-style formatting; ``%%`` is a literal percent.
_PERCENT_RE = re.compile(r"%(?:\((?P<key>[^)]*)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])")
_FORMAT_FIELD_RE = re.compile(r"\{\{|\}\}|\{[^{}]*\}")


def percent_format(template: str, values: Optional[Sequence[Optional[str]]] = None,
                   mapping: Optional[Dict[str, Optional[str]]] = None) -> str:
    """``template % values``: each field gets its value's text when it is known (``values`` in order, or
    ``mapping`` by ``%(name)s``), else HOLE."""
    position = [0]

    def repl(m: "re.Match[str]") -> str:
        if m.group("conv") == "%":
            return "%"
        key = m.group("key")
        if key is not None:
            value = mapping.get(key) if mapping is not None else None
        else:
            i = position[0]
            position[0] += 1
            value = values[i] if values is not None and i < len(values) else None
        return HOLE if value is None else value

    return _PERCENT_RE.sub(repl, template)


def brace_format(template: str, positional: Optional[Sequence[Optional[str]]] = None,
                 keywords: Optional[Dict[str, Optional[str]]] = None) -> str:
    """``template.format(...)``: each plain field (``{}``, ``{0}``, ``{name}``) gets its argument's text
    when it is known, else HOLE (a field with a conversion, a format spec or an attribute is HOLE)."""
    position = [0]

    def repl(m: "re.Match[str]") -> str:
        tok = m.group(0)
        if tok == "{{":
            return "{"
        if tok == "}}":
            return "}"
        field = tok[1:-1]
        value = None
        if field == "":
            i = position[0]
            position[0] += 1
            value = positional[i] if positional is not None and i < len(positional) else None
        elif field.isdigit():
            i = int(field)
            value = positional[i] if positional is not None and i < len(positional) else None
        elif field.isidentifier():
            value = keywords.get(field) if keywords is not None else None
        return HOLE if value is None else value

    return _FORMAT_FIELD_RE.sub(repl, template)
