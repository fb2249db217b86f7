"""The class distribution (issue 16 §8), `/risk/`: overall, by industry section and by street
(counts and bars), its trend over the runs and the latest run's from × to table, as the runs
counted them (`risk.selectors.distribution`: never a recount of the register). Printable.
A partner department's staff see their own department's counts only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from risk import rules
from risk.selectors import distribution, tasks_open_count
from risk.selectors.distribution import summary_runs
from risk.views.common import RiskStaffView, request_user

# The days the trend shows (the last full run of each day: about a month).
TREND_RUNS = 30


class DistributionView(RiskStaffView):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = request_user(request)
        run = None
        wanted = request.GET.get("run", "")
        if wanted.isascii() and wanted.isdigit():
            run = summary_runs().filter(pk=int(wanted)).first()
        shown = distribution(user=user, run=run, trend_runs=TREND_RUNS)
        return render(
            request,
            "risk/distribution.html",
            {
                "d": shown,
                "classes": rules.CLASSES,
                "high_classes": rules.TASK_CLASSES_UP,
                "open_tasks": tasks_open_count(user=user),
                "runs": list(summary_runs().values_list("pk", "as_of", "reason")[:TREND_RUNS]),
            },
        )
