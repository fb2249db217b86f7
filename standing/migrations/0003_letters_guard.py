"""A letter of good standing is append-only apart from its revocation (docs/domain.md §11): on PostgreSQL a trigger refuses any DELETE, any UPDATE of a column other
than the revocation's (revoked_at, revoked_by, revoke_reason), and a second revocation. The
services never do either (`standing.services.letter_revoke`); the trigger keeps raw SQL or a
shell from rewriting what a bank verified. SQLite (the embedded demo) relies on the services.
Hand-written (RunSQL), like inspections' 0004_draws_append_only."""

from django.db import migrations

TABLE = "standing_standingletter"
FIXED = [
    "id",
    "code",
    "enterprise_id",
    "as_of",
    "issued_at",
    "issued_by_id",
    "expires_on",
    "name",
    "credit_code",
    "registration_status",
    "suspended_until",
    "statements",
    "standing_digest",
    "record_ids",
    "last_record_id",
]


def _changed(columns):
    return " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)


FORWARD = f"""
CREATE OR REPLACE FUNCTION {TABLE}_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '{TABLE} is append-only: DELETE refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF {_changed(FIXED)} THEN
        RAISE EXCEPTION '{TABLE}: a change of an issued letter refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.revoked_at IS NOT NULL AND ({_changed(["revoked_at", "revoked_by_id", "revoke_reason"])}) THEN
        RAISE EXCEPTION '{TABLE}: a change of a revocation refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {TABLE}_guard
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_guard();
"""
BACKWARD = f"""
DROP TRIGGER IF EXISTS {TABLE}_guard ON {TABLE};
DROP FUNCTION IF EXISTS {TABLE}_guard();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("standing", "0002_roles")]

    operations = [migrations.RunPython(forward, backward)]
