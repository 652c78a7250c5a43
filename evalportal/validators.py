"""Password complexity (issue 3 §1): at least one letter and one digit, on top of Django's validators."""

from django.core.exceptions import ValidationError


class LettersAndDigitsValidator:
    """Require both letters and digits in a password."""

    message = "密码必须同时包含字母和数字。"

    def validate(self, password: str, user=None) -> None:
        has_letter = any(ch.isalpha() for ch in password)
        has_digit = any(ch.isdigit() for ch in password)
        if not (has_letter and has_digit):
            raise ValidationError(self.message, code="password_letters_and_digits")

    def get_help_text(self) -> str:
        return "密码必须同时包含字母和数字。"


class MinimumLengthValidator:
    """Django's minimum length rule with a Chinese message (Django 5.2's zh-hans catalogue lacks this wording)."""

    def __init__(self, min_length: int = 10):
        self.min_length = min_length

    def validate(self, password: str, user=None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(f"密码太短，至少需要 {self.min_length} 个字符。", code="password_too_short")

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"
