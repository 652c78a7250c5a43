"""Service-user satisfaction surveys (issue 14; seed 001 二（四）5, seed 002 四（二） 效益指标).

An evaluator surveys a stratified random sample of each respondent group (服务对象, 居委会代表, 合作方代表 …) by
phone or by a one-time questionnaire link; the group rates and the 服务对象满意度 points come from the answers.
Names and phone numbers (Contact) are personal information: shown masked, to the survey's evaluator only, and
deleted after the retention period (`purge_survey_rosters`); answers keep only the group and the 片区.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .calculations import SCALES, Scale


class QuestionnaireTemplate(models.Model):
    """An admin-editable questionnaire, copied into a survey when it is created (and frozen there)."""

    name = models.CharField("问卷名称", max_length=100, unique=True)
    introduction = models.TextField("问卷说明", blank=True, help_text="受访者在问卷开头看到的说明。")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "问卷模板"
        verbose_name_plural = "问卷模板"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TemplateQuestion(models.Model):
    template = models.ForeignKey(
        QuestionnaireTemplate, on_delete=models.CASCADE, related_name="questions", verbose_name="问卷模板"
    )
    order = models.PositiveSmallIntegerField("排序", default=0)
    text = models.CharField("题目", max_length=200)
    scale = models.CharField("量表", max_length=10, choices=Scale.choices, default=Scale.FIVE)

    class Meta:
        verbose_name = "问卷题目"
        verbose_name_plural = "问卷题目"
        ordering = ["template", "order", "id"]

    def __str__(self) -> str:
        return self.text


class Survey(models.Model):
    """One satisfaction survey of an evaluation (中期/末期评估) or of a performance evaluation (绩效评价)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "准备中"
        OPEN = "open", "调查中"
        CLOSED = "closed", "已结束"

    evaluation = models.ForeignKey(
        "reports.Evaluation", on_delete=models.CASCADE, null=True, blank=True, related_name="surveys",
        verbose_name="评估",
    )
    performance_evaluation = models.ForeignKey(
        "reports.PerformanceEvaluation", on_delete=models.CASCADE, null=True, blank=True, related_name="surveys",
        verbose_name="绩效评价", help_text="结束后把服务对象满意度得分计入该绩效评价的“服务对象满意度”指标。",
    )
    contract = models.ForeignKey(
        "stations.Contract", on_delete=models.PROTECT, related_name="surveys", verbose_name="服务协议"
    )
    title = models.CharField("调查名称", max_length=120)
    introduction = models.TextField("问卷说明", blank=True)
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="surveys", verbose_name="负责评估员",
        help_text="只有负责评估员能看到抽中的受访者（电话号码脱敏显示）。",
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    seed = models.CharField("抽样随机种子", max_length=64, blank=True, help_text="抽样时记录；同一名单、同一种子抽出同一样本。")
    sampled_at = models.DateTimeField("抽样时间", null=True, blank=True)
    links_expire_at = models.DateTimeField("问卷链接有效期至", null=True, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    roster_purged_at = models.DateTimeField("名单删除时间", null=True, blank=True)
    points_max = models.DecimalField(
        "服务对象满意度分值", max_digits=5, decimal_places=2, null=True, blank=True,
        help_text="得分 = 服务对象满意度 × 分值（如 10 分）。",
    )
    points_item = models.ForeignKey(
        "reports.EvaluationItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="计入的评估项", help_text="可选：结束后把得分写入第三方评分表的该项。",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "满意度调查"
        verbose_name_plural = "满意度调查"
        ordering = ["-created_at"]
        # the list's order (-created_at, -id) and its year filter read it (backwards): no sort of every survey
        indexes = [models.Index(fields=["created_at", "id"], name="survey_created_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(evaluation__isnull=False) | Q(performance_evaluation__isnull=False),
                name="survey_belongs_to_an_evaluation",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SurveyQuestion(models.Model):
    """A question frozen into a survey (a copy: editing the template never changes a survey)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions", verbose_name="调查")
    order = models.PositiveSmallIntegerField("排序", default=0)
    text = models.CharField("题目", max_length=200)
    scale = models.CharField("量表", max_length=10, choices=Scale.choices, default=Scale.FIVE)

    class Meta:
        verbose_name = "调查题目"
        verbose_name_plural = "调查题目"
        ordering = ["survey", "order", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def options(self) -> list[tuple[int, str]]:
        return SCALES[self.scale].options


class RespondentGroup(models.Model):
    """A stratum of the sample: 服务对象, 居委会代表, 合作方代表 …; `drives_points` marks the service users."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="groups", verbose_name="调查")
    name = models.CharField("受访群体", max_length=30)
    order = models.PositiveSmallIntegerField("排序", default=0)
    sample_size = models.PositiveIntegerField("样本量", default=0)
    drives_points = models.BooleanField("决定满意度得分", default=False)

    class Meta:
        verbose_name = "受访群体"
        verbose_name_plural = "受访群体"
        ordering = ["survey", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "name"], name="survey_group_unique_name"),
            models.UniqueConstraint(
                fields=["survey"], condition=Q(drives_points=True), name="survey_one_group_drives_points"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """One row of a group's contact list (roster) as the station uploaded it: personal information."""

    group = models.ForeignKey(RespondentGroup, on_delete=models.CASCADE, related_name="contacts", verbose_name="受访群体")
    row = models.PositiveIntegerField("Excel 行号")
    name = models.CharField("姓名", max_length=50)
    phone = models.CharField("电话", max_length=20)
    area = models.CharField("片区", max_length=30, blank=True)
    service_type = models.CharField("服务类型", max_length=50, blank=True)

    class Meta:
        verbose_name = "名单联系人"
        verbose_name_plural = "名单联系人"
        ordering = ["group", "row"]

    def __str__(self) -> str:
        return f"{self.group} 第{self.row}行"


class Respondent(models.Model):
    """A drawn member of the sample. The contact is deleted with the roster; group, 片区 and answers stay."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "未联系"
        REACHED = "reached", "已接通"
        REFUSED = "refused", "拒访"
        UNREACHABLE = "unreachable", "无法接通"

    class Channel(models.TextChoices):
        PHONE = "phone", "电话访问"
        LINK = "link", "问卷链接"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="respondents", verbose_name="调查")
    group = models.ForeignKey(RespondentGroup, on_delete=models.CASCADE, related_name="respondents", verbose_name="受访群体")
    contact = models.OneToOneField(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="respondent", verbose_name="联系人"
    )
    number = models.PositiveIntegerField("样本编号")
    area = models.CharField("片区", max_length=30, blank=True)
    outcome = models.CharField("访问结果", max_length=12, choices=Outcome.choices, default=Outcome.PENDING)
    channel = models.CharField("作答方式", max_length=10, choices=Channel.choices, blank=True)
    comment = models.TextField("意见建议", blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    token_hash = models.CharField("链接令牌摘要", max_length=64, blank=True, db_index=True)
    token_created_at = models.DateTimeField("链接生成时间", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "受访者"
        verbose_name_plural = "受访者"
        ordering = ["survey", "group__order", "number"]
        constraints = [models.UniqueConstraint(fields=["survey", "number"], name="respondent_unique_number")]

    def __str__(self) -> str:
        return f"{self.group} {self.number:03d}"


class Answer(models.Model):
    respondent = models.ForeignKey(Respondent, on_delete=models.CASCADE, related_name="answers", verbose_name="受访者")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="answers", verbose_name="题目")
    value = models.PositiveSmallIntegerField("回答")

    class Meta:
        verbose_name = "回答"
        verbose_name_plural = "回答"
        constraints = [models.UniqueConstraint(fields=["respondent", "question"], name="answer_unique_question")]

    def __str__(self) -> str:
        return f"{self.respondent} 第{self.question_id}题 {self.value}"


class SurveyEvent(models.Model):
    """The survey's history: created, roster uploaded, sample drawn (seed), number revealed, closed, applied,
    roster deleted. Carries no personal data (respondents by sample number only)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="events", verbose_name="调查")
    at = models.DateTimeField("时间", auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="操作人"
    )
    action = models.CharField("操作", max_length=30)
    detail = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "调查记录"
        verbose_name_plural = "调查记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.detail}"
