"""Login, lockout after 5 failures for 15 minutes, idle timeout, password rules, logout (issue 3 §1)."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from tests.indicators.factories import PASSWORD, build_world


class LoginTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)
        cls.user = cls.w.users["street_xc"]

    def login(self, password):
        return self.client.post(reverse("login"), {"username": "street_xc", "password": password})

    def test_login_page_is_chinese(self):
        response = self.client.get(reverse("login"))
        self.assertContains(response, "<h1 class=\"h4 mb-3\">登录</h1>", html=False)
        self.assertContains(response, 'lang="zh-CN"')

    def test_login_succeeds_and_is_logged_with_user_id_only(self):
        with self.assertLogs("evalportal.security", level="INFO") as logs:
            response = self.login(PASSWORD)
        self.assertRedirects(response, reverse("home"))
        self.assertEqual(logs.output, [f"INFO:evalportal.security:login user_id={self.user.pk}"])

    def test_wrong_password_shows_chinese_error_and_logs_failure_without_name(self):
        with self.assertLogs("evalportal.security", level="WARNING") as logs:
            response = self.login("wrong-password-1")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "请输入一个正确的用户名和密码。注意，两者都区分大小写。")
        self.assertEqual(logs.output, [f"WARNING:evalportal.security:login_failed user_id={self.user.pk}"])
        self.assertNotIn("street_xc", "".join(logs.output))

    def test_unknown_user_failure_is_logged_as_unknown(self):
        with self.assertLogs("evalportal.security", level="WARNING") as logs:
            self.client.post(reverse("login"), {"username": "nobody", "password": "x1"})
        self.assertEqual(logs.output, ["WARNING:evalportal.security:login_failed user_id=unknown"])

    def test_five_failures_lock_the_account_for_fifteen_minutes(self):
        self.assertEqual(settings.AXES_FAILURE_LIMIT, 5)
        self.assertEqual(settings.AXES_COOLOFF_TIME, timedelta(minutes=15))
        for _ in range(4):
            self.assertEqual(self.login("wrong-password-1").status_code, 200)
        locked = self.login("wrong-password-1")
        self.assertEqual(locked.status_code, 429)
        self.assertContains(locked, "登录失败次数过多，账户已锁定至 ", status_code=429)
        # the right password is refused while locked
        self.assertEqual(self.login(PASSWORD).status_code, 429)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_lockout_expires_after_the_cool_off(self):
        from axes.models import AccessAttempt

        for _ in range(5):
            self.login("wrong-password-1")
        AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))
        self.assertRedirects(self.login(PASSWORD), reverse("home"))

    def test_idle_session_expires_after_thirty_minutes_and_is_renewed_without_a_write_per_request(self):
        from unittest import mock

        from django.contrib.sessions.models import Session
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.assertEqual(settings.SESSION_COOKIE_AGE, 1800)
        self.assertFalse(settings.SESSION_SAVE_EVERY_REQUEST)
        self.client.force_login(self.user)
        start = 1_900_000_000
        with mock.patch("evalportal.session_refresh.time.time", return_value=start):
            response = self.client.get(reverse("home"))  # first request after login: sets the refresh time
        self.assertEqual(response.cookies[settings.SESSION_COOKIE_NAME]["max-age"], 1800)
        key = self.client.session.session_key
        expiry = Session.objects.get(session_key=key).expire_date

        def writes(at: int) -> list[str]:
            with mock.patch("evalportal.session_refresh.time.time", return_value=at), \
                    CaptureQueriesContext(connection) as ctx:
                self.assertEqual(self.client.get(reverse("home")).status_code, 200)
            return [q["sql"] for q in ctx.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]

        self.assertEqual(writes(start + 60), [])  # 29 minutes left: no write
        self.assertEqual(writes(start + 299), [])  # 25 min 1 s left: still none
        self.assertEqual(len(writes(start + 301)), 1)  # less than 25 minutes left: renewed once
        self.assertGreater(Session.objects.get(session_key=key).expire_date, expiry)
        self.assertEqual(writes(start + 302), [])

    def test_logout_is_post_only(self):
        self.client.force_login(self.user)
        self.assertEqual(self.client.get(reverse("logout")).status_code, 405)
        response = self.client.post(reverse("logout"))
        self.assertRedirects(response, reverse("login"))
        self.assertEqual(self.client.get(reverse("home")).status_code, 302)

    def test_password_change_enforces_complexity(self):
        self.client.force_login(self.user)
        response = self.client.post(reverse("password_change"), {
            "old_password": PASSWORD, "new_password1": "onlyletterspassword", "new_password2": "onlyletterspassword",
        })
        self.assertContains(response, "密码必须同时包含字母和数字。")
        ok = self.client.post(reverse("password_change"), {
            "old_password": PASSWORD, "new_password1": "Quarter-2025-ok", "new_password2": "Quarter-2025-ok",
        })
        self.assertRedirects(ok, reverse("password_change_done"))

    def test_validators(self):
        cases = (("abc12", ["密码太短，至少需要 10 个字符。"]),
                 ("12345678901", ["这个密码太常见了。", "密码只包含数字。", "密码必须同时包含字母和数字。"]),
                 ("abcdefghijkl", ["密码必须同时包含字母和数字。"]))
        with translation.override("zh-hans"):
            for password, messages in cases:
                with self.subTest(password=password), self.assertRaises(ValidationError) as ctx:
                    validate_password(password)
                self.assertEqual(ctx.exception.messages, messages)
            validate_password("Station2025x")
