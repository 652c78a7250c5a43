"""Explicit number formats for the evaluation screens (independent of the active locale)."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def money(value: Decimal | None) -> str:
    """2400000 → "2,400,000.00" (元, to the cent)."""
    return "" if value is None else f"{Decimal(value):,.2f}"


def format_points(value: Decimal | None) -> str:
    """5.0 → "5", 2.5 → "2.5", 8.30 → "8.3": how a maximum reads in a sentence."""
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def points(value: Decimal | None, places: int = 2) -> str:
    """8.3 → "8.30"; None → "" (scores print with a fixed number of decimals)."""
    return "" if value is None else f"{Decimal(value):.{int(places)}f}"


@register.filter
def max_points(value: Decimal | None) -> str:
    """5.0 → "5", 2.5 → "2.5": a maximum as it reads in a sentence."""
    return format_points(value)


@register.filter
def percent(rate: Decimal | None) -> str:
    """0.7685714 → "76.86%"; None → "/" (seed 001 附件1)."""
    from indicators.calculations import format_percent

    return format_percent(rate)


@register.filter
def indicator_label(indicator) -> str:  # noqa: ANN001 - an IndicatorDefinition
    """"专业小组 节数" for grouped columns, else the indicator's name."""
    group = getattr(indicator, "group", "")
    short = getattr(indicator, "short_name", "")
    if group and short and short != group:
        return f"{group} {short}"
    return getattr(indicator, "name", str(indicator))
