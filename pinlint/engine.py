"""The pipeline for one file, and the parallel map over many.

discover -> read -> prefilter -> decode -> parse once (libcst) -> extract facts -> classify SQL and
evaluate rules -> locate (positions, only for files with findings) -> noqa -> diagnostics.
"""

from __future__ import annotations

import fnmatch
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

from pinlint.model import Diagnostic, Position
from pinlint.prefilter import may_matter
from pinlint.read import SourceError, decode, read_bytes
from pinlint.specs import RuleSpec, load_specs
from pinlint.targets import TargetSet

META_CODE = "PIN000"
#: Below this many files a process pool costs more than it saves.
PARALLEL_THRESHOLD = 16


@dataclass(frozen=True)
class RunOptions:
    """Everything a worker needs; picklable."""

    targets: TargetSet
    enabled: FrozenSet[str]
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    root: str = "."
    use_prefilter: bool = True


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


def check_source(filename: str, data: bytes, options: RunOptions) -> List[Diagnostic]:
    """Check one file's bytes. Never raises for bad input: unreadable input is a PIN000 diagnostic."""
    enabled = options.enabled
    ignored = _ignored_codes(filename, options)
    if ignored:
        enabled = frozenset(c for c in enabled if not any(c.startswith(p) for p in ignored))
    if not enabled - {META_CODE}:
        return []
    if options.use_prefilter and not may_matter(data):
        return []
    try:
        text = decode(data)
    except SourceError as exc:
        return [meta_diagnostic(filename, str(exc))] if META_CODE in enabled else []
    return analyse_text(filename, text, options, enabled)


def analyse_text(filename: str, text: str, options: RunOptions, enabled: FrozenSet[str]) -> List[Diagnostic]:
    from pinlint.parse import ParseFailure, parse

    try:
        module = parse(text)
    except ParseFailure as exc:
        if META_CODE not in enabled:
            return []
        return [meta_diagnostic(filename, exc.reason, exc.row, exc.column)]

    from pinlint.evaluate import evaluate_modules, evaluate_sql
    from pinlint.extract import extract

    try:
        facts = extract(module)
        specs: Dict[str, RuleSpec] = {s.name: s for s in load_specs() if s.code in enabled}
        findings = evaluate_sql(facts, specs, options.targets) + evaluate_modules(facts, specs, options.targets)
    except RecursionError:
        return [meta_diagnostic(filename, "expressions nested too deeply to analyse")] if META_CODE in enabled else []
    if not findings:
        return []

    from pinlint.locate import Locator
    from pinlint.noqa import parse_noqa

    noqa = parse_noqa(text)
    if noqa.file_level:
        return []
    locator = Locator(module)
    out: List[Diagnostic] = []
    for f in findings:
        if f.literal is not None and f.span is not None:
            start = locator.in_literal(f.literal, f.span[0])
            end = locator.in_literal(f.literal, f.span[1])
        else:
            start, end = locator.range(f.node)
        rows = {start.row, *locator.rows(f.node), *locator.rows(f.call)}
        if any(noqa.suppresses(r, f.spec.code) for r in rows):
            continue
        out.append(
            Diagnostic(
                code=f.spec.code, name=f.spec.name, message=f.message, help=f.help, severity=f.severity,
                filename=filename, start=start, end=end, targets=f.targets, url=f.spec.url,
                effects=f.effects, noqa_rows=tuple(sorted(rows)),
            )
        )
    return sorted(set(out), key=Diagnostic.sort_key)


def check_path(path: str, options: RunOptions) -> List[Diagnostic]:
    try:
        data = read_bytes(path)
    except SourceError as exc:
        return [meta_diagnostic(path, str(exc))] if META_CODE in options.enabled else []
    try:
        return check_source(path, data, options)
    except RecursionError:
        return [meta_diagnostic(path, "expressions nested too deeply to analyse")]
    except Exception as exc:  # an internal error on one file must not stop the run
        return [meta_diagnostic(path, f"internal error ({type(exc).__name__}: {exc}); please report it")]


def _check_chunk(paths: Sequence[str], options: RunOptions) -> List[Diagnostic]:
    out: List[Diagnostic] = []
    for p in paths:
        out.extend(check_path(p, options))
    return out


def _init_worker() -> None:  # pragma: no cover - runs in worker processes
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))


def check_paths(paths: Sequence[str], options: RunOptions, jobs: Optional[int] = None) -> List[Diagnostic]:
    """Check files, in parallel when worthwhile; the result is sorted and does not depend on ``jobs``."""
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(paths) < PARALLEL_THRESHOLD:
        diagnostics = _check_chunk(paths, options)
    else:
        chunk = max(1, min(64, len(paths) // (jobs * 8) or 1))
        chunks = [paths[i: i + chunk] for i in range(0, len(paths), chunk)]
        diagnostics = []
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker) as pool:
            futures = [pool.submit(_check_chunk, c, options) for c in chunks]
            for c, fut in zip(chunks, futures):
                try:
                    diagnostics.extend(fut.result())
                except BrokenProcessPool:
                    diagnostics.extend(
                        meta_diagnostic(p, "the worker process analysing this file died; rerun with --jobs 1")
                        for p in c
                    )
    return sorted(diagnostics, key=Diagnostic.sort_key)
