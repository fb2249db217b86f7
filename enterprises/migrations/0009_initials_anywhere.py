"""Pinyin initials found anywhere in a name, not only from its first character ("xf" finds
成都旭丰食品有限公司, whose initials are CDXFSPYXGS), on PostgreSQL:

- three letters or more: LIKE '%XFS%' on the initials, served by a trigram index;
- two letters, which no trigram holds: the pair among the initials' character pairs, served by
  a GIN index on `cp_name_bigrams(name_initials, '[]')` (the function of migration 0005; the
  query must write the same expression, see `enterprises.selectors`), with
  strpos() as the exact test, as for two-character Chinese terms.
One letter stays a prefix (anywhere would match most of the register). SQLite searches with
LIKE. Both indexes are built CONCURRENTLY (outside a transaction).
"""

from django.db import migrations

from credit_portal.db import create_index_concurrently


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    create_index_concurrently(
        schema_editor,
        "ent_initials_trgm_idx",
        "enterprises_enterprise",
        "USING gin (name_initials gin_trgm_ops)",
    )
    create_index_concurrently(
        schema_editor,
        "ent_initials_bigram_idx",
        "enterprises_enterprise",
        "USING gin (cp_name_bigrams(name_initials, '[]'::jsonb))",
    )
    # Statistics of the new index expression now, not at the next autovacuum: without them the
    # planner took the pair index for common pairs too (214 ms p95 instead of 86 ms, 1M rows).
    schema_editor.execute("ANALYZE enterprises_enterprise")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS ent_initials_bigram_idx")
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS ent_initials_trgm_idx")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("enterprises", "0008_registration_change_kind")]

    operations = [migrations.RunPython(forward, backward)]
