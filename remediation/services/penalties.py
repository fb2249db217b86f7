"""penalties (services)."""
