"""Writes of the enterprises app. Import from the submodules:

- `enterprises.services.register`: create, update, status changes of market entities;
- `enterprises.services.ledger`: append and close credit records, replay state as of a date;
- `enterprises.services.accounts`: activation codes and enterprise users;
- `enterprises.services.imports`: register import from CSV/XLSX files (row by row, chunked).
"""
