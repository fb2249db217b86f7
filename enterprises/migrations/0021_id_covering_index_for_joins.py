"""The register list's class filter (issue 16) on PostgreSQL: the primary key again, carrying
the two columns every probe of the list reads (`enterprises.filters.CappedPaginator`).

A class filter joins `risk_currentclass`, whose class index gives the class's enterprise ids
without a heap read. What the list's probe then needs of each entity is its department (the
jurisdiction) and its registration date (the default order, sorted here): with only the
primary key, the planner reads those by the wide row, thinks 10,000 such reads dearer than a
scan of the whole `ent_department_registered_idx` hashed against the class, and chose the scan
(1,000,000 entities: class D 240 ms, class C 150 ms per request for the probe alone). With
`(id) INCLUDE (department_id, registered_on)` each match is one index-only look-up and the
probe walks only the class (bench/staff_list_bench.py, the class combinations).

An index on `risk_currentclass` cannot do this: the class side is already read index-only;
the cost was on the enterprise side. A B-tree on columns that rarely change (the id never,
the department and registration date seldom); but the enterprise row's updates are not HOT
(indexed columns such as `is_abnormal` change, the pages have no free space), so each one
writes this index too: one of 26 indexes, about 4 % more on the deadline run's state writes
(estimated, issue 15). Built CONCURRENTLY (outside a transaction): the register stays writable
while it is built.
"""

from django.db import migrations

from credit_portal.db import create_index_concurrently

TABLE = "enterprises_enterprise"
NAME = "ent_id_department_registered_idx"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    create_index_concurrently(
        schema_editor, NAME, TABLE, "(id) INCLUDE (department_id, registered_on)"
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("enterprises", "0020_cancelled_status")]

    operations = [migrations.RunPython(forward, backward)]
