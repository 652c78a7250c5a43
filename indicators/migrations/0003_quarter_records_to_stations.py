# QuarterSubmission, AuditEntry and ImportBatch now live in stations (its migration 0004 took over the tables).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0002_quarter_submission_audit_import'),
        ('stations', '0004_quarter_records_from_indicators'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='ImportBatch'),
                migrations.DeleteModel(name='AuditEntry'),
                migrations.DeleteModel(name='QuarterSubmission'),
            ],
        ),
    ]
