"""`manage.py restore FILE [--noinput]`: check a backup archive, then replace the database and the stored files."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backups.services import BackupError, backup_inspect, backup_restore


class Command(BaseCommand):
    help = "从备份文件恢复数据库和全部文件；先校验整个备份，损坏的备份会被拒绝。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="manage.py backup 生成的备份文件")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive",
                            help="不询问确认，直接恢复")

    def handle(self, *args, file, interactive, **options):
        path = Path(file)
        try:
            manifest = backup_inspect(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest.data["row_counts"].values())
        self.stdout.write(
            f"备份已校验：创建于 {manifest.created_at}，{manifest.vendor} 数据库 {rows} 行，{len(manifest.files)} 个文件。"
        )
        if interactive:
            answer = input("恢复将用该备份覆盖当前数据库的全部数据和同名文件，且不可撤销。请先停止网站和后台任务。输入 yes 继续：")
            if answer.strip().lower() != "yes":
                raise CommandError("已取消恢复，没有做任何修改。")
        try:
            result = backup_restore(path, manifest=manifest)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"恢复完成：数据库已恢复，写回 {result.files} 个文件。"))
        if result.archives_failed:
            raise CommandError(
                f"存档报告核验失败：{'、'.join(result.archives_failed)} 的文件与记录的 SHA-256 不一致。"
            )
        self.stdout.write(f"存档报告核验：{result.archives_checked} 份，SHA-256 全部一致。")
        if result.migrations_differ:
            self.stdout.write(self.style.WARNING("备份的数据库结构与当前代码不同：请运行 python manage.py migrate。"))
