"""`manage.py purge_survey_rosters`: delete rosters (names, phones) past their retention period (cron, daily)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from surveys.services import rosters_purge


class Command(BaseCommand):
    help = "删除超过保留期的满意度调查名单（姓名和电话）；调查结果和回答保留。"

    def handle(self, *args, **options):
        purged = rosters_purge()
        self.stdout.write(
            f"已删除 {purged} 个调查的名单（评估定稿后保留 {settings.SURVEY_ROSTER_RETENTION_DAYS} 天）。"
        )
