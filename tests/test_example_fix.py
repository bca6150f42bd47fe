"""``examples/pinning_app`` after ``pinlint check --fix --unsafe-fixes`` differs from its fixed twin
``examples/clean_app`` only where no fix is mechanical (README.md, "Fixing findings automatically")."""

import difflib
import shutil
from collections import Counter

from click.testing import CliRunner

from pinlint.cli import cli
from tests.conftest import ROOT

PINNING = ROOT / "examples" / "pinning_app"
CLEAN = ROOT / "examples" / "clean_app"

#: what is left after the fixes: the findings whose remedy is not mechanical (README.md lists them)
LEFT = Counter({
    "PIN101": 5, "PIN151": 3, "PIN306": 3, "PIN111": 2, "PIN141": 2, "PIN161": 2, "PIN308": 2, "PIN102": 1,
    "PIN121": 1, "PIN131": 1, "PIN152": 1, "PIN304": 1,
    # catalog.py: MySQL statements with no mechanical rewrite
    "PIN201": 1, "PIN202": 1, "PIN221": 1, "PIN241": 1, "PIN251": 1, "PIN252": 1, "PIN261": 1,
})


def _check(*args):
    r = CliRunner().invoke(cli, ["check", "--no-cache", "--jobs", "1", *args], catch_exceptions=False)
    return r.exit_code, r.stdout


def _json(path):
    import json

    return json.loads(_check("--output-format", "json", str(path))[1])


def test_pinning_app_fixed_is_the_clean_twin_where_fixes_are_mechanical(tmp_path, monkeypatch):
    app = tmp_path / "pinning_app"
    shutil.copytree(PINNING, app)
    monkeypatch.chdir(tmp_path)
    code, out = _check("--fix", "--unsafe-fixes", "pinning_app")
    assert code == 1
    assert "Fixed 15 findings in 5 files; 31 left." in out
    left = _json("pinning_app")
    assert Counter(d["code"] for d in left) == LEFT
    assert not [d for d in left if d["fix"] is not None]
    # every line the fixes wrote is in the clean twin's file
    for before in sorted(PINNING.rglob("*.py")):
        rel = before.relative_to(PINNING)
        old = before.read_text(encoding="utf-8").splitlines()
        new = (app / rel).read_text(encoding="utf-8").splitlines()
        clean = (CLEAN / rel).read_text(encoding="utf-8").splitlines()
        written = [line for tag, _, _, j1, j2 in difflib.SequenceMatcher(None, old, new).get_opcodes()
                   if tag != "equal" for line in new[j1:j2]]
        assert all(line in clean for line in written), (str(rel), [w for w in written if w not in clean])
    # a second run changes nothing
    code, out = _check("--fix", "--unsafe-fixes", "pinning_app")
    assert code == 1 and "No fixes applied; 31 left." in out


def test_with_the_transaction_blocks_added_the_fixes_give_the_clean_twin(tmp_path, monkeypatch):
    """What is not mechanical is adding the transaction block; with it, the unsafe fixes do the rest."""
    monkeypatch.chdir(tmp_path)
    clean = (CLEAN / "tenants.py").read_text(encoding="utf-8")
    by_hand = clean.replace("SET LOCAL search_path", "SET search_path").replace("pg_advisory_xact_lock", "pg_advisory_lock")
    by_hand = by_hand.replace(
        '        conn.execute("ALTER TABLE orders ADD COLUMN IF NOT EXISTS note text")\n',
        '        try:\n            conn.execute("ALTER TABLE orders ADD COLUMN IF NOT EXISTS note text")\n'
        '        finally:\n            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (tenant,))\n')
    assert by_hand != clean and "finally:" in by_hand
    (tmp_path / "tenants.py").write_text(by_hand, encoding="utf-8")
    code, out = _check("--fix", "--unsafe-fixes", "tenants.py")
    assert code == 0, out
    assert (tmp_path / "tenants.py").read_text(encoding="utf-8") == clean


def test_diff_of_the_example_writes_nothing(tmp_path, monkeypatch):
    app = tmp_path / "pinning_app"
    shutil.copytree(PINNING, app)
    monkeypatch.chdir(tmp_path)
    code, out = _check("--diff", "pinning_app")
    assert code == 1 and out.startswith("--- a/pinning_app/")
    assert all((app / p.relative_to(PINNING)).read_bytes() == p.read_bytes() for p in PINNING.rglob("*") if p.is_file())
