"""`manage.py load_demo`: load the demo data sets of the five seed reports (idempotent)."""

from django.core.management.base import BaseCommand

from demo.loader import DEMO_PASSWORD, USERS, demo_load


class Command(BaseCommand):
    help = "载入演示数据（五份样本报告对应的数据集与演示用户）；可重复运行，结果相同。"

    def handle(self, *args, **options):
        summary = demo_load()
        self.stdout.write(self.style.SUCCESS("演示数据已载入（重复运行不会产生重复数据）："))
        for name, count in summary.counts.items():
            self.stdout.write(f"  {name}：{count} 条")
        usernames = "、".join(username for username, *_ in USERS)
        self.stdout.write(f"演示用户：{usernames}")
        self.stdout.write(
            self.style.WARNING(
                f"警告：所有演示用户的密码均为“{DEMO_PASSWORD}”，仅供演示使用，切勿在正式环境中载入演示数据。"
            )
        )
