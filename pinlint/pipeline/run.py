"""The pipeline for one file.

read -> prefilter -> decode -> parse once (libcst, focused) -> extract facts -> classify SQL and evaluate
rules -> locate (positions, only for files with findings) -> noqa -> diagnostics. A file that cannot be
read or parsed is one PIN000 diagnostic; nothing here raises for bad input.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Tuple

from pinlint.model import META_CODE, Diagnostic, Position
from pinlint.pipeline.budget import BudgetExceeded, checkpoint, time_budget
from pinlint.pipeline.options import RunOptions
from pinlint.pipeline.read import SourceError, decode, read_bytes
from pinlint.pipeline.timings import count, phase
from pinlint.specs import RuleSpec, load_specs
from pinlint.targets import TargetSet

if TYPE_CHECKING:  # pragma: no cover
    from pinlint.pipeline.skeleton import Skeleton



def _spec(code: str) -> RuleSpec:
    for spec in load_specs():
        if spec.code == code:
            return spec
    raise KeyError(code)


def meta_diagnostic(filename: str, reason: str, row: int = 1, column: int = 1) -> Diagnostic:
    spec = _spec(META_CODE)
    return Diagnostic(
        code=spec.code, name=spec.name, message=f"{spec.message.rstrip('.')}: {reason}", help=spec.help,
        severity="error", filename=filename, start=Position(row, column), end=Position(row, column),
        targets=(), url=spec.url,
    )


def _ignored_codes(filename: str, options: RunOptions) -> Tuple[str, ...]:
    if not options.per_file_ignores:
        return ()
    try:
        rel = Path(os.path.abspath(filename)).relative_to(options.root).as_posix()
    except ValueError:
        rel = Path(filename).as_posix()
    codes: List[str] = []
    for pattern, prefixes in options.per_file_ignores:
        if fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(Path(rel).name, pattern):
            codes.extend(prefixes)
    return tuple(codes)


def check_source(filename: str, data: bytes, options: RunOptions, counted: bool = False,
                 skeleton: Optional["Skeleton"] = None, shaped: bool = False) -> List[Diagnostic]:
    """Check one file's bytes. Never raises for bad input: unreadable input is a PIN000 diagnostic, and so
    is a file over the per-file time budget or memory bound (pinlint/pipeline/budget.py). ``counted``:
    the survey of a parallel run has counted its passing stage 1 already; ``skeleton``: the skeleton of
    CPython's tree of ``data``, when the survey built it; ``shaped``: the survey found that both stages
    of the prefilter pass on ``data`` (they are not run again)."""
    try:
        with time_budget(options.time_budget):
            return _check_source(filename, data, options, counted, skeleton, shaped)
    except BudgetExceeded as exc:
        return [meta_diagnostic(filename, str(exc))] if META_CODE in options.enabled else []


def _check_source(filename: str, data: bytes, options: RunOptions, counted: bool = False,
                  skeleton: Optional["Skeleton"] = None, shaped: bool = False) -> List[Diagnostic]:
    enabled = options.enabled
    ignored = _ignored_codes(filename, options)
    if ignored:
        enabled = frozenset(c for c in enabled if not any(p == "ALL" or c.startswith(p) for p in ignored))
    if not enabled - {META_CODE}:
        return []
    if filename.endswith(".sql"):
        from pinlint.pipeline.sqlfile import check_sql_file

        return check_sql_file(filename, data, options, enabled)
    # the survey of a parallel run found both stages of the prefilter passing on these bytes: not again
    known = shaped and options.use_prefilter
    if not known:
        from pinlint.pipeline.prefilter import families_hit, may_matter, narrow  # not needed when every result is cached

        with phase("prefilter"):
            lowered = data.lower()
            skip = options.use_prefilter and not may_matter(data, lowered) and not _reaches(data, options)
        if not skip and not counted:
            count("stage 1 (bytes) passed")
        if skip:
            # unused-noqa (PIN010) must see `# noqa: PIN...` comments even in files without SQL
            from pinlint.output.noqa import UNUSED_NOQA, may_have_code_noqa

            if UNUSED_NOQA not in enabled or not may_have_code_noqa(data):
                return []
    try:
        text = decode(data)
    except SourceError as exc:
        return [meta_diagnostic(filename, str(exc))] if META_CODE in enabled else []
    if not known:
        with phase("prefilter"):
            skip = options.use_prefilter and not narrow(text, families_hit(data, lowered), lowered) \
                and not _noqa_to_check(text, enabled) and not _reaches(data, options)
        if skip:
            return []
    count("stage 2 (shape) passed")
    checkpoint()
    try:
        return analyse_text(filename, text, options, enabled, skeleton)
    finally:
        _collect()


def _reaches(data: bytes, options: RunOptions) -> bool:
    """SQL the file's bytes do not show: a name the project index knows, a loaded .sql file, a huge literal."""
    from pinlint.pipeline.markers import may_reach

    return may_reach(data, options.index)


def _noqa_to_check(text: str, enabled: FrozenSet[str]) -> bool:
    """A file that cannot have findings still needs analysis when it has ``# noqa: PIN...`` comments that
    the unused-noqa rule must report."""
    from pinlint.output.noqa import UNUSED_NOQA, may_have_code_noqa

    return UNUSED_NOQA in enabled and may_have_code_noqa(text)


def analyse_text(filename: str, text: str, options: RunOptions, enabled: FrozenSet[str],
                 skeleton: Optional["Skeleton"] = None) -> List[Diagnostic]:
    from functools import partial

    from pinlint.pipeline.focus import focus as focus_on
    from pinlint.pipeline.parse import ParseFailure, parse
    from pinlint.pipeline.indexing import index_for

    index = index_for(filename, text, options)
    checkpoint()
    # with the prefilter, libcst sees only what can matter (given CPython's tree of the file)
    focus = partial(focus_on, text, index=index) if options.use_prefilter else None

    starts: List[int] = []  # where each top-level statement begins (positions: pinlint.output.locate)
    try:
        count("parsed with libcst")
        with phase("parse"):
            module = parse(text, focus, options.memory_bound, starts, skeleton)
    except ParseFailure as exc:
        if META_CODE not in enabled:
            return []
        return [meta_diagnostic(filename, exc.reason, exc.row, exc.column)]

    from pinlint.facts.extract import extract

    checkpoint()
    try:
        with phase("extract"):
            facts = extract(module, index, filename)
    except RecursionError:
        return _too_deep(filename, enabled)
    try:
        return _diagnostics(filename, text, options, enabled, module, facts, starts)
    finally:
        facts.release()  # the tree is freed now, not by the garbage collector's scan


def _too_deep(filename: str, enabled: FrozenSet[str] = frozenset({META_CODE})) -> List[Diagnostic]:
    """PIN000 for a tree too deep for the analysis's recursion (when PIN000 is enabled)."""
    return [meta_diagnostic(filename, "expressions nested too deeply to analyse")] if META_CODE in enabled else []


def _diagnostics(filename: str, text: str, options: RunOptions, enabled: FrozenSet[str], module,
                 facts, starts: List[int]) -> List[Diagnostic]:
    """The rules' findings on a file's facts, located, less those its ``# noqa`` comments suppress."""
    from pinlint.evaluate import evaluate_modules, evaluate_sql

    try:
        checkpoint()
        with phase("rules"):
            specs: Dict[str, RuleSpec] = {s.name: s for s in load_specs() if s.code in enabled}
            findings = evaluate_sql(facts, specs, options.targets) + evaluate_modules(facts, specs, options.targets)
    except RecursionError:
        return _too_deep(filename, enabled)
    from pinlint.output.noqa import UNUSED_NOQA, may_have_code_noqa, parse_noqa, unused_noqa

    check_noqa = UNUSED_NOQA in enabled and may_have_code_noqa(text)
    if not findings and not check_noqa:
        return []

    from pinlint.output.locate import Locator, literal_pieces, piece_at

    checkpoint()
    with phase("locate"):
        noqa = parse_noqa(text)
        if noqa.file_level:
            return []
        # SQL written as one literal with escapes or as several literals side by side: the finding points
        # at the literal, line and column its statement is written at, as for a plain literal
        pieces = {id(f): literal_pieces(f.node) for f in findings if f.literal is None and f.span is not None}
        wanted = [n for f in findings for n in (f.node, f.call, f.literal)]
        wanted += [p for ps in pieces.values() if ps for p, _ in ps]
        locator = Locator(module, wanted, starts) if findings else None
    out: List[Diagnostic] = []
    fixable = []
    for f in findings:
        if f.literal is not None and f.span is not None:
            start = locator.in_literal(f.literal, f.span[0])
            end = locator.in_literal(f.literal, f.span[1])
        elif pieces.get(id(f)):
            ps = pieces[id(f)]
            start = locator.in_literal(*piece_at(ps, f.span[0]))
            end = locator.in_literal(*piece_at(ps, f.span[1], end=True))
        else:
            start, end = locator.range(f.node)
        rows = {start.row, *locator.rows(f.node), *locator.rows(f.call)}
        if noqa.suppress(rows, f.spec.code):
            continue
        out.append(
            Diagnostic(
                code=f.spec.code, name=f.spec.name, message=f.message, help=f.help, severity=f.severity,
                filename=filename, start=start, end=end, targets=f.targets, url=f.spec.url,
                effects=f.effects, noqa_rows=tuple(sorted(rows)),
            )
        )
        if f.fix is not None:
            fixable.append((f, out[-1]))
    if fixable and options.fixes:  # only when asked: the edits of the fixes (pinlint/output/fix_edits.py)
        from pinlint.output.fix_edits import attach_fixes

        with phase("locate"):
            out = attach_fixes(out, fixable, facts, text, filename, options)
    if check_noqa:
        if set(options.targets.names) != set(TargetSet().names):
            # a code that suppresses a finding under a target this run does not select is not unused: a CI
            # job per target must not make opposite demands of the same comment
            with phase("rules"):
                wider = replace(options.targets, names=TargetSet().names)
                more = evaluate_sql(facts, specs, wider) + evaluate_modules(facts, specs, wider)
            with phase("locate"):
                located = Locator(module, [n for f in more for n in (f.node, f.call)], starts) if more else None
                for f in more:
                    start, _ = located.range(f.node)
                    noqa.suppress({start.row, *located.rows(f.node), *located.rows(f.call)}, f.spec.code)
        out.extend(unused_noqa(noqa, filename, enabled, text))
    return sorted(set(out), key=Diagnostic.sort_key)


def check_path(path: str, options: RunOptions, surveyed: bool = False, counted: bool = False,
               skeleton: Optional["Skeleton"] = None, shaped: bool = False) -> List[Diagnostic]:
    """One file's diagnostics. ``surveyed``: pass 1 of a parallel run has counted it already;
    ``counted``: and its passing stage 1 too; ``skeleton``: what the survey built of its tree, and
    ``shaped``: whether its stage 2 passed there (both used only if the file's bytes are the ones the
    skeleton was built from)."""
    if not surveyed:
        count("files")
    try:
        with phase("read"):
            data = read_bytes(path)
    except SourceError as exc:
        return [meta_diagnostic(path, str(exc))] if META_CODE in options.enabled else []
    if skeleton is not None:
        from pinlint.pipeline.skeleton import digest

        if skeleton.digest != digest(data):  # the file changed since the survey
            skeleton = None
    shaped = shaped and skeleton is not None
    try:
        if options.cache_dir is not None:
            from pinlint.pipeline.cache import check_cached

            from functools import partial

            return check_cached(path, data, options, partial(check_source, counted=counted, skeleton=skeleton,
                                                             shaped=shaped))
        return check_source(path, data, options, counted, skeleton, shaped)
    except RecursionError:
        return _too_deep(path)
    except Exception as exc:  # an internal error on one file must not stop the run
        return [internal_error(path, exc)]


def internal_error(path: str, exc: BaseException) -> Diagnostic:
    """PIN000 for an exception pinlint did not expect (one line; never cached: TRANSIENT_REASONS)."""
    text = (str(exc).splitlines() or [""])[0][:200]
    return meta_diagnostic(path, f"internal error ({type(exc).__name__}: {text}); please report it")


#: Cyclic garbage collection for a command-line run (``tune_gc``): the parsers allocate millions of
#: short-lived objects, and with the default thresholds (700) the collector keeps rescanning the live
#: syntax trees (a third of the index build's time on Django). Instead: high thresholds, and one
#: collection when a file's analysis is done (its trees are cyclic garbage then), over only what was
#: created since the previous one: what survives a collection (modules imported on the way, the
#: project index, caches) is frozen (``gc.freeze``) and never scanned again.
GC_THRESHOLD = (100_000, 50, 100)
_COLLECT_PER_FILE = False


def tune_gc() -> None:
    global _COLLECT_PER_FILE
    import gc

    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    _COLLECT_PER_FILE = True


def _collect() -> None:
    if _COLLECT_PER_FILE:
        import gc

        gc.collect()
        gc.freeze()



def collecting_per_file() -> bool:
    """Whether ``tune_gc`` is in force (workers then freeze what their imports created)."""
    return _COLLECT_PER_FILE
