"""soft actions (forms)."""
