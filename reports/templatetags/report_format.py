"""Number, date and text formatting for the report templates: every figure is formatted explicitly here."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from django import template

from indicators.calculations import SLASH, format_percent, format_quantity, round_half_up
from indicators.templatetags.entry_format import wan

register = template.Library()

register.filter("wan", wan)  # one 万元 format for screens and reports (defined with the entry screens' filters)


@register.filter
def dec(value: Decimal | None, places: int = 2) -> str:
    """A Decimal half up to `places` (12 → "12.00", 8.978 → "8.98"); "/" when missing."""
    if value is None or value == "":
        return SLASH
    return f"{round_half_up(Decimal(value), int(places)):f}"


@register.filter
def percent(rate: Decimal | None) -> str:
    """An unrounded rate as printed: 0.8666… → "86.67%"; None → "/"."""
    return format_percent(rate)


@register.filter
def qty(value: Decimal | None, places: int = 0) -> str:
    return format_quantity(value, int(places))


@register.filter
def yuan(amount: Decimal | None) -> str:
    """Yuan with thousands separators and 2 decimals (523106.71 → "523,106.71")."""
    return SLASH if amount is None else f"{round_half_up(amount, 2):,.2f}"


@register.filter
def cn_date(value: date | None) -> str:
    """2025-05-13 → "2025年5月13日"."""
    return "" if value is None else f"{value.year}年{value.month}月{value.day}日"


@register.filter
def cn_month(value: date | None) -> str:
    return "" if value is None else f"{value.year}年{value.month}月"


_BLANK_LINE = re.compile(r"\n\s*\n")


@register.filter
def paragraphs(text: str | None) -> list[str]:
    """Split stored text into paragraphs at blank lines (models: "每段一条；空行分段")."""
    if not text:
        return []
    return [p.strip() for p in _BLANK_LINE.split(text.replace("\r\n", "\n")) if p.strip()]


@register.filter
def trim(value: Decimal | None, places: int = 2) -> str:
    """A figure without trailing zeros, as seed 001 附件2 prints 人次: 5, 3.5, 77.5, 65; "/" when missing."""
    if value is None:
        return SLASH
    text = f"{round_half_up(Decimal(value), int(places)):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
