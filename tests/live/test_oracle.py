"""The live oracle: every SQL example in rules/ runs through a real PgBouncer, and pinlint's verdict
for PgBouncer must agree with what the server did.

For each ``sql`` example of a PostgreSQL rule (flagged or clean), pinlint lints it with
``target = "pgbouncer"`` (and the example's options), and the observer runs it as client A through
PgBouncer with one server connection, then looks at what client B inherits on the same backend
(settings, role, prepared statements, cursors, temp relations, listening channels, advisory locks).

pinlint reports the example for PgBouncer <=> the observer finds it session-scoped (client B sees a
residue). A statement that pinlint says *relies* on session state (effect ``lost`` or ``breaks``:
``SELECT currval('s')`` after a ``nextval`` in an earlier transaction) leaves no residue of its own; for
those the oracle runs the example's ``setup`` as A's first transaction, moves A to another backend, and
runs the example as A's next transaction: it must fail there.

Examples marked ``oracle = "documented-only"`` name their source instead; they are listed by
``test_documented_only_examples_name_a_source``. RDS Proxy verdicts cannot be observed locally: they
rest on the AWS documentation cited in each rule.
"""

from __future__ import annotations

import pytest

from pinlint.api import check_source
from pinlint.specs import load_specs

from .observe import observe_pg

PG_EXAMPLES = [
    pytest.param(spec, ex, id=f"{spec.code}-{'valid' if ex.valid else 'invalid'}-{ex.index}")
    for spec in load_specs()
    if spec.dialect == "postgres"
    for ex in spec.invalid + spec.valid
    if ex.sql is not None and ex.oracle == "observe"
]


def pgbouncer_verdict(spec, ex):
    """pinlint's effects under PgBouncer for this example: {code: effect}."""
    diags = check_source(ex.python_source(spec.dialect), target="pgbouncer", options=ex.options)
    return {d.code: dict(d.effects).get("pgbouncer") for d in diags if d.code != "PIN000"}


@pytest.mark.parametrize("spec, ex", PG_EXAMPLES)
def test_pgbouncer_verdict_matches_the_server(spec, ex, pgbouncer_tx, pgbouncer_stmt):
    mode = dict(ex.options).get("pgbouncer", {}).get("pool-mode", "transaction")
    bouncer = pgbouncer_stmt if mode == "statement" else pgbouncer_tx
    verdict = pgbouncer_verdict(spec, ex)
    obs = observe_pg(ex.sql, setup=ex.setup, bouncer=bouncer)
    flagged = sorted(code for code, effect in verdict.items() if effect)
    detail = (
        f"\nstatement: {ex.sql}\nsetup: {ex.setup or '-'}\nvia: {obs.via}\n"
        f"pinlint (target pgbouncer): {verdict or 'clean'}\nobserved residues: {obs.residues or 'none'}\n"
        f"A's error: {obs.error or 'none'}\nnotes: {obs.notes or 'none'}"
    )
    relies = [code for code, effect in verdict.items() if effect in ("lost", "breaks")]
    if flagged and not obs.session_scoped and relies and ex.setup:
        moved = observe_pg(ex.setup, bouncer=bouncer, followup=ex.sql)
        assert moved.followup_error, (
            f"pinlint says {relies} rely on session state, but the statement worked on another backend"
            + detail + f"\nrun after moving to another backend: {moved.followup_error or 'no error'}")
    elif flagged:
        assert obs.session_scoped, f"pinlint flags {flagged} for PgBouncer, the server shows no residue" + detail
    else:
        assert not obs.session_scoped, "pinlint is quiet for PgBouncer, the server shows residue" + detail


def test_documented_only_examples_name_a_source():
    documented = [
        (spec.code, ex.index, ex.source)
        for spec in load_specs()
        for ex in spec.invalid + spec.valid
        if ex.sql is not None and ex.oracle == "documented-only"
    ]
    observed = len(PG_EXAMPLES)
    assert observed > 3 * len(documented), "keep the documented-only list short"
    assert all(source.strip() for _, _, source in documented)
