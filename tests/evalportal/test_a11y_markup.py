"""The accessibility markup of issue 15 as the server renders it (no browser, both databases): skip link and main
landmark, every aria-describedby names an element of the page, fields in error carry aria-invalid and point at their
message, entry fields are named after their 片区/indicator/month or rubric item, the grid's 记录 links are in the Tab
order."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from django.test import TestCase
from django.urls import reverse

from demo.loader import demo_load
from reports.models import Evaluation, EvaluationItem
from stations.models import User

GRID = reverse("quarter_entry", args=["xicun-2024", "2025-Q2"])


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}))


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.elements


class AccessibleMarkupTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()
        cls.street = User.objects.get(username="street_xicun")
        cls.evaluator = User.objects.get(username="evaluator_gzswa")

    def assert_idrefs_exist(self, html: str):
        found = elements(html)
        ids = {attrs["id"] for _, attrs in found if "id" in attrs}
        for tag, attrs in found:
            for attr in ("aria-describedby", "aria-labelledby", "aria-controls"):
                for ref in attrs.get(attr, "").split():
                    self.assertIn(ref, ids, f"<{tag} {attr}=\"{attrs[attr]}\">: id “{ref}” 不存在")

    def test_every_page_starts_with_a_skip_link_to_the_main_content(self):
        self.client.force_login(self.street)
        html = self.client.get(reverse("home")).content.decode()
        body = html[html.index("<body>"):]
        first_link = re.search(r"<a [^>]*>[^<]*</a>", body).group(0)
        self.assertIn('href="#main"', first_link)
        self.assertIn("跳到主要内容", first_link)
        self.assertIn('<main class="container-fluid px-3 px-lg-4 py-3" id="main" tabindex="-1">', html)
        self.assertIn('id="live-status" role="status" aria-live="polite"', html)

    def test_the_current_navigation_item_is_marked_for_assistive_technology(self):
        self.client.force_login(self.street)
        html = self.client.get(reverse("contract_list")).content.decode()
        self.assertIn('aria-current="page">数据填报</a>', html)
        self.assertNotIn("bg-primary", html.split("</nav>")[0])  # the navbar's own dark blue, not #0d6efd

    def test_declaration_errors_are_linked_to_the_checkbox_and_the_radio_group(self):
        self.client.force_login(self.evaluator)
        response = self.client.post(reverse("evaluation_declaration", args=["xicun-2024-final"]), {"declaration": ""})
        html = response.content.decode()
        self.assertIn('aria-describedby="id_confirm_error"', html)
        self.assertIn('<div class="text-danger fw-bold" id="id_confirm_error">请勾选确认。</div>', html)
        self.assertIn('<fieldset class="mb-3" aria-describedby="id_declaration_error">', html)
        self.assertIn('id="id_declaration_error">请选择声明内容。</div>', html)
        self.assert_idrefs_exist(html)

    def test_grid_cells_are_named_and_a_refused_cell_points_at_its_message(self):
        self.client.force_login(self.street)
        html = self.client.get(GRID).content.decode()
        cells = [attrs for tag, attrs in elements(html) if "cell-input" in attrs.get("class", "")]
        self.assertTrue(cells)
        for attrs in cells:
            self.assertRegex(attrs["aria-label"], r"^(片区\S+|全站指标) \S+ 2025年[456]月$")
        links = [attrs for tag, attrs in elements(html) if tag == "a" and "indicator=" in attrs.get("href", "")]
        self.assertTrue(links)
        self.assertFalse([a for a in links if a.get("tabindex") == "-1"], "记录 links must be reachable by Tab")

        name = cells[1]["name"]
        response = self.client.post(GRID, {"action": "save", name: "-5"})
        self.assertEqual(response.status_code, 400)
        html = response.content.decode()
        cell = next(attrs for tag, attrs in elements(html) if attrs.get("name") == name)
        self.assertEqual(cell["aria-invalid"], "true")
        self.assertEqual(cell["aria-describedby"], f"err-{name}")
        self.assertRegex(html, rf'<div class="invalid-feedback cell-error" id="err-{name}">不能为负数。</div>')
        self.assert_idrefs_exist(html)

    def test_scoring_fields_are_named_after_their_rubric_item(self):
        ev = Evaluation.objects.get(code="xicun-2024-final")
        ev.assignments.filter(user=self.evaluator).update(declaration="no_conflict")
        self.client.force_login(self.evaluator)
        html = self.client.get(reverse("evaluation_scoring", args=[ev.code])).content.decode()
        for item in EvaluationItem.objects.filter(section__evaluation=ev):
            hidden = f'<span class="visually-hidden">：{item.code} {item.text}</span>'
            self.assertIn(f"分）{hidden}</label>", html)
            self.assertIn(f'<label class="form-label" for="note-{item.pk}">评分说明{hidden}</label>', html)
            self.assertIn(f'id="error-{item.pk}" role="alert"', html)
        self.assertEqual(html.count("evidence-input"), EvaluationItem.objects.filter(section__evaluation=ev).count())
        self.assert_idrefs_exist(html)

    def test_a_refused_party_score_marks_the_score_field(self):
        self.client.force_login(self.street)
        url = reverse("evaluation_party", args=["xicun-2024-final", "buyer"])
        version = self.client.get(url).context["form"]["version"].value()
        response = self.client.post(url, {"version": version, "mode": "points", "value": "abc", "save": "1"})
        self.assertEqual(response.status_code, 400)
        html = response.content.decode()
        self.assertIn('aria-invalid="true" aria-describedby="id_value_error"', html)
        self.assertIn('id="id_value_error">“项目购买方（街道办事处）得分”必须是数字。</div>', html)
        self.assert_idrefs_exist(html)
