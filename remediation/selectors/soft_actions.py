"""soft actions (selectors)."""
