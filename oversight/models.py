"""Early-warning thresholds of the dashboard (issue 10 §2): one row, edited by an admin in /admin/."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class WarningSettings(models.Model):
    """预警阈值. The defaults are stated on the dashboard; `current()` creates the row with them on first use."""

    behind_margin = models.DecimalField(
        "落后时间进度的幅度（百分点）", max_digits=5, decimal_places=2, default=Decimal("10"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="完成率低于时间进度超过此幅度的指标计为“明显落后”。",
    )
    behind_indicators = models.PositiveSmallIntegerField(
        "明显落后指标数", default=3, validators=[MinValueValidator(1)],
        help_text="一个服务站明显落后的指标达到此数即预警。",
    )
    overdue_days = models.PositiveSmallIntegerField(
        "季度数据逾期天数", default=0, help_text="超过截止日期此天数仍未提交即预警（0：一逾期即预警）。",
    )
    returned_times = models.PositiveSmallIntegerField(
        "被退回次数", default=2, validators=[MinValueValidator(1)],
        help_text="同一季度被退回达到此次数即预警。",
    )
    staff_shortfall = models.DecimalField(
        "持证社工缺配（人·月）", max_digits=6, decimal_places=1, default=Decimal("1"),
        validators=[MinValueValidator(0)], help_text="持证社工实到岗少于协议要求超过此数即预警。",
    )
    retention_min = models.DecimalField(
        "稳岗率下限（%）", max_digits=5, decimal_places=2, default=Decimal("80"),
        validators=[MinValueValidator(0), MaxValueValidator(100)], help_text="稳岗率低于此值即预警。",
    )
    evaluation_grace_days = models.PositiveSmallIntegerField(
        "评估逾期天数", default=0, help_text="评估日期过后此天数仍未集齐四方得分即预警。",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "预警阈值"
        verbose_name_plural = "预警阈值"

    def __str__(self) -> str:
        return "预警阈值"

    @classmethod
    def current(cls) -> "WarningSettings":
        row = cls.objects.order_by("pk").first()
        return row if row is not None else cls()  # the defaults, unsaved: a GET never writes

    @classmethod
    def defaults(cls) -> dict[str, object]:
        return {f.name: f.default for f in cls._meta.fields if f.name not in ("id", "updated_at")}
