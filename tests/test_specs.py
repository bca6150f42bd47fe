"""Every rule spec is complete: keys, docs sections, examples of both kinds, a check registered by its
code (or, for the rules the engine reports itself, an entry in ``META_RULES``)."""

import inspect

import pytest

from pinlint.checks.context import View
from pinlint.checks.registry import CHECKS, META_RULES, MODULE, SITE_CONTEXTS, SQL, load_checks
from pinlint.specs import DOC_SECTIONS, SpecError, load_specs, parse_spec

SPECS = load_specs()

load_checks()


def test_specs_exist():
    assert len(SPECS) >= 12
    assert [s.code for s in SPECS] == sorted(s.code for s in SPECS)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.code)
def test_spec_is_complete(spec):
    for section in DOC_SECTIONS:
        assert spec.docs.get(section), f"{spec.code}: docs section {section} is empty"
    assert spec.invalid and spec.valid
    assert spec.targets, f"{spec.code}: no target in [severity]"
    assert spec.code in CHECKS or spec.code in META_RULES, f"{spec.code}: no check registered for it"
    if spec.code in CHECKS:
        assert "{consequence}" in spec.message, f"{spec.code}: the message must state the consequence"
    assert spec.path.endswith(f"{spec.code}-{spec.name}.toml")


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.code)
def test_references_have_urls(spec):
    for ref in spec.docs["references"]:
        assert ref["url"].startswith("https://"), ref


def test_every_check_has_a_spec():
    codes = {s.code for s in SPECS}
    assert set(CHECKS) <= codes, sorted(set(CHECKS) - codes)
    assert set(META_RULES) <= codes, sorted(set(META_RULES) - codes)
    assert not set(META_RULES) & set(CHECKS), "a meta rule is reported by the engine, not by a check"
    for sc in SITE_CONTEXTS.values():
        assert sc.code in CHECKS, f"site context {sc.name} reports as {sc.code}, which has no check"


@pytest.mark.parametrize("code", sorted(CHECKS))
def test_check_is_found_from_its_code(code):
    """``grep -rn '"PIN302"' pinlint/`` lands on the check: its decorator names the code."""
    check = CHECKS[code]
    source = inspect.getsource(inspect.getmodule(check.run))
    assert f'_check("{code}"' in source
    assert check.kind in (SQL, MODULE)
    assert all(isinstance(v, type) and issubclass(v, View) for v in check.needs), check.needs
    if check.kind == SQL:
        assert not check.needs, "SQL checks see one statement; they read no views"


def test_registering_a_code_twice_or_a_meta_rule_fails():
    from pinlint.checks.registry import sql_check

    with pytest.raises(ValueError, match="already has a check"):
        sql_check("PIN101", families=("session-set",), large=True)(lambda ctx: [])
    with pytest.raises(ValueError, match="already has a check"):
        sql_check("PIN000", families=("session-set",), large=True)(lambda ctx: [])
    with pytest.raises(ValueError, match="not a rule code"):
        sql_check("set-role", families=("session-set",), large=True)(lambda ctx: [])


def test_a_check_must_declare_its_triggers():
    from pinlint.checks.registry import module_check, sql_check

    with pytest.raises(ValueError, match="declares what can make it fire"):
        sql_check("PIN998", families=("session-set",))
    with pytest.raises(ValueError, match="needles"):
        module_check("PIN998")
    assert "PIN998" not in CHECKS


@pytest.mark.parametrize("code", sorted(CHECKS))
def test_sql_check_triggers_cover_its_kinds(code):
    """A SQL check that judges statement kinds names the keywords such statements start with."""
    check = CHECKS[code]
    if check.kind == SQL and check.triggers.kinds:
        assert check.triggers.shapes, f"{code} judges {sorted(check.triggers.kinds)} but declares no statement shape"


MINIMAL = '''
code = "PIN999"
name = "x"
summary = "s"
message = "m {consequence}"
help = "h"
[severity]
pgbouncer = "error"
[docs]
what-it-does = "a"
why-is-this-bad = "b"
example = "c"
use-instead = "d"
fix-safety = "e"
references = [{ title = "t", url = "https://example.org" }]
[[invalid]]
sql = "SET a TO b"
[[valid]]
sql = "SET LOCAL a TO b"
'''


def test_minimal_spec_parses():
    spec = parse_spec(MINIMAL)
    assert spec.code == "PIN999" and spec.targets == ("pgbouncer",)


@pytest.mark.parametrize(
    "mutation, error",
    [
        (lambda s: s.replace('fix-safety = "e"\n', ""), "fix-safety"),
        (lambda s: s.replace('[[valid]]\nsql = "SET LOCAL a TO b"\n', ""), "[[valid]]"),
        (lambda s: s.replace('[[invalid]]\nsql = "SET a TO b"\n', ""), "[[invalid]]"),
        (lambda s: s.replace('"PIN999"', '"PX1"'), "PIN + 3 digits"),
        (lambda s: s.replace('name = "x"', 'name = "Bad_Name"'), "kebab-case"),
        (lambda s: s.replace('pgbouncer = "error"', 'pgbouncer = "fatal"'), "severity"),
        (lambda s: s.replace('references = [{ title = "t", url = "https://example.org" }]', "references = []"),
         "references"),
        (lambda s: s + '[[valid]]\nsql = "x"\ncode = "y"\n', "exactly one"),
        (lambda s: s + '[[valid]]\nsql = "x"\noracle = "documented-only"\n', "source"),
        (lambda s: s + 'bogus = 1\n', "unknown key"),
    ],
)
def test_incomplete_spec_is_rejected(mutation, error):
    with pytest.raises(SpecError, match=None) as info:
        parse_spec(mutation(MINIMAL))
    assert error in str(info.value)


def test_lazy_loading_reads_the_same_specs():
    """load_specs() parses docs and examples on first use; the result is the same as a whole parse."""
    from pathlib import Path

    from pinlint.specs import parse_spec

    for lazy in load_specs():
        assert lazy.deferred_text, lazy.code  # something was set aside
        whole = parse_spec(Path(lazy.path).read_text(encoding="utf-8"), lazy.path)
        assert (whole, whole.docs, whole.invalid, whole.valid) == (lazy, lazy.docs, lazy.invalid, lazy.valid)


def test_lazy_loading_reports_a_broken_example_when_it_is_read():
    from pinlint.specs import SpecError, parse_spec

    text = (
        'code = "PIN999"\nname = "x"\nsummary = "s"\nmessage = "m"\nhelp = "h"\n'
        '[severity]\npgbouncer = "error"\n'
        '[docs]\nwhat-it-does = "a"\nwhy-is-this-bad = "b"\nexample = "c"\nuse-instead = "d"\n'
        'fix-safety = "e"\nreferences = [{ title = "t", url = "u" }]\n'
        '[[invalid]]\nsql = "SET x = 1"\nbogus = 1\n[[valid]]\nsql = "SELECT 1"\n'
    )
    spec = parse_spec(text, "<x>", lazy=True)
    assert spec.code == "PIN999"
    with pytest.raises(SpecError, match="unknown key"):
        spec.invalid
    with pytest.raises(SpecError, match="unknown key"):
        parse_spec(text, "<x>")


@pytest.mark.parametrize(
    "addition, error",
    [
        ('[[invalid]]\nsql = "SET a TO b"\nline = 0\n', "positive integer"),
        ('[[invalid]]\nsql = "SET a TO b"\nline = "4"\n', "positive integer"),
        ('[[invalid]]\nsql = "SET a TO b"\ncolumn = 3\n', "needs `line`"),
        ('[[invalid]]\nsql = "SET a TO b"\nmessage = ""\n', "non-empty"),
        ('[[invalid]]\ncode = "x"\nfile = "other.py"\n', "`file` must name"),
        ('[[valid]]\nsql = "SELECT 1"\nline = 4\n', "invalid example"),
    ],
)
def test_bad_expectation_is_rejected(addition, error):
    with pytest.raises(SpecError) as info:
        parse_spec(MINIMAL + addition)
    assert error in str(info.value)


def test_expectation_is_read():
    spec = parse_spec(MINIMAL + '[[invalid]]\nsql = "SET a TO b"\nline = 4\ncolumn = 18\nmessage = "SET a"\n')
    ex = spec.invalid[-1]
    assert (ex.line, ex.column, ex.message, ex.file) == (4, 18, "SET a", None)
