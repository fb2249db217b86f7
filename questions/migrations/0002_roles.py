"""Grant the questions app's codenames to the roles (credit_portal.roles).

Decided (issue 18 §4): credit officers and supervisors answer questions (read, answer, close,
move into the leads: moving also needs `inspections.handle_lead`, which both roles hold);
supervisors and administrators publish the FAQ; administrators read and answer too (they
stand in). Enforcement officers read the queue (a message may be theirs as a lead)."""

from django.db import migrations

from credit_portal.roles import Role, grant_role_permissions

VIEW = ["questions.view_question", "questions.view_faqentry"]
ANSWER = [*VIEW, "questions.answer_question"]
PUBLISH = ["questions.publish_faq"]

GRANTS = {
    Role.CREDIT_OFFICER: ANSWER,
    Role.SUPERVISOR: [*ANSWER, *PUBLISH],
    Role.ADMINISTRATOR: [*ANSWER, *PUBLISH],
    Role.ENFORCEMENT_OFFICER: VIEW,
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("questions", "0001_initial"),
        ("credit_portal", "0005_calendar_and_daily_runs"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
