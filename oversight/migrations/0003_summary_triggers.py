"""Triggers that mark contracts for the summary tables on every write (oversight.summary_triggers), and every
existing contract marked once so that the first read builds the tables."""

from django.db import migrations


def install(apps, schema_editor):
    from oversight import summary_triggers

    summary_triggers.install(schema_editor.connection, groups=("rollup",))
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("INSERT INTO oversight_rollupdirty (contract_id, marks) SELECT id, 1 FROM stations_contract")


def uninstall(apps, schema_editor):
    from oversight import summary_triggers

    summary_triggers.uninstall(schema_editor.connection, groups=("rollup",))


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0002_summary_tables"),
        ("indicators", "0003_quarter_records_to_stations"),
        ("stations", "0006_quarter_approval"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
