"""The baseline file: findings a project has accepted for now, so that a check reports only new ones.

``pinlint check --write-baseline FILE`` records the run's findings; ``--baseline FILE`` (or ``baseline``
in ``[tool.pinlint]``) hides the findings recorded there and counts the recorded ones that are gone.

A finding is recorded by its fingerprint, the one SARIF output gives (pinlint.output.formats.fingerprints):
rule code, path, the reported line's text with whitespace normalised, and the occurrence index among
findings with the same three. No line number: moving code up or down, or re-indenting it, keeps the
fingerprint; editing the reported line makes the finding new. Paths are relative to the baseline file's
directory, so the file means the same whatever directory pinlint runs in.

The file is JSON, written atomically, with its entries sorted and its keys in a fixed order (a diff of it
reads as the findings added and removed)::

    {
      "version": 1,
      "findings": [
        {"path": "app/db.py", "code": "PIN101", "line": "conn.execute(\\"SET search_path TO app\\")",
         "fingerprint": "<32 hex digits>"}
      ]
    }

``line`` is for the reader (cut at ``MAX_LINE`` characters); only ``fingerprint`` is matched. PIN000 (a
file pinlint could not analyse) is never recorded: a file that was not checked is no finding to accept.

**The file is untrusted input** (it comes with the checkout): it is read only when it is a regular file of
at most ``MAX_BYTES``, parsed with bounded nesting, and every entry is checked; anything else is a
``BaselineError`` naming the file and what is wrong (the command line exits 2). ``--write-baseline`` never
replaces a file that is not a valid baseline (a mistyped ``pyproject.toml`` stays intact).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, FrozenSet, List, Optional, Sequence, Set, Tuple

from pinlint.model import META_CODE, Diagnostic
from pinlint.output.formats import LineSource, fingerprints, normalised_line, plural, relative_uri

VERSION = 1
#: the largest baseline file read (about 300,000 findings)
MAX_BYTES = 64 << 20
#: characters of the reported line kept in an entry (for the reader)
MAX_LINE = 200
KEYS = ("path", "code", "line", "fingerprint")
_CODE = re.compile(r"PIN[0-9]{3}\Z")
_FINGERPRINT = re.compile(r"[0-9a-f]{32}\Z")


class BaselineError(Exception):
    """A baseline file that cannot be read, is not a valid baseline, or cannot be written."""

    def __init__(self, filename: str, problem: str) -> None:
        super().__init__(f"baseline {filename}: {problem}")


@dataclass(frozen=True)
class Entry:
    path: str
    code: str
    line: str
    fingerprint: str

    def sort_key(self) -> Tuple[str, str, str, str]:
        return (self.path, self.code, self.line, self.fingerprint)


def _root(filename: str) -> Path:
    return Path(os.path.dirname(os.path.abspath(filename)))


def entries_of(diags: Sequence[Diagnostic], lines_of: LineSource, root: Path) -> List[Tuple[Diagnostic, Entry]]:
    """Each diagnostic with its entry (paths relative to ``root``)."""
    out = []
    for d, fp in zip(diags, fingerprints(diags, lines_of, root)):
        line = normalised_line(lines_of, d)
        if len(line) > MAX_LINE:
            line = line[: MAX_LINE - 3] + "..."
        out.append((d, Entry(relative_uri(d.filename, root), d.code, line, fp)))
    return out


# -- reading ------------------------------------------------------------------------------------------

def load(filename: str) -> List[Entry]:
    """The entries of a baseline file; BaselineError when it is missing, unreadable or malformed."""
    from pinlint.pipeline.cache_records import loads_bounded

    try:
        st = os.stat(filename)
    except FileNotFoundError:
        raise BaselineError(filename, "no such file (`pinlint check --write-baseline FILE` writes one)") from None
    except OSError as exc:
        raise BaselineError(filename, f"cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise BaselineError(filename, "not a regular file")
    if st.st_size > MAX_BYTES:
        raise BaselineError(filename, f"larger than {MAX_BYTES >> 20} MiB")
    try:
        with open(filename, "rb") as fh:
            payload = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise BaselineError(filename, f"cannot read: {exc.strerror or exc}") from None
    if len(payload) > MAX_BYTES:
        raise BaselineError(filename, f"larger than {MAX_BYTES >> 20} MiB")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BaselineError(filename, f"not UTF-8 (byte {exc.start})") from None
    try:
        doc = loads_bounded(text)
    except ValueError as exc:
        raise BaselineError(filename, f"not JSON: {exc}") from None
    return _entries(doc, filename)


def _entries(doc: Any, filename: str) -> List[Entry]:
    def bad(where: str, problem: str) -> BaselineError:
        return BaselineError(filename, f"{where}: {problem}")

    if not isinstance(doc, dict):
        raise bad("(file)", "expected a JSON object with 'version' and 'findings'")
    for key in doc:
        if key not in ("version", "findings"):
            raise bad(str(key)[:80], "unknown key")
    version = doc.get("version")
    if type(version) is not int or version != VERSION:
        raise bad("version", f"expected {VERSION}, got {_show(version)}"
                  + (" (written by a newer pinlint?)" if type(version) is int and version > VERSION else ""))
    findings = doc.get("findings")
    if not isinstance(findings, list):
        raise bad("findings", f"expected a list, got {_show(findings)}")
    out: List[Entry] = []
    seen: Set[str] = set()
    for i, item in enumerate(findings):
        where = f"findings[{i}]"
        if not isinstance(item, dict):
            raise bad(where, f"expected an object, got {_show(item)}")
        for key in KEYS:
            if key not in item:
                raise bad(where, f"missing {key!r}")
        for key in item:
            if key not in KEYS:
                raise bad(f"{where}.{str(key)[:80]}", "unknown key")
        values = {}
        for key in KEYS:
            value = item[key]
            if not isinstance(value, str):
                raise bad(f"{where}.{key}", f"expected a string, got {_show(value)}")
            values[key] = value
        if not _CODE.match(values["code"]):
            raise bad(f"{where}.code", f"expected a rule code such as 'PIN101', got {_show(values['code'])}")
        if values["code"] == META_CODE:
            raise bad(f"{where}.code", f"{META_CODE} (a file that could not be analysed) cannot be baselined")
        if not values["path"] or "\0" in values["path"]:
            raise bad(f"{where}.path", f"expected a file path, got {_show(values['path'])}")
        if not _FINGERPRINT.match(values["fingerprint"]):
            raise bad(f"{where}.fingerprint", f"expected 32 lowercase hex digits, got {_show(values['fingerprint'])}")
        if values["fingerprint"] in seen:
            raise bad(f"{where}.fingerprint", "duplicate")
        seen.add(values["fingerprint"])
        out.append(Entry(**values))
    return out


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# -- writing ------------------------------------------------------------------------------------------

def dumps(entries: Sequence[Entry]) -> bytes:
    """The file's bytes: entries sorted, keys in a fixed order, two-space indent, a final newline. UTF-8;
    the lone surrogates of undecodable file names are written as ``\\udcXX`` escapes."""
    doc = {"version": VERSION,
           "findings": [{k: getattr(e, k) for k in KEYS} for e in sorted(entries, key=Entry.sort_key)]}
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    text = re.sub("[\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", text)
    return text.encode("utf-8")


def write(filename: str, entries: Sequence[Entry]) -> None:
    """Replace ``filename`` atomically (its permission bits kept; a new file gets the umask's)."""
    from pinlint.atomic import atomic_write

    directory = os.path.dirname(os.path.abspath(filename))
    if not os.path.isdir(directory):
        raise BaselineError(filename, f"cannot write: no directory {directory}")
    if os.path.isdir(filename):
        raise BaselineError(filename, "cannot write: it is a directory")
    try:
        mode = stat.S_IMODE(os.stat(filename).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    try:
        atomic_write(filename, dumps(entries), mode=mode, prefix=".pinlint-baseline-")
    except OSError as exc:
        raise BaselineError(filename, f"cannot write: {exc.strerror or exc}") from None


# -- a run --------------------------------------------------------------------------------------------

def apply_baseline(diags: Sequence[Diagnostic], lines_of: LineSource, checked: Sequence[str],
                   enabled: FrozenSet[str], read: Optional[str] = None, write_to: Optional[str] = None,
                   ) -> Tuple[List[Diagnostic], List[str]]:
    """The findings to report, and lines for standard error.

    ``write_to``: record the findings in that file, keeping its entries for files this run did not check
    and for rules it did not run (so ``--since`` or a narrower selection updates only its part); the
    recorded findings are then not reported. ``read``: hide the findings recorded there, and count the
    recorded ones of the checked files and enabled rules that this run no longer finds."""
    filename = write_to or read
    if filename is None:
        return list(diags), []
    root = _root(filename)
    pairs = entries_of(diags, lines_of, root)
    checked_paths = {relative_uri(name, root) for name in checked}

    def in_run(e: Entry) -> bool:
        return e.path in checked_paths and e.code in enabled

    notes: List[str] = []
    if write_to is not None:
        previous = load(write_to) if os.path.lexists(write_to) else []
        kept = [e for e in previous if not in_run(e)]
        recorded = [e for d, e in pairs if d.code != META_CODE]
        write(write_to, kept + recorded)
        note = f"pinlint: wrote {plural(len(kept) + len(recorded), 'finding')} to {write_to}"
        if kept:
            note += f" ({len(kept)} of them kept for files or rules this run did not check)"
        notes.append(note + ".")
        baseline = kept + recorded
    else:
        baseline = load(filename)
    known = {e.fingerprint for e in baseline}
    shown = [d for d, e in pairs if d.code == META_CODE or e.fingerprint not in known]
    matched = {e.fingerprint for d, e in pairs if e.fingerprint in known}
    hidden = len(pairs) - len(shown)
    gone = sum(1 for e in baseline if e.fingerprint not in matched and in_run(e))
    if write_to is None and hidden:
        notes.append(f"pinlint: {plural(hidden, 'finding')} in the baseline {filename} not shown.")
    if gone:
        notes.append(f"pinlint: {plural(gone, 'baselined finding')} no longer found: "
                     f"`pinlint check --write-baseline {shlex.quote(filename)}` removes "
                     f"{'it' if gone == 1 else 'them'} from the file.")
    return shown, notes

