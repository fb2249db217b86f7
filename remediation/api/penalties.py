"""penalties (api)."""
