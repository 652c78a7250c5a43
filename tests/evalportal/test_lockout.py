"""Lockout (issue 9 §7): attempts during a lock do not extend it; the page says until when in Beijing time; the
administrator sees who is locked and unlocks them."""

import contextlib
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from axes.models import AccessAttempt
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from evalportal.lockout import locked_until, locked_until_text
from tests.indicators.factories import PASSWORD, build_world

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2026-03-02 09:00 in Guangzhou = 01:00 UTC
START = datetime(2026, 3, 2, 1, 0, tzinfo=ZoneInfo("UTC"))


@contextlib.contextmanager
def at_time(moment: datetime):
    """The clock of Django and of django-axes (which imported `now` itself) at `moment`."""
    with mock.patch("django.utils.timezone.now", return_value=moment), \
            mock.patch("axes.handlers.proxy.now", return_value=moment):
        yield


class LockoutTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)

    def login(self, password: str, *, at: datetime, username: str = "street_xc", agent: str = "Firefox"):
        with at_time(at):
            return self.client.post(reverse("login"), {"username": username, "password": password},
                                    HTTP_USER_AGENT=agent)

    def lock(self) -> None:
        for minute in range(5):  # 09:00 … 09:04: the fifth failure locks until 09:19
            self.login("wrong-password-1", at=START + timedelta(minutes=minute))

    def test_the_lockout_page_says_until_when_in_beijing_time(self):
        self.lock()
        response = self.login(PASSWORD, at=START + timedelta(minutes=5))
        self.assertEqual(response.status_code, 429)
        self.assertContains(
            response,
            '<p id="lockout-message">登录失败次数过多，账户已锁定至 2026年3月2日 09:19（北京时间），请届时再试；'
            "锁定期间的登录尝试不会延长锁定。</p>",
            status_code=429, html=False,
        )

    def test_attempts_during_the_lock_do_not_extend_it(self):
        self.lock()
        # someone keeps trying every two minutes, from another browser too
        for minute in range(6, 19, 2):
            response = self.login("wrong-password-2", at=START + timedelta(minutes=minute), agent="Chrome")
            self.assertEqual(response.status_code, 429)
            self.assertContains(response, "锁定至 2026年3月2日 09:19", status_code=429)
        self.assertEqual(sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)), 5)
        # at 09:19 the lock has ended: the right password works
        response = self.login(PASSWORD, at=START + timedelta(minutes=19, seconds=1))
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)

    def test_still_locked_a_moment_before_the_end(self):
        self.lock()
        response = self.login(PASSWORD, at=START + timedelta(minutes=18, seconds=59))
        self.assertEqual(response.status_code, 429)

    def test_locked_until_follows_axes_counting(self):
        self.lock()
        self.assertEqual(locked_until("street_xc", now=START + timedelta(minutes=5)),
                         START + timedelta(minutes=19))
        self.assertIsNone(locked_until("street_xc", now=START + timedelta(minutes=20)))
        self.assertIsNone(locked_until("nobody", now=START))
        self.assertEqual(locked_until_text(START + timedelta(minutes=19)), "2026年3月2日 09:19")
        self.assertEqual(timezone.localtime(START).tzinfo, SHANGHAI)

    def test_the_administrator_sees_the_lock_and_unlocks(self):
        self.lock()
        admin = self.w.users["admin"]
        changelist = reverse("admin:stations_user_changelist")
        with at_time(START + timedelta(minutes=6)):  # axes drops expired failures at every login: same clock
            self.client.force_login(admin)
            page = self.client.get(changelist)
        self.assertContains(page, "锁定至 2026年3月2日 09:19")
        self.assertContains(page, "解除所选用户的登录锁定")
        user = self.w.users["street_xc"]
        with at_time(START + timedelta(minutes=6)):
            response = self.client.post(changelist, {"action": "unlock_login", "_selected_action": [user.pk]},
                                        follow=True)
        self.assertContains(response, "已解除 1 个账户的登录锁定，可立即重新登录。")
        self.assertFalse(AccessAttempt.objects.filter(username="street_xc").exists())
        self.client.logout()
        response = self.login(PASSWORD, at=START + timedelta(minutes=7))
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)

    def test_the_user_list_query_count_does_not_grow_with_users(self):
        self.client.force_login(self.w.users["admin"])
        changelist = reverse("admin:stations_user_changelist")
        self.client.get(changelist)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as few:
            self.client.get(changelist)
        from stations.models import User

        for n in range(10):
            User.objects.create_user(f"extra{n}", password=PASSWORD, role="admin")
        with CaptureQueriesContext(connection) as many:
            self.client.get(changelist)
        self.assertEqual(len(few), len(many))
