"""repairs (views)."""
