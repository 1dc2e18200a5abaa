"""Ticket numbers from a PostgreSQL sequence (ADR 0010); SQLite keeps the per-day counter."""

from django.db import migrations, models

SEQUENCE = "events_event_number_seq"


def create_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE}")


def drop_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0002_apiclient"),
    ]

    operations = [
        migrations.AddField(
            model_name="eventnumbersequence",
            name="base",
            field=models.BigIntegerField(
                blank=True,
                editable=False,
                null=True,
                verbose_name="序列基数 sequence base (PostgreSQL)",
            ),
        ),
        migrations.RunPython(create_sequence, drop_sequence),
    ]
