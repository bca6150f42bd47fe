"""The checks' context: views computed once per file and only by checks that declare them; the site
contexts (PIN306 marks the SQL of connection hooks, and reports the SQL checks' verdicts there)."""

import libcst as cst
import pytest

from pinlint.api import check_source
from pinlint.checks.context import ModuleContext, View
from pinlint.checks.drivers.driverfacts import DriverFacts
from pinlint.checks.drivers.engines import Engines
from pinlint.checks.drivers.init_hooks import CONNECTION_INIT
from pinlint.evaluate import evaluate
from pinlint.facts.extract import extract
from pinlint.specs import load_specs
from pinlint.targets import TargetSet

HOOK = '''
from sqlalchemy import create_engine, event

engine = create_engine("postgresql+psycopg2://app@db/app", pool_pre_ping=True)

@event.listens_for(engine, "connect")
def on_connect(dbapi_conn, record):
    cur = dbapi_conn.cursor()
    cur.execute("SET search_path TO tenant")

def handler(conn):
    conn.execute("SET search_path TO other")
'''


def _facts(source: str):
    return extract(cst.parse_module(source))


def test_a_view_is_computed_once_per_file_and_shared():
    ctx = ModuleContext(_facts(HOOK), TargetSet())
    first = ctx.for_reader((Engines,), "PIN999").view(Engines)
    again = ctx.for_reader((Engines, DriverFacts), "PIN998")
    assert again.view(Engines) is first
    assert again.view(DriverFacts) is first.all[0].d  # the view Engines read is the same object


def test_reading_an_undeclared_view_fails():
    ctx = ModuleContext(_facts(HOOK), TargetSet()).for_reader((), "PIN999")
    with pytest.raises(LookupError, match="PIN999 reads the view Engines"):
        ctx.view(Engines)

    class Sneaky(View):
        needs = ()

        def __init__(self, ctx):
            ctx.view(DriverFacts)

    with pytest.raises(LookupError, match="Sneaky reads the view DriverFacts"):
        ModuleContext(_facts(HOOK), TargetSet()).view(Sneaky)


def _codes(source, select):
    return [(d.code, d.start.row) for d in check_source(source, select=select)]


def test_sql_in_a_connection_hook_is_reported_by_the_init_rule():
    assert _codes(HOOK, ["PIN101", "PIN306"]) == [("PIN306", 9), ("PIN101", 12)]


def test_sql_in_a_connection_hook_is_its_own_rule_when_the_init_rule_is_off():
    assert _codes(HOOK, ["PIN101"]) == [("PIN101", 9), ("PIN101", 12)]


def test_the_init_rule_judges_hook_sql_with_every_sql_check_even_disabled_ones():
    assert _codes(HOOK, ["PIN306"]) == [("PIN306", 9)]


def test_marking_sets_the_site_context():
    facts = _facts(HOOK)
    specs = {s.name: s for s in load_specs() if s.code in ("PIN101", "PIN306")}
    findings = evaluate(facts, specs, TargetSet())
    contexts = {site.text: site.context for site in facts.sql_sites}
    assert contexts == {"SET search_path TO tenant": CONNECTION_INIT, "SET search_path TO other": None}
    assert sorted(f.spec.code for f in findings) == ["PIN101", "PIN306"]
    (init,) = [f for f in findings if f.spec.code == "PIN306"]
    assert "SQLAlchemy \"connect\" event" in init.message and "SET search_path TO tenant" in init.message
