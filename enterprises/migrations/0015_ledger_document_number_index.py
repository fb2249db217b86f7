"""Ledger records by document number (文号), on PostgreSQL: a decision's or a letter's number is
unique across the ledger and the cases that write it (`remediation.services.penalties`,
`remediation.services.soft_actions`: a number a record of the history already carries is
refused), and staff look a record up by the number printed on it.

A partial B-tree on `document_number` where it is not empty: registrations and changes of
registration (most of the ledger, and everything an import writes) carry no number, so the
index holds only documents and costs nothing on the import's appends. Built CONCURRENTLY
(outside a transaction): the ledger stays writable while it is built.
"""

from django.db import migrations

from credit_portal.db import create_index_concurrently

TABLE = "enterprises_creditrecord"
NAME = "credit_document_number_idx"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    create_index_concurrently(
        schema_editor, NAME, TABLE, "(document_number) WHERE document_number <> ''"
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("enterprises", "0014_search_where_clerks_look")]

    operations = [migrations.RunPython(forward, backward)]
