"""Writes of the enterprises app. Import from the submodules:

- `enterprises.services.register`: create and update market entities;
- `enterprises.services.status`: status changes (suspension, resumption, deregistration,
  revocation) and the daily end of filed suspensions;
- `enterprises.services.ledger`: the one way to append credit facts (single and set-based),
  replay state as of a date;
- `enterprises.services.accounts`: activation codes and enterprise users;
- `enterprises.services.imports`: register import from CSV/XLSX files (row by row, chunked).
"""
