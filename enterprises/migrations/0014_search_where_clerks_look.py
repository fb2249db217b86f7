"""Staff search by the end of a credit code, the legal representative and the address
(`enterprises.selectors.enterprise_search`, staff=True), on PostgreSQL, each served by an index
(measured with bench/staff_list_bench.py on 1,000,000 entities; the import benchmark with and
without these indexes in the issue 13 report):

- the end of a credit code ("6K3C", as read off a licence): the reversed code starts with the
  reversed end, a B-tree on `reverse(uscc) text_pattern_ops` (prefix LIKE whatever the
  database's collation): 39 MB, built in 0.5 s; a look-up well under 1 ms. A trigram index
  on the code would serve the same LIKE '%6K3C' at a GIN's cost on every insert.
- the legal representative, by the start of the name ("张伟" finds 张伟 and 张伟明): a B-tree
  on `(legal_rep_name COLLATE "C")`, queried as the range of names that start so (byte order:
  code-point order), which PostgreSQL, having checked it in the index, does not test again
  row by row (a LIKE it would, and a two-character search that ORs it with the character
  pairs of the name then computed the pairs of every matching row); 13 MB, 0.7 s; 2 ms
  for a common name. Names are two or three characters, which a trigram index serves only
  from three.
- the address, a part of 3 characters or more (a road, a community, a building): a trigram
  GIN on `address` (pg_trgm, migration 0002): 55 MB, 11 s. The only index of the three with
  a real cost on inserts; the character-pair function of migration 0005, which would also serve
  two-character terms, cost three times as much to build (31 s) and to keep.

SQLite (the demo) searches with LIKE. The indexes are built CONCURRENTLY (outside a
transaction): the register stays writable while they are built.
"""

from django.db import migrations

from credit_portal.db import create_index_concurrently

TABLE = "enterprises_enterprise"
INDEXES = {
    "ent_uscc_reversed_idx": "(reverse(uscc::text) text_pattern_ops)",
    "ent_legal_rep_prefix_idx": '((legal_rep_name COLLATE "C"))',
    "ent_address_trgm_idx": "USING gin (address gin_trgm_ops)",
}


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, using in INDEXES.items():
        create_index_concurrently(schema_editor, name, TABLE, using)
    # Statistics of the new expression (the reversed code) now, not at the next autovacuum.
    schema_editor.execute(f"ANALYZE {TABLE}")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in reversed(INDEXES):
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("enterprises", "0013_ledger_indexes_without_duplicates")]

    operations = [migrations.RunPython(forward, backward)]
