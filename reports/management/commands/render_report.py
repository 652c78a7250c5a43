"""`manage.py render_report <code> --out FILE.pdf [--format html]`: one report, as the portal would render it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports import pdf
from reports.pdf_services import ReportNotFound, report_source_for_code


class Command(BaseCommand):
    help = "按评估代码或绩效评价代码生成报告 PDF（--format html 则输出将要排版的 HTML）。"

    def add_arguments(self, parser):
        parser.add_argument("code", help="评估代码（如 xicun-2024-mid）或绩效评价代码（如 jingtai-2023）")
        parser.add_argument("--out", required=True, help="输出文件路径")
        parser.add_argument("--format", choices=["pdf", "html"], default="pdf", help="输出格式（默认 pdf）")

    def handle(self, *args, code, out, format, **options):
        try:
            source = report_source_for_code(code)
        except ReportNotFound:
            raise CommandError(f"找不到代码为“{code}”的评估或绩效评价。") from None
        target = Path(out)
        if not target.parent.exists():
            raise CommandError(f"输出目录不存在：{target.parent}")
        html = source.html()
        if format == "html":
            target.write_text(html, encoding="utf-8")
        else:
            target.write_bytes(pdf.render_pdf(html))
        size = target.stat().st_size
        self.stdout.write(self.style.SUCCESS(f"已生成 {target}（{size:,} 字节）"))
