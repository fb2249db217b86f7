"""The dashboard's API (issue 18 §1): `GET /api/v1/dashboard/` (`dashboard.api.figures`)."""

from dashboard.api.figures import DashboardApi

__all__ = ["DashboardApi"]
