"""python manage.py export_indicators <contract-code> --until YYYY-MM-DD --out FILE.xlsx (seed 001 附件1 layout)."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indicators.excel import completion_workbook
from indicators.selectors import indicator_completion_table
from stations.models import Contract


class Command(BaseCommand):
    help = "导出服务协议的指标完成情况统计表（附件1）为 Excel。"

    def add_arguments(self, parser):
        parser.add_argument("code", help="协议代码，如 xicun-2024")
        parser.add_argument("--until", required=True, help="统计截至日期 YYYY-MM-DD（按整月统计）")
        parser.add_argument("--out", required=True, help="输出文件 .xlsx")

    def handle(self, *args, code: str, until: str, out: str, **options):
        try:
            cutoff = date.fromisoformat(until)
        except ValueError:
            raise CommandError(f"--until 格式应为 YYYY-MM-DD，收到“{until}”。") from None
        contract = Contract.objects.select_related("station").filter(code=code).first()
        if contract is None:
            raise CommandError(f"找不到协议代码“{code}”。")
        path = Path(out)
        if path.suffix.lower() != ".xlsx":
            raise CommandError("--out 须为 .xlsx 文件。")
        if not path.parent.exists():
            raise CommandError(f"目录不存在：{path.parent}")
        table = indicator_completion_table(contract, cutoff)
        path.write_bytes(completion_workbook(table))
        self.stdout.write(f"已导出 {contract.station.name} 截至 {cutoff:%Y-%m-%d}（{len(table.months)} 个月）：{path}")
