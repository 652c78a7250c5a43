"""`manage.py purge_import_previews`: delete expired Excel import previews (for cron; uploads also purge them)."""

from django.core.management.base import BaseCommand

from stations.imports import import_batches_purge
from stations.models import ImportBatch


class Command(BaseCommand):
    help = "删除已过期（超过 2 小时）的 Excel 导入预览。"

    def handle(self, *args, **options):
        deleted = import_batches_purge()
        hours = int(ImportBatch.TTL.total_seconds() // 3600)
        self.stdout.write(f"已删除 {deleted} 个过期的导入预览（超过 {hours} 小时）。")
