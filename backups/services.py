"""Backup and restore of the whole portal (issue 9 §8): the database and every stored file in one archive.

The archive is a tar file:
- `database/evalportal.pgdump` (PostgreSQL: `pg_dump --format=custom`) or `database/evalportal.sqlite3` (SQLite: a
  consistent copy made with SQLite's online backup API, safe while the portal is running);
- `media/<name>`: every file of the default storage (evidence, archived and rendered PDFs, ZIPs), read and written
  through Django's storage API, so the same commands work when files live on S3-compatible storage;
- `manifest.json`: format, time, database vendor, applied migrations, row counts, and each member's size and SHA-256;
- `manifest.sha256`: the manifest's own SHA-256.
`backup_inspect` checks every member against the manifest before `backup_restore` touches anything: a truncated or
altered archive is refused with the member that failed.

Why not django-dbbackup: it writes the database and the media as two separate files with no shared manifest, and its
value over calling pg_dump / the SQLite backup API ourselves is small next to the manifest and verification layer we
need either way.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.apps import apps
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "evalportal-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_DIGEST = "manifest.sha256"
MEDIA_PREFIX = "media/"
DUMP_NAMES = {"postgresql": "database/evalportal.pgdump", "sqlite": "database/evalportal.sqlite3"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator, in Chinese."""


@dataclass
class Manifest:
    data: dict

    @property
    def vendor(self) -> str:
        return self.data["database"]["vendor"]

    @property
    def files(self) -> list[dict]:
        return self.data["media"]

    @property
    def created_at(self) -> str:
        return self.data["created_at"]


@dataclass
class RestoreResult:
    manifest: Manifest
    files: int = 0
    archives_checked: int = 0
    archives_failed: list[str] = field(default_factory=list)
    migrations_differ: bool = False


# --- helpers -------------------------------------------------------------------------------------------------------


def _sha256_of(handle: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: handle.read(CHUNK), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def storage_files(storage=default_storage, directory: str = "") -> Iterator[str]:
    """Every file of the storage, recursively, in a stable order (names use "/" on every backend)."""
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:  # an empty MEDIA_ROOT that was never created
        return
    for name in sorted(files):
        yield f"{directory}/{name}" if directory else name
    for sub in sorted(directories):
        yield from storage_files(storage, f"{directory}/{sub}" if directory else sub)


def applied_migrations() -> dict[str, str]:
    """The latest applied migration per app (to tell whether a restored database needs `migrate`)."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        if app not in latest or name > latest[app]:
            latest[app] = name
    return dict(sorted(latest.items()))


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def _pg_env_and_args() -> tuple[dict, list[str]]:
    settings = connection.settings_dict
    env = {**os.environ}
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    args = []
    if settings.get("HOST"):
        args += ["--host", str(settings["HOST"])]
    if settings.get("PORT"):
        args += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        args += ["--username", str(settings["USER"])]
    return env, args + ["--dbname", str(settings["NAME"])]


def _run(command: list[str], env: dict, what: str) -> None:
    try:
        completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(f"找不到 {command[0]}：请安装 postgresql-client（版本不低于数据库服务器）。") from None
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        raise BackupError(f"{what}失败：{detail[-1] if detail else f'退出码 {completed.returncode}'}")


# --- backup --------------------------------------------------------------------------------------------------------


def _dump_database(target: Path) -> None:
    vendor = connection.vendor
    if vendor == "postgresql":
        env, args = _pg_env_and_args()
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), *args], env,
             "导出 PostgreSQL 数据库（pg_dump）")
    elif vendor == "sqlite":
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            with destination:
                connection.connection.backup(destination)
        finally:
            destination.close()
    else:
        raise BackupError(f"不支持备份 {vendor} 数据库：只支持 PostgreSQL 和 SQLite。")


def _add_bytes(tar: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(content))


class _HashingReader:
    """Reads a file for tarfile while hashing what passes through."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        self.digest.update(chunk)
        return chunk


def backup_create(target: Path, *, storage=default_storage, progress: Callable[[str], None] = lambda _: None) -> Manifest:
    """Write a backup archive to `target` (written to a temporary name first, renamed when complete)."""
    if connection.in_atomic_block:
        raise BackupError("不能在事务中备份。")
    target = Path(target)
    if not target.parent.is_dir():
        raise BackupError(f"备份目录不存在：{target.parent}")
    vendor = connection.vendor
    dump_name = DUMP_NAMES.get(vendor)
    if dump_name is None:
        raise BackupError(f"不支持备份 {vendor} 数据库：只支持 PostgreSQL 和 SQLite。")
    partial = target.with_name(target.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="evalportal-backup-") as tmp:
        dump = Path(tmp) / Path(dump_name).name
        progress("导出数据库……")
        counts = row_counts()
        migrations = applied_migrations()
        _dump_database(dump)
        try:
            with tarfile.open(partial, "w") as tar:
                with dump.open("rb") as handle:
                    db_sha, db_size = _sha256_of(handle)
                tar.add(dump, arcname=dump_name)
                media = []
                progress("打包文件……")
                for name in storage_files(storage):
                    size = storage.size(name)
                    with storage.open(name, "rb") as handle:
                        reader = _HashingReader(handle)
                        info = tarfile.TarInfo(MEDIA_PREFIX + name)
                        info.size = size
                        info.mtime = int(timezone.now().timestamp())
                        info.mode = 0o600
                        tar.addfile(info, reader)
                    media.append({"name": name, "size": size, "sha256": reader.digest.hexdigest()})
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "created_at": timezone.now().isoformat(),
                    "database": {"vendor": vendor, "file": dump_name, "size": db_size, "sha256": db_sha},
                    "migrations": migrations,
                    "row_counts": counts,
                    "media": media,
                }
                content = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
                _add_bytes(tar, MANIFEST, content)
                _add_bytes(tar, MANIFEST_DIGEST, hashlib.sha256(content).hexdigest().encode("ascii") + b"\n")
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
    return Manifest(manifest)


# --- inspect and restore -------------------------------------------------------------------------------------------


def _open_archive(path: Path) -> tarfile.TarFile:
    if not Path(path).is_file():
        raise BackupError(f"备份文件不存在：{path}")
    try:
        return tarfile.open(path, "r:")
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"备份文件已损坏或不是 evalportal 备份（无法读取 tar 结构：{exc}）。") from None


def _read_member(tar: tarfile.TarFile, name: str) -> bytes:
    try:
        member = tar.getmember(name)
        handle = tar.extractfile(member)
        if handle is None:
            raise KeyError(name)
        return handle.read()
    except KeyError:
        raise BackupError(f"备份文件不完整：缺少 {name}。") from None
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"备份文件已损坏：读取 {name} 失败（{exc}）。") from None


def backup_inspect(path: Path) -> Manifest:
    """Check the whole archive against its manifest (every member's size and SHA-256); BackupError on any fault."""
    with _open_archive(path) as tar:
        content = _read_member(tar, MANIFEST)
        recorded = _read_member(tar, MANIFEST_DIGEST).decode("ascii", "replace").strip()
        if hashlib.sha256(content).hexdigest() != recorded:
            raise BackupError("备份文件已损坏：清单（manifest.json）的校验和不一致。")
        try:
            data = json.loads(content)
        except ValueError:
            raise BackupError("备份文件已损坏：清单（manifest.json）不是有效的 JSON。") from None
        if data.get("format") != FORMAT or data.get("format_version") != FORMAT_VERSION:
            raise BackupError("这不是本系统可识别的 evalportal 备份文件（格式或版本不符）。")
        manifest = Manifest(data)
        expected = {data["database"]["file"]: (data["database"]["size"], data["database"]["sha256"])}
        for item in manifest.files:
            expected[MEDIA_PREFIX + item["name"]] = (item["size"], item["sha256"])
        seen = set()
        try:
            for member in tar:
                if member.name in (MANIFEST, MANIFEST_DIGEST):
                    continue
                if member.name not in expected or not member.isfile():
                    raise BackupError(f"备份文件包含清单以外的内容：{member.name}。")
                size, sha = expected[member.name]
                handle = tar.extractfile(member)
                actual_sha, actual_size = _sha256_of(handle)
                if (actual_size, actual_sha) != (size, sha):
                    raise BackupError(f"备份文件已损坏：{member.name} 的校验和与清单不一致。")
                seen.add(member.name)
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"备份文件已损坏：{exc}。") from None
        missing = sorted(set(expected) - seen)
        if missing:
            more = f" 等 {len(missing)} 个文件" if len(missing) > 1 else ""
            raise BackupError(f"备份文件不完整：缺少 {missing[0]}{more}。")
    return manifest


def _restore_database(tar: tarfile.TarFile, manifest: Manifest) -> None:
    with tempfile.TemporaryDirectory(prefix="evalportal-restore-") as tmp:
        dump = Path(tmp) / "dump"
        with tar.extractfile(manifest.data["database"]["file"]) as source, dump.open("wb") as target:
            shutil.copyfileobj(source, target, CHUNK)
        connection.close()
        if manifest.vendor == "postgresql":
            env, args = _pg_env_and_args()
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                  "--exit-on-error", *args, str(dump)], env, "恢复 PostgreSQL 数据库（pg_restore）")
        else:
            connection.ensure_connection()
            source = sqlite3.connect(dump)
            try:
                source.backup(connection.connection)
            except sqlite3.OperationalError as exc:
                raise BackupError(f"恢复 SQLite 数据库失败：{exc}（请先停止网站和后台任务）。") from None
            finally:
                source.close()
            connection.close()


def _restore_files(tar: tarfile.TarFile, manifest: Manifest, storage) -> int:
    count = 0
    for item in manifest.files:
        name = item["name"]
        with tar.extractfile(MEDIA_PREFIX + name) as source:
            if storage.exists(name):
                storage.delete(name)
            saved = storage.save(name, File(source, name=Path(name).name))
        if saved != name:
            raise BackupError(f"恢复文件失败：{name} 被存储为 {saved}。")
        count += 1
    return count


def backup_restore(path: Path, *, storage=default_storage, manifest: Manifest | None = None) -> RestoreResult:
    """Replace the database and write back every file of the archive, after checking it (`backup_inspect`)."""
    if connection.in_atomic_block:
        raise BackupError("不能在事务中恢复。")
    manifest = manifest or backup_inspect(path)
    if manifest.vendor != connection.vendor:
        raise BackupError(
            f"备份来自 {manifest.vendor} 数据库，当前数据库是 {connection.vendor}：只能恢复到同一种数据库。"
        )
    with _open_archive(path) as tar:
        _restore_database(tar, manifest)
        result = RestoreResult(manifest=manifest)
        result.files = _restore_files(tar, manifest, storage)
    result.migrations_differ = applied_migrations() != _code_migrations()
    # The signed reports must still be what was signed: every archived PDF hashes to its recorded SHA-256.
    from reports.archive.services import archived_report_check
    from reports.models import ArchivedReport

    for archive in ArchivedReport.objects.exclude(sha256="").defer("html", "data"):
        result.archives_checked += 1
        if not archived_report_check(archive):
            result.archives_failed.append(f"{archive.code} 第{archive.version}版")
    return result


def _code_migrations() -> dict[str, str]:
    """The latest migration per app in the code (leaf nodes), to compare with a restored database."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection, ignore_no_migrations=True)
    latest: dict[str, str] = {}
    for app, name in loader.graph.leaf_nodes():
        latest[app] = max(latest.get(app, ""), name)
    recorded = applied_migrations()
    return {app: latest[app] for app in recorded if app in latest}
