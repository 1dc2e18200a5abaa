"""On PostgreSQL, make core_auditlog append-only in the database itself.

The model and its queryset already refuse updates and deletes in code; this trigger refuses
them for anything that reaches the database by another path (raw SQL, a bug, a console).

TRUNCATE is deliberately not blocked: a row-level trigger does not fire on it, and the test
runner empties tables with TRUNCATE between transactional tests. Production should in addition
run the application under a role that cannot UPDATE, DELETE or TRUNCATE the table:

    REVOKE UPDATE, DELETE, TRUNCATE ON core_auditlog FROM shanzhi_app;

(see docs/deployment or the operator's runbook). SQLite has no such protection beyond code.
"""

from django.db import migrations

CREATE_SQL = """
CREATE OR REPLACE FUNCTION core_auditlog_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'core_auditlog is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
DROP TRIGGER IF EXISTS core_auditlog_append_only ON core_auditlog;
CREATE TRIGGER core_auditlog_append_only
    BEFORE UPDATE OR DELETE ON core_auditlog
    FOR EACH ROW EXECUTE FUNCTION core_auditlog_refuse_change();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS core_auditlog_append_only ON core_auditlog;
DROP FUNCTION IF EXISTS core_auditlog_refuse_change();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_SQL, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_trigger, drop_trigger, elidable=False),
    ]
