"""Number formatting for entry screens: explicit, as the reports print them."""

from decimal import Decimal

from django import template

from indicators.calculations import format_percent
from reports.templatetags.report_format import wan as report_wan

register = template.Library()


register.filter("wan", report_wan)  # one 万元 format for screens and reports


@register.filter
def pct(rate) -> str:
    """A rate (0.7686) → "76.86%"; None → "/"."""
    return format_percent(rate)


@register.filter
def halves(value) -> str:
    """人次 counted in halves (77.5, 65, 100, -12.5); "" for None."""
    from stations.calculations import format_halves

    if value in (None, ""):
        return ""
    return format_halves(Decimal(value))
