"""Settings: production passes `check --deploy`; the base settings speak Chinese in Guangzhou's time zone."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import get_commands
from django.test import SimpleTestCase

from evalportal.settings import base


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )


class ProductionSettingsTests(SimpleTestCase):
    def production_env(self, **extra: str) -> dict[str, str]:
        # scripts/test.sh sets DJANGO_ALLOW_ASYNC_UNSAFE for the browser tests; a deployment must not.
        unset = {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        env = {k: v for k, v in os.environ.items() if k not in unset}
        env["DJANGO_SETTINGS_MODULE"] = "evalportal.settings.production"
        env.update(extra)
        return env

    def test_production_settings_pass_check_deploy(self):
        env = self.production_env(SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="evalportal.example.org")

        result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)

        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("no issues", result.stdout)

    def test_production_refuses_to_start_without_a_secret_key(self):
        result = run_manage("check", env=self.production_env(ALLOWED_HOSTS="evalportal.example.org"))

        self.assertNotEqual(result.returncode, 0)
        self.assertIn("SECRET_KEY", result.stderr)


class BaseSettingsTests(SimpleTestCase):
    def test_base_settings_use_simplified_chinese_and_shanghai_time(self):
        self.assertEqual(base.LANGUAGE_CODE, "zh-hans")
        self.assertEqual(base.TIME_ZONE, "Asia/Shanghai")
        self.assertIs(base.USE_TZ, True)

    def test_running_settings_inherit_them(self):
        self.assertEqual(settings.LANGUAGE_CODE, "zh-hans")
        self.assertEqual(settings.TIME_ZONE, "Asia/Shanghai")
        self.assertIs(settings.USE_TZ, True)


class DevelopmentSecretKeyTests(SimpleTestCase):
    def test_the_generated_key_is_kept_so_a_restart_does_not_log_everybody_out(self):
        import stat
        import tempfile
        from pathlib import Path
        from unittest import mock


        with tempfile.TemporaryDirectory() as tmp, mock.patch.object(base, "BASE_DIR", Path(tmp)):
            first = base._development_secret_key()
            second = base._development_secret_key()
            key_file = Path(tmp) / "var" / "dev_secret_key"
            self.assertEqual(first, second)
            self.assertTrue(first.startswith("dev-insecure-") and len(first) > 50)
            self.assertEqual(stat.S_IMODE(key_file.stat().st_mode), 0o600)
            key_file.write_text("")  # a crash between create and write leaves it empty
            self.assertTrue(base._development_secret_key().startswith("dev-insecure-"))


class SystemdUnitsTests(SimpleTestCase):
    """Every `manage.py COMMAND` a unit in deploy/systemd starts is a command of the project (a renamed or missing
    one would only fail at 02:30 on a server, in a journal nobody reads)."""

    def test_units_start_existing_commands(self):
        units = sorted(Path(settings.BASE_DIR, "deploy", "systemd").glob("*.service"))
        started = {name for unit in units for name in re.findall(r"manage\.py (\w+)", unit.read_text())}
        self.assertEqual(started, {"purge_import_previews", "purge_survey_rosters", "update_statistics", "run_worker",
                                   "backup"})
        self.assertEqual(started - set(get_commands()), set())
