"""penalties (admin)."""
