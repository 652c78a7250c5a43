"""The form renderer (evalportal.form_renderer): Django's stock widget templates through Jinja2, the rest through the
Django template language. Every page with forms gives the same HTML as with Django's own renderer (assertHTMLEqual:
Jinja2 writes a quote in a value as &#34; where Django writes &quot;, which a browser reads alike)."""

from __future__ import annotations

import re
from unittest import mock

from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.test import TestCase, override_settings
from django.urls import reverse

from demo.loader import demo_load
from evalportal.form_renderer import FormRenderer
from stations.models import StaffMember, User

STOCK = "django.forms.renderers.DjangoTemplates"
VARYING = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'), 'name="csrfmiddlewaretoken" value=""'),
    (re.compile(r'nonce="[^"]*"'), 'nonce=""'),
]


def normalised(html: str) -> str:
    for pattern, replacement in VARYING:
        html = pattern.sub(replacement, html)
    return html


class HostileForm(forms.Form):
    """Every stock widget kind the project's forms use, with values that need escaping."""

    text = forms.CharField(initial='O\'Brien & "Co" <b>')
    number = forms.IntegerField(initial=3)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(widget=forms.Textarea, initial="<script>x</script>")
    choice = forms.ChoiceField(choices=[("", "全部"), ("a&b", 'A "1"'), ("2", "第二")], initial="a&b")
    grouped = forms.ChoiceField(choices=[("组 <1>", [("x", "X")]), ("y", "Y")])
    several = forms.MultipleChoiceField(choices=[(1, "一"), (2, "二")], initial=[2])
    ticks = forms.MultipleChoiceField(choices=[(1, "一"), (2, "二")], widget=forms.CheckboxSelectMultiple, initial=[1])
    radio = forms.ChoiceField(choices=[("y", "是"), ("n", "否")], widget=forms.RadioSelect)
    flag = forms.BooleanField(initial=True, required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, initial="h")
    upload = forms.FileField(required=False)


class FormRendererTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()
        cls.staff = StaffMember.objects.filter(contract__code="xicun-2024").order_by("pk").first()

    def test_widgets_render_alike(self):
        for data in (None, {"text": "'\"<>&", "number": "x", "choice": "2", "several": ["1", "2"], "ticks": ["2"]}):
            ours, stock = HostileForm(data, renderer=FormRenderer()), HostileForm(data, renderer=DjangoTemplates())
            for name in ours.fields:
                with self.subTest(field=name, bound=data is not None):
                    self.assertHTMLEqual(str(ours[name]), str(stock[name]))

    def test_only_stock_widget_templates_go_through_jinja2(self):
        renderer = FormRenderer()
        self.assertEqual(type(renderer.get_template("django/forms/widgets/select.html")).__module__,
                         "django.template.backends.jinja2")
        for name in ("django/forms/div.html", "django/forms/errors/list/ul.html", "admin/widgets/foreign_key_raw_id.html"):
            with self.subTest(template=name):
                self.assertEqual(type(renderer.get_template(name)).__module__, "django.template.backends.django")

    def test_it_is_the_default(self):
        self.assertIsInstance(get_default_renderer(), FormRenderer)

    def test_pages_render_alike(self):
        # pages whose forms are Django forms (the dashboard's and the quarter grid's forms are written in their
        # templates and render no widget: the check below would say so)
        pages = [
            ("bureau_liwan", reverse("contract_list") + "?q=西村&year="),
            ("supervision_gz", reverse("submission_list") + "?status=&year="),
            ("bureau_liwan", reverse("evaluation_overview")),
            ("supervision_gz", reverse("report_list")),
            ("bureau_liwan", reverse("survey_list")),
            ("bureau_liwan", reverse("evaluation_create")),
            ("street_xicun", reverse("staff_list", args=["xicun-2024"])),
            ("street_xicun", reverse("staff_create", args=["xicun-2024"])),
            ("street_xicun", reverse("staff_edit", args=["xicun-2024", self.staff.pk])),
            ("street_xicun", reverse("activity_list", args=["xicun-2024"])),
            ("street_xicun", reverse("activity_create", args=["xicun-2024"])),
        ]
        for username, url in pages:
            with self.subTest(user=username, url=url):
                self.client.force_login(User.objects.get(username=username))
                jinja2 = get_default_renderer()._jinja2  # a new renderer after each override_settings below
                with mock.patch.object(jinja2, "get_template", wraps=jinja2.get_template) as through_jinja2:
                    ours = self.client.get(url)
                self.assertEqual(ours.status_code, 200)
                # the page's widgets did come through Jinja2: the comparison below compares the two engines
                self.assertTrue(any(c.args[0].startswith("django/forms/widgets/")
                                    for c in through_jinja2.call_args_list), url)
                with override_settings(FORM_RENDERER=STOCK):
                    self.assertIs(type(get_default_renderer()), DjangoTemplates)
                    stock = self.client.get(url)
                self.assertHTMLEqual(normalised(ours.text), normalised(stock.text))
