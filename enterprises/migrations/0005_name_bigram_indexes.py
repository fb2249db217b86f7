"""Two-character name search on PostgreSQL: a GIN index of the character pairs of each name
and former name.

Trigram indexes (0002, 0003) cannot serve a two-character Chinese term such as 蓉城: LIKE
'%蓉城%' holds no whole trigram, so a rare pair scanned the whole register (733 ms on 1M rows)
and missed the 200 ms target of the staff list. `cp_name_bigrams(name, former_names)` returns
the pairs of adjacent characters of the name and the former names' JSON text (joined
by a space, so no pair spans them); `enterprises.selectors._name_contains` asks
`cp_name_bigrams(name, former_names) @> ARRAY[term]` for two-character terms (under 1 ms for a
rare pair, 43 ms for one in 2 % of names; a common pair such as 有限 walks the ordering index
and stops at the first page).
One expression for both columns: an OR of two such conditions was misestimated into a scan of
the whole table. Kept by PostgreSQL on every write: no service, import or seed needs to know.
SQLite searches with LIKE.

The index is built CONCURRENTLY (outside a transaction): on a full register the build takes
about 25 s, during which imports and edits go on. The index stores the function's results:
never change `cp_name_bigrams` in place; write a new function and index in a new migration.
"""

from django.db import migrations

from credit_portal.db import create_index_concurrently

# PL/pgSQL: four times faster per row than the same in SQL with generate_series. COST tells
# the planner that filtering row by row is dear, so that it prefers the index for all but the
# commonest pairs (measured on 1M rows: 43 ms for a pair in 2 % of names, down from 2.3 s).
# Duplicate pairs are harmless: GIN stores each key once per row.
FUNCTION = """
CREATE OR REPLACE FUNCTION cp_name_bigrams(name text, former_names jsonb) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE COST 1000 AS $$
DECLARE
  t text := coalesce(name, '') || ' ' || coalesce(former_names::text, '');
  pairs text[] := '{}';
BEGIN
  FOR i IN 1 .. length(t) - 1 LOOP
    pairs := pairs || substr(t, i, 2);
  END LOOP;
  RETURN pairs;
END
$$
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    create_index_concurrently(
        schema_editor,
        "ent_name_bigram_idx",
        "enterprises_enterprise",
        "USING gin (cp_name_bigrams(name, former_names))",
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS ent_name_bigram_idx")
    schema_editor.execute("DROP FUNCTION IF EXISTS cp_name_bigrams(text, jsonb)")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("enterprises", "0004_legacy_reg_no_unique")]

    operations = [migrations.RunPython(forward, backward)]
