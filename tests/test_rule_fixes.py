"""The fixes of each rule, tested by its spec's examples (``fixed``, ``fixed-files``; rules/README.md).

For every ``invalid`` example of a rule that has a fix (``fix-safety`` safe or unsafe), the example is fixed
as ``pinlint check --fix --unsafe-fixes --select CODE`` would fix it (pinlint/output/fix.py, in memory):

- an example with ``fixed`` / ``fixed-files`` must come out exactly as written there, the fixed code must
  have no finding of the rule, and fixing it again must change nothing;
- an example without them must get no fix of the rule (the places where no mechanical fix applies are
  examples too);
- the fixes are the same with focus on (libcst sees only the functions that matter) as without.
"""

import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from pinlint.api import run_options
from pinlint.config import Settings, apply_table
from pinlint.output.fix import Engine
from pinlint.pipeline.discover import discover
from pinlint.pipeline.run import check_source
from pinlint.pipeline.schedule import check_paths
from pinlint.specs import load_specs

MAIN = "example.py"


def _cases():
    for spec in load_specs():
        if spec.fix_safety == "none":
            continue
        for ex in spec.invalid:
            yield pytest.param(spec, ex, id=f"{spec.code}-invalid-{ex.index}")


def _options(spec, ex, root):
    table = dict(ex.options)
    table["target"] = ex.target
    # PIN010 judges a noqa code against the findings of the other rules, so they must run too
    table["select"] = ["PIN"] if spec.code == "PIN010" else [spec.code]
    settings = apply_table(Settings(root=root), table, "<example>")
    return settings, replace(run_options(settings), fixes=True)


def fix_files(spec, ex, files):
    """(findings before, outcome, {relative path: text after}) for ``files`` (relative path -> text)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings, options = _options(spec, ex, root)
        if ex.files:
            for rel, text in files.items():
                path = root / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
            names = [str(p) for p in discover([tmp], settings.all_excludes, root)]
            diags = check_paths(names, options, jobs=1)
            outcome = Engine(names, options).run(diags, unsafe=True)
            after = {Path(v[0]).relative_to(root).as_posix(): v[2].decode("utf-8") for v in outcome.changed.values()}
        else:
            data = files[MAIN].encode("utf-8")
            diags = check_source(MAIN, data, options)
            outcome = Engine([MAIN], options, read=lambda p: data, index_files=False).run(diags, unsafe=True)
            after = {MAIN: v[2].decode("utf-8") for v in outcome.changed.values()}
        return diags, outcome, after


def _sources(spec, ex):
    main = ex.path if ex.files else MAIN
    return main, {**ex.files, main: ex.python_source(spec.dialect)}


def _expected(spec, ex):
    main, files = _sources(spec, ex)
    out = dict(files)
    if ex.fixed is not None:
        out[main] = ex.python_source(spec.dialect, sql=ex.fixed) if ex.sql is not None else ex.fixed
    out.update(ex.fixed_files)
    return out


@pytest.mark.parametrize("spec, ex", list(_cases()))
def test_example_fix(spec, ex):
    main, files = _sources(spec, ex)
    diags, outcome, after = fix_files(spec, ex, files)
    own = [d for d in diags if d.code == spec.code]
    assert own, f"{spec.code} example {ex.index} has no finding to fix"
    assert not outcome.skipped, outcome.skipped
    if ex.fixed is None and not ex.fixed_files:
        assert not any(d.fix for d in own), f"{spec.code} example {ex.index}: a fix is offered: {own[0].fix}; " \
                                            "give the example `fixed`, or tell why no fix applies"
        assert not after
        return
    assert all(d.fix is not None and d.fix.title for d in own)
    assert {**files, **after} == _expected(spec, ex)
    assert not [d for d in outcome.remaining if d.code == spec.code], outcome.remaining
    # a second --fix changes nothing
    again_diags, again, again_after = fix_files(spec, ex, {**files, **after})
    assert not again_after and not again.fixed
    assert not [d for d in again_diags if d.code == spec.code]


@pytest.fixture
def focus_always(monkeypatch):
    import pinlint.pipeline.focus

    monkeypatch.setattr(pinlint.pipeline.focus, "MIN_LINES", 0)
    monkeypatch.setattr(pinlint.pipeline.focus, "MAX_KEPT_SHARE", 1.0)


@pytest.mark.parametrize("spec, ex", [c for c in _cases() if c.values[1].fixed or c.values[1].fixed_files])
def test_focus_gives_the_same_fix(spec, ex, focus_always):
    _, files = _sources(spec, ex)
    assert fix_files(spec, ex, files)[2] == {k: v for k, v in _expected(spec, ex).items() if files.get(k) != v}


def test_every_fixable_rule_shows_its_fix_and_others_show_none():
    for spec in load_specs():
        fixed = [ex for ex in spec.invalid if ex.fixed is not None or ex.fixed_files]
        if spec.fix_safety == "none":
            assert not fixed, f"{spec.code} has no fix (fix-safety none) but examples with `fixed`"
            assert not spec.fix_title
        else:
            assert fixed, f"{spec.code} has a fix but no example shows it (`fixed`)"
            assert spec.fix_title
            assert "No automatic fix" not in str(spec.docs["fix-safety"])


def test_fix_counts():
    """The figures README.md gives."""
    specs = load_specs()
    fixable = [s for s in specs if s.fix_safety != "none"]
    assert sorted(s.code for s in fixable if s.fix_safety == "safe") == ["PIN010", "PIN301", "PIN302", "PIN303", "PIN305", "PIN310"]
    assert sorted(s.code for s in fixable if s.fix_safety == "unsafe") == ["PIN101", "PIN102", "PIN141", "PIN151", "PIN304"]
