"""The default questionnaire as its data migration installs it. Tests call this instead of relying on the migration's
row: a TransactionTestCase (the browser tests) empties the tables after it runs, migration data included."""

import importlib

from django.apps import apps

from surveys.models import QuestionnaireTemplate


def default_questionnaire() -> QuestionnaireTemplate:
    migration = importlib.import_module("surveys.migrations.0002_default_questionnaire")
    migration.create(apps, None)
    return QuestionnaireTemplate.objects.get(name=migration.NAME)
