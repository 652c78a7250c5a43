"""Places, organisations, people and contracts (DOMAIN.md "Organisations and places", "Contract", "Staff")."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q


class District(models.Model):
    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("区名称", max_length=50, unique=True)
    city = models.CharField("所属市", max_length=50, default="广州市")

    class Meta:
        verbose_name = "区"
        verbose_name_plural = "区"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Street(models.Model):
    class Kind(models.TextChoices):
        STREET = "street", "街道"
        TOWN = "town", "镇"

    code = models.SlugField("代码", max_length=40, unique=True)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="streets", verbose_name="所属区")
    name = models.CharField("街道/镇名称", max_length=50)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.STREET)

    class Meta:
        verbose_name = "街道/镇"
        verbose_name_plural = "街道/镇"
        ordering = ["district__code", "code"]
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="street_unique_name_in_district")]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """Any party: bureau (supervisor), street office (buyer), supervision centre, evaluation agency, operator."""

    class Kind(models.TextChoices):
        BUREAU = "bureau", "区民政局"
        STREET_OFFICE = "street", "街道办/镇政府"
        SUPERVISION = "supervision", "督导中心"
        EVALUATION_AGENCY = "evaluator", "第三方评估机构"
        OPERATOR = "operator", "承接机构"
        OTHER = "other", "其他"

    name = models.CharField("名称", max_length=120, unique=True)
    short_name = models.CharField("简称", max_length=60, blank=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, related_name="organisations",
        verbose_name="所属区", help_text="区民政局必填：决定其可见的站点范围。",
    )
    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, null=True, blank=True, related_name="organisations",
        verbose_name="所属街道/镇", help_text="街道办/镇政府必填。",
    )

    class Meta:
        verbose_name = "机构"
        verbose_name_plural = "机构"
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="bureau") | Q(district__isnull=False), name="organisation_bureau_has_district"
            ),
            models.CheckConstraint(
                condition=~Q(kind="street") | Q(street__isnull=False), name="organisation_street_office_has_street"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A portal user: belongs to one organisation and has one role (DOMAIN.md "Who uses it")."""

    class Role(models.TextChoices):
        BUREAU = "bureau", "区民政局"
        STREET = "street", "街道办"
        SUPERVISION = "supervision", "督导中心"
        EVALUATOR = "evaluator", "第三方评估"
        ADMIN = "admin", "系统管理员"

    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.STREET)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name="所属机构"
    )
    display_name = models.CharField("姓名", max_length=50, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(
                condition=Q(role="admin") | Q(organisation__isnull=False), name="user_non_admin_has_organisation"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username


class Station(models.Model):
    code = models.SlugField("代码", max_length=40, unique=True)
    street = models.OneToOneField(Street, on_delete=models.PROTECT, related_name="station", verbose_name="街道/镇")
    name = models.CharField("站点名称", max_length=120, unique=True)
    address = models.CharField("地址", max_length=200, blank=True)
    founded = models.DateField("成立日期", null=True, blank=True)

    class Meta:
        verbose_name = "社工服务站"
        verbose_name_plural = "社工服务站"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="communities", verbose_name="社工服务站")
    name = models.CharField("社区/村居名称", max_length=60)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "社区/村居"
        verbose_name_plural = "社区/村居"
        ordering = ["station", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["station", "name"], name="community_unique_name_in_station")]

    def __str__(self) -> str:
        return self.name


class Contract(models.Model):
    """服务协议: one service year of a station, bought by the street office and supervised by the bureau."""

    code = models.SlugField("协议代码", max_length=40, unique=True)
    title = models.CharField("项目名称", max_length=200)
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="contracts", verbose_name="社工服务站")
    operator = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="operated_contracts", verbose_name="承接机构",
        limit_choices_to={"kind": Organisation.Kind.OPERATOR},
    )
    buyer = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="bought_contracts", verbose_name="项目购买方",
        limit_choices_to={"kind": Organisation.Kind.STREET_OFFICE},
    )
    supervisor = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="supervised_contracts", verbose_name="项目监督方",
        limit_choices_to={"kind": Organisation.Kind.BUREAU},
    )
    start_date = models.DateField("服务开始日期")
    end_date = models.DateField("服务结束日期")
    budget = models.DecimalField(
        "合同金额（元）", max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    service_hours = models.DecimalField(
        "协议服务时数（小时/年）", max_digits=10, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    procurement_number = models.CharField("采购项目编号", max_length=60, blank=True)
    procurement_method = models.CharField("采购方式", max_length=30, blank=True)
    required_certified_staff = models.PositiveSmallIntegerField(
        "协议要求持证社工数", default=0, help_text="应到岗人次 = 本数 × 考核月数（附件2）。"
    )
    required_staff = models.PositiveSmallIntegerField("协议要求在岗社工数", default=0, help_text="稳岗率的分母。")

    class Meta:
        verbose_name = "服务协议"
        verbose_name_plural = "服务协议"
        ordering = ["-start_date", "code"]
        # The contract list's order 服务期开始（新到旧） (-start_date, -id) reads the index contract_start_idx (start_date,
        # id) backwards on PostgreSQL only (migration 0009): SQLite keeps no histograms and took it for "start_date ≤
        # a date" (true of nearly every contract: running in the year, in effect at a cut-off), then sorted the city's
        # contracts (contract list 0.3 → 22 ms, district comparison 9 → 22 ms at 12,000 stations).
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="contract_end_after_start"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="contract_budget_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.station.name} {self.start_date:%Y.%m.%d}–{self.end_date:%Y.%m.%d}"

    def date_outside_message(self, label: str, value) -> str | None:
        """The refusal for a date of this contract's data (an activity, a staff member's join/leave, a transfer) that
        lies outside the service year, naming the field: "完成日期 2019-01-01 不在服务协议期内（2024-12-11 至
        2025-12-10）。"; None when the date is inside (both ends included) or empty."""
        if value is None or self.start_date <= value <= self.end_date:
            return None
        return f"{label} {value:%Y-%m-%d} 不在服务协议期内（{self.start_date:%Y-%m-%d} 至 {self.end_date:%Y-%m-%d}）。"


def contract_date_errors(instance: models.Model, contract: "Contract | None", *names: str) -> dict[str, str]:
    """{field: message} for the named date fields of `instance` that fall outside `contract` (see
    Contract.date_outside_message); used by the models' clean() so forms, admin, services and imports refuse alike."""
    if contract is None:
        return {}
    errors = {}
    for name in names:
        label = str(instance._meta.get_field(name).verbose_name)
        message = contract.date_outside_message(label, getattr(instance, name))
        if message:
            errors[name] = message
    return errors


class ServiceArea(models.Model):
    """片区 of a contract year (seed 001: 片区一/二/三), with its communities."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="service_areas", verbose_name="服务协议")
    name = models.CharField("片区名称", max_length=30)
    order = models.PositiveSmallIntegerField("排序", default=0)
    communities = models.ManyToManyField(Community, blank=True, related_name="service_areas", verbose_name="社区")
    social_workers = models.PositiveSmallIntegerField("投入社工人数", default=0)

    class Meta:
        verbose_name = "片区"
        verbose_name_plural = "片区"
        ordering = ["contract", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["contract", "name"], name="service_area_unique_name_in_contract")]

    def __str__(self) -> str:
        return self.name


class PaymentTranche(models.Model):
    """A payment tranche tied to a condition (seed 004: 55% on signing, 40% mid-term 合格, 5% final 合格)."""

    class Condition(models.TextChoices):
        ON_SIGNING = "signing", "签订合同后"
        MIDTERM_PASSED = "midterm", "中期评估合格以上"
        FINAL_PASSED = "final", "末期评估合格以上"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="tranches", verbose_name="服务协议")
    order = models.PositiveSmallIntegerField("期次")
    percentage = models.DecimalField("比例（%）", max_digits=5, decimal_places=2)
    condition = models.CharField("拨付条件", max_length=20, choices=Condition.choices)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "拨付批次"
        verbose_name_plural = "拨付批次"
        ordering = ["contract", "order"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "order"], name="tranche_unique_order"),
            models.CheckConstraint(
                condition=Q(percentage__gt=0) & Q(percentage__lte=100), name="tranche_percentage_range"
            ),
        ]

    def __str__(self) -> str:
        return f"第{self.order}期 {self.percentage}%"


class ServiceProject(models.Model):
    """113X service model: 1 core, 1 key, 3 basic (family, elderly, youth), X special projects."""

    class Kind(models.TextChoices):
        CORE = "core", "核心项目"
        KEY = "key", "重点项目"
        BASIC = "basic", "基础项目"
        SPECIAL = "special", "特色项目"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="service_projects", verbose_name="服务协议")
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    name = models.CharField("项目名称", max_length=120)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "服务项目"
        verbose_name_plural = "服务项目"
        ordering = ["contract", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["contract", "name"], name="service_project_unique_name")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.name}"


class StaffMember(models.Model):
    """A social worker on a contract's register (seed 001 附件2)."""

    class Position(models.TextChoices):
        HEAD = "head", "站长"
        DEPUTY = "deputy", "副站长"
        AREA_LEAD = "area_lead", "片区主管"
        AREA_WORKER = "area_worker", "片区社工"

    class Certificate(models.TextChoices):
        INTERMEDIATE = "intermediate", "社会工作师（中级）"
        ASSISTANT = "assistant", "助理社会工作师（助理级）"
        NONE = "none", "非持证（已接受行业组织管理、培训）"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="staff", verbose_name="服务协议")
    order = models.PositiveSmallIntegerField("序号", default=0)
    name = models.CharField("姓名", max_length=30)
    position = models.CharField("职位", max_length=20, choices=Position.choices)
    position_title = models.CharField("职位名称", max_length=30, blank=True, help_text="如“一片区主管”；留空则用职位。")
    certificate = models.CharField("岗位资格证/资质", max_length=20, choices=Certificate.choices)
    service_area = models.ForeignKey(
        ServiceArea, on_delete=models.PROTECT, null=True, blank=True, related_name="staff", verbose_name="当前片区"
    )
    employment_start = models.DateField("合同起始日期", null=True, blank=True)
    contract_term = models.CharField("合同期限", max_length=40, blank=True, help_text="如“无固定期”。")
    two_years_practice = models.BooleanField("从业2年以上", default=False)
    joined_on = models.DateField("到岗日期", null=True, blank=True)
    left_on = models.DateField("离岗日期", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "社工"
        verbose_name_plural = "社工"
        ordering = ["contract", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(joined_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="staff_left_after_joined",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """到岗/离岗日期 inside the contract (issue 11 §6); 离岗 not before 到岗 (in Chinese, before the constraint)."""
        errors = contract_date_errors(self, self.contract if self.contract_id else None, "joined_on", "left_on")
        if self.joined_on and self.left_on and self.left_on < self.joined_on and "left_on" not in errors:
            errors["left_on"] = f"离岗日期 {self.left_on:%Y-%m-%d} 不能早于到岗日期 {self.joined_on:%Y-%m-%d}。"
        if errors:
            raise ValidationError(errors)

    @property
    def is_certified(self) -> bool:
        return self.certificate != self.Certificate.NONE

    @property
    def title(self) -> str:
        return self.position_title or self.get_position_display()


class StaffMonth(models.Model):
    """One staff member's month: 人员到位 (1, 0.5 or 0), 社保购买, 工资发放, and the 片区 that month."""

    ON_POST_CHOICES = [(Decimal("1"), "到位"), (Decimal("0.5"), "半月"), (Decimal("0"), "未到位")]

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="months", verbose_name="社工")
    month = models.DateField("月份", help_text="当月第一天。")
    on_post = models.DecimalField("人员到位", max_digits=2, decimal_places=1, choices=ON_POST_CHOICES)
    social_insurance = models.BooleanField("社保购买", default=False)
    salary_paid = models.BooleanField("工资发放", default=False)
    service_area = models.ForeignKey(
        ServiceArea, on_delete=models.PROTECT, null=True, blank=True, related_name="staff_months", verbose_name="片区"
    )
    version = models.PositiveIntegerField("版本", default=1)
    # who saved last, so a conflicting save names the other person (issue 3 §7), as MonthlyActual does
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="最后修改人",
    )
    updated_at = models.DateTimeField("最后修改时间", null=True, blank=True)

    class Meta:
        verbose_name = "社工月度到岗"
        verbose_name_plural = "社工月度到岗"
        ordering = ["staff", "month"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "month"], name="staff_month_unique"),
            models.CheckConstraint(condition=Q(on_post__in=[0, Decimal("0.5"), 1]), name="staff_month_on_post_values"),
            models.CheckConstraint(condition=Q(month__day=1), name="staff_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.month:%Y-%m}"

    def clean(self) -> None:
        if self.month and self.month.day != 1:
            raise ValidationError({"month": "月份必须是当月第一天。"})


class ActivityEntry(models.Model):
    """Activity ledger line (seed 000): date, name, nature, 服务人次, 资源联动主体, per service project."""

    class Nature(models.TextChoices):
        LARGE = "large", "大型活动"
        MEDIUM = "medium", "中型活动"
        SMALL = "small", "小型活动"
        VOLUNTEER_SERVICE = "volunteer_service", "志愿服务活动"
        VOLUNTEER_TRAINING = "volunteer_training", "志愿者培训"
        GROUP = "group", "专业小组"
        OTHER = "other", "其他"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="activities", verbose_name="服务协议")
    service_project = models.ForeignKey(
        ServiceProject, on_delete=models.PROTECT, null=True, blank=True, related_name="activities",
        verbose_name="服务项目",
    )
    service_area = models.ForeignKey(
        ServiceArea, on_delete=models.PROTECT, null=True, blank=True, related_name="activities", verbose_name="片区"
    )
    date = models.DateField("完成日期")
    end_date = models.DateField("结束日期", null=True, blank=True, help_text="跨月的恒常服务填写。")
    name = models.CharField("活动名称", max_length=200)
    nature = models.CharField("活动性质", max_length=30, choices=Nature.choices, blank=True)
    participants = models.PositiveIntegerField("服务人次")
    partners = models.CharField("资源联动主体", max_length=300, blank=True)
    created_by = models.ForeignKey(
        "stations.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="录入人"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "活动台账"
        verbose_name_plural = "活动台账"
        ordering = ["contract", "service_project__order", "date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("date")), name="activity_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """完成日期/结束日期 inside the contract (issue 11 §6: 2019-01-01 on a 2024-12-11 – 2025-12-10 contract is
        refused); 结束日期 not before 完成日期 (in Chinese, before the constraint)."""
        errors = contract_date_errors(self, self.contract if self.contract_id else None, "date", "end_date")
        if self.date and self.end_date and self.end_date < self.date and "end_date" not in errors:
            errors["end_date"] = f"结束日期 {self.end_date:%Y-%m-%d} 不能早于完成日期 {self.date:%Y-%m-%d}。"
        if errors:
            raise ValidationError(errors)


class StaffTransfer(models.Model):
    """A staff member's move between 片区 from a given month on (seed 001 附件2: “2025年2月1日调入”)."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="transfers", verbose_name="社工")
    date = models.DateField("调动日期")
    from_area = models.ForeignKey(
        ServiceArea, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="调出片区"
    )
    to_area = models.ForeignKey(
        ServiceArea, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="调入片区"
    )
    reason = models.CharField("原因", max_length=200, blank=True)
    created_by = models.ForeignKey(
        "stations.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="录入人"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "片区调动"
        verbose_name_plural = "片区调动"
        ordering = ["staff", "date", "id"]

    def __str__(self) -> str:
        return f"{self.staff} {self.date:%Y-%m-%d} {self.from_area or '—'} → {self.to_area or '—'}"

    def clean(self) -> None:
        if self.staff_id:
            errors = contract_date_errors(self, self.staff.contract, "date")
            if errors:
                raise ValidationError(errors)


# --- a contract's quarterly records: submissions, the audit, Excel import previews ---------------------------
# They sit in this bottom app because staff records (here) and indicator data (indicators) are submitted,
# locked, audited and imported alike (issue 8). The tables moved from indicators in migration 0004.


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
        Contract, on_delete=models.CASCADE, related_name="quarter_submissions", verbose_name="服务协议"
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
            # the review list and the homes: submissions of a state, by quarter / oldest submission first
            models.Index(fields=["status", "year", "quarter"], name="quarter_sub_status_idx"),
            models.Index(fields=["year", "status", "submitted_at"], name="quarter_sub_year_queue_idx"),
            # the homes' review queue of every year (oldest submission first, LIMIT: no sort of the whole city's)
            models.Index(fields=["status", "submitted_at", "id"], name="quarter_sub_queue_idx"),
            # the homes' counts of a district's / street's submitted and returned quarters, from its contracts
            models.Index(fields=["contract", "status"], name="quarter_sub_contract_idx"),
            # the review list in every state and year, by submission time either way (issue 10 §6: no sort)
            models.Index(fields=["submitted_at", "id"], name="quarter_sub_submitted_idx"),
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
        STAFF_TRANSFER = "staff_transfer", "片区调动"
        OTHER = "other", "其他数据"

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="操作人",
    )
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    subject = models.CharField("对象类型", max_length=20, choices=Subject.choices)
    object_id = models.PositiveBigIntegerField("对象ID", null=True, blank=True)
    model = models.CharField("数据类型", max_length=60, blank=True, help_text="如 stations.staffmember。")
    parent_id = models.PositiveBigIntegerField(
        "所属对象ID", null=True, blank=True, help_text="社工月度到岗、片区调动：所属社工的ID（社工的修改记录页用）。"
    )
    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, null=True, blank=True, related_name="audit_entries",
        verbose_name="服务协议",
    )
    quarter = models.CharField("季度", max_length=7, blank=True, db_index=True, help_text="如 2025-Q1。")
    service_area = models.ForeignKey(
        ServiceArea, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="片区",
    )
    indicator = models.ForeignKey(
        "indicators.IndicatorDefinition", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="指标"
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
            models.Index(fields=["contract", "subject", "parent_id"], name="audit_contract_parent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.label} {self.old_value} → {self.new_value}"

    # the services' older records name a few fields by their code: shown by their Chinese name
    FIELD_LABELS = {"status": "状态", "records": "整条记录"}

    @property
    def field_label(self) -> str:
        if self.field == "value":
            return "协议量" if self.subject == self.Subject.TARGET else "完成量"
        return self.FIELD_LABELS.get(self.field, self.field)


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
        Contract, on_delete=models.CASCADE, related_name="import_batches", verbose_name="服务协议"
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
