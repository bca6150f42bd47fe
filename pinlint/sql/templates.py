"""Python string templates with unknown arguments: ``"SET x = %s" % v`` and ``"SET {} = 1".format(n)``.

Each replacement field becomes ``HOLE`` (the text is unknown); escaped ``%%``, ``{{`` and ``}}`` become
the character they stand for. No libcst here: the cheap index pass (pinlint/facts/index.py) uses it.
"""

from __future__ import annotations

import re

from pinlint.sql.statement import HOLE

# ``%s``, ``%(name)s``, ``%d`` ... in printf-style formatting; ``%%`` is a literal percent.
_PERCENT_RE = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])")
_FORMAT_FIELD_RE = re.compile(r"\{\{|\}\}|\{[^{}]*\}")


def percent_format(template: str) -> str:
    def repl(m: "re.Match[str]") -> str:
        return "%" if m.group(1) == "%" else HOLE

    return _PERCENT_RE.sub(repl, template)


def brace_format(template: str) -> str:
    def repl(m: "re.Match[str]") -> str:
        tok = m.group(0)
        if tok == "{{":
            return "{"
        if tok == "}}":
            return "}"
        return HOLE

    return _FORMAT_FIELD_RE.sub(repl, template)
