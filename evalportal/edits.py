"""The shared vocabulary of writes (issue 8): errors a user must read, and edits that met someone else's.

Every app's services raise these, and every view catches them, so a refusal reads the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class EntryError(Exception):
    """A write refused for a reason the user must read (Chinese message)."""


class AlreadyApplied(EntryError):
    """An Excel preview applied a second time (double click, second tab)."""


@dataclass
class Conflict:
    """A cell someone else changed after the user loaded it."""

    key: tuple  # what was edited: a cell key (片区, indicator, month) or (staff, month)
    label: str
    current_value: str  # "" when the other person cleared it
    current_version: int
    changed_by: str
    changed_at: datetime | None
    your_value: str


class ConcurrentEdit(EntryError):
    def __init__(self, conflicts: list[Conflict]):
        self.conflicts = conflicts
        super().__init__(
            f"保存未成功：其他人在您打开本页后修改了 {len(conflicts)} 个单元格。"
            "您填写的内容仍保留在表格中，请核对对方的修改后再保存。"
        )


def user_label(user) -> str:
    if user is None:
        return "（未知用户）"
    return user.display_name or user.username
