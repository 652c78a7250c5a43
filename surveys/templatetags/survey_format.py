from django import template

from surveys.calculations import format_rate

register = template.Library()


@register.filter
def rate(value) -> str:
    """An exact rate (Fraction) → "89.78%" (half up); None → "/"."""
    return format_rate(value)
