"""repairs (admin)."""
