"""soft actions (api)."""
