"""Plain factory functions shared by the inspections tests (append only; each area keeps its
own in `factories_<area>.py`)."""

from __future__ import annotations
