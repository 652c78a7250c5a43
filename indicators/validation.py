"""Checking one entered value against its indicator's value type (issue 3 §3). Pure, no ORM.

The browser, the Excel import and the services all use these rules, so a value accepted in one place is
accepted everywhere: integers for counts, hours with at most one decimal, money with at most two; never negative.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

PLACES = {"integer": 0, "hours": 1, "money": 2}
TYPE_LABELS = {"integer": "整数", "hours": "最多一位小数的时数", "money": "最多两位小数的金额"}
MAX_VALUE = Decimal("999999999999.99")  # MonthlyActual.value: max_digits=14, decimal_places=2


class InvalidValue(ValueError):
    """A value that does not fit its indicator; the message is the Chinese text shown at the cell."""


def check_value(value: Decimal, value_type: str) -> Decimal:
    """Validate an already numeric value; returns it normalised (no exponent)."""
    if not value.is_finite():
        raise InvalidValue("请输入数字。")
    if value < 0:
        raise InvalidValue("不能为负数。")
    if value > MAX_VALUE:
        raise InvalidValue("数值过大。")
    places = PLACES[value_type]
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise InvalidValue(f"应为{TYPE_LABELS[value_type]}。")
    return value.quantize(Decimal(1).scaleb(-places)) if places else value.quantize(Decimal(1))


def parse_value(text: str | None, value_type: str) -> Decimal | None:
    """Parse what a user typed: "" → None (no value); "1,234" and full-width digits are accepted."""
    if text is None:
        return None
    cleaned = text.strip().replace(",", "").replace("，", "").replace(" ", "")
    cleaned = cleaned.translate(str.maketrans("０１２３４５６７８９．－", "0123456789.-"))
    if cleaned == "":
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidValue("请输入数字。") from None
    if "e" in cleaned.lower():
        raise InvalidValue("请输入数字。")
    return check_value(value, value_type)


def format_value(value: Decimal | None, value_type: str) -> str:
    """A stored value as shown in an input: 12, 783.5, 1500.00; "" when None."""
    if value is None:
        return ""
    places = PLACES[value_type]
    return f"{value.quantize(Decimal(1).scaleb(-places)) if places else value.quantize(Decimal(1)):f}"
