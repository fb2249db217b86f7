"""Reads of the classification app (the staff pages, self-service and the API use them):

- `risk.selectors.classes`: one enterprise's current class, overrides and assessments; the
  runs, the scoring models, the class change tasks (jurisdiction-scoped);
- `risk.selectors.distribution`: the class distribution, its trend and a run's from × to
  table, from the runs' own counts (jurisdiction-scoped);
- `risk.selectors.facts`: how an enterprise's own facts could end sooner (its self-service).
"""

from risk.selectors.classes import (
    assessments_for,
    bureau_wide,
    current_for,
    models_list,
    override_open_for,
    overrides_for,
    run_task_counts,
    runs_for,
    runs_list,
    tasks_for,
    tasks_for_enterprise,
    tasks_open_count,
)
from risk.selectors.distribution import Distribution, distribution, summary_runs
from risk.selectors.facts import own_not_classified, sooner

__all__ = [
    "Distribution",
    "assessments_for",
    "bureau_wide",
    "current_for",
    "distribution",
    "models_list",
    "override_open_for",
    "overrides_for",
    "own_not_classified",
    "run_task_counts",
    "runs_for",
    "runs_list",
    "sooner",
    "summary_runs",
    "tasks_for",
    "tasks_for_enterprise",
    "tasks_open_count",
]
