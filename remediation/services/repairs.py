"""repairs (services)."""
