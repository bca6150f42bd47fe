"""Recall and precision of pinlint and of the peer semgrep rules on the labelled corpus.

    python bench/recall.py [--rules FILE] [--no-semgrep] [--misses] [--json OUT] [--in-process]

The corpus is ``tests/corpus`` (README.md there): excerpts of real public code, each case a small
project of its own, with labelled hazards (session state a transaction pooler breaks or pins on) and
traps (look-alikes that are transaction-safe). pinlint runs once per case directory, with the case as
the project root (``python -m pinlint check --output-format json --no-cache --target any`` in the case
directory); semgrep runs once over all cases with the peer rules (default
``../shared/peers/semgrep-pooler-rules.yml`` from the repository root) and is skipped, with a note,
when it or the rules are missing.

Matching: a finding matches a hazard when it is in the hazard's file and its start line is within
``[line, end_line]`` or within one of the hazard's ``also`` sites (for pinlint its code must also be
one of the hazard's ``codes``; for semgrep any rule counts). Every other finding is a false positive:
on a trap's range, on a hazard's range with another code, or unlabelled. Recall counts hazards;
precision counts findings. Only the standard library and the tools themselves are used.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

try:
    import tomllib
except ImportError:  # pragma: no cover - Python < 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
LABELS = CORPUS / "labels.toml"
CASES = CORPUS / "cases"
DEFAULT_RULES = ROOT.parent / "shared" / "peers" / "semgrep-pooler-rules.yml"
CLASSES = ["classic", "1", "2", "3", "4", "5", "6"]


@dataclass(frozen=True)
class Finding:
    case: str
    file: str  # relative to the case directory, with forward slashes
    line: int
    code: str  # pinlint code or semgrep rule id
    message: str


@dataclass
class Span:
    file: str
    start: int
    end: int

    def covers(self, f: Finding) -> bool:
        return f.file == self.file and self.start <= f.line <= self.end


@dataclass
class Hazard:
    case: str
    split: str
    spans: List[Span]  # the primary range first, then the ``also`` sites
    codes: Tuple[str, ...]
    cls: str
    dialect: str
    note: str

    @property
    def where(self) -> str:
        s = self.spans[0]
        return f"{s.file}:{s.start}" + (f"-{s.end}" if s.end != s.start else "")


@dataclass
class Trap:
    case: str
    span: Span
    note: str
    known_fp: Optional[str] = None


@dataclass
class Corpus:
    recall_floor: float
    splits: Dict[str, str] = field(default_factory=dict)  # case -> split
    hazards: List[Hazard] = field(default_factory=list)
    traps: List[Trap] = field(default_factory=list)
    raw: dict = field(default_factory=dict)


def _span(file: str, line: int, end: Optional[int]) -> Span:
    return Span(file, int(line), int(end if end is not None else line))


def load_corpus(path: Path = LABELS) -> Corpus:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    corpus = Corpus(recall_floor=float(data.get("recall-floor", 0.0)), raw=data)
    for case in data["case"]:
        slug = case["slug"]
        corpus.splits[slug] = case["split"]
        for h in case.get("hazard", []):
            spans = [_span(h["file"], h["line"], h.get("end_line"))]
            for site in h.get("also", []):
                f, _, rng = site.rpartition(":")
                a, _, b = rng.partition("-")
                spans.append(_span(f, int(a), int(b or a)))
            corpus.hazards.append(Hazard(slug, case["split"], spans, tuple(h["codes"]), h["class"],
                                         h["dialect"], h.get("note", "")))
        for t in case.get("trap", []):
            corpus.traps.append(Trap(slug, _span(t["file"], t["line"], t.get("end_line")), t.get("note", ""),
                                     t.get("known-false-positive")))
    return corpus


# -- running the tools --------------------------------------------------------------------------------

def _pinlint_command() -> List[str]:
    """``python -m pinlint`` from this checkout (the installed command may point at another one)."""
    return [sys.executable, "-m", "pinlint"]


def _pinlint_env() -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _rel(case_dir: Path, filename: str) -> str:
    p = Path(filename)
    if p.is_absolute():
        p = p.resolve().relative_to(case_dir.resolve())
    return Path(os.path.normpath(p)).as_posix()


def run_pinlint_cli(case_dirs: Sequence[Path], jobs: Optional[int] = None) -> List[Finding]:
    """One ``pinlint check`` per case directory, run in that directory."""
    out: List[Finding] = []
    for d in case_dirs:
        cmd = _pinlint_command() + ["check", "--output-format", "json", "--no-cache", "--target", "any",
                                    "--exit-zero", "--quiet"]
        if jobs:
            cmd += ["--jobs", str(jobs)]
        proc = subprocess.run(cmd + ["."], cwd=d, capture_output=True, text=True, env=_pinlint_env(),
                              timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(f"pinlint failed on {d.name} (exit {proc.returncode}): {proc.stderr.strip()}")
        for item in json.loads(proc.stdout or "[]"):
            out.append(Finding(d.name, _rel(d, item["filename"]), int(item["location"]["row"]), item["code"],
                               item.get("message", "")))
    return out


def run_pinlint_in_process(case_dirs: Sequence[Path]) -> List[Finding]:
    """The same ``pinlint check`` per case directory, through pinlint's command-line entry point in this
    process (no interpreter start per case: for the fast test). Uses this checkout's pinlint."""
    import contextlib
    import io

    if str(ROOT) not in sys.path[:1]:
        sys.path.insert(0, str(ROOT))
    from pinlint.cli import cli

    out: List[Finding] = []
    here = os.getcwd()
    try:
        for d in case_dirs:
            os.chdir(d)
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                try:
                    cli.main(["check", "--output-format", "json", "--no-cache", "--target", "any",
                              "--exit-zero", "--quiet", "--jobs", "1", "."],
                             prog_name="pinlint", standalone_mode=False)
                except SystemExit as exc:
                    if exc.code not in (0, None):
                        raise RuntimeError(f"pinlint failed on {d.name} (exit {exc.code})") from None
            for item in json.loads(buf.getvalue() or "[]"):
                out.append(Finding(d.name, _rel(d, item["filename"]), int(item["location"]["row"]),
                                   item["code"], item.get("message", "")))
    finally:
        os.chdir(here)
    return out


def semgrep_available(rules: Path) -> Optional[str]:
    """None when semgrep can run, else the reason it cannot."""
    if shutil.which("semgrep") is None:
        return "semgrep is not installed (pip install semgrep)"
    if not rules.is_file():
        return f"rules file {rules} not found"
    return None


def run_semgrep(case_dirs: Sequence[Path], rules: Path) -> List[Finding]:
    """One semgrep run over the cases directory; findings are assigned to cases by path."""
    cmd = ["semgrep", "scan", "--config", str(rules), "--json", "--metrics", "off", "--disable-version-check",
           "--x-ignore-semgrepignore-files", "--no-git-ignore", "--quiet"]
    proc = subprocess.run(cmd + [str(d.relative_to(CASES)) for d in case_dirs], cwd=CASES,
                          capture_output=True, text=True, timeout=1800)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"semgrep failed (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}")
    data = json.loads(proc.stdout)
    out = []
    for r in data.get("results", []):
        parts = Path(r["path"]).parts
        out.append(Finding(parts[0], "/".join(parts[1:]), int(r["start"]["line"]),
                           r["check_id"].rsplit(".", 1)[-1], r.get("extra", {}).get("message", "").strip()))
    return out


# -- scoring ------------------------------------------------------------------------------------------

@dataclass
class Score:
    tool: str
    findings: List[Finding]
    found: Dict[int, List[Finding]]  # hazard index -> findings that match it
    matched: List[Finding]
    on_trap: List[Tuple[Finding, Trap]]
    wrong_code: List[Tuple[Finding, Hazard]]
    unlabelled: List[Finding]
    seconds: float = 0.0


def score(tool: str, corpus: Corpus, findings: Iterable[Finding], check_code: bool) -> Score:
    by_case: Dict[str, List[int]] = defaultdict(list)
    for i, h in enumerate(corpus.hazards):
        by_case[h.case].append(i)
    traps_by_case: Dict[str, List[Trap]] = defaultdict(list)
    for t in corpus.traps:
        traps_by_case[t.case].append(t)
    s = Score(tool, list(findings), {}, [], [], [], [])
    for f in s.findings:
        hits = []
        near = None
        for i in by_case.get(f.case, []):
            h = corpus.hazards[i]
            if any(sp.covers(f) for sp in h.spans):
                if not check_code or f.code in h.codes:
                    hits.append(i)
                else:
                    near = h
        if hits:
            s.matched.append(f)
            for i in hits:
                s.found.setdefault(i, []).append(f)
            continue
        trap = next((t for t in traps_by_case.get(f.case, []) if t.span.covers(f)), None)
        if trap is not None:
            s.on_trap.append((f, trap))
        elif near is not None:
            s.wrong_code.append((f, near))
        else:
            s.unlabelled.append(f)
    return s


def _ratio(a: int, b: int) -> Optional[float]:
    return round(a / b, 3) if b else None


def figures(s: Score, corpus: Corpus) -> dict:
    def subset(pred) -> dict:
        idx = [i for i, h in enumerate(corpus.hazards) if pred(h)]
        found = sum(1 for i in idx if i in s.found)
        return {"hazards": len(idx), "found": found, "recall": _ratio(found, len(idx))}

    def precision(case_pred) -> dict:
        fs = [f for f in s.findings if case_pred(f.case)]
        tp = sum(1 for f in s.matched if case_pred(f.case))
        return {"findings": len(fs), "true": tp, "precision": _ratio(tp, len(fs))}

    out = {
        "tool": s.tool,
        "seconds": round(s.seconds, 2),
        "findings": len(s.findings),
        "all": {**subset(lambda h: True), **precision(lambda c: True)},
        "false_positives": {"trap": len(s.on_trap), "wrong_code": len(s.wrong_code),
                            "unlabelled": len(s.unlabelled)},
    }
    for split in ("dev", "holdout"):
        out[split] = {**subset(lambda h, sp=split: h.split == sp),
                      **precision(lambda c, sp=split: corpus.splits[c] == sp)}
    out["class"] = {c: subset(lambda h, c=c: h.cls == c) for c in CLASSES}
    out["dialect"] = {d: subset(lambda h, d=d: h.dialect == d) for d in sorted({h.dialect for h in corpus.hazards})}
    return out


def _fmt(x: Optional[float]) -> str:
    return "  -  " if x is None else f"{x:.2f}"


def render(s: Score, fig: dict, corpus: Corpus, misses: bool) -> str:
    lines = [f"== {s.tool}: {fig['findings']} findings in {fig['seconds']:.1f} s"]
    for key in ("all", "dev", "holdout"):
        f = fig[key]
        lines.append(f"  {key:8} recall {_fmt(f['recall'])} ({f['found']}/{f['hazards']})   "
                     f"precision {_fmt(f['precision'])} ({f['true']}/{f['findings']})")
    fp = fig["false_positives"]
    lines.append(f"  false positives: {fp['trap']} on traps, {fp['wrong_code']} on hazards with another code, "
                 f"{fp['unlabelled']} unlabelled")
    lines.append("  recall per class:   " + "  ".join(
        f"{c}: {_fmt(v['recall'])} ({v['found']}/{v['hazards']})" for c, v in fig["class"].items() if v["hazards"]))
    lines.append("  recall per dialect: " + "  ".join(
        f"{d}: {_fmt(v['recall'])} ({v['found']}/{v['hazards']})" for d, v in fig["dialect"].items()))
    for f, t in s.on_trap:
        lines.append(f"  trap hit    {f.case}/{f.file}:{f.line} {f.code} {f.message[:90]}  [trap: {t.note[:60]}]")
    for f, h in s.wrong_code:
        lines.append(f"  other code  {f.case}/{f.file}:{f.line} {f.code} (hazard accepts {', '.join(h.codes)})")
    for f in s.unlabelled:
        lines.append(f"  unlabelled  {f.case}/{f.file}:{f.line} {f.code} {f.message[:110]}")
    if misses:
        lines.append(f"  misses ({sum(1 for i in range(len(corpus.hazards)) if i not in s.found)}):")
        for i, h in enumerate(corpus.hazards):
            if i not in s.found:
                lines.append(f"    {h.case}  {h.where}  class {h.cls}  {h.dialect}  {h.note[:140]}")
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rules", type=Path, default=DEFAULT_RULES, help="semgrep rules file")
    ap.add_argument("--no-semgrep", action="store_true", help="run pinlint only")
    ap.add_argument("--misses", action="store_true", help="list the hazards each tool misses")
    ap.add_argument("--json", type=Path, help="write the figures to this file")
    ap.add_argument("--in-process", action="store_true",
                    help="run pinlint through its modules in this process instead of one CLI run per case")
    ap.add_argument("--jobs", type=int, help="pinlint --jobs per case")
    args = ap.parse_args(argv)

    corpus = load_corpus()
    case_dirs = [CASES / c["slug"] for c in corpus.raw["case"]]
    results = []
    t0 = time.perf_counter()
    found = run_pinlint_in_process(case_dirs) if args.in_process else run_pinlint_cli(case_dirs, args.jobs)
    s = score("pinlint", corpus, found, check_code=True)
    s.seconds = time.perf_counter() - t0
    results.append(s)
    notes = []
    if not args.no_semgrep:
        why = semgrep_available(args.rules)
        if why:
            notes.append(f"semgrep skipped: {why}")
        else:
            t0 = time.perf_counter()
            sg = score("semgrep", corpus, run_semgrep(case_dirs, args.rules), check_code=False)
            sg.seconds = time.perf_counter() - t0
            results.append(sg)
    n_repos = len({c["repo"] for c in corpus.raw["case"]})
    print(f"corpus: {len(case_dirs)} cases from {n_repos} repositories, {len(corpus.hazards)} hazards, "
          f"{len(corpus.traps)} traps")
    figs = []
    for s in results:
        fig = figures(s, corpus)
        figs.append(fig)
        print(render(s, fig, corpus, args.misses))
    for n in notes:
        print(n)
    if args.json:
        args.json.write_text(json.dumps({"cases": len(case_dirs), "repositories": n_repos,
                                         "hazards": len(corpus.hazards), "traps": len(corpus.traps),
                                         "tools": figs, "notes": notes}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
