"""``pinlint check --fix`` / ``--diff``: apply the findings' fixes, verified, in rounds, in memory first.

A round takes every applicable fix (safe ones; unsafe ones too with ``--unsafe-fixes``) that does not
overlap one taken before it (the same edit asked for by two findings is made once), applies them to the
files' texts in memory, and verifies the result before anything is written:

- every edited Python file still parses;
- the files edited and the files of the fixed findings are analysed again (with the project index rebuilt
  from the edited texts when an edited file is in it): the fixed findings are gone and no rule has more
  findings than before (pinlint/output/edit.py: ``regressions``).

A round that fails its verification is retried one fix at a time; a fix that fails alone is skipped and
reported. Rounds repeat (a fix may make another one possible, or two fixes of one call overlap) until no
fix is left, at most ``MAX_ROUNDS`` times; a second ``--fix`` therefore changes nothing. Only then are the
files written, each through pinlint/output/edit.py (atomic, encoding, BOM, line endings, permission bits
and owner kept, refused when the file changed on disk since it was read; a symbolic link is written
through to its file inside the project). ``--diff`` prints the same result as a unified diff and writes
nothing.
"""

from __future__ import annotations

import difflib
import os
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from pinlint.model import Diagnostic, Edit

MAX_ROUNDS = 10
#: findings whose file is not edited by a fix: pinlint cannot analyse it, or it is SQL, not Python
UNFIXABLE_FILES = (".sql",)


@dataclass
class FixOutcome:
    #: absolute path -> (path as named, bytes as read, bytes after the fixes), for every changed file
    changed: Dict[str, Tuple[str, bytes, bytes]] = field(default_factory=dict)
    #: the findings whose fix was applied (as they were reported before it)
    fixed: List[Diagnostic] = field(default_factory=list)
    #: fixes not applied: the finding and why
    skipped: List[Tuple[Diagnostic, str]] = field(default_factory=list)
    #: every finding left after the fixes
    remaining: List[Diagnostic] = field(default_factory=list)
    #: rounds run
    rounds: int = 0


def applicable(d: Diagnostic, unsafe: bool) -> bool:
    return d.fix is not None and (d.fix.applicability == "safe" or unsafe) and bool(d.fix.edits)


class _Files:
    """The run's files as bytes: the disk's (or stdin's), with the edits made so far."""

    def __init__(self, read: Callable[[str], bytes], digests: Optional[Dict[str, str]] = None) -> None:
        self.read_disk = read
        self.original: Dict[str, bytes] = {}
        self.current: Dict[str, bytes] = {}
        self.names: Dict[str, str] = {}
        #: SHA-256 of the bytes the run analysed, by absolute path
        self.digests = {self.key(p): d for p, d in (digests or {}).items()}

    @staticmethod
    def key(path: str) -> str:
        return os.path.abspath(path)

    def data(self, path: str) -> bytes:
        """A file's bytes as the fixes so far left them; the disk's bytes must be the ones analysed."""
        from pinlint.output.edit import EditRefused, sha256

        k = self.key(path)
        if k not in self.current:
            data = self.read_disk(path)
            if k in self.digests and sha256(data) != self.digests[k]:
                raise EditRefused(f"{path} changed on disk since it was analysed")
            self.original[k] = self.current[k] = data
            self.names.setdefault(k, path)
        return self.current[k]

    def reader(self, overrides: Dict[str, bytes]) -> Callable[[str], bytes]:
        def read(path: str) -> bytes:
            k = self.key(path)
            if k in overrides:
                return overrides[k]
            if k in self.current:
                return self.current[k]
            return self.read_disk(path)  # not kept: an index build reads every file once

        return read


def _edits_of(d: Diagnostic) -> List[Tuple[str, Edit]]:
    assert d.fix is not None
    return [(_Files.key(e.filename or d.filename), e) for e in d.fix.edits]


def _conflicts(a: Edit, b: Edit) -> bool:
    if (a.start, a.end, a.content) == (b.start, b.end, b.content):
        return False  # the same edit, asked for by two findings: made once
    return max(a.start, b.start) <= min(a.end, b.end)


def _choose(candidates: Sequence[Diagnostic]) -> List[Diagnostic]:
    """The fixes of a round: in file and position order, each one that overlaps none taken before it."""
    taken: Dict[str, List[Edit]] = defaultdict(list)
    chosen = []
    for d in candidates:
        edits = _edits_of(d)
        if any(_conflicts(e, t) for path, e in edits for t in taken[path]):
            continue
        for path, e in edits:
            taken[path].append(e)
        chosen.append(d)
    return chosen


def _apply(files: _Files, fixes: Sequence[Diagnostic]) -> Dict[str, bytes]:
    """The new bytes of every file the fixes edit (EditRefused when a file cannot take its edits)."""
    from pinlint.output.edit import EditRefused, TextEdit, apply_edits
    from pinlint.pipeline.read import SourceError, decode, source_encoding

    per_file: Dict[str, Dict[Tuple, Edit]] = defaultdict(dict)
    for d in fixes:
        for path, e in _edits_of(d):
            per_file[path][(e.start, e.end, e.content)] = e
            files.names.setdefault(path, e.filename or d.filename)
    out: Dict[str, bytes] = {}
    for path, edits in per_file.items():
        data = files.data(files.names.get(path, path))
        try:
            text = decode(data)
            encoding = source_encoding(data)
        except (SourceError, SyntaxError) as exc:
            raise EditRefused(f"cannot read {path}: {exc}") from None
        new = apply_edits(text, [TextEdit(e.start, e.end, e.content) for e in edits.values()])
        try:
            out[path] = new.encode(encoding)  # utf-8-sig writes the BOM back
        except (UnicodeEncodeError, LookupError) as exc:
            raise EditRefused(f"the fix cannot be written in {encoding}: {exc}") from None
    return out


class Engine:
    """The fix rounds over one run's files (``paths``: every file of the run, for the project index)."""

    def __init__(self, paths: Sequence[str], options, read: Optional[Callable[[str], bytes]] = None,
                 index_files: bool = True, digests: Optional[Dict[str, str]] = None) -> None:
        if read is None:
            from pinlint.pipeline.read import read_bytes as read
        self.paths = list(paths)
        self.files = _Files(read, digests)
        if options.index is None and index_files:
            # the index the run used (pinlint/pipeline/schedule.py builds it the same way)
            from pinlint.pipeline.indexing import build_index

            options = replace(options, index=build_index(self.paths, options.root, options.sql_functions))
        self.options = replace(options, cache_dir=None, fixes=True)
        self.index_files = index_files

    # analysis of edited texts ---------------------------------------------------------------------
    def _index(self, overrides: Dict[str, bytes]):
        """The project index for these texts: rebuilt when an edited file is (or becomes) indexed."""
        index = self.options.index
        if index is None or not self.index_files:
            return index
        from pinlint.facts.index.summarise import module_name
        from pinlint.pipeline.indexing import build_index, wants_index

        touched = [k for k in overrides if index.module_of(k) is not None or index.module_of(self.files.names[k])
                   is not None or wants_index(k, overrides[k], module_name(self.files.names[k], self.options.root))]
        if not touched:
            return index
        return build_index(self.paths, self.options.root, self.options.sql_functions,
                           read=self.files.reader(overrides))

    def analyse(self, names: Sequence[str], overrides: Dict[str, bytes]) -> Dict[str, List[Diagnostic]]:
        """The findings of these files with the edited texts (fixes computed, no cache)."""
        from pinlint.output.fix_edits import overlay
        from pinlint.pipeline.run import check_source

        options = replace(self.options, index=self._index(overrides))
        read = self.files.reader(overrides)
        out: Dict[str, List[Diagnostic]] = {}
        with overlay({**{k: v for k, v in self.files.current.items()}, **overrides}):
            for name in names:
                out[_Files.key(name)] = check_source(name, read(name), options)
        return out

    def _verify(self, state: Dict[str, List[Diagnostic]], fixes: Sequence[Diagnostic], new: Dict[str, bytes]
                ) -> Tuple[Optional[str], Dict[str, List[Diagnostic]]]:
        """(None, the findings after) when the fixes verify, else (the reason, {})."""
        from pinlint.output.edit import parses, regressions
        from pinlint.pipeline.read import SourceError, decode

        for path, data in new.items():
            if not path.endswith(".py") and not path.endswith(".pyi"):
                continue
            try:
                reason = parses(decode(data))
            except (SourceError, SyntaxError) as exc:
                reason = str(exc)
            if reason:
                return f"{reason}: {self.files.names.get(path, path)}", {}
        names = {self.files.names.get(k, k) for k in new} | {d.filename for d in fixes}
        keys = {_Files.key(n) for n in names}
        overrides = {**{k: v for k, v in self.files.current.items() if self.files.original.get(k) != v}, **new}
        after = self.analyse(sorted(names), overrides)
        fixed_by_file: Dict[str, List[Diagnostic]] = defaultdict(list)
        for d in fixes:
            fixed_by_file[_Files.key(d.filename)].append(d)
        for k in keys:
            reason = regressions(state.get(k, []), after.get(k, []), fixed_by_file.get(k, []))
            if reason:
                return f"{reason} in {self.files.names.get(k, k)}", {}
        return None, after

    # the rounds -------------------------------------------------------------------------------------
    def _attempt(self, state, batch: Sequence[Diagnostic]) -> Optional[str]:
        """Apply and verify a batch of fixes; commit it and return None, or return why not."""
        from pinlint.output.edit import EditRefused

        try:
            new = _apply(self.files, batch)
        except (EditRefused, OSError) as exc:
            return str(exc)
        except Exception as exc:  # pragma: no cover - SourceError and the like: the fix is skipped, not the run
            return f"cannot apply it: {exc}"
        reason, after = self._verify(state, batch, new)
        if reason is None:
            self.files.current.update(new)
            state.update(after)
        return reason

    def run(self, diags: Sequence[Diagnostic], unsafe: bool) -> FixOutcome:
        outcome = FixOutcome()
        state: Dict[str, List[Diagnostic]] = {}
        for d in diags:
            state.setdefault(_Files.key(d.filename), []).append(d)
            self.files.names.setdefault(_Files.key(d.filename), d.filename)
        refused: set = set()

        def ident(d: Diagnostic) -> Tuple:
            return (_Files.key(d.filename), d.code, d.message, d.fix.title if d.fix else "")

        for _ in range(MAX_ROUNDS):
            candidates = sorted((d for ds in state.values() for d in ds if applicable(d, unsafe)
                                 and ident(d) not in refused and self._editable(d)), key=Diagnostic.sort_key)
            if not candidates:
                break
            outcome.rounds += 1
            chosen = _choose(candidates)
            reason = self._attempt(state, chosen)
            if reason is None:
                outcome.fixed.extend(chosen)
                continue
            # one at a time: the first that verifies is kept (the others' positions may have moved: next round)
            for d in chosen:
                reason = reason if len(chosen) == 1 else self._attempt(state, [d])
                if reason is None:
                    outcome.fixed.append(d)
                    break
                refused.add(ident(d))
                outcome.skipped.append((d, reason))
        # the findings left: every file that had findings or changed, analysed once more with the final texts
        changed = {k: v for k, v in self.files.current.items() if self.files.original.get(k) != v}
        for k, data in changed.items():
            outcome.changed[k] = (self.files.names.get(k, k), self.files.original[k], data)
        if changed:
            names = sorted({self.files.names.get(k, k) for k in state} | {v[0] for v in outcome.changed.values()})
            state.update(self.analyse(names, changed))
        outcome.remaining = sorted((d for ds in state.values() for d in ds), key=Diagnostic.sort_key)
        return outcome

    def _editable(self, d: Diagnostic) -> bool:
        return all(not path.endswith(UNFIXABLE_FILES) for path, _ in _edits_of(d))


def diff(outcome: FixOutcome) -> str:
    """The changes as a unified diff (``a/path``, ``b/path``), file by file in path order."""
    from pinlint.pipeline.read import decode

    out: List[str] = []
    for k in sorted(outcome.changed, key=lambda k: outcome.changed[k][0]):
        name, old, new = outcome.changed[k]
        a, b = decode(old), decode(new)
        out.extend(difflib.unified_diff(a.splitlines(keepends=True), b.splitlines(keepends=True),
                                        fromfile=f"a/{name}", tofile=f"b/{name}"))
        if out and not out[-1].endswith(("\n", "\r")):
            out[-1] += "\n\\ No newline at end of file\n"
    return "".join(out)


def write(outcome: FixOutcome, digests: Dict[str, str], root: str) -> List[Tuple[str, str]]:
    """Write the changed files (pinlint/output/edit.py); (path, reason) for each file not written.
    ``digests``: SHA-256 of the files' bytes taken before the analysis (a file that changed since is not
    written); a file the fixes edit outside the run's files (a constant in an imported module) is checked
    against the bytes the fixes were made on."""
    from pinlint.output.edit import EditRefused, load, parses, replace_text, sha256
    from pinlint.pipeline.read import decode

    failed = []
    for k in sorted(outcome.changed, key=lambda k: outcome.changed[k][0]):
        name, old, new = outcome.changed[k]
        expected = digests.get(name) or digests.get(k)
        if expected is not None and sha256(old) != expected:
            failed.append((name, "it changed on disk since it was analysed"))
            continue
        fixed_text = decode(new)

        def verify(before: str, after: str, fixed_text: str = fixed_text, name: str = name) -> Optional[str]:
            if after != fixed_text:  # pragma: no cover - replace_text hands the text through
                return "the text to write is not the one verified"
            return parses(after) if name.endswith((".py", ".pyi")) else None

        try:
            source = load(name, sha256(old), symlinks="write-through", root=root)
            replace_text(source, fixed_text, verify)
        except EditRefused as exc:
            failed.append((name, str(exc)))
    return failed
