"""`manage.py backup` / `restore` (issue 9 §8): a round trip through an empty database gives identical rows and files,
and the archived reports still verify. Runs on the suite's database: SQLite locally, PostgreSQL in CI (DATABASE_URL)."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from unittest import mock, skipUnless

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TransactionTestCase, override_settings

from backups.services import BackupError, Manifest, backup_inspect, backup_restore
from demo.loader import demo_load
from reports.archive.services import archived_report_render, current_archive
from reports.models import ArchivedReport, Evaluation
from stations.models import District


def fake_archival_pdf(html: str, **kwargs) -> bytes:
    return b"%PDF-1.7\n% fake archive\n" + hashlib.sha256(html.encode()).hexdigest().encode()


def dump_all_rows() -> str:
    out = io.StringIO()
    call_command("dumpdata", "--indent", "0", stdout=out)
    return out.getvalue()


def drop_all_tables() -> None:
    """An empty database: no tables at all, as on a new server."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TABLE "{name}"')
            cursor.execute("PRAGMA foreign_keys = ON")
    assert connection.introspection.table_names() == []


class BackupTestCase(TransactionTestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="evalportal-backup-test-"))
        media = self.tmp / "media"
        media.mkdir()
        override = override_settings(MEDIA_ROOT=str(media))
        override.enable()
        self.addCleanup(override.disable)
        self.media = media
        self.archive_path = self.tmp / "backup.tar"

    def backup(self) -> str:
        out = io.StringIO()
        call_command("backup", "--output", str(self.archive_path), stdout=out)
        return out.getvalue()

    def restore(self, *args) -> str:
        out = io.StringIO()
        call_command("restore", str(self.archive_path), *args, stdout=out)
        return out.getvalue()


@mock.patch("reports.pdf.render_archival_pdf", side_effect=fake_archival_pdf)
class RoundTripTests(BackupTestCase):
    def test_backup_empty_database_restore_gives_identical_rows_and_verifiable_files(self, _render):
        demo_load()
        archive = archived_report_render(current_archive(Evaluation.objects.get(code="xicun-2024-mid")))
        evidence = default_storage.save("evidence/1/photo.png", ContentFile(b"\x89PNG\r\n\x1a\n evidence"))
        with archive.file.open("rb") as handle:
            archived_bytes = handle.read()
        before = dump_all_rows()

        out = self.backup()
        self.assertIn(f"备份完成：{self.archive_path}", out)
        self.assertIn("2 个文件", out)

        drop_all_tables()
        for path in self.media.rglob("*"):
            if path.is_file():
                path.unlink()

        out = self.restore("--noinput")
        self.assertIn("恢复完成：数据库已恢复，写回 2 个文件。", out)
        self.assertIn("存档报告核验：1 份，SHA-256 全部一致。", out)
        self.assertNotIn("migrate", out)

        self.assertEqual(dump_all_rows(), before)
        restored = ArchivedReport.objects.get()
        self.assertEqual(restored.sha256, archive.sha256)
        with restored.file.open("rb") as handle:
            self.assertEqual(handle.read(), archived_bytes)
        with default_storage.open(evidence, "rb") as handle:
            self.assertEqual(handle.read(), b"\x89PNG\r\n\x1a\n evidence")
        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(archived_bytes)
            handle.flush()
            verified = io.StringIO()
            call_command("verify_report", handle.name, stdout=verified)
        self.assertIn("评估代码：xicun-2024-mid", verified.getvalue())

    def test_restore_reports_an_archived_file_that_no_longer_matches(self, _render):
        demo_load()
        archive = archived_report_render(current_archive(Evaluation.objects.get(code="xicun-2024-mid")))
        # An archived file altered before the backup was taken: the backup keeps it faithfully, the restore says so.
        path = Path(archive.file.path)
        path.write_bytes(path.read_bytes() + b"%")
        self.backup()
        with self.assertRaisesMessage(
            CommandError, "存档报告核验失败：xicun-2024-mid 第1版 的文件与记录的 SHA-256 不一致。"
        ):
            self.restore("--noinput")


class ArchiveCheckTests(BackupTestCase):
    def setUp(self):
        super().setUp()
        District.objects.create(code="test-district", name="测试区")
        default_storage.save("evidence/9/a.pdf", ContentFile(b"%PDF-1.4 evidence " * 100))
        self.backup()
        self.manifest = backup_inspect(self.archive_path)

    def test_manifest_lists_every_member_with_its_checksum(self):
        with tarfile.open(self.archive_path) as tar:
            names = tar.getnames()
            manifest = json.loads(tar.extractfile("manifest.json").read())
            digest = tar.extractfile("manifest.sha256").read().decode().strip()
            self.assertEqual(
                hashlib.sha256(tar.extractfile("media/evidence/9/a.pdf").read()).hexdigest(),
                manifest["media"][0]["sha256"],
            )
        self.assertEqual(digest, hashlib.sha256(json.dumps(manifest, ensure_ascii=False, indent=2).encode()).hexdigest())
        self.assertEqual(manifest["database"]["vendor"], connection.vendor)
        self.assertIn(manifest["database"]["file"], names)
        self.assertEqual(manifest["media"][0]["name"], "evidence/9/a.pdf")
        self.assertEqual(manifest["row_counts"]["stations.District"], 1)
        self.assertIn("reports", manifest["migrations"])

    def corrupt(self, offset_in_member: str) -> None:
        with tarfile.open(self.archive_path) as tar:
            member = tar.getmember(offset_in_member)
            offset = member.offset_data + member.size // 2
        data = bytearray(self.archive_path.read_bytes())
        data[offset] ^= 0xFF
        self.archive_path.write_bytes(bytes(data))

    def test_a_corrupted_file_in_the_archive_is_refused_before_anything_changes(self):
        self.corrupt("media/evidence/9/a.pdf")
        District.objects.create(code="after", name="备份后新增")
        with self.assertRaisesMessage(
            CommandError, "备份文件已损坏：media/evidence/9/a.pdf 的校验和与清单不一致。"
        ):
            self.restore("--noinput")
        self.assertTrue(District.objects.filter(code="after").exists())

    def test_a_corrupted_database_dump_is_refused(self):
        self.corrupt(self.manifest.data["database"]["file"])
        with self.assertRaisesMessage(CommandError, "的校验和与清单不一致。"):
            self.restore("--noinput")

    def test_a_truncated_or_foreign_file_is_refused(self):
        data = self.archive_path.read_bytes()
        self.archive_path.write_bytes(data[: len(data) // 3])
        with self.assertRaisesMessage(CommandError, "备份文件"):
            self.restore("--noinput")
        self.archive_path.write_bytes(b"not a backup at all")
        with self.assertRaisesMessage(CommandError, "备份文件已损坏或不是 evalportal 备份"):
            self.restore("--noinput")
        with self.assertRaisesMessage(CommandError, "备份文件不存在：/nonexistent.tar"):
            call_command("restore", "/nonexistent.tar", "--noinput")

    def test_restore_asks_for_confirmation(self):
        District.objects.create(code="after", name="备份后新增")
        with mock.patch("builtins.input", return_value="no") as ask:
            with self.assertRaisesMessage(CommandError, "已取消恢复，没有做任何修改。"):
                self.restore()
        self.assertIn("输入 yes 继续", ask.call_args.args[0])
        self.assertTrue(District.objects.filter(code="after").exists())
        with mock.patch("builtins.input", return_value="yes"):
            self.restore()
        self.assertFalse(District.objects.filter(code="after").exists())
        self.assertTrue(District.objects.filter(code="test-district").exists())

    def test_a_backup_of_another_database_kind_is_refused(self):
        other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
        manifest = Manifest({**self.manifest.data, "database": {**self.manifest.data["database"], "vendor": other}})
        with self.assertRaisesMessage(BackupError, f"备份来自 {other} 数据库，当前数据库是 {connection.vendor}"):
            backup_restore(self.archive_path, manifest=manifest)

    def test_missing_output_directory(self):
        with self.assertRaisesMessage(CommandError, "备份目录不存在：/nonexistent-dir"):
            call_command("backup", "--output", "/nonexistent-dir/b.tar", stdout=io.StringIO())

    @skipUnless(connection.vendor == "sqlite", "SQLite: the online backup API copy")
    def test_sqlite_backup_is_a_consistent_database_file(self):
        with tarfile.open(self.archive_path) as tar:
            content = tar.extractfile("database/evalportal.sqlite3").read()
        with tempfile.NamedTemporaryFile(suffix=".sqlite3") as handle:
            handle.write(content)
            handle.flush()
            db = sqlite3.connect(handle.name)
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            self.assertTrue(set(connection.introspection.table_names()) <= tables)
            self.assertEqual(db.execute("SELECT name FROM stations_district").fetchall(), [("测试区",)])
            db.close()

    @skipUnless(connection.vendor == "postgresql", "PostgreSQL: pg_dump in custom format")
    def test_postgresql_backup_is_a_pg_dump_of_a_matching_version(self):
        client = subprocess.run(["pg_dump", "--version"], capture_output=True, text=True, check=True).stdout
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = cursor.fetchone()[0]
        # pg_dump refuses a server newer than itself; the machine's client matches the server's major version.
        self.assertEqual(client.split()[2].split(".")[0], server.split(".")[0])
        with tarfile.open(self.archive_path) as tar:
            content = tar.extractfile("database/evalportal.pgdump").read()
        self.assertTrue(content.startswith(b"PGDMP"))
