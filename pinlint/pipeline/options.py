"""What a run needs in every worker: targets, enabled rules, ignores, cache, the project index. Picklable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, FrozenSet, Optional, Tuple

from pinlint.pipeline.budget import DEFAULT_MEMORY_BOUND, DEFAULT_TIME_BUDGET
from pinlint.targets import TargetSet

if TYPE_CHECKING:  # pragma: no cover
    from pinlint.facts.index.model import ProjectIndex


@dataclass(frozen=True)
class RunOptions:
    """Everything a worker needs; picklable."""

    targets: TargetSet
    enabled: FrozenSet[str]
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    root: str = "."
    use_prefilter: bool = True
    #: result cache directory (pinlint/pipeline/cache.py); None: no cache
    cache_dir: Optional[str] = None
    #: cross-module SQL facts (pinlint/facts/index.py), built by check_paths; None: index each file alone
    index: Optional["ProjectIndex"] = None
    #: ``sql-functions`` from the configuration: project functions whose first argument is SQL
    sql_functions: Tuple[str, ...] = ()
    #: seconds one file's analysis may take, and bytes its syntax tree may take (pinlint/pipeline/budget.py)
    time_budget: Optional[float] = DEFAULT_TIME_BUDGET
    memory_bound: int = DEFAULT_MEMORY_BOUND
    #: compute the fixes of findings (``--fix``, ``--diff``, and the formats that show them): off in a
    #: default run, which then never builds an edit (pinlint/output/fix_edits.py)
    fixes: bool = False
