"""Write a file atomically: a temporary file in the same directory, then ``os.replace``.

Readers never see a half-written file, and a failed write leaves the old file (or none) in place.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Optional, Tuple, Union


def atomic_write(path: Union[str, Path], payload: bytes, mode: Optional[int] = None, prefix: str = ".tmp-",
                 owner: Optional[Tuple[int, int]] = None) -> None:
    """Replace ``path`` with ``payload``; ``mode`` sets the permission bits (e.g. the old file's), ``owner``
    the (uid, gid) (e.g. the old file's: PermissionError when this user cannot give the file that owner)."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=prefix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        if owner is not None:
            st = os.stat(tmp)
            if (st.st_uid, st.st_gid) != owner:
                os.chown(tmp, owner[0] if st.st_uid != owner[0] else -1, owner[1] if st.st_gid != owner[1] else -1)
        if mode is not None:
            os.chmod(tmp, mode)  # after chown, which may clear set-id bits
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
