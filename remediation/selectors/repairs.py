"""repairs (selectors)."""
