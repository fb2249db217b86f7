"""repairs (forms)."""
