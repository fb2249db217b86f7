"""penalties (views)."""
