"""The examples in each rule spec are the rule's tests (Fixit style).

An ``invalid`` example must give at least one finding of its rule; a ``valid`` one must give none.
Each example is also checked with the prefilter off, so the prefilter can only save time.
"""

import pytest

from pinlint.api import check_source
from pinlint.specs import load_specs


def _cases(valid):
    for spec in load_specs():
        for ex in spec.valid if valid else spec.invalid:
            yield pytest.param(spec, ex, id=f"{spec.code}-{'valid' if valid else 'invalid'}-{ex.index}")


def _lint(spec, ex, prefilter=True):
    return check_source(
        ex.python_source(spec.dialect), target=ex.target, options=ex.options, use_prefilter=prefilter
    )


def _describe(spec, ex, diags):
    what = ex.sql if ex.sql is not None else ex.code
    found = "\n".join(f"  {d.start.row}:{d.start.column} {d.code} {d.message}" for d in diags) or "  (none)"
    return f"{spec.code} example {ex.index} (target {ex.target}):\n{what}\nfindings:\n{found}"


@pytest.mark.parametrize("spec, ex", list(_cases(valid=False)))
def test_invalid_example_is_flagged(spec, ex):
    diags = _lint(spec, ex)
    assert any(d.code == spec.code for d in diags), _describe(spec, ex, diags)
    for d in diags:
        assert d.start.row >= 1 and d.start.column >= 1
        assert d.message and d.help and d.url


@pytest.mark.parametrize("spec, ex", list(_cases(valid=True)))
def test_valid_example_is_clean(spec, ex):
    diags = _lint(spec, ex)
    assert not [d for d in diags if d.code == spec.code], _describe(spec, ex, diags)


@pytest.mark.parametrize("spec, ex", list(_cases(valid=False)) + list(_cases(valid=True)))
def test_prefilter_never_hides_a_finding(spec, ex):
    with_filter = [(d.code, d.start) for d in _lint(spec, ex, prefilter=True)]
    without = [(d.code, d.start) for d in _lint(spec, ex, prefilter=False)]
    if spec.code == "PIN000":
        # the prefilter deliberately skips unparsable files that cannot hold a finding
        assert set(with_filter) <= set(without)
    else:
        assert with_filter == without
