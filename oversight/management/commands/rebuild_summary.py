"""`manage.py rebuild_summary`: recompute the oversight summary tables from the monthly actuals and targets."""

import time

from django.core.management.base import BaseCommand

from oversight import summary


class Command(BaseCommand):
    help = ("重新计算总览汇总表（各区、各站的月度完成量汇总）。平时由数据库触发器自动保持最新；"
            "批量导入（触发器关闭时）或升级后运行一次即可。")

    def handle(self, *args, **options):
        started = time.monotonic()
        count = summary.rebuild()
        self.stdout.write(self.style.SUCCESS(f"已重新计算 {count} 份协议的汇总（用时 {time.monotonic() - started:.1f} 秒）。"))
