"""Headers and error pages (issue 9 §9, issue 15 §4): Content-Security-Policy without inline script, no-store when
signed in, Chinese 403/404/500 pages in the site's layout, wsgi/asgi on production settings by default. The URL census
(test_url_census.py) applies the same page checks to every URL × role."""

import os
import secrets
import subprocess
import sys

from django.conf import settings
from django.db import connection
from django.test import Client, RequestFactory, SimpleTestCase, TestCase, override_settings
from django.urls import reverse

from evalportal.errors import server_error
from tests.indicators.factories import build_world

from .page_checks import csp_directives, page_problems


class PageCheckTests(SimpleTestCase):
    """The census's checks catch what they must (a check that passes everything proves nothing)."""

    def html(self, body: str, **headers):
        from django.http import HttpResponse

        response = HttpResponse(body, content_type="text/html; charset=utf-8")
        response["Content-Security-Policy"] = headers.get("csp", "default-src 'self'; script-src 'self'")
        response["Cache-Control"] = headers.get("cache", "private, no-store")
        return response

    def test_each_kind_of_inline_code_is_found(self):
        for body in ['<script>alert(1)</script>', '<button onclick="x()">', '<a href="javascript:x()">',
                     '<div style="width: 5%">', '<SCRIPT type="text/javascript">x</SCRIPT>']:
            with self.subTest(body=body):
                self.assertTrue(page_problems(self.html(body), authenticated=False))

    def test_script_files_and_json_data_pass(self):
        body = '<script src="/static/js/a.js"></script><script type="application/json" id="d">{}</script>' \
               '<div data-onload="1" class="x">'
        self.assertEqual(page_problems(self.html(body), authenticated=True), [])

    def test_a_policy_allowing_inline_script_or_a_cacheable_page_fails(self):
        self.assertTrue(page_problems(self.html("", csp="script-src 'self' 'unsafe-inline'"), authenticated=False))
        self.assertTrue(page_problems(self.html("", cache="private"), authenticated=True))


class HeaderTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)

    def test_the_policy_allows_only_this_site(self):
        response = self.client.get(reverse("login"))
        self.assertEqual(csp_directives(response), {
            "default-src": ["'self'"], "script-src": ["'self'"], "style-src": ["'self'"],
            "img-src": ["'self'", "data:"], "font-src": ["'self'"], "connect-src": ["'self'"],
            "object-src": ["'none'"], "base-uri": ["'self'"], "form-action": ["'self'"], "frame-ancestors": ["'none'"],
        })
        self.assertEqual(page_problems(response, authenticated=False), [])

    def test_signed_in_pages_and_downloads_are_not_stored(self):
        self.client.force_login(self.w.users["street_xc"])
        code = self.w.contract.code
        for url in [reverse("home"), reverse("contract_detail", args=[code]),
                    reverse("quarter_template", args=[code, "2025-Q1"]), reverse("staff_export", args=[code]),
                    reverse("admin:login")]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertIn("no-store", response["Cache-Control"])
                self.assertIn("private", response["Cache-Control"])

    def test_the_admin_has_the_policy_and_no_inline_script(self):
        self.client.force_login(self.w.users["admin"])
        for url in [reverse("admin:index"), reverse("admin:stations_contract_changelist"),
                    reverse("admin:stations_contract_change", args=[self.w.contract.pk])]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(page_problems(response, authenticated=True), [])

    def test_static_pages_scripts_are_files(self):
        for name in ("js/bundle_progress.js", "js/reference_panel.js"):
            with self.subTest(name=name):
                self.assertTrue((settings.BASE_DIR / "static" / name).exists())


@override_settings(ROOT_URLCONF="tests.evalportal.error_urls")
class ErrorPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)

    def assert_error_page(self, response, status: int, title: str, reason: str, *, navigation: bool):
        self.assertEqual(response.status_code, status)
        html = response.content.decode()
        self.assertIn('<html lang="zh-CN">', html)
        self.assertIn(f"<title>{title} · evalportal</title>", html)
        self.assertIn(f'<p class="lead mb-4" id="error-reason">{reason}</p>', html)
        self.assertIn(f'href="{reverse("home")}">返回首页</a>', html)
        self.assertEqual('id="main-nav"' in html, navigation)
        self.assertEqual(page_problems(response, authenticated=navigation), [])

    def test_404_of_an_unknown_address_in_chinese_with_the_navigation(self):
        self.client.force_login(self.w.users["street_xc"])
        response = self.client.get("/no-such-page/")
        self.assert_error_page(response, 404, "页面不存在", "页面不存在，或您无权查看该内容。请检查网址，或从首页重新进入。",
                               navigation=True)
        self.assertContains(response, "退出登录", status_code=404)

    def test_404_says_the_views_own_reason(self):
        self.client.force_login(self.w.users["street_xc"])
        response = self.client.get(reverse("evaluation_detail", args=["no-such-evaluation"]))
        self.assert_error_page(response, 404, "页面不存在", "评估不存在或无权查看。", navigation=True)

    def test_403_says_the_reason_and_offers_the_previous_page(self):
        self.client.force_login(self.w.users["street_xc"])
        referer = "http://testserver" + reverse("home")
        response = self.client.get(reverse("evaluation_create"), HTTP_REFERER=referer)
        self.assert_error_page(response, 403, "无权访问", "只有区民政局或系统管理员可以创建评估。", navigation=True)
        self.assertContains(response, f'<a class="btn btn-primary" href="{referer}">返回上一页</a>', status_code=403)

    def test_a_foreign_referer_is_not_offered_as_the_way_back(self):
        self.client.force_login(self.w.users["street_xc"])
        response = self.client.get(reverse("evaluation_create"), HTTP_REFERER="https://evil.example/")
        self.assertNotContains(response, "evil.example", status_code=403)

    def test_an_english_internal_message_is_not_shown(self):
        self.client.force_login(self.w.users["street_xc"])
        response = self.client.get("/test-errors/forbidden/")
        self.assert_error_page(response, 403, "无权访问", "您没有执行此操作的权限。如确需办理，请联系本单位管理员或系统管理员。",
                               navigation=True)
        self.assertNotContains(response, "internal detail", status_code=403)

    def test_404_for_anonymous_offers_the_login(self):
        response = self.client.get("/no-such-page/")
        self.assert_error_page(response, 404, "页面不存在", "页面不存在，或您无权查看该内容。请检查网址，或从首页重新进入。",
                               navigation=False)
        self.assertContains(response, "登录</a>", status_code=404)

    def test_a_csrf_failure_is_explained_in_chinese(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post(reverse("login"), {"username": "street_xc", "password": "x"})
        self.assert_error_page(response, 403, "页面已过期", "页面已过期或安全校验未通过，未保存任何内容。请返回上一页，刷新后重新提交。",
                               navigation=False)

    def test_500_in_chinese_in_the_layout(self):
        client = Client(raise_request_exception=False)
        client.force_login(self.w.users["street_xc"])
        response = client.get("/test-errors/boom/")
        self.assert_error_page(
            response, 500, "系统错误", "系统暂时无法完成您的请求，已记录错误。请稍后重试；如问题持续，请联系系统管理员。",
            navigation=False,
        )

    def test_500_renders_when_the_database_is_down(self):
        client = Client(raise_request_exception=False)
        client.force_login(self.w.users["street_xc"])
        try:
            response = client.get("/test-errors/database-down/")
        finally:
            connection.execute_wrappers.clear()
        self.assertEqual(response.status_code, 500)
        self.assertContains(response, "系统暂时无法完成您的请求", status_code=500)

    def test_the_500_handler_runs_no_query(self):
        request = RequestFactory().get("/")
        with self.assertNumQueries(0):
            response = server_error(request)
        self.assertEqual(response.status_code, 500)
        self.assertContains(response, "返回首页", status_code=500)


class ServerEntryPointTests(SimpleTestCase):
    def load(self, module: str, **env: str) -> subprocess.CompletedProcess:
        base = {k: v for k, v in os.environ.items()
                if k not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
        code = (f"import {module}; from django.conf import settings; "
                "print(settings.SETTINGS_MODULE, settings.DEBUG)")
        return subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env={**base, **env},
                              capture_output=True, text=True, timeout=120)

    def test_wsgi_and_asgi_default_to_the_production_settings(self):
        for module in ("evalportal.wsgi", "evalportal.asgi"):
            with self.subTest(module=module):
                result = self.load(module, SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="evalportal.example.org")
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(result.stdout.split(), ["evalportal.settings.production", "False"])

    def test_without_a_secret_key_the_server_refuses_to_start_rather_than_run_in_debug(self):
        result = self.load("evalportal.wsgi", ALLOWED_HOSTS="evalportal.example.org")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("SECRET_KEY", result.stderr)

    def test_manage_py_stays_on_development(self):
        base = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", "from django.conf import settings; print(settings.SETTINGS_MODULE)"],
            cwd=settings.BASE_DIR, env=base, capture_output=True, text=True, timeout=120,
        )
        self.assertEqual(result.stdout.strip().splitlines()[-1], "evalportal.settings.base", result.stderr)
