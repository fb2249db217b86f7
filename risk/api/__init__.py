"""The classification API (`/api/v1/...`, namespace "risk-api"; issue 16 §9), one module per
area, their patterns gathered in `risk.api.urls`:

- `risk.api.enterprises`: one enterprise's assessments and its class now (or replayed);
- `risk.api.runs`: classification runs, replays and what-ifs;
- `risk.api.models`: scoring models and their versions, read-only;
- `risk.api.actions`: overrides, and the class change tasks of the departments;
- `risk.api.me`: an enterprise's own credit risk;
- `risk.api.common`: who may call, jurisdiction, the shapes several areas return.
"""
