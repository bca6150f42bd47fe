"""libcst, loaded on its first use.

The prefilter builds its markers from the checks' declared triggers (``pinlint.checks.registry``) before
any file reaches libcst, and most files never do: so importing a check module must not import libcst
(about 0.15 s). Check modules write ``from pinlint.lazy import cst`` and use ``cst.Name`` as
usual; the first attribute read imports libcst, and every name read is kept as a plain attribute.
"""

from __future__ import annotations

from typing import Any


class LazyLibcst:
    def __getattr__(self, name: str) -> Any:
        import libcst

        value = getattr(libcst, name)
        setattr(self, name, value)  # from now on a plain attribute: __getattr__ is not called again
        return value


cst: Any = LazyLibcst()
