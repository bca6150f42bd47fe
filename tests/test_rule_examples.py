"""The examples in each rule spec are the rule's tests (Fixit style).

An ``invalid`` example must give at least one finding of its rule; a ``valid`` one must give none. An
``invalid`` example that says where its finding is (``line``, ``column``, ``file``) or what it says
(``message``, a part of it) must give a finding of its rule that matches (as Fixit's InvalidTestCase).
Each example is also checked with the prefilter off, so the prefilter can only save time.
An example with ``files`` is a small project: its modules are written to a temporary directory (the
example's ``code`` at its ``path``) and the directory is linted as the CLI does (discover, project
index, per-file analysis).
"""

import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from pinlint.api import check_source, run_options
from pinlint.config import Settings, apply_table
from pinlint.pipeline.discover import discover
from pinlint.pipeline.schedule import check_paths
from pinlint.specs import load_specs


def _cases(valid):
    for spec in load_specs():
        for ex in spec.valid if valid else spec.invalid:
            yield pytest.param(spec, ex, id=f"{spec.code}-{'valid' if valid else 'invalid'}-{ex.index}")


def _lint_project(ex, prefilter=True):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel, text in {**ex.files, ex.path: ex.code}.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        table = dict(ex.options)
        table["target"] = ex.target
        settings = apply_table(Settings(root=root), table, "<example>")
        options = replace(run_options(settings), use_prefilter=prefilter)
        files = [str(p) for p in discover([tmp], settings.all_excludes, root)]
        diags = check_paths(files, options, jobs=1)
        return [replace(d, filename=Path(d.filename).relative_to(root).as_posix()) for d in diags]


def _lint(spec, ex, prefilter=True):
    if ex.files:
        return _lint_project(ex, prefilter)
    return check_source(
        ex.python_source(spec.dialect), target=ex.target, options=ex.options, use_prefilter=prefilter
    )


def _describe(spec, ex, diags):
    what = ex.sql if ex.sql is not None else ex.code
    found = "\n".join(f"  {d.filename}:{d.start.row}:{d.start.column} {d.code} {d.message}" for d in diags) or "  (none)"
    return f"{spec.code} example {ex.index} (target {ex.target}):\n{what}\nfindings:\n{found}"


def _expected(ex, d) -> bool:
    """Whether a finding is the one the example describes (where it says anything)."""
    if ex.files and d.filename != (ex.file or ex.path):
        return False
    if ex.line is not None and d.start.row != ex.line:
        return False
    if ex.column is not None and d.start.column != ex.column:
        return False
    return ex.message is None or ex.message in d.message


@pytest.mark.parametrize("spec, ex", list(_cases(valid=False)))
def test_invalid_example_is_flagged(spec, ex):
    diags = _lint(spec, ex)
    assert any(d.code == spec.code for d in diags), _describe(spec, ex, diags)
    for d in diags:
        assert d.start.row >= 1 and d.start.column >= 1
        assert d.message and d.help and d.url
    if ex.line is not None or ex.message is not None or ex.file is not None:
        expected = f"expected at {ex.file or ''}:{ex.line}:{ex.column} with message containing {ex.message!r}"
        assert any(d.code == spec.code and _expected(ex, d) for d in diags), expected + "\n" + _describe(spec, ex, diags)


def test_most_invalid_examples_say_where_and_what():
    """At least 70% of the invalid examples give the expected finding's position and message."""
    cases = [ex for spec in load_specs() for ex in spec.invalid]
    described = [ex for ex in cases if ex.line is not None and ex.column is not None and ex.message is not None]
    assert len(described) >= 0.7 * len(cases), f"{len(described)} of {len(cases)}"


@pytest.mark.parametrize("spec, ex", list(_cases(valid=True)))
def test_valid_example_is_clean(spec, ex):
    diags = _lint(spec, ex)
    assert not [d for d in diags if d.code == spec.code], _describe(spec, ex, diags)


@pytest.mark.parametrize("spec, ex", list(_cases(valid=False)) + list(_cases(valid=True)))
def test_prefilter_never_hides_a_finding(spec, ex):
    with_filter = [(d.filename, d.code, d.start) for d in _lint(spec, ex, prefilter=True)]
    without = [(d.filename, d.code, d.start) for d in _lint(spec, ex, prefilter=False)]
    if spec.code == "PIN000":
        # the prefilter deliberately skips unparsable files that cannot hold a finding
        assert set(with_filter) <= set(without)
    else:
        assert with_filter == without


@pytest.fixture
def focus_always(monkeypatch):
    """Blank out what cannot matter in every file, however small (pinlint/pipeline/focus.py)."""
    import pinlint.pipeline.focus

    monkeypatch.setattr(pinlint.pipeline.focus, "MIN_LINES", 0)
    monkeypatch.setattr(pinlint.pipeline.focus, "MAX_KEPT_SHARE", 1.0)


@pytest.mark.parametrize("spec, ex", list(_cases(valid=False)) + list(_cases(valid=True)))
def test_focus_never_hides_a_finding(spec, ex, focus_always):
    focused = [(d.filename, d.code, d.start, d.end) for d in _lint(spec, ex, prefilter=True)]
    without = [(d.filename, d.code, d.start, d.end) for d in _lint(spec, ex, prefilter=False)]
    if spec.code == "PIN000":
        assert set(focused) <= set(without)
    else:
        assert focused == without


@pytest.mark.parametrize("spec, ex", list(_cases(valid=False)) + list(_cases(valid=True)))
def test_focused_source_keeps_lines_and_parses(spec, ex, focus_always):
    import ast

    from pinlint.pipeline.focus import focus

    for source in [ex.python_source(spec.dialect)] + list(ex.files.values()):
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        focused = focus(source, tree)
        if focused is None:
            continue
        ast.parse(focused.text)
        before, after = source.split("\n"), focused.text.split("\n")
        assert len(before) == len(after)
        assert all(a == b or a.strip() in ("", '"""') for a, b in zip(after, before))
