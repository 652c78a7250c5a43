"""Number formatting for entry screens: explicit, as the reports print them."""

from decimal import Decimal

from django import template

from indicators.calculations import SLASH, format_percent, to_wan
from stations.calculations import format_halves

register = template.Library()



@register.filter
def wan(amount: Decimal | None) -> str:
    """Yuan → 万元 with 2 decimals, as the reports print it (2,448,000.00 → "244.80"); "/" when missing.

    The one 万元 format of screens and reports (reports' report_format registers this same function)."""
    return SLASH if amount in (None, "") else f"{to_wan(Decimal(amount)):f}"


@register.filter
def pct(rate) -> str:
    """A rate (0.7686) → "76.86%"; None → "/"."""
    return format_percent(rate)


@register.filter
def halves(value) -> str:
    """人次 counted in halves (77.5, 65, 100, -12.5); "" for None."""
    if value in (None, ""):
        return ""
    return format_halves(Decimal(value))
