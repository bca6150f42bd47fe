"""The labelled corpus of real code (tests/corpus): its labels are well-formed, every trap stays clean,
and pinlint's recall does not fall below the floor recorded in labels.toml."""

import ast
import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
CASES = CORPUS / "cases"


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


recall = _load("corpus_recall", ROOT / "bench" / "recall.py")
cut = _load("corpus_cut", CORPUS / "cut.py")
CORPUS_DATA = recall.load_corpus()
RAW = CORPUS_DATA.raw["case"]
KNOWN_CODES = {p.name.split("-", 1)[0] for p in (ROOT / "rules").glob("PIN*.toml")}


def _lines(slug, path):
    return (CASES / slug / path).read_text(encoding="utf-8").splitlines()


def _check_span(slug, files, item, what):
    assert item["file"] in files, f"{slug}: {what} names {item['file']}, not a file of the case"
    n = len(_lines(slug, item["file"]))
    line, end = item["line"], item.get("end_line", item["line"])
    assert 1 <= line <= end <= n, f"{slug}: {what} {item['file']}:{line}-{end} outside 1..{n}"
    # the excerpt line is the original line mapped through the cut ranges
    m = cut.line_map(files[item["file"]])
    assert m.get(item["original_line"]) == line, f"{slug}: {what} line {line} is not original {item['original_line']}"
    if "end_line" in item:
        assert m.get(item["original_end_line"]) == end, f"{slug}: {what} end_line does not match original_end_line"


@pytest.mark.parametrize("case", RAW, ids=[c["slug"] for c in RAW])
def test_case_labels_are_well_formed(case):
    slug = case["slug"]
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug)
    assert re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", case["repo"])
    assert re.fullmatch(r"[0-9a-f]{40}", case["commit"])
    assert case["split"] in ("dev", "holdout")
    assert case["split"] == cut.split_for(case["repo"]), "split is fixed per repository by cut.split_for"
    assert case.get("kind")
    files = {f["path"]: f["cut"] for f in case["file"]}
    assert files, f"{slug}: no files"
    for path, ranges in files.items():
        p = CASES / slug / path
        assert p.is_file(), f"{slug}: missing excerpt {path}"
        spans = cut.parse_cut(ranges)
        assert all(a <= b for a, b in spans) and all(b < a2 for (_, b), (a2, _) in zip(spans, spans[1:])), \
            f"{slug}: cut ranges of {path} must be ascending and disjoint"
        assert len(_lines(slug, path)) == sum(b - a + 1 for a, b in spans), f"{slug}: {path} length != cut"
        if path.endswith(".py"):
            ast.parse(p.read_text(encoding="utf-8"), filename=str(p))
    on_disk = {q.relative_to(CASES / slug).as_posix() for q in (CASES / slug).rglob("*") if q.is_file()}
    assert on_disk == set(files), f"{slug}: files on disk differ from labels: {on_disk ^ set(files)}"
    assert case.get("hazard") or case.get("trap"), f"{slug}: neither hazards nor traps"
    for h in case.get("hazard", []):
        _check_span(slug, files, h, "hazard")
        assert h["codes"] and set(h["codes"]) <= KNOWN_CODES, f"{slug}: unknown codes {h['codes']}"
        assert h["class"] in recall.CLASSES
        assert h["dialect"] in ("postgres", "mysql")
        assert h["note"].strip()
        assert len(h.get("also", [])) == len(h.get("original_also", []))
        for site in h.get("also", []):
            path, _, rng = site.rpartition(":")
            a, _, b = rng.partition("-")
            assert path in files and 1 <= int(a) <= int(b) <= len(_lines(slug, path)), f"{slug}: bad also {site}"
    for t in case.get("trap", []):
        _check_span(slug, files, t, "trap")
        assert t["note"].strip()
        if "known-false-positive" in t:
            assert t["known-false-positive"].strip()


def test_hazards_and_traps_do_not_overlap():
    for h in CORPUS_DATA.hazards:
        for t in CORPUS_DATA.traps:
            if t.case == h.case:
                for s in h.spans:
                    assert not (s.file == t.span.file and s.start <= t.span.end and t.span.start <= s.end), \
                        f"{h.case}: hazard {h.where} overlaps trap {t.span.file}:{t.span.start}"


def test_splits_are_per_repository():
    by_repo = {}
    for c in RAW:
        by_repo.setdefault(c["repo"], set()).add(c["split"])
    assert all(len(s) == 1 for s in by_repo.values())


@pytest.fixture(scope="module")
def pinlint_score():
    found = recall.run_pinlint_in_process([CASES / c["slug"] for c in RAW])
    return recall.score("pinlint", CORPUS_DATA, found, check_code=True)


def test_traps_are_clean(pinlint_score):
    hit = {id(t) for _, t in pinlint_score.on_trap}
    flagged_clean = [(f, t) for f, t in pinlint_score.on_trap if t.known_fp is None]
    assert not flagged_clean, "pinlint flags traps:\n" + "\n".join(
        f"{f.case}/{f.file}:{f.line} {f.code} {f.message[:100]} [trap: {t.note}]" for f, t in flagged_clean)
    stale = [t for t in CORPUS_DATA.traps if t.known_fp is not None and id(t) not in hit]
    assert not stale, "traps marked known-false-positive are clean now; drop the mark:\n" + "\n".join(
        f"{t.case}/{t.span.file}:{t.span.start} ({t.known_fp})" for t in stale)


def test_recall_does_not_fall_below_the_floor(pinlint_score):
    total = len(CORPUS_DATA.hazards)
    found = len(pinlint_score.found)
    assert found / total >= CORPUS_DATA.recall_floor, (
        f"pinlint recall {found}/{total} = {found / total:.3f} is below recall-floor "
        f"{CORPUS_DATA.recall_floor} (python bench/recall.py --misses lists the misses)")
