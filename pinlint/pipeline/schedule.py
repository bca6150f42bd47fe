"""The run over many files: serial below a threshold, else two passes over a process pool.

Pass 1 (workers): every file's bytes are read once and surveyed without the project index. Pass 2: the
files that passed are analysed (pinlint.pipeline.run); the others are only searched for names the
index knows hold SQL. The result is sorted and does not depend on the number of workers.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple

from pinlint.model import Diagnostic
from pinlint.pipeline.options import RunOptions
from pinlint.pipeline.read import SourceError, read_bytes
from pinlint.pipeline.run import check_path, collecting_per_file, internal_error, meta_diagnostic
from pinlint.pipeline.timings import count, merge, phase, take

if TYPE_CHECKING:  # pragma: no cover
    from concurrent.futures import ProcessPoolExecutor

#: Below this many files, or this many bytes in all, a process pool costs more than it saves: most of a
#: run's time is per byte (reading, the survey, parsing), while the pool's start-up and the main process's
#: work per file (the index links every file) do not shrink with more workers. Measured on 2 cores:
#: 50,000 empty files take 7 s serially, 12 s over 2 workers; 40 standard-library modules (1 MB) 0.51 s
#: and 0.66 s; 20 modules with SQL (2 MB) 3.2 s and 2.8 s.
PARALLEL_THRESHOLD = 16
PARALLEL_BYTES = 3 << 19  # 1.5 MiB


def _worth_a_pool(paths: Sequence[str], jobs: int, min_bytes: Optional[int] = None) -> bool:
    if jobs <= 1 or len(paths) < PARALLEL_THRESHOLD:
        return False
    least = PARALLEL_BYTES if min_bytes is None else min_bytes
    total = 0
    for p in paths:
        if total >= least:
            return True
        total += _size(p)
    return total >= least


def _check_chunk(paths: Sequence[str], options: RunOptions) -> List[Diagnostic]:
    out: List[Diagnostic] = []
    for p in paths:
        out.extend(check_path(p, options))
    return out


def _check_chunk_timed(paths: Sequence[str], options: RunOptions) -> Tuple[List[Diagnostic], Dict[str, float]]:
    return _check_chunk(paths, options), take()


#: phase timings of the last ``check_paths`` call (``pinlint check --timings``)
LAST_TIMINGS: Counter = Counter()


def _init_worker() -> None:  # pragma: no cover - runs in worker processes
    import signal

    from pinlint.pipeline import budget

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):  # a forked worker inherits the main process's handlers: not these
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    budget.install()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))


def check_paths(paths: Sequence[str], options: RunOptions, jobs: Optional[int] = None,
                pool_bytes: Optional[int] = None) -> List[Diagnostic]:
    """Check files, in parallel when worthwhile (``pool_bytes``: the least bytes in all for a pool,
    default PARALLEL_BYTES); the result is sorted and does not depend on ``jobs``.
    With a cache directory, an unchanged tree (same files, sizes and mtimes, same configuration and
    build) gets the last run's result without reading a file (pinlint/pipeline/cache.py)."""
    LAST_TIMINGS.clear()
    take()
    if options.cache_dir is not None and options.index is None:
        from pinlint.pipeline.cache import cached_run

        diagnostics = cached_run(paths, options, lambda: _check_paths(paths, options, jobs, pool_bytes))
    else:
        diagnostics = _check_paths(paths, options, jobs, pool_bytes)
    merge(LAST_TIMINGS, take())
    return diagnostics


def _check_paths(paths: Sequence[str], options: RunOptions, jobs: Optional[int],
                 pool_bytes: Optional[int] = None) -> List[Diagnostic]:
    jobs = jobs or os.cpu_count() or 1
    if _worth_a_pool(paths, jobs, pool_bytes):
        return _check_parallel(paths, options, jobs)
    if options.index is None:
        options = replace(options, index=project_index(paths, options))
    diagnostics = _check_chunk(paths, options)
    return sorted(diagnostics, key=Diagnostic.sort_key)


def project_index(paths: Sequence[str], options: RunOptions):
    """The project index of ``paths``, built in this process (from the cache when a run over the same
    files built it already)."""
    from pinlint.pipeline.indexing import build_index

    def build():
        return build_index(paths, options.root, options.sql_functions)

    with phase("index"):
        if options.cache_dir is not None:
            from pinlint.pipeline.cache_index import cached_index

            return cached_index(options.cache_dir, paths, options.root, options.sql_functions, build)
        return build()


# -- a parallel run ----------------------------------------------------------------------------------
#
# Pass 1 (workers): every file's bytes are read once and surveyed without the project index: can the
# file produce a finding by what it shows (the prefilter's byte markers, then for the files that have
# them the shapes on the decoded text), and does the index want it (then the worker summarises it:
# plain data, small to send)? The main process links the index while the workers load the analysis
# modules. Pass 2 (workers): the files that passed the survey are analysed;
# the others are only searched for names the index knows hold SQL (``ProjectIndex.mentions``).

#: survey flags (``_COUNTED``: its bytes passed stage 1, and the survey counted that; ``_SHAPED``: and stage 2)
_ANALYSE, _INDEX, _COUNTED, _SHAPED = 1, 2, 4, 8


def _survey(path: str, options: RunOptions) -> Tuple[int, object, object]:
    """A file's survey flags; its index summary when the index wants it; and when it is to be analysed
    too, the skeleton of its tree (pinlint.pipeline.skeleton), so that pass 2 does not parse it again."""
    count("files")
    try:
        with phase("read"):
            data = read_bytes(path)
    except SourceError:
        return _ANALYSE, None, None  # pass 2 reports it
    flags = 0
    from pinlint.pipeline.prefilter import may_matter

    lowered = data.lower()
    with phase("prefilter"):
        matters = may_matter(data, lowered)
        if not options.use_prefilter or path.endswith(".sql"):
            flags |= _ANALYSE
        else:
            from pinlint.output.noqa import UNUSED_NOQA, may_have_code_noqa
            from pinlint.pipeline.markers import assembled_or_large

            if assembled_or_large(data, lowered) or (UNUSED_NOQA in options.enabled and may_have_code_noqa(data)):
                flags |= _ANALYSE
            elif matters:
                count("stage 1 (bytes) passed")
                flags |= _COUNTED | (_ANALYSE | _SHAPED if _shaped(data, lowered) else 0)
            # else pass 2 only looks for names the index knows in it (``_check_mentioned``), which is
            # what analysing it would do first (pinlint.pipeline.run._check_source: stage 2, ``_reaches``)
    summary = skeleton = None
    if path.endswith((".py", ".pyi")):
        from pinlint.facts.index import module_name, summarise
        from pinlint.facts.index.summarise import parse_for_index
        from pinlint.pipeline.indexing import wants_index
        from pinlint.pipeline.markers import may_wrap

        with phase("index"):
            # without any family's markers, the session-SQL ones (which cover the index's hazard
            # markers) are absent too: only a wrapper can make the file worth indexing
            # the module's name matters only to ``sql-functions`` and to a summary: computed when needed
            name = module_name(path, options.root) if options.sql_functions else ""
            if wants_index(path, data, name, options.sql_functions, lowered, matters):
                flags |= _INDEX
                tree = parse_for_index(data, path)
                if tree is not None:
                    summary = summarise(path, data, name or module_name(path, options.root), may_wrap(lowered), tree)
                    if flags & _ANALYSE and options.use_prefilter:  # focus will want it
                        from pinlint.pipeline.skeleton import build

                        skeleton = build(tree, data)
    return flags, summary, skeleton


def _shaped(data: bytes, lowered: bytes) -> bool:
    """Stage 2 of the prefilter for a file whose bytes passed stage 1 (a file that does not decode is
    analysed, to be reported)."""
    from pinlint.pipeline.prefilter import families_hit, narrow
    from pinlint.pipeline.read import decode

    try:
        text = decode(data)
    except SourceError:
        return True
    return narrow(text, families_hit(data, lowered), lowered)


def _survey_guarded(path: str, options: RunOptions) -> Tuple[int, object, object]:
    """``_survey``, or "analyse it" when surveying fails or takes longer than the file's time budget:
    pass 2 then reports the file (as PIN000 if it cannot be analysed either)."""
    from pinlint.pipeline.budget import BudgetExceeded, time_budget

    try:
        with time_budget(options.time_budget):
            return _survey(path, options)
    except (Exception, BudgetExceeded):
        return _ANALYSE, None, None


def _survey_chunk(paths: Sequence[str], options: RunOptions) -> Tuple[bytes, Dict[str, float]]:
    """The chunk's survey results, pickled here: a summary that cannot be pickled (nested too deeply for
    pickle's recursion) is dropped, and its file analysed in pass 2, instead of failing the whole chunk."""
    return _portable([_survey_guarded(p, options) for p in paths]), take()


def _portable(results: List[Tuple[int, object, object]]) -> bytes:
    import pickle

    try:
        return pickle.dumps(results, pickle.HIGHEST_PROTOCOL)
    except (RecursionError, pickle.PicklingError, TypeError, ValueError, MemoryError):
        kept = []
        for flags, summary, skeleton in results:
            try:
                pickle.dumps(summary, pickle.HIGHEST_PROTOCOL)
            except (RecursionError, pickle.PicklingError, TypeError, ValueError, MemoryError):
                flags, summary, skeleton = (flags | _ANALYSE) & ~_INDEX, None, None
            kept.append((flags, summary, skeleton))
        return pickle.dumps(kept, pickle.HIGHEST_PROTOCOL)


def _prepare_link() -> None:
    """Load what linking the index needs (the SQL classifier and its lexers, sqlglot's tokenizer) in the
    main process while the workers are still surveying: linking is the one step no worker shares."""
    try:
        from pinlint.sql.lexer import Lexer

        Lexer.for_dialect("postgres")
        Lexer.for_dialect("mysql")
    except Exception:  # pragma: no cover - only a head start: linking loads them again and reports
        pass


def _warm_up() -> Dict[str, float]:  # pragma: no cover - runs in worker processes
    """Import what analysing a file needs (libcst, the extractors, the SQL classifier) while the main
    process builds the project index."""
    import pinlint.checks  # noqa: F401
    import pinlint.evaluate  # noqa: F401
    import pinlint.facts.extract  # noqa: F401
    import pinlint.pipeline.focus  # noqa: F401
    import pinlint.pipeline.parse  # noqa: F401

    if collecting_per_file():  # the imported modules are never garbage: keep them out of every collection
        import gc

        gc.freeze()
    return take()


def _check_mentioned(path: str, options: RunOptions, counted: bool) -> List[Diagnostic]:
    """Pass 2 for a file the survey let go: it can still use SQL that another module holds."""
    index = options.index
    if index is None or index.mention_pattern() is None:
        return []
    try:
        with phase("read"):
            data = read_bytes(path)
    except SourceError:
        return []
    with phase("prefilter"):
        mentions = index.mentions(data)
    return check_path(path, options, surveyed=True, counted=counted) if mentions else []


#: The project index this worker unpickled first: each task carries a copy, and the look-up tables and
#: the mention regex an index builds on first use are kept on the object (``ProjectIndex._table``).
_WORKER_INDEX: list = []


def _known_index(options: RunOptions) -> RunOptions:
    """``options`` with the worker's earlier copy of an equal index (same fingerprint), if it has one."""
    index = options.index
    if index is None:
        return options
    if _WORKER_INDEX and _WORKER_INDEX[0] == index:
        return replace(options, index=_WORKER_INDEX[0])
    _WORKER_INDEX[:] = [index]
    return options


def _pass_two_chunk(analyse: Sequence[Tuple[str, bool, object, bool]], mentioned: Sequence[Tuple[str, bool]],
                    options: RunOptions, surveyed: bool) -> Tuple[List[Diagnostic], Dict[str, float]]:
    """Pass 2 for some files: (path, whether the survey counted its passing stage 1, and for the files
    to analyse the skeleton of their tree, if the survey built it, and whether their stage 2 passed)."""
    options = _known_index(options)
    out: List[Diagnostic] = []
    for p, counted, skeleton, shaped in analyse:
        out.extend(check_path(p, options, surveyed, counted, skeleton, shaped))
    for p, counted in mentioned:
        out.extend(_check_mentioned(p, options, counted))
    return out, take()


def _check_parallel(paths: Sequence[str], options: RunOptions, jobs: int) -> List[Diagnostic]:
    import pickle
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    diagnostics: List[Diagnostic] = []
    orphans: List[str] = []
    survey: Dict[str, int] = {}
    skeletons: Dict[str, object] = {}
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker) as pool:
        try:
            if options.index is None:
                def build():
                    # the workers summarise the files the index wants; the main process links them
                    from concurrent.futures import as_completed

                    from pinlint.pipeline.indexing import IndexBuilder

                    builder = IndexBuilder(paths, options.root, options.sql_functions)
                    prepared = False  # the lexers loaded for linking
                    chunks = {pool.submit(_survey_chunk, c, options): c
                              for c in _largest_first(paths, _size, jobs, 256)}
                    for fut in as_completed(chunks):
                        try:
                            blob, timings = fut.result()
                            results = pickle.loads(blob)
                        except BrokenProcessPool:
                            raise
                        except Exception:  # never expected: pass 2 analyses these files (and reports them)
                            results, timings = [(_ANALYSE, None, None)] * len(chunks[fut]), {}
                        merge(LAST_TIMINGS, timings)
                        for p, (f, summary, skeleton) in zip(chunks[fut], results):
                            survey[p] = f
                            if skeleton is not None:
                                skeletons[p] = skeleton
                            if f & _INDEX:
                                builder.add_summary(p, summary)  # type: ignore[arg-type]
                                if not prepared:
                                    _prepare_link()
                                    prepared = True
                    warm = [pool.submit(_warm_up) for _ in range(jobs)]
                    with phase("index"):
                        for p in builder.extra:
                            builder.add(p)
                        built = builder.finish()
                    for fut in warm:
                        try:
                            merge(LAST_TIMINGS, fut.result())
                        except BrokenProcessPool:
                            raise
                        except Exception:  # pragma: no cover - an import failed: pass 2 will say so
                            pass
                    return built

                if options.cache_dir is not None:
                    from pinlint.pipeline.cache_index import cached_index

                    index = cached_index(options.cache_dir, paths, options.root, options.sql_functions, build)
                else:
                    index = build()
                options = replace(options, index=index)
            merge(LAST_TIMINGS, take())
            # pass 2: the files to analyse, the costliest first (even load: ``_largest_first``); then the
            # files the survey let go (no survey when the index came from the cache: analyse all)
            analyse = [(p, bool(survey.get(p, 0) & _COUNTED), skeletons.get(p), bool(survey.get(p, 0) & _SHAPED))
                       for p in paths if survey.get(p, _ANALYSE) & _ANALYSE]
            rest = [(p, bool(survey[p] & _COUNTED)) for p in paths if not survey.get(p, _ANALYSE) & _ANALYSE]
            # an analysed file costs about as much as 8 KB more of source does, whatever its size
            tasks = [(a, []) for a in _largest_first(analyse, lambda item: _size(item[0]) + _PER_FILE, jobs, 16)]
            rest_size = max(1, min(512, len(rest) // (jobs * 2) or 1))
            tasks += [([], rest[i: i + rest_size]) for i in range(0, len(rest), rest_size)]
            futures = [pool.submit(_pass_two_chunk, a, m, options, bool(survey)) for a, m in tasks]
            for (a, m), fut in zip(tasks, futures):
                try:
                    found, timings = fut.result()
                    diagnostics.extend(found)
                    merge(LAST_TIMINGS, timings)
                except BrokenProcessPool:
                    orphans.extend(item[0] for item in a + m)
                except Exception:  # a result that could not come back: go file by file
                    orphans.extend(item[0] for item in a + m)
        except KeyboardInterrupt:  # Ctrl-C, and SIGTERM/SIGHUP (pinlint.cli)
            _abandon(pool)
            raise
        except BrokenProcessPool:  # a worker died in pass 1: go file by file
            _stop_if_terminating()
            orphans = list(paths)
    if orphans:
        _stop_if_terminating()
        if options.index is None:
            from pinlint.pipeline.indexing import build_index

            with phase("index"):
                options = replace(options, index=build_index(paths, options.root, options.sql_functions))
        diagnostics.extend(_check_isolated(orphans, options))
    return sorted(diagnostics, key=Diagnostic.sort_key)


#: What analysing a file costs beyond its bytes (parse set-up, the rules, a collection), in bytes of
#: source that cost as much: measured on SQLAlchemy, 64 of its smallest files took as long as 400 KB.
_PER_FILE = 8192


def _largest_first(items: Sequence, size_of: Callable[[Any], int], jobs: int, most: int) -> List[List]:
    """``items`` as tasks for a pool of ``jobs`` workers, the largest first (``size_of``: an item's bytes):
    a task takes items until it holds a share of the bytes (a sixteenth of one worker's), or ``most``
    items. The costly files go first, one per task, and the small ones close the run in small tasks:
    no worker is left with a long last task while the others wait (a run's cost is per byte, not per
    file)."""
    sized = sorted(((size_of(item), i, item) for i, item in enumerate(items)), key=lambda t: (-t[0], t[1]))
    share = max(1, sum(size for size, _, _ in sized) // (16 * max(1, jobs)))
    tasks: List[List] = []
    task: List = []
    held = 0
    for size, _, item in sized:
        task.append(item)
        held += size
        if held >= share or len(task) >= most:
            tasks.append(task)
            task, held = [], 0
    if task:
        tasks.append(task)
    return tasks


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


WORKER_DIED = "the worker process analysing this file died (a crash in the parser?); please report it"


#: Set by a termination signal (pinlint.cli): a pool that broke meanwhile is not restarted.
TERMINATING = False
#: Seconds a terminated worker gets to exit before it is killed.
_REAP_TIMEOUT = 5.0


def _stop_if_terminating() -> None:
    if TERMINATING:
        raise KeyboardInterrupt


def _abandon(pool: "ProcessPoolExecutor") -> None:
    """Ctrl-C, SIGTERM, SIGHUP: drop the queued files, stop the workers now (they ignore SIGINT; waiting
    for them to finish the queue would look like a hang) and reap them, so that none outlives the run."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # shutdown() forgets them
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        try:
            process.terminate()
        except (OSError, ValueError):  # pragma: no cover - already gone or closed
            pass
    for process in processes:
        try:
            process.join(_REAP_TIMEOUT)
            if process.is_alive():  # pragma: no cover - a worker stuck in native code
                process.kill()
                process.join(_REAP_TIMEOUT)
        except (OSError, ValueError, AssertionError):  # pragma: no cover
            pass


def _check_isolated(paths: Sequence[str], options: RunOptions) -> List[Diagnostic]:
    """After a worker died: check those files again one at a time in a fresh single worker, so that
    only the file that kills a worker is reported (as PIN000) and the others get their real results."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    out: List[Diagnostic] = []
    todo = list(paths)
    while todo:
        with ProcessPoolExecutor(max_workers=1, initializer=_init_worker) as pool:
            futures = [pool.submit(_check_chunk, [p], options) for p in todo]
            done = 0
            try:
                for p, fut in zip(todo, futures):
                    done += 1
                    try:
                        out.extend(fut.result())
                    except BrokenProcessPool:  # one worker, files in order: this file killed it
                        _stop_if_terminating()
                        out.append(meta_diagnostic(p, WORKER_DIED))
                        break
                    except Exception as exc:  # its result could not come back
                        out.append(internal_error(p, exc))
            except KeyboardInterrupt:
                _abandon(pool)
                raise
        todo = todo[done:]
    return out
