"""Write a file atomically: a temporary file in the same directory, then ``os.replace``.

Readers never see a half-written file, and a failed write leaves the old file (or none) in place.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Optional, Union


def atomic_write(path: Union[str, Path], payload: bytes, mode: Optional[int] = None, prefix: str = ".tmp-") -> None:
    """Replace ``path`` with ``payload``; ``mode`` sets the permission bits (e.g. the old file's)."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=prefix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
