"""soft actions (views)."""
