"""contract_start_idx (start_date, id) on PostgreSQL only (see stations.models.Contract.Meta): SQLite, which keeps no
histograms, used it for conditions true of nearly every contract and then sorted them."""

from django.db import migrations, models

INDEX = "contract_start_idx"


def drop_unless_postgresql(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


def create_unless_postgresql(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "stations_contract" ("start_date", "id")')


class Migration(migrations.Migration):

    dependencies = [
        ("stations", "0008_list_order_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveIndex(model_name="contract", name=INDEX)],
            database_operations=[migrations.RunPython(drop_unless_postgresql, create_unless_postgresql)],
        ),
    ]
