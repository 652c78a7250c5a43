"""Filtered, sorted, paginated lists (issue 10 §3) with django-filter: the query string is the bookmark.

Shared by every app's list (stations, indicators, reports, oversight): this module sits in the lowest layer and
names the station models through the app registry, like evalportal.roles.

Each FilterSet is built for one user: its district/street/station choices are only those the user may see, so a
filter can never reach outside the role's querysets (evalportal.roles). `bound_filter` applies the defaults (the
current year, and for the review list "已提交") only when the parameter is absent from the URL: an explicit empty
value (“全部”) stays empty, so "all years" can be bookmarked too.
"""

from __future__ import annotations

from datetime import date

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django_filters.fields import ModelChoiceField as FilterModelChoiceField

QUARTER_CHOICES = [(1, "第一季度"), (2, "第二季度"), (3, "第三季度"), (4, "第四季度")]
PAGE_SIZE = 50
CHOOSER_OPTIONS = 60  # a select lists at most this many streets/stations; beyond, a text field (name or code) instead


MAX_ID = 2**63 - 1  # the largest id a database column holds (SQLite raises OverflowError beyond, a 500)


def parse_number(value, minimum: int = 0) -> int | None:
    """A whole number from a URL parameter or a form value: the integer, or None when the text is not one a database
    column could hold (not ASCII digits, below `minimum`, beyond MAX_ID), so that a hand-edited URL gets "no such row"
    rather than a database error."""
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if minimum <= number <= MAX_ID else None


def parse_id(value) -> int | None:
    """An id (≥ 1) from a URL parameter or a form value: see parse_number."""
    return parse_number(value, minimum=1)


def year_choices(today: date, first: int = 2020) -> list[tuple[int, str]]:
    return [(y, f"{y}年") for y in range(today.year + 1, first - 1, -1)]


def bound_filter(filterset_class, request, queryset: QuerySet, *, defaults: dict[str, str], **kwargs):
    """A FilterSet bound to the request's GET with `defaults` for parameters that are not in the URL at all."""
    data: QueryDict = request.GET.copy()
    for key, value in defaults.items():
        if key not in data:
            data[key] = value
    return filterset_class(data, queryset=queryset, request=request, **kwargs)


def querystring_without_page(request, param: str = "page") -> str:
    """The current filters, for pagination links and the bookmark (the page number is not part of a bookmark)."""
    params = request.GET.copy()
    params.pop(param, None)
    return params.urlencode()


class SortFilter(filters.ChoiceFilter):
    """?sort=key: one of a fixed set of orders, each a complete order_by (ties broken by pk, so pages are stable; the pk
    runs in the direction of the order's last column, so that one index on (columns…, id) read forwards or backwards
    gives the page without a sort).

    The first order is the default when the parameter is absent or empty."""

    def __init__(self, *, orders: dict[str, tuple[str, tuple[str, ...]]], **kwargs):
        self.orders = orders
        kwargs.setdefault("label", "排序")
        super().__init__(choices=[(key, label) for key, (label, _) in orders.items()], empty_label=None, **kwargs)

    def filter(self, qs, value):  # applied also when empty: the default order
        _, order = self.orders.get(value) or next(iter(self.orders.values()))
        return qs.order_by(*order, "-pk" if order[-1].startswith("-") else "pk")


class ScopedFilterSet(filters.FilterSet):
    """Base: district/street/station choices limited to `stations` (the stations the user may see)."""

    def __init__(self, data=None, queryset=None, *, request=None, stations: QuerySet | None = None, today: date,
                 **kwargs):
        from django.apps import apps

        Street = apps.get_model("stations", "Street")
        super().__init__(data, queryset, request=request, **kwargs)
        station_ids = stations.values("pk") if stations is not None else []
        if "district" in self.filters:
            self.filters["district"].queryset = districts_of(stations)
        if "street" in self.filters:
            # the street select stays as long as one district (a city has ~170 streets, a province thousands): the
            # streets of the chosen district, or of the user's only district; none before a district is chosen
            streets = Street.objects.filter(station__in=station_ids)
            chosen = str((data or {}).get("district") or "")
            user = getattr(request, "user", None)
            one_district = user is not None and getattr(user, "role", "") in ("bureau", "street") and not (
                user.is_superuser
            )
            if chosen:
                district_id = parse_id(chosen)
                streets = streets.filter(district_id=district_id) if district_id else streets.none()
            elif not one_district:
                streets = streets.none()
                self.filters["street"].extra["help_text"] = "先选择区，再选街道。"
            self.filters["street"].queryset = streets
        if "year" in self.filters:
            self.filters["year"].extra["choices"] = year_choices(today)
            # a form field built on the class-level filter before (the API schema generator builds one to read the
            # choices) is copied along and would keep the choices of that moment
            self.filters["year"].__dict__.pop("_field", None)
        for field in self.form.fields.values():
            is_select = hasattr(field.widget, "choices") and not isinstance(field.widget, BoundedChooser)
            field.widget.attrs["class"] = "form-select form-select-sm" if is_select else "form-control form-control-sm"


class BoundedChooser(forms.Widget):
    """A street/station chooser whose page cost does not grow with the stations: a select while the choices fit in
    CHOOSER_OPTIONS (one query reads at most CHOOSER_OPTIONS + 1 of them), otherwise a text field for the name or code
    (BoundedModelChoiceField resolves it). Either way the URL holds the value, the form works without JavaScript."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = []

    def render(self, name, value, attrs=None, renderer=None):
        field = self.choices.field
        listed = list(field.queryset[:CHOOSER_OPTIONS + 1])
        attrs = self.build_attrs(self.attrs, attrs)
        chosen = field.chosen_object(value, listed)
        if len(listed) <= CHOOSER_OPTIONS:
            attrs.pop("placeholder", None)
            attrs["class"] = attrs.get("class", "").replace("form-control", "form-select")
            options = format_html_join("", '<option value="{}"{}>{}</option>', (
                (obj.pk, " selected" if chosen is not None and obj.pk == chosen.pk else "", obj) for obj in listed
            ))
            empty = format_html('<option value=""{}>{}</option>', "" if chosen else " selected", field.empty_label)
            return format_html('<select name="{}"{}>{}{}</select>', name, forms.utils.flatatt(attrs), empty, options)
        attrs.setdefault("placeholder", f"输入{field.label}名称或代码")
        attrs["class"] = attrs.get("class", "").replace("form-select", "form-control")
        text = chosen.name if chosen is not None else (value or "")
        return format_html('<input type="text" name="{}" value="{}"{}>', name, text, forms.utils.flatatt(attrs))


class BoundedModelChoiceField(FilterModelChoiceField):
    """A ModelChoiceField that also takes the exact name or code of one of its choices (the BoundedChooser's text
    field), or a unique part of a name; the id, as the select and the API send it, works as before."""

    widget = BoundedChooser

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._resolved = None

    def to_python(self, value):
        value = value.strip() if isinstance(value, str) else value
        if value in self.empty_values:
            return None
        if not isinstance(value, str) or (value.isdigit() and str(int(value)) == value):
            try:  # an id (the select, the API)
                self._resolved = super().to_python(value)
                return self._resolved
            except ValidationError:
                if not isinstance(value, str):
                    raise
        found = list(self.queryset.filter(Q(name=value) | Q(code=value))[:2]) or list(
            self.queryset.filter(name__icontains=value)[:2])
        if len(found) != 1:
            raise ValidationError(f"没有名称或代码为“{value}”的{self.label}。" if not found else
                                  f"“{value}”对应多个{self.label}，请输入完整名称。", code="invalid_choice")
        self._resolved = found[0]
        return self._resolved

    def chosen_object(self, value, listed):
        """The chosen object for display, without a query: the validated one, or one of the listed choices."""
        if self._resolved is not None:
            return self._resolved
        return next((obj for obj in listed if str(obj.pk) == str(value)), None)


class BoundedModelChoiceFilter(filters.ModelChoiceFilter):
    field_class = BoundedModelChoiceField


def url_maker(name: str, params: int = 1):
    """reverse(name, args=[...]) for every row of a page at the cost of one reverse: the row's values (codes, quarter
    slugs) replace placeholders, quoted as reverse quotes them."""
    from urllib.parse import quote

    from django.urls import reverse

    marks = [f"__{i}__" for i in range(params)]
    pattern = reverse(name, args=marks)

    def make(*values) -> str:
        if any("__" in str(value) for value in values):  # could hold a placeholder: reverse() itself
            return reverse(name, args=[str(value) for value in values])
        url = pattern
        for mark, value in zip(marks, values, strict=True):
            url = url.replace(mark, quote(str(value), safe="-_.~!$&'()*+,;=:@"), 1)
        return url

    return make


def districts_of(stations: QuerySet | None) -> QuerySet:
    """The districts with one of `stations`, by code: one EXISTS per district, which stops at its first station
    (not a DISTINCT over every station: the city sees thousands)."""
    from django.apps import apps
    from django.db.models import Exists, OuterRef

    District = apps.get_model("stations", "District")
    if stations is None:
        return District.objects.none()
    return District.objects.filter(Exists(stations.filter(street__district=OuterRef("pk")))).order_by("code")


COUNT_LIMIT = 5_000  # a list counts its rows up to this many (100 pages of 50); beyond, "超过 5000 条"


class BoundedPaginator(Paginator):
    """Django's Paginator, counting at most `limit` rows: `SELECT COUNT(*) FROM (… LIMIT limit + 1)`, so that neither
    the count nor the deepest page's OFFSET grows with the rows a filter matches (the city's or a province's quarters
    in every year: the database stops after `limit` + 1 index entries). Pages past `limit` rows are not offered: the
    page says there are more and the filters narrow the list. A row source that is not a QuerySet (the pace chart's
    PaceListing) is counted as Django does."""

    def __init__(self, object_list, per_page, *args, limit: int | None = None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.limit = COUNT_LIMIT if limit is None else limit

    @cached_property
    def count(self) -> int:
        if not isinstance(self.object_list, QuerySet):
            return super().count
        return min(self._rows, self.limit)

    @cached_property
    def _rows(self) -> int:
        """Rows of the QuerySet, counted up to limit + 1 (no ORDER BY: the LIMIT stops the database early)."""
        return self.object_list.order_by()[: self.limit + 1].count()

    @property
    def capped(self) -> bool:
        """More rows match than are counted and offered."""
        return isinstance(self.object_list, QuerySet) and self._rows > self.limit


def paginate(request, queryset, per_page: int | None = None, param: str = "page"):
    return BoundedPaginator(queryset, per_page or PAGE_SIZE).get_page(request.GET.get(param))


def district_filter(path: str):
    return filters.ModelChoiceFilter(field_name=path, label="区", queryset=_none("District"), empty_label="全部区")


def street_filter(path: str):
    return BoundedModelChoiceFilter(field_name=path, label="街道", queryset=_none("Street"), empty_label="全部街道")


def year_filter(path: str = "year", **kwargs):
    return filters.ChoiceFilter(field_name=path, label="年度", empty_label="全部年度", choices=[], **kwargs)


def search_filter(*paths: str, help_text: str = "名称或编号"):
    def search(queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        condition = Q()
        for path in paths:
            condition |= Q(**{f"{path}__icontains": value})
        return queryset.filter(condition)

    return filters.CharFilter(method=lambda qs, name, value: search(qs, name, value), label="搜索",
                              help_text=help_text)


def _none(model_name: str):
    from django.apps import apps

    return apps.get_model("stations", model_name).objects.none()
