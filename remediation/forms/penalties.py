"""penalties (forms)."""
