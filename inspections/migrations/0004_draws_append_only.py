"""Draws are append-only in the database too (issue 17 §3; /work/shared/DRAW.md 5): on
PostgreSQL, triggers refuse

- any DELETE of a draw, a draw file, a draw's stratum, an exclusion or a selection;
- any UPDATE of a draw file, an exclusion or a selection (written once);
- an UPDATE of a draw's commitment columns (number, title, year, kind, algorithm, the pool's
  date, the manifest and every hash, the server seed, the outside source, who committed and
  when, the redraw link and reason), of its outside value once recorded and of its selection
  hash once set; its status, reveal and version move on as the services say;
- an UPDATE of a draw stratum's pool, ratio or target (its `selected` count is written by the
  derivation).

The services never do any of these (`inspections.services.draws`); the triggers make raw SQL, a
shell or another client unable to rewrite a draw either. SQLite (the embedded demo) relies on
the services alone. Hand-written (RunSQL), like `credit_portal.db.append_only_table`.
"""

from django.db import migrations

DRAW_COMMITMENT = [
    "number",
    "title",
    "year",
    "is_control",
    "algorithm",
    "as_of",
    "manifest",
    "commitment_hash",
    "previous_hash",
    "pool_hash",
    "roster_hash",
    "seed_hash",
    "server_seed",
    "outside_source",
    "committed_by_id",
    "committed_at",
    "redraw_of_id",
    "redraw_reason",
]
STRATUM_FIXED = ["draw_id", "plan_id", "stratum", "pool_size", "excluded", "ratio", "target"]
WRITTEN_ONCE = ["inspections_drawfile", "inspections_exclusion", "inspections_selection"]


def _changed(columns):
    return " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)


def _function(table, body):
    return f"""
        CREATE OR REPLACE FUNCTION {table}_guard() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                RAISE EXCEPTION '{table} is append-only: DELETE refused'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            {body}
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql;
        CREATE TRIGGER {table}_guard
            BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_guard();
    """


def _refuse(table, what):
    return f"""RAISE EXCEPTION '{table}: {what} refused'
                    USING ERRCODE = 'insufficient_privilege';"""


def statements():
    draw = "inspections_draw"
    yield _function(
        draw,
        f"""IF {_changed(DRAW_COMMITMENT)} THEN
                {_refuse(draw, "a change of the commitment of a draw")}
            END IF;
            IF OLD.outside_value <> '' AND NEW.outside_value IS DISTINCT FROM OLD.outside_value
            THEN
                {_refuse(draw, "a second outside value")}
            END IF;
            IF OLD.selection_hash <> ''
                AND NEW.selection_hash IS DISTINCT FROM OLD.selection_hash THEN
                {_refuse(draw, "a change of the selection hash")}
            END IF;""",
    )
    stratum = "inspections_drawstratum"
    yield _function(
        stratum,
        f"""IF {_changed(STRATUM_FIXED)} THEN
                {_refuse(stratum, "a change of a committed stratum")}
            END IF;""",
    )
    for table in WRITTEN_ONCE:
        yield _function(table, _refuse(table, "UPDATE"))


TABLES = ["inspections_draw", "inspections_drawstratum", *WRITTEN_ONCE]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in statements():
        schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {table}_guard ON {table};"
            f"DROP FUNCTION IF EXISTS {table}_guard();"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0003_lead_notify_method"),
    ]

    operations = [migrations.RunPython(forward, backward)]
