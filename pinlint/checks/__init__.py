"""Rule implementations, registered by rule code (``pinlint.checks.registry``).

- ``registry``: ``@sql_check("PIN151", families=("advisory-lock",))``, ``@module_check("PIN302",
  families=(...), needs=...)``, the site contexts, the rules the engine reports itself;
- ``context``: what a check gets (``SqlContext``, ``ModuleContext`` with its views) and returns
  (``Verdict``, ``NodeVerdict``);
- ``session_sql`` (PIN1xx, PostgreSQL statements), ``mysql_sql`` (PIN2xx), ``drivers/`` (PIN3xx, one
  module per rule);
- ``sqltext``: small helpers (libcst is loaded lazily: ``pinlint.lazy``).
"""
