"""penalties (selectors)."""
