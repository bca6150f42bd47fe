"""Targets as data: the profiles, the effect model, the target options, `--target a,b`, `pinlint targets`."""

import json

import pytest

from pinlint.api import check_source, check_sql
from pinlint.checks.registry import load_checks
from pinlint.specs import load_specs
from pinlint.targets import (
    OptionError,
    TargetSet,
    consequence,
    hazard,
    parse_targets,
    target_options,
)
from pinlint.targets.matrix import as_json, render_text
from pinlint.targets.profiles import REPORTED, UNCONFIRMED, catalog

CAT = catalog()
TARGETS = ("pgbouncer", "rds-proxy", "supavisor", "azure", "cloud-sql", "pgcat", "pgdog")


def test_the_seven_targets_in_order():
    assert CAT.names == TARGETS
    assert parse_targets("any") == TARGETS
    assert parse_targets("rds-proxy,pgbouncer") == ("pgbouncer", "rds-proxy")
    assert parse_targets(["pgdog", " supavisor "]) == ("supavisor", "pgdog")
    for bad in ("supavisr", "", "any,pgbouncer", 3, ["pgbouncer", 1]):
        with pytest.raises(ValueError, match="expected one of|already means"):
            parse_targets(bad)


def test_every_cell_names_a_known_source_and_every_family_a_cell():
    for p in CAT.profiles.values():
        for fam in CAT.families.values():
            if fam.dialect not in p.dialects:
                continue
            cell = p.cells[fam.name]
            assert cell.sources and all(s in CAT.sources for s in cell.sources), (p.name, fam.name)
            for clause in cell.clauses:
                assert all(s in CAT.sources for s in clause.sources)
    for s in CAT.sources.values():
        assert s.url or s.ref, s.id


def _reportable(cell):
    return bool(({cell.effect} | {c.effect for c in cell.clauses}) & REPORTED)


def test_spec_severity_lists_exactly_the_targets_where_a_family_of_the_rule_can_report():
    checks = load_checks()
    for spec in load_specs():
        check = checks.get(spec.code)
        if check is None:  # meta rules (PIN000, PIN010): every target
            assert set(spec.severity) == set(TARGETS), spec.code
            continue
        assert check.families, spec.code
        families = tuple(CAT.families) if spec.code == "PIN306" else check.families  # reports every SQL family
        can = {t for t, p in CAT.profiles.items()
               if any(CAT.families[f].dialect in p.dialects and _reportable(p.cells[f]) for f in families)}
        assert set(spec.severity) == can, spec.code


def test_each_difference_from_pgbouncer_has_an_example():
    """Where a target's default effect differs from PgBouncer's (or is unconfirmed), the rule shows it
    with an example whose `target` is that target."""
    checks = load_checks()
    missing = []
    for spec in load_specs():
        check = checks.get(spec.code)
        if check is None:
            continue
        shown = {t for ex in spec.invalid + spec.valid for t in ex.target.split(",")}
        for t in spec.severity:
            if t in ("pgbouncer", "rds-proxy") or t in shown:
                continue
            for f in check.families:
                p, b = CAT.profiles[t], CAT.profiles["pgbouncer"]
                if CAT.families[f].dialect not in p.dialects:
                    continue
                cell, base = p.cells[f], b.cells[f]
                if cell.effect != base.effect or (cell.effect in REPORTED and cell.confidence == UNCONFIRMED):
                    missing.append((spec.code, t, f))
    assert not missing


def test_an_unconfirmed_effect_is_a_warning_and_says_so():
    (d,) = check_sql("SET statement_timeout = '5s'", target="cloud-sql")
    assert d.severity == "warning" and "(unconfirmed)" in d.message
    (d,) = check_sql("SET statement_timeout = '5s'", target="cloud-sql,pgbouncer")
    assert d.severity == "error" and d.targets == ("pgbouncer", "cloud-sql")
    # no unconfirmed cell is ever reported at error severity
    for p in CAT.profiles.values():
        for cell in p.cells.values():
            for c in ((cell.effect, cell.confidence),) + tuple((x.effect, x.confidence or cell.confidence)
                                                             for x in cell.clauses):
                if c[1] == UNCONFIRMED:
                    assert c[0] in REPORTED or c[0] in ("unconfirmed", "fine")


def test_verdicts_differ_where_the_products_differ():
    def effects(sql, target="any", options=None):
        return {t: e for d in check_sql(sql, target=target, options=options) for t, e in d.effects}

    e = effects("SET search_path TO app")
    assert e == {"pgbouncer": "leaks", "rds-proxy": "pins", "supavisor": "leaks", "azure": "leaks",
                 "cloud-sql": "leaks", "pgcat": "leaks"}  # PgDog tracks SETs
    assert effects("SET TIME ZONE 'UTC'") == {"rds-proxy": "pins", "supavisor": "leaks"}
    assert effects("SELECT pg_advisory_lock(1)", "pgdog") == {"pgdog": "leaks"}
    assert effects("SELECT pg_advisory_lock(1)", "pgdog", {"pgdog": {"query-parser": "on"}}) == {"pgdog": "pins"}
    assert effects("LISTEN jobs", "pgdog") == {"pgdog": "breaks"}
    assert effects("PREPARE q AS SELECT 1", "pgcat") == {"pgcat": "lost"}


def test_pgbouncer_version_sets_the_defaults():
    assert target_options("pgbouncer").max_prepared_statements == 0
    assert target_options("pgbouncer", {"version": "1.21"}).max_prepared_statements == 0
    assert target_options("pgbouncer", {"version": "1.24.1"}).max_prepared_statements == 200
    assert target_options("pgbouncer", {"version": "1.24", "max-prepared-statements": 0}).max_prepared_statements == 0
    old = target_options("pgbouncer", {"version": "1.18"})
    assert not old.tracked("IntervalStyle") and target_options("pgbouncer").tracked("IntervalStyle")
    with pytest.raises(OptionError, match="not available in PgBouncer 1.18"):
        target_options("pgbouncer", {"version": "1.18", "max-prepared-statements": 100})
    with pytest.raises(OptionError, match="expected a version"):
        target_options("pgbouncer", {"version": 1.24})
    # Azure's built-in PgBouncer is 1.25.1 with max_prepared_statements 0, and its version is not an option
    assert target_options("azure").max_prepared_statements == 0
    with pytest.raises(OptionError, match="unknown key"):
        target_options("azure", {"version": "1.26"})
    with pytest.raises(OptionError, match="cloud-sql has no options"):
        target_options("cloud-sql", {"pool-mode": "transaction"})


def test_consequence_groups_poolers_with_the_same_wording():
    ts = TargetSet()
    text = consequence(ts.outcomes(hazard("session-set", "search_path")), ts, "session-set")
    assert text.startswith("pins the session under RDS Proxy; leaks to the next client of the server connection "
                           "under PgBouncer transaction mode, Supavisor transaction mode, Azure's built-in "
                           "PgBouncer, Cloud SQL managed connection pooling (unconfirmed) and PgCat")
    # a parameter nobody can read: the targets that track parameters stay quiet
    assert set(ts.outcomes(hazard("session-set", None))) == {"rds-proxy", "supavisor", "pgdog"}


def test_target_lists_on_the_command_line_and_in_the_configuration(run_pinlint, write):
    write("app.py", 'import psycopg\nconn = psycopg.connect("", prepare_threshold=None)\n'
                    'conn.execute("SET search_path TO app")\n')
    r = run_pinlint("check", "--target", "rds-proxy,supavisor", "--output-format", "json")
    (d,) = json.loads(r.stdout)
    assert d["targets"] == ["rds-proxy", "supavisor"] and "Supavisor transaction mode" in d["message"]
    write("pinlint.toml", 'target = ["pgdog"]\n')
    assert run_pinlint("check").returncode == 0  # PgDog tracks the SET
    r = run_pinlint("check", "--target", "pgcatt")
    assert r.returncode == 2 and "pgcatt" in r.stderr
    write("pinlint.toml", '[supavisor]\nnamed-prepared = true\n')
    r = run_pinlint("check")
    assert r.returncode == 2 and "pinlint.toml" in r.stderr and "supavisor.named-prepared" in r.stderr
    write("pinlint.toml", '[pgbouncer]\nversion = "1.18"\nmax-prepared-statements = 10\n')
    r = run_pinlint("check")
    assert r.returncode == 2 and "pgbouncer.max-prepared-statements" in r.stderr


def test_pinlint_targets_matrix(run_pinlint):
    r = run_pinlint("targets")
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["family", *TARGETS]
    row = next(line for line in lines if line.startswith("advisory-lock "))
    assert row.split() == ["advisory-lock", "leaks", "pins*", "leaks", "leaks", "leaks?", "leaks", "leaks*"]
    r = run_pinlint("targets", "--output-format", "json")
    data = json.loads(r.stdout)
    assert [t["name"] for t in data["targets"]] == list(TARGETS)
    for fam in data["families"]:
        for target, cell in fam["cells"].items():
            assert cell["effect"] == "n/a" or cell["sources"], (fam["name"], target)
    r = run_pinlint("targets", "startup-options")
    assert "supavisor: lost (source)" in r.stdout and "src/client.c" in r.stdout
    assert run_pinlint("targets", "no-such-family").returncode == 2


def test_matrix_text_and_json_come_from_the_same_cells():
    data = as_json()
    text = render_text()
    for fam in data["families"]:
        row = next(line for line in text.splitlines() if line.split() and line.split()[0] == fam["name"])
        effects = [c.rstrip("?*") for c in row.split()[1:]]
        assert effects == [fam["cells"][t]["effect"] for t in TARGETS], fam["name"]


def test_rule_docs_name_each_targets_source(run_pinlint):
    r = run_pinlint("rule", "PIN308")
    assert "## Targets" in r.stdout and "Supavisor source: startup parameters" in r.stdout
    data = json.loads(run_pinlint("rule", "PIN121", "--json").stdout)
    assert data["target_effects"]["pgdog"]["listen"]["effect"] == "breaks"


def test_proxy_judges_every_target():
    from pinlint.proxy.judge import Judge

    judge = Judge("any")
    (f,) = judge.startup([("user", "app"), ("options", "-c statement_timeout=5000")])
    assert dict(f.effects) == {"pgbouncer": "breaks", "rds-proxy": "breaks", "supavisor": "lost", "azure": "breaks",
                               "cloud-sql": "breaks", "pgcat": "lost"}
    assert f.severity == "error"


def test_unknown_parameter_keeps_tracking_targets_quiet():
    source = 'import psycopg\nconn = psycopg.connect("", prepare_threshold=None)\n' \
             'def f(name):\n    conn.execute(f"SET {name} = 1")\n'
    (d,) = check_source(source)
    assert d.targets == ("rds-proxy", "supavisor")  # they track nothing; PgDog tracks everything


BUDGET = '''
import psycopg
from sqlalchemy import create_engine

engine = create_engine("postgresql+psycopg://app@proxy:5432/app", pool_size=10, max_overflow=20, pool_pre_ping=True,
                       connect_args={"prepare_threshold": None})
'''
BUDGET_OPTIONS = {"client-processes": 20, "rds-proxy": {"database-max-connections": 410, "max-connections-percent": 90}}


def test_connection_budget_is_an_error_when_the_run_also_pins(run_pinlint, write):
    (d,) = check_source(BUDGET, target="rds-proxy", options=BUDGET_OPTIONS)
    assert d.code == "PIN312" and d.severity == "warning" and "369" in d.message and "600" in d.message
    pinning = BUDGET + 'with psycopg.connect("", prepare_threshold=None) as conn:\n    conn.execute("SET search_path TO a")\n'
    by_code = {d.code: d for d in check_source(pinning, target="rds-proxy", options=BUDGET_OPTIONS)}
    assert by_code["PIN312"].severity == "error" and "pin sessions" in by_code["PIN312"].message
    # decided over the whole run: the pinning statement may be in another file
    write("pinlint.toml", 'target = "rds-proxy"\nclient-processes = 20\n'
                          '[rds-proxy]\ndatabase-max-connections = 410\nmax-connections-percent = 90\n')
    write("db.py", BUDGET)
    r = run_pinlint("check", "--output-format", "json", "db.py")
    assert [x["severity"] for x in json.loads(r.stdout)] == ["warning"]
    write("tenants.py", 'import psycopg\nconn = psycopg.connect("", prepare_threshold=None)\n'
                        'conn.execute("SET search_path TO a")\n')
    r = run_pinlint("check", "--output-format", "json")
    found = {x["code"]: x for x in json.loads(r.stdout)}
    assert found["PIN312"]["severity"] == "error" and "PIN101" in found
    write("pinlint.toml", '[rds-proxy]\nmax-connections-percent = 101\n')
    r = run_pinlint("check")
    assert r.returncode == 2 and "rds-proxy.max-connections-percent" in r.stderr
