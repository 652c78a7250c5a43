"""Indicator catalogue, targets (协议量) and monthly actuals (完成量) (DOMAIN.md "Indicators, targets, actuals")."""


from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class IndicatorDefinition(models.Model):
    class Unit(models.TextChoices):
        GE = "个", "个"
        JIE = "节", "节"
        RENCI = "人次", "人次"
        HUCI = "户次", "户次"
        GEAN = "个案", "个案"
        HOURS = "小时", "小时"
        YUAN = "元", "元"
        FEN = "份", "份"
        ZHI = "支", "支"
        CHANG = "场", "场"
        REN = "人", "人"
        CI = "次", "次"

    class ValueType(models.TextChoices):
        INTEGER = "integer", "整数"
        HOURS = "hours", "时数（一位小数）"
        MONEY = "money", "金额（元，两位小数）"

    class Accumulation(models.TextChoices):
        FLOW = "flow", "累计型（各月相加）"
        STOCK = "stock", "存量型（取最近一月）"

    class Scope(models.TextChoices):
        AREA = "area", "按片区"
        STATION = "station", "全站"

    code = models.SlugField("代码", max_length=50, unique=True)
    name = models.CharField("指标名称", max_length=60)
    group = models.CharField("指标组", max_length=40, blank=True, help_text="附件1 的第一行表头，如“专业个案”。")
    short_name = models.CharField("分项名称", max_length=40, blank=True, help_text="附件1 的第二行表头，如“接案数”。")
    unit = models.CharField("单位", max_length=10, choices=Unit.choices)
    value_type = models.CharField("数值类型", max_length=10, choices=ValueType.choices, default=ValueType.INTEGER)
    accumulation = models.CharField("累计方式", max_length=10, choices=Accumulation.choices, default=Accumulation.FLOW)
    scope = models.CharField("统计范围", max_length=10, choices=Scope.choices, default=Scope.AREA)
    order = models.PositiveSmallIntegerField("排序", default=0)
    description = models.TextField("说明", blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "指标定义"
        verbose_name_plural = "指标定义"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def decimal_places(self) -> int:
        from .validation import PLACES

        return PLACES[self.value_type]


def _area_matches_scope(contract, service_area, indicator) -> None:
    """Per-片区 indicators of a contract with 片区 need an area; station-wide ones must not have one."""
    if service_area is not None and service_area.contract_id != contract.id:
        raise ValidationError({"service_area": "该片区不属于此服务协议。"})
    if indicator.scope == IndicatorDefinition.Scope.STATION and service_area is not None:
        raise ValidationError({"service_area": f"“{indicator.name}”是全站指标，不能按片区填写。"})


class Target(models.Model):
    """协议量: a contract's annual target for an indicator, per 片区 or station-wide (area empty)."""

    contract = models.ForeignKey(
        "stations.Contract", on_delete=models.CASCADE, related_name="targets", verbose_name="服务协议"
    )
    service_area = models.ForeignKey(
        "stations.ServiceArea", on_delete=models.CASCADE, null=True, blank=True, related_name="targets",
        verbose_name="片区",
    )
    indicator = models.ForeignKey(IndicatorDefinition, on_delete=models.PROTECT, related_name="targets", verbose_name="指标")
    value = models.DecimalField("协议量", max_digits=14, decimal_places=2)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "协议指标量"
        verbose_name_plural = "协议指标量"
        ordering = ["contract", "service_area__order", "indicator__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "service_area", "indicator"], condition=Q(service_area__isnull=False),
                name="target_unique_per_area",
            ),
            models.UniqueConstraint(
                fields=["contract", "indicator"], condition=Q(service_area__isnull=True),
                name="target_unique_station_wide",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_value_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.value}"

    def clean(self) -> None:
        if self.contract_id and self.indicator_id:
            _area_matches_scope(self.contract, self.service_area, self.indicator)


class MonthlyActual(models.Model):
    """完成量 for one calendar month (stored per contract × 片区-or-station × indicator × month)."""

    contract = models.ForeignKey(
        "stations.Contract", on_delete=models.CASCADE, related_name="actuals", verbose_name="服务协议"
    )
    service_area = models.ForeignKey(
        "stations.ServiceArea", on_delete=models.CASCADE, null=True, blank=True, related_name="actuals",
        verbose_name="片区",
    )
    indicator = models.ForeignKey(IndicatorDefinition, on_delete=models.PROTECT, related_name="actuals", verbose_name="指标")
    month = models.DateField("月份", help_text="当月第一天。")
    value = models.DecimalField("完成量", max_digits=14, decimal_places=2)
    version = models.PositiveIntegerField("版本", default=1, help_text="乐观锁：每次保存加一。")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="最后修改人",
    )
    updated_at = models.DateTimeField("最后修改时间", auto_now=True)

    class Meta:
        verbose_name = "月度完成量"
        verbose_name_plural = "月度完成量"
        ordering = ["contract", "month", "service_area__order", "indicator__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "service_area", "indicator", "month"], condition=Q(service_area__isnull=False),
                name="actual_unique_per_area_month",
            ),
            models.UniqueConstraint(
                fields=["contract", "indicator", "month"], condition=Q(service_area__isnull=True),
                name="actual_unique_station_wide_month",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="actual_value_non_negative"),
            models.CheckConstraint(condition=Q(month__day=1), name="actual_month_first_day"),
        ]
        indexes = [models.Index(fields=["contract", "month"], name="actual_contract_month_idx")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.month:%Y-%m} {self.value}"

    def clean(self) -> None:
        if self.month and self.month.day != 1:
            raise ValidationError({"month": "月份必须是当月第一天。"})
        if self.contract_id and self.indicator_id:
            _area_matches_scope(self.contract, self.service_area, self.indicator)
