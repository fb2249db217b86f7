"""The enforcement app's rules: periods, limits, thresholds and transitions, each with its source.

Services, selectors and pages read these names; no number below is written anywhere else.
Sources are stated in `docs/domain.md` (the section is given on each line), which also marks
how well each is verified. Values the bureau must confirm ([U], or local [S]) are settings
(`CREDIT_PORTAL[...]`), read through the functions below, with these constants as defaults.

Working-day periods are counted on the portal's calendar (`credit_portal.workdays`).
"""

from __future__ import annotations

# --- Penalty decisions and leniency (docs/domain.md §6, §10) ------------------------------

# --- Publicity of penalties (SAMR Order 45; docs/domain.md §5, §10) -----------------------

# --- Soft enforcement (docs/domain.md §9) --------------------------------------------------

# --- Credit repair (docs/domain.md §5) -----------------------------------------------------
