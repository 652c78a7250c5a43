"""`manage.py load_scale --stations N --years Y [--seed S] [--replace]`: Guangzhou-scale generated data (issue 10 §1)."""

import time

from django.core.management.base import BaseCommand, CommandError

from oversight.scale import ScaleError, scale_delete, scale_load


class Command(BaseCommand):
    help = "在已导入演示数据的数据库中生成规模测试数据（服务站、协议、月度完成量、社工、季度填报、四方评估）。"

    def add_arguments(self, parser):
        parser.add_argument("--stations", type=int, required=True, help="生成的服务站数量，如 176")
        parser.add_argument("--years", type=int, default=5, help="每站的协议年数（最后一年为当前在执行的协议）")
        parser.add_argument("--seed", type=int, default=2025, help="随机种子：相同种子生成相同数据")
        parser.add_argument("--replace", action="store_true", help="先删除已有的规模测试数据")

    def handle(self, *args, stations, years, seed, replace, **options):
        started = time.monotonic()
        if replace:
            removed = scale_delete()
            self.stdout.write(f"已删除 {removed} 个规模测试服务站及其数据。")
        try:
            result = scale_load(stations=stations, years=years, seed=seed)
        except ScaleError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(
            f"已生成 {result.stations} 个服务站、{result.contracts} 份协议、{result.actuals} 条月度完成量、"
            f"{result.staff_months} 条社工月度到岗、{result.submissions} 条季度填报、{result.evaluations} 个评估"
            f"（用时 {time.monotonic() - started:.1f} 秒）。"
        ))
