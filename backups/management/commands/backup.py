"""`manage.py backup [--output FILE]`: the database and every stored file in one archive (see backups.services)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from backups.services import BackupError, backup_create


class Command(BaseCommand):
    help = "备份数据库和全部文件（评分证据、存档报告等）到一个带清单和校验和的归档文件。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", "-o",
            help="备份文件路径（默认：BACKUP_DIR/evalportal-年月日-时分秒.tar，BACKUP_DIR 默认为 var/backups）",
        )

    def handle(self, *args, output, **options):
        if output:
            target = Path(output)
        else:
            directory = Path(getattr(settings, "BACKUP_DIR", Path(settings.BASE_DIR) / "var" / "backups"))
            directory.mkdir(parents=True, exist_ok=True)
            target = directory / f"evalportal-{timezone.localtime():%Y%m%d-%H%M%S}.tar"
        try:
            manifest = backup_create(target, progress=lambda text: self.stdout.write(text))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest.data["row_counts"].values())
        self.stdout.write(self.style.SUCCESS(
            f"备份完成：{target}（{manifest.vendor} 数据库 {rows} 行，{len(manifest.files)} 个文件，"
            f"{target.stat().st_size} 字节）。"
        ))
