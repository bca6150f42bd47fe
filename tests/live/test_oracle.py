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

MySQL rules (``dialect = "mysql"``) are checked against MariaDB (``test_mysql_verdict_matches_the_server``,
whose docstring states the comparison).

Examples marked ``oracle = "documented-only"`` name their source instead; they are listed by
``test_documented_only_examples_name_a_source``. RDS Proxy verdicts cannot be observed locally: they
rest on the AWS documentation cited in each rule.
"""

from __future__ import annotations

import pytest

from pinlint.api import check_source
from pinlint.specs import load_specs

from pinlint.targets import RDS_PROXY_MYSQL_TRACKED

from .observe import observe_mysql, observe_pg

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
    observed = len(PG_EXAMPLES) + len(MYSQL_EXAMPLES)
    assert observed > 3 * len(documented), "keep the documented-only list short"
    assert all(source.strip() for _, _, source in documented)


# ---------------------------------------------------------------------------------------------------
# MySQL / MariaDB

MYSQL_EXAMPLES = [
    pytest.param(spec, ex, id=f"{spec.code}-{'valid' if ex.valid else 'invalid'}-{ex.index}")
    for spec in load_specs()
    if spec.dialect == "mysql"
    for ex in spec.invalid + spec.valid
    if ex.sql is not None and ex.oracle == "observe"
]


def rds_proxy_verdict(spec, ex):
    """pinlint's effects under RDS Proxy for this example: {code: effect}."""
    diags = check_source(ex.python_source(spec.dialect), target="rds-proxy", options=ex.options)
    return {d.code: dict(d.effects).get("rds-proxy") for d in diags if d.code != "PIN000"}


def tracked_by_the_proxy(residue: str) -> bool:
    """Whether a MariaDB residue is state RDS Proxy tracks itself: a system variable on its tracked list
    (it reuses the connection only for clients with the same values), or the default database (``USE``)."""
    if residue.startswith("session variable "):
        return residue.split()[2].lower() in RDS_PROXY_MYSQL_TRACKED
    return residue.startswith("DATABASE() = ")


@pytest.mark.parametrize("spec, ex", MYSQL_EXAMPLES)
def test_mysql_verdict_matches_the_server(spec, ex, mariadb):
    """What the MariaDB observation proves, and how it is compared with pinlint's RDS Proxy verdict.

    RDS Proxy cannot run locally, so the oracle does not observe pinning. It observes what pinning is
    for: ``observe_mysql`` runs the example on a fresh MariaDB connection and lists the state that
    connection carries into its next use (user variables, session variables that differ, named and
    table locks, prepared statements, temporary tables, the default database). That is the state a
    multiplexing proxy would hand to the next client, so the proxy must either pin for it or track it.

    * pinlint flags the example for RDS Proxy (pins, or leaks under ``EXCLUDE_VARIABLE_SETS``)
      => MariaDB shows at least one residue: there is session state to protect (or to leak).
    * pinlint is quiet => MariaDB shows no residue, or only residues the proxy tracks itself
      (``RDS_PROXY_MYSQL_TRACKED``: ``SET NAMES``, ``sql_mode``, ``time_zone``, ``autocommit``, the
      SESSION transaction isolation, ...; ``USE``), which do not pin.

    This does not prove that the proxy pins (that rests on the AWS documentation cited in each rule);
    it proves that pinlint flags only statements that leave state behind, and that a statement it calls
    clean leaves none the proxy would have to care about. Statements whose verdict concerns state the
    observer cannot see (next-transaction characteristics, reads of the previous statement's result,
    ``SET LOCAL``, which AWS says does not pin although MariaDB keeps the value) are
    ``oracle = "documented-only"`` with their source.
    """
    verdict = rds_proxy_verdict(spec, ex)
    flagged = sorted(code for code, effect in verdict.items() if effect)
    obs = observe_mysql(ex.sql, ex.setup, server=mariadb)
    detail = (
        f"\nstatement: {ex.sql}\nsetup: {ex.setup or '-'}\n"
        f"pinlint (target rds-proxy): {verdict or 'clean'}\nobserved residues: {obs.residues or 'none'}\n"
        f"error: {obs.error or 'none'}\nnotes: {obs.notes or 'none'}"
    )
    assert obs.error is None, "the example does not run on MariaDB" + detail
    if flagged:
        assert obs.session_scoped, f"pinlint flags {flagged} for RDS Proxy, MariaDB shows no residue" + detail
    else:
        untracked = [r for r in obs.residues if not tracked_by_the_proxy(r)]
        assert not untracked, "pinlint is quiet for RDS Proxy, MariaDB shows untracked residue" + detail
