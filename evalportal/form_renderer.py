"""The form renderer: Django's own widget templates through Jinja2, everything else through the Django template language.

A select renders one template per option: with the Django template language, a list page's filter form took 2–3 ms of
its 8–15 ms (measured at 176 stations). Django ships the same widget templates for Jinja2
(django/forms/jinja2/django/forms/widgets/, the templates of its `Jinja2` form renderer, tested by Django to give the
same HTML), which render faster: 1–2 ms less per list page (bench/profile_pages.py, 7–12 %). Only those go through
Jinja2: the admin's, crispy-forms' and any other app's templates stay with the Django template language (Django's
Jinja2 renderer alone would not find them), and so do the form, field and error-list templates.
"""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates, Jinja2
from django.utils.functional import cached_property

STOCK_WIDGETS = "django/forms/widgets/"


class FormRenderer(DjangoTemplates):
    @cached_property
    def _jinja2(self) -> Jinja2:
        return Jinja2()

    def get_template(self, template_name):
        if template_name.startswith(STOCK_WIDGETS):
            return self._jinja2.get_template(template_name)
        return super().get_template(template_name)
