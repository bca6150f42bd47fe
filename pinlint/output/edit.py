"""Edit a source file safely: text edits by the line model positions come from, verified, written atomically.

The one editing path of ``--add-noqa`` (pinlint/output/noqa.py) and ``--fix`` (pinlint/output/fix.py): a
caller gives the file's path, the SHA-256 of the bytes it analysed, a list of ``TextEdit`` (start, end,
replacement: 1-based row and column ``Position``, or offsets in the decoded text) and a verification callback
``verify(old_text, new_text)`` that returns None to accept or the reason to refuse (``--add-noqa``: only
comments changed; ``--fix``: the file still parses and is the text whose findings were checked, see
``regressions`` and ``parses``). ``rewrite`` then

- refuses a file that is not a regular file, has other hard links, is read-only (no write permission bit)
  or not writable by this user, or whose bytes are not the ones analysed (changed on disk since), and one
  whose owner and group the replacement could not keep. A symbolic link is refused by default
  (``--add-noqa``); with ``symlinks="write-through"`` (``--fix``) the file it points to is edited and the
  link stays a link, provided that file is a regular file inside ``root`` (the project): a link never
  makes pinlint write outside the tree it checks;
- decodes it as pinlint reads it (PEP 263 cookie, BOM), applies the edits by rows and columns of the
  universal line model (``\\r\\n``, a lone ``\\r`` and ``\\n`` end a line, as in CPython's compiler, libcst and
  every position pinlint reports; ``str.splitlines`` would also break at form feeds and ``\\x1c``), and
  re-encodes it in its own encoding, BOM included; line endings are the file's own, as nothing else moves;
- calls ``verify``, checks again that the file is unchanged, and replaces it atomically
  (pinlint/atomic.py) with its permission bits and owner.

Nothing is written when any step fails: ``EditRefused`` says why.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tokenize
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple, Union

from pinlint.model import Position

#: Line breaks of CPython's compiler and libcst (positions are counted in these lines).
LINE_BREAK = re.compile(r"\r\n|\r|\n")

Verify = Callable[[str, str], Optional[str]]


class EditRefused(Exception):
    """The file was not written; the message is the one-line reason."""


@dataclass(frozen=True)
class TextEdit:
    """Replace the text from ``start`` to ``end`` (exclusive) with ``replacement``. Positions are 1-based
    row and column (in characters), or offsets into the decoded text."""

    start: Union[int, Position]
    end: Union[int, Position]
    replacement: str


def lines(text: str) -> List[str]:
    """The lines of ``text`` with their line breaks, in the universal line model."""
    out: List[str] = []
    at = 0
    for m in LINE_BREAK.finditer(text):
        out.append(text[at: m.end()])
        at = m.end()
    if at < len(text):
        out.append(text[at:])
    return out


def split_eol(line: str) -> Tuple[str, str]:
    """(body, line break) of one line from ``lines``."""
    for eol in ("\r\n", "\n", "\r"):
        if line.endswith(eol):
            return line[: -len(eol)], eol
    return line, ""


def line_starts(text: str) -> List[int]:
    """Offset of the first character of each row (row 1 first); one more for an empty last line."""
    return [0] + [m.end() for m in LINE_BREAK.finditer(text)]


def offset(text: str, starts: Sequence[int], where: Union[int, Position]) -> int:
    """An offset into ``text`` for a position (checked to lie within its line, line break excluded)."""
    if isinstance(where, int):
        if not 0 <= where <= len(text):
            raise EditRefused(f"offset {where} is outside the file")
        return where
    if not 1 <= where.row <= len(starts):
        raise EditRefused(f"row {where.row} is outside the file")
    first = starts[where.row - 1]
    body, _ = split_eol(text[first: starts[where.row] if where.row < len(starts) else len(text)])
    if not 1 <= where.column <= len(body) + 1:
        raise EditRefused(f"column {where.column} is outside row {where.row}")
    return first + where.column - 1


def apply_edits(text: str, edits: Sequence[TextEdit]) -> str:
    """``text`` with ``edits`` applied; they may not overlap (EditRefused)."""
    starts = line_starts(text)
    spans = sorted((offset(text, starts, e.start), offset(text, starts, e.end), e.replacement) for e in edits)
    out: List[str] = []
    at = 0
    for begin, end, replacement in spans:
        if begin < at or end < begin:
            raise EditRefused("overlapping edits")
        out.append(text[at:begin])
        out.append(replacement)
        at = end
    out.append(text[at:])
    return "".join(out)


def token_lines(text: str) -> List[str]:
    """The lines of ``text`` as the stdlib tokenizer should see them: universal lines, each ending in
    ``\\n`` (its readline on a plain string would not end a line at a lone ``\\r``)."""
    return [split_eol(line)[0] + ("\n" if split_eol(line)[1] else "") for line in lines(text)]


def tokens(text: str) -> List[tokenize.TokenInfo]:
    """The stdlib tokenizer's tokens of ``text``, rows in the universal line model."""
    feed = iter(token_lines(text))
    return list(tokenize.generate_tokens(lambda: next(feed, "")))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Source:
    """A file about to be edited: its bytes as read, their encoding and decoded text."""

    path: str
    data: bytes
    encoding: str
    text: str
    st: os.stat_result


def load(path: str, expected_sha256: Optional[str], symlinks: str = "refuse", root: Optional[str] = None) -> Source:
    """Read a file for editing, refusing what ``rewrite`` would refuse (see the module docstring).
    ``symlinks``: ``"refuse"``, or ``"write-through"`` (edit the file a link points to when it lies in
    ``root``; ``Source.path`` is then that file)."""
    from pinlint.pipeline.read import SourceError, decode, read_bytes, source_encoding

    try:
        st = os.lstat(path)
    except OSError as exc:
        raise EditRefused(f"cannot read it: {exc.strerror or exc}") from None
    if stat.S_ISLNK(st.st_mode):
        if symlinks != "write-through":
            raise EditRefused("it is a symbolic link (edit the file it points to)")
        real = os.path.realpath(path)
        inside = root is not None and os.path.commonpath([real, os.path.realpath(root)]) == os.path.realpath(root)
        if not inside:
            raise EditRefused("it is a symbolic link to a file outside the project")
        path = real
        try:
            st = os.lstat(path)
        except OSError as exc:
            raise EditRefused(f"cannot read the file it links to: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise EditRefused("not a regular file")
    if st.st_nlink > 1:
        raise EditRefused("it has other hard links, which a replacement would break")
    if not st.st_mode & 0o222:
        raise EditRefused("it is read-only")
    if not os.access(path, os.W_OK):
        raise EditRefused("it is not writable by this user")
    try:
        data = read_bytes(path)
        text = decode(data)
        encoding = source_encoding(data)
    except (SourceError, SyntaxError) as exc:
        raise EditRefused(f"cannot read it: {exc}") from None
    if expected_sha256 is not None and sha256(data) != expected_sha256:
        raise EditRefused("it changed on disk since it was analysed")
    return Source(path, data, encoding, text, st)


def rewrite(source: Source, edits: Sequence[TextEdit], verify: Verify) -> bytes:
    """Apply ``edits`` to ``source``, verify, and replace the file atomically; return the new bytes."""
    from pinlint.atomic import atomic_write

    new_text = apply_edits(source.text, edits)
    reason = verify(source.text, new_text)
    if reason:
        raise EditRefused(reason)
    try:
        new_data = new_text.encode(source.encoding)  # utf-8-sig writes the BOM back
    except (UnicodeEncodeError, LookupError) as exc:
        raise EditRefused(f"the edit cannot be written in {source.encoding}: {exc}") from None
    if new_data == source.data:
        return new_data
    try:  # unchanged since load(): the same file, the same bytes
        st = os.lstat(source.path)
        with open(source.path, "rb") as fh:
            now = fh.read(len(source.data) + 1)
    except OSError as exc:
        raise EditRefused(f"cannot read it again: {exc.strerror or exc}") from None
    if (st.st_ino, st.st_dev, st.st_mode) != (source.st.st_ino, source.st.st_dev, source.st.st_mode) \
            or now != source.data:
        raise EditRefused("it changed on disk while it was being edited")
    try:
        atomic_write(source.path, new_data, mode=stat.S_IMODE(source.st.st_mode), prefix=".pinlint-",
                     owner=(source.st.st_uid, source.st.st_gid))
    except PermissionError as exc:
        raise EditRefused(f"cannot write it with its owner and permissions: {exc.strerror or exc}") from None
    except OSError as exc:
        raise EditRefused(f"cannot write it: {exc.strerror or exc}") from None
    return new_data


def replace_text(source: Source, new_text: str, verify: Verify) -> bytes:
    """``rewrite`` with the whole text replaced (an autofix computes the fixed text first)."""
    return rewrite(source, [TextEdit(0, len(source.text), new_text)], verify)


def parses(text: str) -> Optional[str]:
    """None when ``text`` parses as Python (as pinlint parses it), else the reason."""
    from pinlint.pipeline.parse import ParseFailure, parse

    try:
        parse(text)
    except ParseFailure as exc:
        return f"the fixed file would not parse ({exc.reason})"
    return None


def regressions(before: Sequence[object], after: Sequence[object], fixed: Sequence[object]) -> Optional[str]:
    """The verification of code edits, on one file's findings (anything with ``code``): every finding in
    ``fixed`` is gone, and no rule has more findings than before. None when that holds, else the reason."""
    from collections import Counter

    old = Counter(d.code for d in before)  # type: ignore[attr-defined]
    new = Counter(d.code for d in after)  # type: ignore[attr-defined]
    gone = Counter(d.code for d in fixed)  # type: ignore[attr-defined]
    for code in sorted(set(old) | set(new)):
        if new[code] > old[code] - gone[code]:
            if gone[code]:
                return f"{code} would still be reported"
            return f"it would add a {code} finding"
    return None
