"""Evaluations: the four-party 评估 (seed 001) and the government 绩效评价 (seeds 000, 002–004)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q


class Party(models.TextChoices):
    """The four parties of a station evaluation, in the order of seed 001 §七."""

    BUYER = "buyer", "项目购买方（街道办事处）"
    SUPERVISOR = "supervisor", "项目监督方（区民政局）"
    SUPERVISION_CENTRE = "supervision", "市督导中心"
    THIRD_PARTY = "third_party", "第三方评估机构"


# Seed 001 §二(五): 监督方 10%, 购买方 20%, 督导中心 15%, 第三方 55%.
PARTY_WEIGHTS: dict[str, Decimal] = {
    Party.SUPERVISOR: Decimal("10"),
    Party.BUYER: Decimal("20"),
    Party.SUPERVISION_CENTRE: Decimal("15"),
    Party.THIRD_PARTY: Decimal("55"),
}


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    GOOD = "good", "良好"
    PASS = "pass", "合格"
    FAIL = "fail", "不合格"


class RubricTemplate(models.Model):
    """第三方评估指标: editable by an admin; copied into an evaluation and frozen there."""

    name = models.CharField("模板名称", max_length=120, unique=True)
    description = models.TextField("说明", blank=True)
    active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "评估指标模板"
        verbose_name_plural = "评估指标模板"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RubricSection(models.Model):
    template = models.ForeignKey(RubricTemplate, on_delete=models.CASCADE, related_name="sections", verbose_name="模板")
    name = models.CharField("部分名称", max_length=60, help_text="如 项目管理、服务开展情况、服务成效。")
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "评估指标部分"
        verbose_name_plural = "评估指标部分"
        ordering = ["template", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["template", "name"], name="rubric_section_unique_name")]

    def __str__(self) -> str:
        return self.name


class RubricItem(models.Model):
    section = models.ForeignKey(RubricSection, on_delete=models.CASCADE, related_name="items", verbose_name="部分")
    code = models.CharField("编号", max_length=20)
    text = models.CharField("评估内容", max_length=300)
    guidance = models.TextField("评分标准", blank=True)
    max_points = models.DecimalField("分值", max_digits=5, decimal_places=1)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "评估指标项"
        verbose_name_plural = "评估指标项"
        ordering = ["section", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(max_points__gt=0), name="rubric_item_max_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class Evaluation(models.Model):
    """中期/末期评估 of a contract: four party scores, findings, the frozen rubric and the final grade."""

    class Kind(models.TextChoices):
        MIDTERM = "midterm", "中期评估"
        FINAL = "final", "末期评估"

    class Status(models.TextChoices):
        DRAFT = "draft", "进行中"
        FINALISED = "finalised", "已定稿"

    code = models.SlugField("评估代码", max_length=50, unique=True)
    contract = models.ForeignKey(  # indexed by evaluation_contract_state_idx, which leads with it
        "stations.Contract", on_delete=models.PROTECT, related_name="evaluations", verbose_name="服务协议",
        db_index=False,
    )
    kind = models.CharField("评估类型", max_length=10, choices=Kind.choices)
    date = models.DateField("评估日期")
    period_start = models.DateField("考核期开始")
    period_end = models.DateField("考核期结束")
    agency = models.ForeignKey(
        "stations.Organisation", on_delete=models.PROTECT, related_name="agency_evaluations",
        verbose_name="第三方评估机构", limit_choices_to={"kind": "evaluator"},
    )
    supervision_centre = models.ForeignKey(
        "stations.Organisation", on_delete=models.PROTECT, null=True, blank=True,
        related_name="centre_evaluations", verbose_name="督导中心", limit_choices_to={"kind": "supervision"},
    )
    rubric_source = models.ForeignKey(
        RubricTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="evaluations",
        verbose_name="评估指标来源模板",
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    total_score = models.DecimalField("总得分", max_digits=6, decimal_places=2, null=True, blank=True)
    grade = models.CharField("等级", max_length=10, choices=Grade.choices, blank=True)
    finalised_at = models.DateTimeField("定稿时间", null=True, blank=True)
    conclusion = models.TextField("结语", blank=True)

    class Meta:
        verbose_name = "评估"
        verbose_name_plural = "评估"
        ordering = ["-date", "code"]
        indexes = [
            # the overview's default order and its state filter (issue 10 §6: no temporary sort)
            models.Index(models.F("date").desc(), "code", name="evaluation_date_code_idx"),
            models.Index(fields=["status", "date"], name="evaluation_status_date_idx"),
            # a district's or a station's evaluations in one state and period (the district dashboard's grade
            # distribution read the whole city's year through the index above: 21 → 3 ms at 4,000 stations)
            models.Index(fields=["contract", "status", "date"], name="evaluation_contract_state_idx"),
            # the overview's and the report list's order 总分（高到低） (-total_score, -date, -id), read backwards
            models.Index(fields=["total_score", "date", "id"], name="evaluation_total_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="evaluation_period_order"
            ),
            models.UniqueConstraint(fields=["contract", "kind"], name="evaluation_unique_kind_per_contract"),
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(total_score__isnull=False) & ~Q(grade="")),
                name="evaluation_finalised_has_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.station.name} {self.get_kind_display()}"


class EvaluationAssignment(models.Model):
    """An evaluator assigned to an evaluation, with the 回避 (conflict of interest) declaration."""

    class Declaration(models.TextChoices):
        PENDING = "pending", "未声明"
        NO_CONFLICT = "no_conflict", "无利益冲突"
        CONFLICT = "conflict", "存在利益冲突（已回避）"

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="assignments", verbose_name="评估")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evaluation_assignments", verbose_name="评估员"
    )
    declaration = models.CharField("回避声明", max_length=20, choices=Declaration.choices, default=Declaration.PENDING)
    declared_at = models.DateTimeField("声明时间", null=True, blank=True)
    assigned_at = models.DateTimeField("分配时间", auto_now_add=True)

    class Meta:
        verbose_name = "评估员分配"
        verbose_name_plural = "评估员分配"
        constraints = [models.UniqueConstraint(fields=["evaluation", "user"], name="assignment_unique_user")]

    def __str__(self) -> str:
        return f"{self.user} → {self.evaluation}"


class PartyScore(models.Model):
    """One party's result, stored as points out of its weight (seed 001 §七: 监督方 8.30 of 10)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交"

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="party_scores", verbose_name="评估")
    party = models.CharField("评估方", max_length=20, choices=Party.choices)
    weight = models.DecimalField("权重（分）", max_digits=5, decimal_places=2)
    points = models.DecimalField("得分", max_digits=6, decimal_places=2, null=True, blank=True)
    score_100 = models.DecimalField(
        "百分制得分", max_digits=5, decimal_places=1, null=True, blank=True,
        help_text="以百分制录入时保存原始分；得分 = 百分制得分 × 权重%。",
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="提交人",
    )
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "四方得分"
        verbose_name_plural = "四方得分"
        ordering = ["evaluation", "party"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "party"], name="party_score_unique"),
            models.CheckConstraint(
                condition=Q(points__isnull=True) | (Q(points__gte=0) & Q(points__lte=models.F("weight"))),
                name="party_score_within_weight",
            ),
            models.CheckConstraint(
                condition=Q(score_100__isnull=True) | (Q(score_100__gte=0) & Q(score_100__lte=100)),
                name="party_score_100_range",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(points__isnull=False), name="party_score_submitted_has_points"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_party_display()} {self.points}"


class EvaluationSection(models.Model):
    """A rubric section frozen into an evaluation (a copy: editing the template never changes it)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="sections", verbose_name="评估")
    name = models.CharField("部分名称", max_length=60)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "评估部分"
        verbose_name_plural = "评估部分"
        ordering = ["evaluation", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "name"], name="evaluation_section_unique")]

    def __str__(self) -> str:
        return self.name


class EvaluationItem(models.Model):
    """A frozen rubric item and the third party's score for it."""

    section = models.ForeignKey(EvaluationSection, on_delete=models.CASCADE, related_name="items", verbose_name="部分")
    code = models.CharField("编号", max_length=20)
    text = models.CharField("评估内容", max_length=300)
    guidance = models.TextField("评分标准", blank=True)
    max_points = models.DecimalField("分值", max_digits=5, decimal_places=1)
    order = models.PositiveSmallIntegerField("排序", default=0)
    score = models.DecimalField("得分", max_digits=5, decimal_places=1, null=True, blank=True)
    note = models.TextField("评分说明", blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="最后修改人",
    )
    updated_at = models.DateTimeField("最后修改时间", auto_now=True)

    class Meta:
        verbose_name = "评估项得分"
        verbose_name_plural = "评估项得分"
        ordering = ["section", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=models.F("max_points"))),
                name="evaluation_item_score_within_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class Finding(models.Model):
    """值得肯定的地方 / 需要关注的地方, per party, per section and (third party) per 片区."""

    class Kind(models.TextChoices):
        POSITIVE = "positive", "值得肯定的地方"
        CONCERN = "concern", "需要关注的地方"

    class Section(models.TextChoices):
        GENERAL = "general", "总体评价"
        PROJECT_MANAGEMENT = "management", "项目管理"
        SERVICE_DELIVERY = "delivery", "总体服务开展情况"
        AREAS = "areas", "各片区服务开展情况"

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="findings", verbose_name="评估")
    party = models.CharField("评估方", max_length=20, choices=Party.choices)
    section = models.CharField("部分", max_length=20, choices=Section.choices, default=Section.GENERAL)
    areas = models.ManyToManyField("stations.ServiceArea", blank=True, related_name="findings", verbose_name="片区")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    text = models.TextField("内容", help_text="每段一条；空行分段。")
    order = models.PositiveSmallIntegerField("排序", default=0)
    version = models.PositiveIntegerField("版本", default=1)
    updated_at = models.DateTimeField("最后修改时间", auto_now=True)

    class Meta:
        verbose_name = "评估意见"
        verbose_name_plural = "评估意见"
        ordering = ["evaluation", "party", "section", "order", "kind", "id"]

    def __str__(self) -> str:
        return f"{self.get_party_display()} {self.get_kind_display()}"


class PerformanceEvaluation(models.Model):
    """部门重点项目绩效评价 (seeds 000, 002–004): budget, indicator tree, conclusion."""

    class Method(models.TextChoices):
        POINTS = "points", "计分（分值/得分/得分率）"
        JUDGED = "judged", "目标值判断（达到/未完全达到）"
        NARRATIVE = "narrative", "仅文字评价"

    class Status(models.TextChoices):
        DRAFT = "draft", "未发布"
        PUBLISHED = "published", "已发布"

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", "优"
        GOOD = "good", "良"
        MEDIUM = "medium", "中"
        POOR = "poor", "差"

    code = models.SlugField("代码", max_length=50, unique=True)
    title = models.CharField("报告标题", max_length=200)
    year = models.PositiveSmallIntegerField("年度")
    department = models.ForeignKey(
        "stations.Organisation", on_delete=models.PROTECT, related_name="performance_evaluations",
        verbose_name="实施单位", limit_choices_to={"kind": "street"},
    )
    contract = models.ForeignKey(
        "stations.Contract", on_delete=models.PROTECT, null=True, blank=True,
        related_name="performance_evaluations", verbose_name="服务协议",
    )
    method = models.CharField("评价方式", max_length=10, choices=Method.choices, default=Method.POINTS)
    budget_initial = models.DecimalField("年初预算数（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    budget_full_year = models.DecimalField("全年预算数（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    budget_executed = models.DecimalField("全年执行数（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    declared_score = models.DecimalField(
        "自评总分", max_digits=6, decimal_places=2, null=True, blank=True,
        help_text="仅在未公布指标明细时填写（如元岗街 2023 自评 95 分）。",
    )
    declared_grade = models.CharField("自评等级", max_length=10, choices=Grade.choices, blank=True)
    background = models.TextField("项目背景", blank=True)
    basis = models.TextField("立项依据", blank=True)
    goals = models.TextField("绩效目标", blank=True)
    funding = models.TextField("资金来源及使用情况", blank=True)
    implementation = models.TextField("项目实施情况", blank=True)
    organisation_text = models.TextField("绩效评价组织情况", blank=True)
    conclusion = models.TextField("评价结论", blank=True)
    experience = models.TextField("主要经验做法", blank=True)
    problems = models.TextField("存在问题", blank=True)
    suggestions = models.TextField("相关建议", blank=True)
    results_application = models.TextField("绩效评价结果应用", blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    attachment_label = models.CharField(
        "附件编号", max_length=20, blank=True,
        help_text="报告作为公文附件时印在封面左上角的编号，如“附件 4”（种子 003）；不是附件则留空。",
    )

    class Meta:
        verbose_name = "绩效评价"
        verbose_name_plural = "绩效评价"
        ordering = ["-year", "code"]
        # the report list's order (newest year first, then code), without a sort
        indexes = [models.Index(models.F("year").desc(), "code", name="performance_year_code_idx")]

    def __str__(self) -> str:
        return self.title


class PerformanceIndicator(models.Model):
    """A node of the 3-level indicator system; points live on leaves, subtotals are computed."""

    class Judgement(models.TextChoices):
        MET = "met", "达到"
        PARTLY = "partly", "未完全达到"
        NOT_MET = "not_met", "未达到"

    evaluation = models.ForeignKey(
        PerformanceEvaluation, on_delete=models.CASCADE, related_name="indicators", verbose_name="绩效评价"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children", verbose_name="上级指标"
    )
    level = models.PositiveSmallIntegerField("级别", choices=[(1, "一级指标"), (2, "二级指标"), (3, "三级指标")])
    name = models.CharField("指标名称", max_length=120)
    order = models.PositiveSmallIntegerField("排序", default=0)
    max_points = models.DecimalField("分值", max_digits=6, decimal_places=2, null=True, blank=True)
    score = models.DecimalField(
        "得分", max_digits=9, decimal_places=4, null=True, blank=True, help_text="保留完整精度，显示时四舍五入。"
    )
    target_text = models.CharField("指标值", max_length=200, blank=True)
    actual_text = models.CharField("完成情况", max_length=300, blank=True)
    judgement = models.CharField("是否达到", max_length=10, choices=Judgement.choices, blank=True)
    reason = models.TextField("原因/评分依据", blank=True)

    class Meta:
        verbose_name = "绩效指标"
        verbose_name_plural = "绩效指标"
        ordering = ["evaluation", "level", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(max_points__isnull=True) | Q(score__lte=models.F("max_points")),
                name="performance_indicator_score_within_max",
            ),
            models.CheckConstraint(condition=Q(level__gte=1) & Q(level__lte=3), name="performance_indicator_level"),
        ]

    def __str__(self) -> str:
        return self.name


class ExpenseLine(models.Model):
    """表1 项目支出明细 (seed 000)."""

    evaluation = models.ForeignKey(
        PerformanceEvaluation, on_delete=models.CASCADE, related_name="expenses", verbose_name="绩效评价"
    )
    order = models.PositiveSmallIntegerField("序号")
    name = models.CharField("项目支出名称", max_length=200)
    amount = models.DecimalField("实际使用金额（元）", max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = "支出明细"
        verbose_name_plural = "支出明细"
        ordering = ["evaluation", "order"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "order"], name="expense_unique_order")]

    def __str__(self) -> str:
        return self.name


# --- PDF reports: the rendered file cache and the district ZIP bundles (issue 5) ------------------------------------


class RenderedReport(models.Model):
    """A rendered PDF kept per version of the data behind it: the fingerprint hashes the report's HTML, which holds
    every figure of the built context and the template's output, so any change to either renders afresh."""

    class Kind(models.TextChoices):
        EVALUATION = "evaluation", "评估报告"
        PERFORMANCE = "performance", "绩效评价报告"

    kind = models.CharField("报告类型", max_length=20, choices=Kind.choices)
    code = models.SlugField("评估代码", max_length=50)
    fingerprint = models.CharField("数据指纹", max_length=64)
    file = models.FileField("PDF 文件", upload_to="reports/rendered/%Y/%m/")
    size = models.PositiveIntegerField("文件大小（字节）")
    render_seconds = models.DecimalField("渲染耗时（秒）", max_digits=7, decimal_places=3, null=True, blank=True)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = "已生成报告"
        verbose_name_plural = "已生成报告"
        ordering = ["kind", "code", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code", "fingerprint"], name="rendered_report_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code} {self.fingerprint[:10]}"


class ReportBundle(models.Model):
    """All reports of a district for a period in one ZIP, built by `manage.py run_worker`, not in the web request."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_bundles", verbose_name="申请人"
    )
    district = models.ForeignKey(
        "stations.District", on_delete=models.PROTECT, related_name="report_bundles", verbose_name="区"
    )
    period_from = models.DateField("起始日期")
    period_to = models.DateField("截止日期")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField("已完成份数", default=0)
    progress_total = models.PositiveIntegerField("总份数", default=0)
    file = models.FileField("ZIP 文件", upload_to="reports/bundles/%Y/%m/", blank=True)
    error = models.TextField("错误信息", blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近进度时间", null=True, blank=True)

    class Meta:
        verbose_name = "报告打包下载"
        verbose_name_plural = "报告打包下载"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(period_to__gte=models.F("period_from")), name="bundle_period_order"),
            models.CheckConstraint(
                condition=Q(progress_done__lte=models.F("progress_total")), name="bundle_progress_within_total"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="bundle_status_created_idx"),
            # a user's own ZIPs on the report list, newest first (-created_at, -id: read backwards)
            models.Index(fields=["requested_by", "created_at", "id"], name="bundle_requester_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.period_from}–{self.period_to} {self.get_status_display()}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.progress_total:
            return 0
        return int(self.progress_done * 100 / self.progress_total)

def evidence_upload_to(instance: "EvidenceAttachment", filename: str) -> str:
    """Private path under MEDIA_ROOT: a random name, never the uploader's file name (served only by a view)."""
    import uuid

    return f"evidence/{instance.item.section.evaluation_id}/{uuid.uuid4().hex}{instance.extension}"


class EvidenceAttachment(models.Model):
    """证据为本: an image or PDF backing a rubric item's score. Served only through a permission-checked view."""

    class Kind(models.TextChoices):
        JPEG = "image/jpeg", "JPEG 图片"
        PNG = "image/png", "PNG 图片"
        WEBP = "image/webp", "WebP 图片"
        PDF = "application/pdf", "PDF 文件"

    EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "application/pdf": ".pdf"}

    item = models.ForeignKey(EvaluationItem, on_delete=models.CASCADE, related_name="attachments", verbose_name="评估项")
    file = models.FileField("文件", upload_to=evidence_upload_to, max_length=200)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=40, choices=Kind.choices)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="上传人"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "评分证据"
        verbose_name_plural = "评分证据"
        ordering = ["item", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        return self.EXTENSIONS.get(self.content_type, "")


class EvaluationEvent(models.Model):
    """History of an evaluation: every score change, declaration, submission, finalisation and reopening."""

    class Action(models.TextChoices):
        CREATED = "created", "创建评估"
        ASSIGNED = "assigned", "分配评估员"
        DECLARED_NO_CONFLICT = "declared_no_conflict", "声明无利益冲突"
        DECLARED_CONFLICT = "declared_conflict", "声明存在利益冲突（回避）"
        ITEM_SCORED = "item_scored", "评估项评分"
        FINDING_SAVED = "finding_saved", "保存评估意见"
        PARTY_SCORE_SAVED = "party_score_saved", "保存得分"
        PARTY_SUBMITTED = "party_submitted", "提交得分"
        FINALISED = "finalised", "定稿"
        REOPENED = "reopened", "重新开启"
        ARCHIVED = "archived", "报告存档"
        ATTACHMENT_ADDED = "attachment_added", "上传证据"
        ATTACHMENT_REMOVED = "attachment_removed", "删除证据"
        ADMIN_CREATE = "admin_create", "后台新增"
        ADMIN_UPDATE = "admin_update", "后台修改"
        ADMIN_DELETE = "admin_delete", "后台删除"

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="events", verbose_name="评估")
    at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="操作人",
    )
    action = models.CharField("操作", max_length=30, choices=Action.choices)
    party = models.CharField("评估方", max_length=20, choices=Party.choices, blank=True)
    item = models.ForeignKey(
        EvaluationItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="events", verbose_name="评估项"
    )
    field = models.CharField("字段", max_length=40, blank=True)
    old_value = models.TextField("原值", blank=True)
    new_value = models.TextField("新值", blank=True)
    reason = models.TextField("原因", blank=True)

    class Meta:
        verbose_name = "评估记录"
        verbose_name_plural = "评估记录"
        ordering = ["evaluation", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


class PerformanceEvaluationEvent(models.Model):
    """History of a 绩效评价's publication: each publish (which archives a version) and each withdrawal with its reason."""

    class Action(models.TextChoices):
        PUBLISHED = "published", "发布"
        WITHDRAWN = "withdrawn", "撤回发布"

    evaluation = models.ForeignKey(
        PerformanceEvaluation, on_delete=models.CASCADE, related_name="events", verbose_name="绩效评价"
    )
    at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="操作人",
    )
    action = models.CharField("操作", max_length=20, choices=Action.choices)
    old_value = models.TextField("原值", blank=True)
    new_value = models.TextField("新值", blank=True)
    reason = models.TextField("原因", blank=True)

    class Meta:
        verbose_name = "绩效评价发布记录"
        verbose_name_plural = "绩效评价发布记录"
        ordering = ["evaluation", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


class ArchivedReport(models.Model):
    """The signed report (issue 9 §2): rendered once as PDF/A-3b when an evaluation is finalised or a 绩效评价 published,
    with the figures it was made from embedded as JSON, its SHA-256 recorded and a verification code printed on it.
    Downloads serve this file byte for byte. A reopen and second finalisation adds version 2; version 1 stays, marked
    superseded. `html` is the report exactly as it stood at finalisation: the PDF is rendered from it after the
    transaction commits (rendering takes seconds and must not hold the database's write lock)."""

    kind = models.CharField("报告类型", max_length=20, choices=RenderedReport.Kind.choices)
    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.PROTECT, null=True, blank=True, related_name="archives", verbose_name="评估"
    )
    performance_evaluation = models.ForeignKey(
        PerformanceEvaluation, on_delete=models.PROTECT, null=True, blank=True, related_name="archives",
        verbose_name="绩效评价",
    )
    code = models.SlugField("评估代码", max_length=50)
    version = models.PositiveIntegerField("版本")
    title = models.CharField("报告标题", max_length=200)
    verification_code = models.CharField("验证码", max_length=14, unique=True)
    html = models.TextField("定稿时的报告内容（HTML）")
    data = models.JSONField("报告数据（嵌入 PDF 的 JSON）")
    file = models.FileField("PDF/A 文件", upload_to="reports/archive/%Y/", max_length=200, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True, db_index=True)
    size = models.PositiveIntegerField("文件大小（字节）", null=True, blank=True)
    render_seconds = models.DecimalField("渲染耗时（秒）", max_digits=7, decimal_places=3, null=True, blank=True)
    created_at = models.DateTimeField("存档时间")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="定稿/发布人",
    )
    rendered_at = models.DateTimeField("生成时间", null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="被取代于"
    )

    class Meta:
        verbose_name = "存档报告"
        verbose_name_plural = "存档报告"
        ordering = ["kind", "code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code", "version"], name="archived_report_unique_version"),
            models.UniqueConstraint(
                fields=["sha256"], condition=~Q(sha256=""), name="archived_report_unique_sha256"
            ),
            models.CheckConstraint(
                condition=(Q(kind="evaluation") & Q(evaluation__isnull=False) & Q(performance_evaluation__isnull=True))
                | (Q(kind="performance") & Q(evaluation__isnull=True) & Q(performance_evaluation__isnull=False)),
                name="archived_report_one_subject",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="archived_report_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title}（第{self.version}版）"

    @property
    def subject(self):
        return self.evaluation if self.kind == RenderedReport.Kind.EVALUATION else self.performance_evaluation

    @property
    def is_rendered(self) -> bool:
        return bool(self.file and self.sha256)


class WorkerHeartbeat(models.Model):
    """When each background worker (`run_worker`) last went round its loop: /healthz and the admin's queue page
    report its age, so a stopped worker is noticed (issue 13)."""

    name = models.CharField("后台任务", max_length=100, unique=True, help_text="主机名和进程号。")
    started_at = models.DateTimeField("启动时间")
    beat_at = models.DateTimeField("最近心跳", db_index=True)

    class Meta:
        verbose_name = "后台任务心跳"
        verbose_name_plural = "后台任务心跳"
        ordering = ["-beat_at"]

    def __str__(self) -> str:
        return self.name
