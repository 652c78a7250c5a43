# Moves QuarterSubmission, AuditEntry and ImportBatch from indicators to stations (issue 8: layers).
# State only for the models (the tables keep their rows), then the tables are renamed to stations_*.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0002_quarter_submission_audit_import'),
        ('stations', '0003_staff_month_editor'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ImportBatch',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('token', models.CharField(max_length=64, unique=True, verbose_name='令牌')),
                        ('kind', models.CharField(choices=[('actuals', '季度完成量'), ('staff', '社工到岗')], max_length=10, verbose_name='类型')),
                        ('quarter', models.CharField(blank=True, max_length=7, verbose_name='季度')),
                        ('file_name', models.CharField(blank=True, max_length=200, verbose_name='文件名')),
                        ('payload', models.JSONField(default=dict, verbose_name='解析结果')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='上传时间')),
                        ('applied_at', models.DateTimeField(blank=True, null=True, verbose_name='导入时间')),
                        ('contract', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='import_batches', to='stations.contract', verbose_name='服务协议')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='上传人')),
                    ],
                    options={
                        'db_table': 'indicators_importbatch',
                        'verbose_name': 'Excel 导入批次',
                        'verbose_name_plural': 'Excel 导入批次',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='AuditEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='时间')),
                        ('action', models.CharField(choices=[('create', '新增'), ('update', '修改'), ('delete', '删除'), ('submit', '提交'), ('return', '退回'), ('transfer', '调动')], max_length=10, verbose_name='操作')),
                        ('subject', models.CharField(choices=[('actual', '完成量'), ('target', '协议量'), ('submission', '季度填报'), ('staff', '社工'), ('staff_month', '社工月度到岗'), ('activity', '活动台账')], max_length=20, verbose_name='对象类型')),
                        ('object_id', models.PositiveBigIntegerField(blank=True, null=True, verbose_name='对象ID')),
                        ('quarter', models.CharField(blank=True, db_index=True, help_text='如 2025-Q1。', max_length=7, verbose_name='季度')),
                        ('month', models.DateField(blank=True, null=True, verbose_name='月份')),
                        ('label', models.CharField(blank=True, help_text='人能读懂的对象描述。', max_length=200, verbose_name='说明')),
                        ('field', models.CharField(blank=True, max_length=40, verbose_name='字段')),
                        ('old_value', models.CharField(blank=True, max_length=200, verbose_name='原值')),
                        ('new_value', models.CharField(blank=True, max_length=200, verbose_name='新值')),
                        ('reason', models.TextField(blank=True, verbose_name='原因')),
                        ('source', models.CharField(blank=True, help_text='网页、Excel 导入、命令或后台。', max_length=20, verbose_name='来源')),
                        ('contract', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='audit_entries', to='stations.contract', verbose_name='服务协议')),
                        ('indicator', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='indicators.indicatordefinition', verbose_name='指标')),
                        ('service_area', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='stations.servicearea', verbose_name='片区')),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='操作人')),
                    ],
                    options={
                        'db_table': 'indicators_auditentry',
                        'verbose_name': '修改记录',
                        'verbose_name_plural': '修改记录',
                        'ordering': ['-at', '-id'],
                        'indexes': [models.Index(fields=['contract', 'quarter'], name='audit_contract_quarter_idx'), models.Index(fields=['contract', 'subject', 'object_id'], name='audit_contract_object_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='QuarterSubmission',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField(verbose_name='年份')),
                        ('quarter', models.PositiveSmallIntegerField(verbose_name='季度')),
                        ('status', models.CharField(choices=[('draft', '填报中'), ('submitted', '已提交'), ('returned', '已退回')], default='draft', max_length=10, verbose_name='状态')),
                        ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='提交时间')),
                        ('returned_at', models.DateTimeField(blank=True, null=True, verbose_name='退回时间')),
                        ('return_reason', models.TextField(blank=True, verbose_name='退回原因')),
                        ('version', models.PositiveIntegerField(default=1, verbose_name='版本')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                        ('contract', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='quarter_submissions', to='stations.contract', verbose_name='服务协议')),
                        ('returned_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='退回人')),
                        ('submitted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='提交人')),
                    ],
                    options={
                        'db_table': 'indicators_quartersubmission',
                        'verbose_name': '季度填报',
                        'verbose_name_plural': '季度填报',
                        'ordering': ['contract', 'year', 'quarter'],
                        'constraints': [models.UniqueConstraint(fields=('contract', 'year', 'quarter'), name='quarter_submission_unique'), models.CheckConstraint(condition=models.Q(('quarter__gte', 1), ('quarter__lte', 4)), name='quarter_submission_q_range'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'returned'), _negated=True), models.Q(('return_reason', ''), _negated=True), _connector='OR'), name='quarter_submission_returned_has_reason')],
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name='importbatch', table=None),
        migrations.AlterModelTable(name='auditentry', table=None),
        migrations.AlterModelTable(name='quartersubmission', table=None),
    ]
