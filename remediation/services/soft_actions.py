"""soft actions (services)."""
