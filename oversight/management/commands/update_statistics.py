"""`manage.py update_statistics`: refresh the database's planner statistics (ANALYZE; daily from the housekeeping
timer, and after bulk loads). See evalportal/dbstats.py."""

from django.core.management.base import BaseCommand
from django.db import connection

from evalportal.dbstats import update_statistics


class Command(BaseCommand):
    help = "更新数据库的查询规划统计信息（ANALYZE），使列表和总览在数据增长后仍选用合适的索引。"

    def handle(self, *args, **options):
        seconds = update_statistics()
        database = "SQLite" if connection.vendor == "sqlite" else "PostgreSQL"
        self.stdout.write(f"已更新 {database} 查询规划统计信息（用时 {seconds:.1f} 秒）。")
