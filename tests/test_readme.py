"""README.md stays true: its rule table matches the specs, its commands exist."""

from pathlib import Path

from pinlint.output.docs import update_readme
from pinlint.specs import load_specs

ROOT = Path(__file__).resolve().parent.parent


def test_rule_table_is_current():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert update_readme(text, load_specs()) == text, "run: python -m pinlint.output.docs README.md"


def test_target_matrix_is_current():
    """The README's target matrix is generated from the profiles (pinlint/targets/profiles.toml)."""
    from pinlint.targets.matrix import TABLE_START, markdown_table, update_readme as update_matrix_check

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert TABLE_START in text
    assert update_matrix_check(text) == text, "run: python -m pinlint.output.docs README.md"
    assert markdown_table() in text


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pytest" in readme
    assert "python3 -m pytest" in ci


def test_every_rule_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for spec in load_specs():
        assert spec.code in readme and spec.name in readme
