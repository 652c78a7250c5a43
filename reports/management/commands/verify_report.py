"""`manage.py verify_report FILE.pdf`: is this PDF, byte for byte, a report archived by the portal (issue 9 §2)?

Prints the evaluation (or 绩效评价), version and verification code of a genuine file; anything else is a CommandError
(exit status 1). For operators on the server: it shows every report, unlike the 报告核验 page, which is limited to what
the user may see.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports.archive.services import report_verify


class Command(BaseCommand):
    help = "核验 PDF 报告是否为本平台存档的报告（按 SHA-256 逐字节比对），并显示评估和版本。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="要核验的 PDF 文件路径")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        with path.open("rb") as handle:
            result = report_verify(handle)
        if not result.genuine:
            raise CommandError(
                f"核验未通过：{path.name} 不是本平台存档的报告，或已被修改（SHA-256 {result.sha256} 与任何存档报告都不一致）。"
            )
        archive = result.archive
        subject = "评估" if archive.kind == "evaluation" else "绩效评价"
        state = (
            f"已被第{archive.superseded_by.version}版取代" if archive.superseded_by_id else "现行版本"
        )
        self.stdout.write(self.style.SUCCESS(f"核验通过：{path.name} 是本平台签发的真实报告。"))
        self.stdout.write(f"报告：{archive.title}")
        self.stdout.write(f"{subject}代码：{archive.code}")
        self.stdout.write(f"版本：第{archive.version}版（{state}）")
        self.stdout.write(f"验证码：{archive.verification_code}")
        self.stdout.write(f"存档时间：{timezone.localtime(archive.created_at):%Y-%m-%d %H:%M}")
        self.stdout.write(f"SHA-256：{result.sha256}")
