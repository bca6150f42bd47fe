"""Command line: ``pinlint check``, ``pinlint rule CODE``, ``pinlint rules``, ``pinlint proxy`` (pinlint.proxy).

Exit codes: 0 no findings, 1 findings, 2 usage, configuration or internal error.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Dict, List, NoReturn, Optional, Sequence

import click

from pinlint import __version__
from pinlint.cli_options import target_option
from pinlint.config import OUTPUT_FORMATS  # one list for the option and the config key

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
#: formats for machines: no summary line on stdout
MACHINE_FORMATS = ("json", "sarif", "github", "gitlab", "junit")
CACHE_ENV = "PINLINT_CACHE_DIR"


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: stop as for Ctrl-C (the workers are stopped and reaped), exit 128 + the signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


#: exit codes of an interrupted run: Ctrl-C, SIGTERM, SIGHUP
INTERRUPTED = (130, 143, 129)


def _on_termination(signum, frame) -> None:
    from pinlint.pipeline import schedule

    if schedule.TERMINATING:  # a second signal while stopping: let the first one finish the job
        return
    schedule.TERMINATING = True
    raise Terminated(signum)


def _handle_termination() -> None:
    import signal

    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) in (signal.SIG_DFL, None):
            signal.signal(signum, _on_termination)


class _Group(click.Group):
    def invoke(self, ctx):  # type: ignore[override]
        # here, not in main(): click's main() turns Ctrl-C into "Aborted!" and exit 1
        try:
            return super().invoke(ctx)
        except Terminated as exc:
            click.echo("pinlint: terminated", err=True)
            sys.exit(128 + exc.signum)
        except KeyboardInterrupt:
            click.echo("pinlint: interrupted", err=True)
            sys.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="pinlint")
def cli() -> None:
    """Find SQL and driver settings that pin or break sessions behind transaction poolers
    (Amazon RDS Proxy, PgBouncer in transaction or statement mode, Supavisor)."""


def _fail(message: str) -> "NoReturn":  # type: ignore[name-defined]
    from pinlint.output.escape import printable

    click.echo(f"pinlint: error: {printable(message)}", err=True)
    sys.exit(EXIT_ERROR)


def _csv(values: Sequence[str]) -> List[str]:
    out: List[str] = []
    for v in values:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--target", default=None, callback=lambda c, p, v: target_option(v),
              help="Poolers to judge for, comma-separated: any (default: every target), or names from "
                   "`pinlint targets`.")
@click.option("--select", multiple=True, help="Rule codes or prefixes to enable (replaces the default: ALL).")
@click.option("--extend-select", multiple=True, help="Rule codes or prefixes to enable on top of the selection.")
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable.")
@click.option("--output-format", type=click.Choice(OUTPUT_FORMATS), default=None,
              help="How to print findings (default: concise). sarif: SARIF 2.1.0 (GitHub code scanning); "
                   "github: workflow annotations; gitlab: Code Quality JSON; junit: JUnit XML.")
@click.option("--statistics", is_flag=True, help="Print a count of findings per rule instead of the findings.")
@click.option("--show-settings", is_flag=True,
              help="Print the resolved configuration, with where each value came from, and exit.")
@click.option("--show-files", is_flag=True, help="Print the files that would be checked, and exit.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes (default: all cores).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Configuration file (pyproject.toml with [tool.pinlint], or pinlint.toml).")
@click.option("--exclude", multiple=True, help="Patterns to exclude (replaces the defaults).")
@click.option("--extend-exclude", multiple=True, help="Patterns to exclude on top of the defaults.")
@click.option("--force-exclude", is_flag=True, help="Apply excludes to paths named on the command line too.")
@click.option("--stdin-filename", default=None, help="File name to report for input read from '-'.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary.")
@click.option("--no-color", is_flag=True, help="Never color the output.")
@click.option("--add-noqa", is_flag=True,
              help="Append `# noqa: CODE` to the lines of the current findings (baseline a code base).")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False), default=None,
              help="Report only findings not recorded in this baseline file (default: `baseline` in the "
                   "configuration), and count the recorded ones that are gone.")
@click.option("--write-baseline", type=click.Path(dir_okay=False), default=None,
              help="Record the current findings in this baseline file (entries of files and rules not "
                   "checked are kept), and report only what cannot be recorded (PIN000).")
@click.option("--no-baseline", is_flag=True, help="Ignore the `baseline` of the configuration.")
@click.option("--since", default=None, metavar="REF",
              help="Check only the files changed since the git REF (as `git diff REF`: committed, staged, "
                   "unstaged, and untracked files not ignored; `REF...`: since the merge base of REF and "
                   "HEAD). The project index still covers every file.")
@click.option("--fix", is_flag=True, help="Apply the safe fixes (verified before writing); exit 0 only if nothing is left.")
@click.option("--unsafe-fixes", is_flag=True,
              help="With --fix or --diff: apply the unsafe fixes too (they change what the code does: read them).")
@click.option("--diff", "show_diff", is_flag=True,
              help="Print the changes --fix would make as a unified diff and write nothing (exit 1 when there are any).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the result cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
              help=f"Result cache directory (default: ${CACHE_ENV}, else .pinlint_cache in the project root).")
@click.option("--timings", is_flag=True,
              help="Print the time spent in each phase (discover, index, read, prefilter, parse, ...) to stderr.")
@click.option("--no-prefilter", is_flag=True, hidden=True, help="Parse every file (for testing the prefilter).")
@click.option("--pool-bytes", type=click.IntRange(min=0), default=None, hidden=True,
              help="Start worker processes only for this many bytes of files or more (for testing the pool).")
def check(paths, target, select, extend_select, ignore, output_format, statistics, show_settings, show_files,
          exit_zero, jobs, config_file, exclude, extend_exclude, force_exclude, stdin_filename, quiet, no_color,
          add_noqa, baseline_file, write_baseline, no_baseline, since, fix, unsafe_fixes, show_diff, no_cache,
          cache_dir, timings, no_prefilter, pool_bytes) -> None:
    """Check Python files (default: the current directory). '-' reads from standard input.

    \b
    Adopting pinlint in a code base with findings:
      pinlint check --write-baseline pinlint-baseline.json   # record today's findings
      pinlint check --baseline pinlint-baseline.json         # report only new ones
      pinlint check --since origin/main...                   # only the files a branch changed
    """
    from pinlint.api import run_options
    from pinlint.config import ConfigError, load_settings, validate_codes, validate_settings
    from pinlint.output import formats as report
    from pinlint.output.formats import as_json, concise, fixable_summary, full
    from pinlint.output.formats import statistics as stats
    from pinlint.output.formats import summary
    from pinlint.pipeline.cache import resolve_cache_dir
    from pinlint.pipeline.discover import PathNotFound, discover
    from pinlint.pipeline.run import check_source
    from pinlint.pipeline.schedule import check_paths
    from pinlint.specs import SpecError, load_specs

    try:
        specs = load_specs()
    except SpecError as exc:
        _fail(f"broken rule spec: {exc}")
    known = [s.code for s in specs]
    try:
        settings = load_settings(config_file)
        validate_settings(settings, known)
        from_file = settings
        overrides: Dict[str, object] = {}
        if target:
            overrides["target"] = target
        for key, value in (("select", select), ("extend_select", extend_select), ("ignore", ignore)):
            if value:
                codes = _csv(value)
                validate_codes(codes, known, "command line", "--" + key.replace("_", "-"))
                overrides[key] = tuple(codes)
        if exclude:
            overrides["exclude"] = tuple(_csv(exclude))
        if extend_exclude:
            overrides["extend_exclude"] = settings.extend_exclude + tuple(_csv(extend_exclude))
        if output_format:
            overrides["output_format"] = output_format
        settings = replace(settings, **overrides)  # type: ignore[arg-type]
    except ConfigError as exc:
        _fail(f"invalid configuration: {exc}")

    options = run_options(settings)
    if show_settings:
        from pinlint.output.settings_report import render as render_settings

        click.echo(render_settings(settings, from_file, sorted(options.enabled)))
        sys.exit(EXIT_CLEAN)
    if no_prefilter:
        options = replace(options, use_prefilter=False)
    if paths == ("-",) and add_noqa:
        _fail("--add-noqa edits files; it cannot be used with '-' (standard input)")
    if add_noqa and (fix or show_diff):
        _fail("--add-noqa and --fix/--diff cannot be combined: fix first, then baseline what is left")
    if write_baseline and (add_noqa or show_diff):
        _fail("--write-baseline cannot be combined with --add-noqa or --diff")
    if since is not None and paths == ("-",):
        _fail("--since selects files by git; it cannot be used with '-' (standard input)")
    baseline_file = None if no_baseline and not baseline_file else baseline_file or settings.baseline
    fixing = fix or show_diff
    # fixes are computed only where they are applied or shown (a default run never builds an edit)
    options = replace(options, fixes=fixing or settings.output_format in SHOWS_FIXES)
    options = replace(options, cache_dir=resolve_cache_dir(settings.root, cache_dir, no_cache))
    color = not no_color and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    texts: Dict[str, List[str]] = {}

    if paths == ("-",):
        data = sys.stdin.buffer.read()
        name = stdin_filename or "-"
        diags = check_source(name, data, options)
        if fixing:
            sys.exit(_fix_stdin(name, data, diags, options, settings, unsafe_fixes, show_diff, quiet, exit_zero))
        try:
            from pinlint.pipeline.read import decode

            texts[name] = _rows(decode(data))
        except Exception:
            texts[name] = _rows(data.decode("utf-8", "replace"))
        files_checked = 1
        checked_names = [name]
    else:
        started = time.perf_counter()
        unreadable: List = []
        try:
            files = discover(paths or (".",), settings.all_excludes, settings.root, force_exclude=force_exclude,
                             errors=unreadable)
        except PathNotFound as exc:
            _fail(f"no such file or directory: {exc}")
        discovered = time.perf_counter()
        checked_names = [str(f) for f in files]
        every_file = checked_names
        if since is not None:  # the changed files only, judged with the index of every file
            from pinlint.pipeline.changed import ChangedError, changed_only

            try:
                start = (paths or (".",))[0]
                checked_names = changed_only(every_file, since, start if os.path.isdir(start)
                                             else os.path.dirname(start) or ".")
            except ChangedError as exc:
                _fail(str(exc))
        if show_files:  # what would be checked (with --since: the changed files only)
            from pinlint.output.escape import printable

            for f in checked_names:
                click.echo(printable(f))
            sys.exit(EXIT_CLEAN)
        if since is not None:
            from pinlint.pipeline.schedule import project_index

            options = replace(options, index=project_index(every_file, options))
        files_checked = len(checked_names)
        # --add-noqa and --fix edit only the bytes that were analysed: their hashes, taken before the analysis
        analysed = _digests(checked_names) if add_noqa or fixing else {}
        diags = check_paths(checked_names, options, jobs, pool_bytes)
        if unreadable and "PIN000" in options.enabled:
            from pinlint.model import Diagnostic
            from pinlint.pipeline.run import meta_diagnostic

            diags = sorted(diags + [meta_diagnostic(d, why) for d, why in unreadable], key=Diagnostic.sort_key)
        if timings:
            from pinlint.pipeline.schedule import LAST_TIMINGS
            from pinlint.pipeline.timings import render

            LAST_TIMINGS["discover"] += discovered - started
            click.echo(render(LAST_TIMINGS, time.perf_counter() - started, jobs or os.cpu_count() or 1), err=True)

    from pinlint.checks.drivers.connection_budget import settle

    diags = settle(diags)  # the connection budget is an error when the run also pins sessions

    def lines_of(filename: str) -> Optional[List[str]]:
        if filename not in texts:
            try:
                from pinlint.pipeline.read import decode, read_bytes

                texts[filename] = _rows(decode(read_bytes(filename)))
            except Exception:
                return None
        return texts[filename]

    def baselined(diags):  # pinlint/output/baseline.py
        if not (baseline_file or write_baseline):
            return diags
        from pinlint.output.baseline import BaselineError, apply_baseline

        try:
            diags, notes = apply_baseline(diags, lines_of, checked_names, options.enabled, baseline_file,
                                          write_baseline)
        except BaselineError as exc:
            _fail(str(exc))
        for note in notes if not quiet else ():
            click.echo(note, err=True)
        return diags

    if add_noqa:
        sys.exit(_add_noqa(baselined(diags), options, quiet, analysed))

    fmt = settings.output_format
    root = report.repository_root(Path.cwd(), settings.root)
    fixed_note = ""
    if fixing:
        outcome, fixed_note = _fix(checked_names, diags, options, settings, unsafe_fixes, show_diff, analysed)
        if show_diff:
            sys.exit(EXIT_FINDINGS if outcome.changed else EXIT_CLEAN)
        diags = outcome.remaining
        texts.clear()
    diags = baselined(diags)
    if statistics:
        if diags:
            click.echo(stats(diags))
    elif fmt == "json":
        click.echo(as_json(diags))
    elif fmt == "sarif":
        click.echo(report.sarif(diags, specs, lines_of, root))
    elif fmt == "gitlab":
        click.echo(report.gitlab(diags, lines_of, root))
    elif fmt == "junit":
        click.echo(report.junit(diags, checked_names, root))
    elif fmt == "github":
        if diags:
            click.echo(report.github(diags, root))
    elif diags:
        click.echo(full(diags, lines_of, color) if fmt == "full" else concise(diags, color))
    if (statistics or fmt not in MACHINE_FORMATS) and not quiet:
        click.echo(fixed_note if fixing else summary(diags, files_checked))
        if options.fixes and not fixing and fixable_summary(diags):
            click.echo(fixable_summary(diags))
    sys.exit(EXIT_CLEAN if exit_zero or not diags else EXIT_FINDINGS)


#: formats that show each finding's fix (the others get none computed)
SHOWS_FIXES = ("full", "json", "sarif")


def _fix(names, diags, options, settings, unsafe: bool, show_diff: bool, analysed):
    """``--fix`` / ``--diff`` over files: the fix rounds (pinlint/output/fix.py), then the diff or the writes.
    Returns the outcome and the summary line."""
    from pinlint.output.escape import printable
    from pinlint.output.fix import Engine, diff, write
    from pinlint.output.formats import fix_summary

    outcome = Engine(names, options, digests=analysed).run(diags, unsafe)
    for d, why in outcome.skipped:
        click.echo(printable(f"pinlint: {d.filename}:{d.start.row}:{d.start.column}: {d.code} fix not applied: {why}"),
                   err=True)
    if show_diff:
        if outcome.changed:
            click.echo(diff(outcome), nl=False)
        click.echo(fix_summary(outcome, unsafe, would=True), err=True)
        return outcome, ""
    failed = write(outcome, analysed, str(settings.root))
    if failed:
        for name, why in failed:
            click.echo(printable(f"pinlint: {name}: not written: {why}"), err=True)
        # what is on disk now decides what is left: analyse the files with findings again
        from pinlint.pipeline.schedule import check_paths

        again = sorted({d.filename for d in diags} | {v[0] for v in outcome.changed.values()})
        lost = {k for k, v in outcome.changed.items() if v[0] in {n for n, _ in failed}}
        outcome.fixed = [d for d in outcome.fixed
                         if not any(k in lost for k in (_abs(d.filename), *(_abs(e.filename) for e in d.fix.edits
                                                                             if e.filename)))]
        outcome.remaining = [d for d in check_paths(again, replace(options, cache_dir=None, index=None), 1)
                             if d.filename in set(again)]
    return outcome, fix_summary(outcome, unsafe)


def _abs(path: str) -> str:
    return os.path.abspath(path)


def _fix_stdin(name, data, diags, options, settings, unsafe, show_diff, quiet, exit_zero) -> int:
    """``--fix -``: the fixed source on standard output, what is left on standard error; ``--diff -``: the diff."""
    from pinlint.output.fix import Engine, diff
    from pinlint.output.formats import concise, fix_summary

    outcome = Engine([name], options, read=lambda p: data, index_files=False).run(diags, unsafe)
    if show_diff:
        if outcome.changed:
            click.echo(diff(outcome), nl=False)
        if not quiet:
            click.echo(fix_summary(outcome, unsafe, would=True), err=True)
        return EXIT_FINDINGS if outcome.changed else EXIT_CLEAN
    fixed = next(iter(outcome.changed.values()))[2] if outcome.changed else data
    sys.stdout.buffer.write(fixed)
    sys.stdout.flush()
    if outcome.remaining:
        click.echo(concise(outcome.remaining), err=True)
    if not quiet:
        click.echo(fix_summary(outcome, unsafe), err=True)
    return EXIT_CLEAN if exit_zero or not outcome.remaining else EXIT_FINDINGS


def _rows(text: str) -> List[str]:
    """The lines of a source as positions count them (``str.splitlines`` also breaks at form feeds)."""
    from pinlint.output.edit import lines, split_eol

    return [split_eol(line)[0] for line in lines(text)]


def _digests(paths: Sequence[str]) -> Dict[str, str]:
    """SHA-256 of each readable file's bytes."""
    import hashlib

    from pinlint.pipeline.read import SourceError, read_bytes

    out: Dict[str, str] = {}
    for p in paths:
        try:
            out[p] = hashlib.sha256(read_bytes(p)).hexdigest()
        except SourceError:
            pass
    return out


def _add_noqa(diags, options, quiet: bool, analysed: Dict[str, str]) -> int:
    """``check --add-noqa``: comment every finding away, file by file; report what could not be."""
    from itertools import groupby

    from pinlint.output.escape import printable
    from pinlint.output.formats import plural
    from pinlint.output.noqa import add_noqa
    from pinlint.pipeline.read import SourceError
    from pinlint.pipeline.run import check_source

    recheck_options = replace(options, cache_dir=None)
    added = files = trimmed = 0
    left = []
    for filename, group in groupby(diags, key=lambda d: d.filename):
        group = list(group)
        digest = analysed.get(filename)
        if digest is None:
            left.extend((d, "not written: the file could not be read when it was analysed") for d in group
                        if d.code != "PIN000")
            left.extend((d, "the file was not analysed") for d in group if d.code == "PIN000")
            continue
        try:
            edit = add_noqa(filename, group, lambda p, data: check_source(p, data, recheck_options), digest)
        except (OSError, SourceError, SyntaxError) as exc:
            left.extend((d, f"cannot edit the file: {exc}") for d in group)
            continue
        if edit.added or edit.trimmed:
            added += edit.added
            trimmed += edit.trimmed
            files += 1
        left.extend(edit.left)
    for d, why in left:
        click.echo(printable(f"pinlint: {d.filename}:{d.start.row}:{d.start.column}: {d.code} not baselined: {why}"),
                   err=True)
    if not quiet:
        s = "" if added == 1 else "s"
        tail = f"; removed unused codes from {plural(trimmed, 'comment')}" if trimmed else ""
        click.echo(f"Added {added} noqa directive{s} to {files} file{'' if files == 1 else 's'}{tail}.")
    return EXIT_FINDINGS if left else EXIT_CLEAN


def _find_spec(code: str):
    from pinlint.specs import load_specs

    for spec in load_specs():
        if spec.code == code.upper() or spec.name == code.lower():
            return spec
    return None


@cli.command()
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Print the rule as JSON.")
def rule(code: str, as_json: bool) -> None:
    """Show the documentation of a rule, by code (PIN101) or by name."""
    from pinlint.output.docs import render_rule, rule_json

    spec = _find_spec(code)
    if spec is None:
        _fail(f"unknown rule {code!r}; `pinlint rules` lists them")
    click.echo(json.dumps(rule_json(spec), indent=2) if as_json else render_rule(spec))


@cli.command(name="rules")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
def rules_(as_json: bool) -> None:
    """List every rule: code, name, targets, summary."""
    from pinlint.output.docs import rule_json, targets_label
    from pinlint.specs import load_specs

    specs = load_specs()
    if as_json:
        click.echo(json.dumps([rule_json(s) for s in specs], indent=2))
        return
    width = max(len(s.name) for s in specs)
    for s in specs:
        targets = targets_label(s, ",")
        click.echo(f"{s.code}  {s.name:<{width}}  {targets:<26}  {s.summary}")


@cli.command(name="targets")
@click.argument("families", nargs=-1)
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text",
              help="json: every cell with its conditions and sources.")
def targets_(families, output_format: str) -> None:
    """The target matrix: each hazard family against each target (pins, leaks, lost, breaks, fine,
    unconfirmed). With FAMILY names: their cells in full, with conditions and sources."""
    from pinlint.targets.matrix import as_json, render_text
    from pinlint.targets.profiles import catalog

    unknown = [f for f in families if f not in catalog().families]
    if unknown:
        _fail(f"unknown hazard family {unknown[0]!r}; `pinlint targets` lists them")
    click.echo(json.dumps(as_json(families), indent=2) if output_format == "json" else render_text(families))


from pinlint.proxy.command import proxy  # noqa: E402

cli.add_command(proxy)


def main() -> None:
    from pinlint.pipeline import budget
    from pinlint.pipeline.run import tune_gc

    tune_gc()
    budget.install()
    _handle_termination()
    try:
        cli(prog_name="pinlint")
    except SystemExit as exc:
        if exc.code not in INTERRUPTED:
            raise
        # interrupted: the workers are stopped already. Skip the interpreter's exit hooks, where the
        # process pool's machinery may write to a pipe it has closed and print a traceback.
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os._exit(exc.code)  # type: ignore[arg-type]
