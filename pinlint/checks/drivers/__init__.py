"""Driver and ORM configuration rules (PIN3xx): settings that make a driver leave state on the server.

One module per rule (``prepare_threshold`` is PIN301, ``statement_cache`` PIN302, ...); the views they
share (``driverfacts.DriverFacts``, ``engines.Engines``, ``django_databases.DjangoDatabases``,
``init_hooks.InitHooks``) are computed once per file. The rules read keyword arguments, DSNs and URLs
statically; a dynamic value (an env var without a default, a computed dict) keeps a rule quiet unless the
static part settles the verdict. Connections the user lists in ``direct-connections`` (variable names,
Django aliases) bypass the pooler and are exempt. Sources for every verdict are in the rules' specs
(``rules/PIN3*.toml``).
"""
