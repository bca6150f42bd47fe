"""Judge what the proxy saw with pinlint's classifier and rules: the same codes and messages as
``pinlint check``.

This is the only module of :mod:`pinlint.proxy` that imports pinlint internals (the rest imports
them from here), so that moving those modules means re-pointing this file only.

- SQL texts go through the SQL checks exactly as a string in the code would: the same prefilter
  (``SQL_HAZARD_RE``), :func:`~pinlint.sql.classify.classify`, and every enabled SQL check of the
  PostgreSQL dialect, with the statements of the whole transaction as context.
- A Parse with a statement name is a protocol-level named prepared statement: PIN301 for psycopg 3's
  ``_pg3_N``, PIN302 for asyncpg's ``__asyncpg_stmt_N__``, PIN303 for any other name. As in
  ``pinlint check`` these are reported for PgBouncer only (whether named statements pin RDS Proxy
  since its November 2023 change is unconfirmed, see ../shared/reference/poolers.md).
- The startup packet: ``options`` and parameters PgBouncer does not accept are PIN308.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Sequence, Tuple

from pinlint.atomic import atomic_write  # noqa: F401  (re-exported for pinlint.proxy.report)
from pinlint.checks.context import SqlContext, Verdict
from pinlint.checks.drivers.startup_parameters import OPTION_PARAM_RE
from pinlint.checks.registry import SQL, checks_of
from pinlint.config import ConfigError, enabled_codes, load_settings  # noqa: F401  (ConfigError: re-exported)
from pinlint.evaluate import SQL_HAZARD_RE, verdict_finding
from pinlint.specs import RuleSpec, SpecError, load_specs  # noqa: F401  (SpecError: re-exported)
from pinlint.sql.statement import Statement
from pinlint.targets import (  # noqa: F401  (effects and target names: re-exported)
    ALL_TARGETS, BREAKS, LEAKS, LOST, PGBOUNCER, PINS, RDS_PROXY, TARGET_CHOICES, Hazard, TargetSet, hazard,
    large_statement,
)

#: statements that only matter as context of an earlier one (FETCH/MOVE/CLOSE of a cursor): classified
#: even though the prefilter finds nothing in them
CONTEXT_RE = re.compile(r"(?i)^\s*(?:fetch|move|close)\b")
#: startup parameters every pooler accepts (PgBouncer: features.html "Startup parameters")
ACCEPTED_STARTUP = frozenset({"user", "database", "application_name", "replication"})
#: the longest SQL text kept in a finding
SQL_SHOWN = 2000


@dataclass(frozen=True)
class ProxyFinding:
    """A rule's verdict on something a client sent (the ``check`` JSON keys that apply, and the SQL)."""

    code: str
    name: str
    message: str
    help: str
    severity: str
    url: str
    targets: Tuple[str, ...]
    #: (target, effect): ``pins``, ``leaks``, ``lost``, ``breaks``
    effects: Tuple[Tuple[str, str], ...]
    #: the statement's text (None for the startup packet)
    sql: Optional[str]


class _Site:
    """What the SQL checks read of a SQL site: the text and the sink (and, for rendering, no node)."""

    __slots__ = ("text", "sink", "framework", "node", "literal", "call", "via", "wrapper", "context")

    def __init__(self, text: str) -> None:
        self.text = text
        self.sink = "proxy"
        self.context = None
        self.framework = None
        self.node = None
        self.literal = None
        self.call = None
        self.via = ()
        self.wrapper = None


def _shown(text: str) -> str:
    text = text.strip()
    return text if len(text) <= SQL_SHOWN else text[: SQL_SHOWN - 1] + "…"


class Judge:
    """The enabled rules for the chosen target(s), with the options of the project's configuration."""

    def __init__(self, target: Optional[str] = None, config_file: Optional[str] = None) -> None:
        settings = load_settings(config_file)
        if target is not None:
            settings = replace(settings, target=target)
        self.targets: TargetSet = settings.targets
        specs = load_specs()
        enabled = enabled_codes(settings, [s.code for s in specs])
        self.specs: Dict[str, RuleSpec] = {s.code: s for s in specs if s.code in enabled}
        self._checks = [(c.run, self.specs[c.code]) for c in checks_of(SQL)
                        if c.code in self.specs and self.specs[c.code].dialect == "postgres"]
        from pinlint.sql.classify import classify

        self._classify = classify

    @property
    def pool_mode(self) -> str:
        return self.targets.pgbouncer.pool_mode

    # ---- SQL -------------------------------------------------------------------------------------

    @staticmethod
    def wants(text: str) -> bool:
        """Whether a SQL text can matter (the prefilter of ``pinlint check``)."""
        return SQL_HAZARD_RE.search(text) is not None or large_statement(text)

    def _statements(self, text: str) -> Tuple[Statement, ...]:
        if self.wants(text) or CONTEXT_RE.match(text):
            return tuple(self._classify(text, "postgres"))
        # nothing a check reports: one opaque statement, kept only as context for the others
        stripped = text.strip()
        start = len(text) - len(text.lstrip())
        return (Statement(kind="unknown", start=start, end=start + len(stripped), text=stripped),)

    def sql(self, texts: Sequence[str]) -> List[ProxyFinding]:
        """Findings on the texts one transaction sent, in order."""
        per_text = [(text, self._statements(text)) for text in texts]
        unit = tuple(st for _, statements in per_text for st in statements)
        findings: List[ProxyFinding] = []
        index = 0
        for text, statements in per_text:
            site = _Site(text)
            for local, st in enumerate(statements):
                if st.kind != "unknown":
                    ctx = SqlContext(statement=st, statements=unit, index=index, site=site, targets=self.targets)
                    # the 16 KB limit is about one query message, not the whole transaction
                    own = SqlContext(statement=st, statements=statements, index=local, site=site,
                                     targets=self.targets)
                    for check, spec in self._checks:
                        for verdict in check(own if spec.name == "statement-too-large" else ctx):
                            found = self._render(spec, verdict, site, (st.start, st.end), st.text)
                            if found is not None:
                                findings.append(found)
                index += 1
        return findings

    def _render(self, spec: RuleSpec, verdict: Verdict, site: _Site, span: Tuple[int, int],
                sql: Optional[str]) -> Optional[ProxyFinding]:
        f = verdict_finding(spec, verdict, site, self.targets, span)  # type: ignore[arg-type]
        if f is None:
            return None
        return ProxyFinding(code=spec.code, name=spec.name, message=f.message, help=f.help, severity=f.severity,
                            url=spec.url, targets=f.targets, effects=f.effects,
                            sql=_shown(sql) if sql is not None else None)

    def _verdict(self, code: str, found: Hazard, fields: Dict[str, str],
                 framework: Optional[str], sql: Optional[str]) -> Optional[ProxyFinding]:
        spec = self.specs.get(code)
        if spec is None:
            return None
        site = _Site(sql or "")
        site.framework = framework
        return self._render(spec, Verdict(found, fields), site, (0, 0), sql)

    # ---- protocol-level named prepared statements ---------------------------------------------------

    def named_statement(self, name: str, sql: str) -> Optional[ProxyFinding]:
        """A Parse with a statement name that outlived its transaction."""
        if name.startswith("_pg3_"):
            code, framework, pattern = "PIN301", "psycopg", re.sub(r"\d+$", "N", name)
            fix = "`prepare_threshold=None` when connecting"
        elif name.startswith("__asyncpg_"):
            code, framework, pattern = "PIN302", "asyncpg", re.sub(r"_[0-9a-f]+__$", "_N__", name)
            fix = "`statement_cache_size=0` on `asyncpg.connect()` and `asyncpg.create_pool()`"
        else:
            code, framework, pattern = "PIN303", None, re.sub(r"\d+", "N", name)
            fix = "send the query unnamed (the driver's plain execute), or run PgBouncer >= 1.21 with " \
                  "`max_prepared_statements` > 0"
        what = f"Named prepared statement `{pattern}` (Parse on the wire)"
        return self._verdict(code, hazard("protocol-prepared"), {"what": what, "fix": fix}, framework, sql)

    # ---- startup packet -----------------------------------------------------------------------------

    def startup(self, params: Sequence[Tuple[str, str]]) -> List[ProxyFinding]:
        """PIN308 for ``options`` and for other startup parameters (each target's profile judges them)."""
        out: List[ProxyFinding] = []
        for key, value in params:
            k = key.lower()
            if k in ACCEPTED_STARTUP or k.startswith("_pq_."):  # _pq_.*: protocol extensions, negotiated
                continue
            if k == "options":
                if not value.strip():
                    continue
                names = [p.lower() for p in OPTION_PARAM_RE.findall(value)]
                first = names[0] if names else "..."
                shown = value if len(value) <= 50 else value[:49] + "…"
                fields = {"what": f"`options={shown}` (libpq command-line options)", "param": first,
                          "fix": f"`ALTER ROLE app_user SET {first} = ...` instead of sending it at connect"}
                # options without a readable -c name=value: no pooler tracks that (PgBouncer refuses it)
                found = self._verdict("PIN308", hazard("startup-options", *(names or ["options"])), fields, None, None)
            else:
                fields = {"what": f"`{key}` (sent when connecting)", "param": key,
                          "fix": f"`ALTER ROLE app_user SET {key} = ...` instead of sending it at connect, or list "
                                 "it in PgBouncer's track_extra_parameters (1.20+)"}
                found = self._verdict("PIN308", hazard("startup-parameter", k), fields, None, None)
            if found is not None:
                out.append(found)
        return out
