"""Read a source file: bytes from disk, text by its PEP 263 coding cookie (or BOM, or UTF-8)."""

from __future__ import annotations

import io
import os
import stat
import tokenize
from typing import Union


class SourceError(Exception):
    """The file cannot be read or decoded; the message is the one-line reason."""


#: Larger files are not analysed (one diagnostic says so); generated files of this size hold no hand-written SQL.
MAX_FILE_BYTES = 8 * 1024 * 1024


def read_bytes(path: Union[str, os.PathLike]) -> bytes:
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise SourceError("not a regular file")
        if st.st_size > MAX_FILE_BYTES:
            raise SourceError(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; not analysed")
        with open(path, "rb") as fh:
            return fh.read(MAX_FILE_BYTES + 1)
    except SourceError:
        raise
    except OSError as exc:
        raise SourceError(exc.strerror or str(exc)) from None


def decode(data: bytes) -> str:
    """Decode Python source honouring a coding cookie or a UTF-8 BOM; raise SourceError otherwise."""
    if b"\0" in data:
        raise SourceError("file contains NUL bytes (binary file?)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise SourceError(f"bad coding cookie: {exc.msg if hasattr(exc, 'msg') else exc}") from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise SourceError(f"cannot decode as {encoding}: {exc.reason if hasattr(exc, 'reason') else exc}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text
