"""soft actions (admin)."""
