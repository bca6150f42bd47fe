"""The project index: cross-module facts about SQL, built once per run before the per-file analysis.

discover -> **index** -> per-file analysis. The per-file analysis (libcst, one file at a time, in
worker processes) cannot see other modules. This pass reads, with the stdlib ``ast`` only, the few
files whose bytes hold SQL-ish markers and records:

- module-level string constants and class attributes (``LOCK_SQL = "..."``, ``class Q: LOCK = "..."``)
  whose text can matter (a hazard word, or more than 16 KB), evaluated statically across modules;
- functions and methods that return such SQL (one string, or a list of statements);
- project wrappers: functions and methods that pass one of their parameters on to a SQL sink
  (``def run(sql, *a): cur.execute(sql, a)``), inferred to a fixpoint across modules, plus the ones
  named in the ``sql-functions`` setting.

The result (``ProjectIndex``) is plain picklable data, passed to workers in ``RunOptions``; its
``fingerprint`` belongs in any result-cache key. Files the byte prefilter would skip are still
indexed when they match ``pinlint.pipeline.markers.INDEX_MARKERS``; in turn the prefilter passes files that mention a name
the index knows holds hazardous SQL (``ProjectIndex.mentions``).
"""

from pinlint.facts.index.link import link
from pinlint.facts.index.model import EMPTY_INDEX, ProjectIndex, SqlText, Wrapper, merge
from pinlint.facts.index.summarise import module_name, summarise

__all__ = ["EMPTY_INDEX", "ProjectIndex", "SqlText", "Wrapper", "link", "merge", "module_name", "summarise"]
