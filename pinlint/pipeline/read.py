"""Read a source file: bytes from disk, text by its PEP 263 coding cookie (or BOM, or UTF-8)."""

from __future__ import annotations

import os
import re
import stat
import tokenize
from typing import Union


class SourceError(Exception):
    """The file cannot be read or decoded; the message is the one-line reason."""


#: Larger files are not analysed (one diagnostic says so); generated files of this size hold no hand-written SQL.
MAX_FILE_BYTES = 8 * 1024 * 1024


def read_bytes(path: Union[str, os.PathLike]) -> bytes:
    """The file's bytes. Anything but a regular file (a FIFO, a device, a directory) is refused without
    opening it; the file is opened non-blocking and checked again on the open descriptor, so a file swapped
    for a FIFO between the check and the open cannot hang the run."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # never open a device: opening one can have effects
            raise SourceError("not a regular file")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise SourceError(_os_reason(exc)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise SourceError("not a regular file")
        if st.st_size > MAX_FILE_BYTES:
            raise SourceError(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; not analysed")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SourceError(_os_reason(exc)) from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:  # grew while being read
        raise SourceError(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; not analysed")
    return data


def _os_reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).strip() or type(exc).__name__


_BYTE_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)?")


def source_encoding(data: bytes) -> str:
    """The encoding of Python source by its BOM or PEP 263 cookie (raises SyntaxError for a bad one). The
    first two lines are read as CPython reads them: a lone ``\r`` ends a line too."""
    lines = iter(m.group() for m in _BYTE_LINE.finditer(data) if m.group())
    encoding, _ = tokenize.detect_encoding(lambda: next(lines, b""))
    return encoding


def has_bare_cr(text: str) -> bool:
    """Whether a carriage return stands alone somewhere (not before ``\n``): CPython then counts a line
    break where a split on ``\n`` does not."""
    return "\r" in text and text.count("\r") != text.count("\r\n")


def decode(data: bytes) -> str:
    """Decode Python source honouring a coding cookie or a UTF-8 BOM; raise SourceError otherwise."""
    if b"\0" in data:
        raise SourceError("file contains NUL bytes (binary file?)")
    try:
        encoding = source_encoding(data)
    except SyntaxError as exc:
        raise SourceError(f"bad coding cookie: {exc.msg if hasattr(exc, 'msg') else exc}") from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        head = data[: exc.start]
        line = head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1
        raise SourceError(f"cannot decode as {encoding} (line {line}): {exc.reason}") from None
    except LookupError as exc:
        raise SourceError(f"cannot decode as {encoding}: {exc}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text
