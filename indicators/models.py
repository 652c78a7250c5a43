"""Indicator catalogue, targets (协议量) and monthly actuals (完成量) (DOMAIN.md "Indicators, targets, actuals")."""

from datetime import timedelta

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


class QuarterSubmission(models.Model):
    """The state of one contract quarter's data entry: draft → submitted → (returned → submitted …) → approved.

    A submitted quarter is read-only; the bureau of the contract's district may return it with a reason or approve
    it (审核通过). An approved quarter stays read-only for good (LOCKED_STATUSES) and leaves every to-do list.
    `version` grows with every save, submit and return of the quarter (optimistic locking of the quarter).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "填报中"
        SUBMITTED = "submitted", "已提交"
        RETURNED = "returned", "已退回"
        APPROVED = "approved", "审核通过"

    # states in which the quarter's data is read-only (only draft and returned quarters can be edited)
    LOCKED_STATUSES = (Status.SUBMITTED, Status.APPROVED)

    contract = models.ForeignKey(
        "stations.Contract", on_delete=models.CASCADE, related_name="quarter_submissions", verbose_name="服务协议"
    )
    year = models.PositiveSmallIntegerField("年份")
    quarter = models.PositiveSmallIntegerField("季度")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="提交人",
    )
    returned_at = models.DateTimeField("退回时间", null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="退回人",
    )
    return_reason = models.TextField("退回原因", blank=True)
    approved_at = models.DateTimeField("审核通过时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="审核人",
    )
    version = models.PositiveIntegerField("版本", default=1)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "季度填报"
        verbose_name_plural = "季度填报"
        ordering = ["contract", "year", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "year", "quarter"], name="quarter_submission_unique"),
            models.CheckConstraint(condition=Q(quarter__gte=1) & Q(quarter__lte=4), name="quarter_submission_q_range"),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(return_reason=""), name="quarter_submission_returned_has_reason"
            ),
        ]
        indexes = [
            # the review list and the homes: submissions of a state, newest first / by quarter
            models.Index(fields=["status", "year", "quarter"], name="quarter_sub_status_idx"),
            models.Index(fields=["year", "status", "submitted_at"], name="quarter_sub_year_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.year}-Q{self.quarter} {self.get_status_display()}"

    @property
    def slug(self) -> str:
        return f"{self.year}-Q{self.quarter}"

    @property
    def is_locked(self) -> bool:
        return self.status in self.LOCKED_STATUSES


class AuditEntry(models.Model):
    """One recorded change (issue 3 §8): who, when, what (old → new) and why.

    Covers actuals, targets, staff records, staff months, activities, quarter submissions and returns. Cell
    changes carry contract/片区/indicator/month so that the history of one cell and of one quarter can be shown.
    """

    class Action(models.TextChoices):
        CREATE = "create", "新增"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"
        SUBMIT = "submit", "提交"
        RETURN = "return", "退回"
        APPROVE = "approve", "审核通过"
        TRANSFER = "transfer", "调动"

    class Subject(models.TextChoices):
        ACTUAL = "actual", "完成量"
        TARGET = "target", "协议量"
        SUBMISSION = "submission", "季度填报"
        STAFF = "staff", "社工"
        STAFF_MONTH = "staff_month", "社工月度到岗"
        ACTIVITY = "activity", "活动台账"

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="操作人",
    )
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    subject = models.CharField("对象类型", max_length=20, choices=Subject.choices)
    object_id = models.PositiveBigIntegerField("对象ID", null=True, blank=True)
    contract = models.ForeignKey(
        "stations.Contract", on_delete=models.CASCADE, null=True, blank=True, related_name="audit_entries",
        verbose_name="服务协议",
    )
    quarter = models.CharField("季度", max_length=7, blank=True, db_index=True, help_text="如 2025-Q1。")
    service_area = models.ForeignKey(
        "stations.ServiceArea", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="片区",
    )
    indicator = models.ForeignKey(
        IndicatorDefinition, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="指标"
    )
    month = models.DateField("月份", null=True, blank=True)
    label = models.CharField("说明", max_length=200, blank=True, help_text="人能读懂的对象描述。")
    field = models.CharField("字段", max_length=40, blank=True)
    old_value = models.CharField("原值", max_length=200, blank=True)
    new_value = models.CharField("新值", max_length=200, blank=True)
    reason = models.TextField("原因", blank=True)
    source = models.CharField("来源", max_length=20, blank=True, help_text="网页、Excel 导入、命令或后台。")

    class Meta:
        verbose_name = "修改记录"
        verbose_name_plural = "修改记录"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["contract", "quarter"], name="audit_contract_quarter_idx"),
            models.Index(fields=["contract", "subject", "object_id"], name="audit_contract_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.label} {self.old_value} → {self.new_value}"


class ImportBatch(models.Model):
    """A parsed, fully valid Excel upload waiting for the user's confirmation (preview → apply).

    The parsed changes are stored server-side under a random token; applying calls the same services as the
    browser, with the versions seen at preview time, so a change made in between is refused, not overwritten.
    """

    class Kind(models.TextChoices):
        ACTUALS = "actuals", "季度完成量"
        STAFF = "staff", "社工到岗"

    # a preview older than this is expired: it can no longer be applied, and it is purged (its payload may hold
    # staff names) whenever a new upload is stored and by `manage.py purge_import_previews`
    TTL = timedelta(hours=2)

    token = models.CharField("令牌", max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="上传人")
    contract = models.ForeignKey(
        "stations.Contract", on_delete=models.CASCADE, related_name="import_batches", verbose_name="服务协议"
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    quarter = models.CharField("季度", max_length=7, blank=True)
    file_name = models.CharField("文件名", max_length=200, blank=True)
    payload = models.JSONField("解析结果", default=dict)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    applied_at = models.DateTimeField("导入时间", null=True, blank=True)

    class Meta:
        verbose_name = "Excel 导入批次"
        verbose_name_plural = "Excel 导入批次"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"
