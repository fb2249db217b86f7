"""repairs (api)."""
