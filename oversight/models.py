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


# --- summary tables of the indicator figures (issue 10 §7; oversight.summary keeps them current) -----------------


class RollupDirty(models.Model):
    """A contract whose summary rows are out of date. Written by database triggers on every write to its monthly
    actuals, targets, dates, station or district (migration 0002), so no write path — forms, Excel, API, admin, bulk
    inserts, raw SQL — can change a figure without it; oversight.summary.refresh() empties it before any read."""

    contract_id = models.BigIntegerField(primary_key=True)  # no foreign key: a deleted contract's rows go too
    marks = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "待更新汇总的合同"
        verbose_name_plural = "待更新汇总的合同"

    def __str__(self) -> str:
        return f"合同 {self.contract_id}"


class _Period(models.Model):
    """A contract's period as the rollups need it: its first and last calendar month, the last month counted by its
    time pace and its length in months (oversight.summary.period_pace equals contract_pace from these). District rows
    sum the contracts that share them: a few periods per district and year, however many stations."""

    # no foreign key constraints (the rows are derived, recomputed when their sources change) and no one-column
    # indexes: the composite indexes below serve every query
    district = models.ForeignKey("stations.District", models.DO_NOTHING, db_constraint=False, db_index=False,
                                 related_name="+")
    indicator = models.ForeignKey("indicators.IndicatorDefinition", models.DO_NOTHING, db_constraint=False,
                                  db_index=False, related_name="+")
    first_month = models.DateField()
    last_month = models.DateField()
    counted_last = models.DateField()  # the last month its time pace counts (the last month, or the one before)
    total = models.PositiveSmallIntegerField()  # months of the period (indicators.calculations.contract_months)

    class Meta:
        abstract = True


class _Figures(_Period):
    """What both monthly summary tables hold per indicator and month (first day of the month), at the month's end."""

    month = models.DateField()
    cumulative = models.DecimalField(max_digits=20, decimal_places=2, null=True)  # 完成量 to the month's end
    quarter_value = models.DecimalField(max_digits=20, decimal_places=2, null=True)  # the quarter's, to the month's end

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.month:%Y-%m}"


PERIOD = ["district", "indicator", "first_month", "last_month", "counted_last", "total"]


class ContractMonthFigure(_Figures):
    """One contract × indicator (with a target or an actual) × month of the contract's period."""

    contract = models.ForeignKey("stations.Contract", models.DO_NOTHING, db_constraint=False, db_index=False,
                                 related_name="+")
    station = models.ForeignKey("stations.Station", models.DO_NOTHING, db_constraint=False, db_index=False,
                                related_name="+")
    target = models.DecimalField(max_digits=20, decimal_places=2, null=True)  # Σ 协议量
    elapsed = models.PositiveSmallIntegerField()  # time pace at the month's end: elapsed of `total` months
    gap = models.FloatField(null=True)  # 完成率 − 时间进度 (ordering only; pages print exact Decimal rates)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contract", "indicator", "month"], name="contract_month_uniq")]
        indexes = [
            models.Index(fields=["indicator", "month", "gap", "contract"], name="cmf_city_pace"),
            models.Index(fields=["district", "indicator", "month", "gap", "contract"], name="cmf_district_pace"),
            models.Index(fields=["station", "indicator", "month"], name="cmf_station"),
        ]


class DistrictMonthFigure(_Figures):
    """Σ over the contracts of a district with the same period (see _Period). The counts of contracts with a figure
    let a refresh add and remove one contract's part (a Σ of none is NULL, not 0)."""

    contracts = models.PositiveIntegerField()
    cumulative_n = models.PositiveIntegerField()
    quarter_n = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=[*PERIOD, "month"], name="district_month_uniq")]
        indexes = [models.Index(fields=["indicator", "month"], name="dmf_indicator_month")]


class DistrictTarget(_Period):
    """Σ 协议量 per district × indicator over the contracts with the same period."""

    target = models.DecimalField(max_digits=20, decimal_places=2)
    contracts = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=PERIOD, name="district_target_uniq")]

    def __str__(self) -> str:
        return f"{self.district_id} {self.indicator_id} {self.first_month:%Y-%m}–{self.last_month:%Y-%m}"


# --- summary tables of the finalised evaluations (grade distribution, district comparison) --------------------------


class _GradeFigures(models.Model):
    """Finalised evaluations per year of their date and grade: how many, and Σ 总得分 (the mean is Σ ÷ n, exact)."""

    district = models.ForeignKey("stations.District", models.DO_NOTHING, db_constraint=False, db_index=False,
                                 related_name="+")
    year = models.PositiveSmallIntegerField()
    grade = models.CharField(max_length=10)
    evaluations = models.PositiveIntegerField()
    total_score = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.district_id} {self.year} {self.grade}"


class ContractGrade(_GradeFigures):
    """One contract's part (with the district it was counted in), so that a refresh can take it out of its district
    row again: an evaluation finalised, reopened, re-dated or deleted, a station moved to another district."""

    contract = models.ForeignKey("stations.Contract", models.DO_NOTHING, db_constraint=False, db_index=False,
                                 related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contract", "year", "grade"], name="contract_grade_uniq")]


class DistrictGrade(_GradeFigures):
    """Σ of ContractGrade per district × year × grade: what the grade distribution and the district comparison read
    (a few dozen rows a year, however many stations)."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "district", "grade"], name="district_grade_uniq")]


# --- summary tables of the contracts in effect (district comparison, pace chart) -----------------------------------


class ContractSpan(models.Model):
    """One contract's calendar months (first and last, first days) with its station and the district it was counted
    in, as the last refresh saw them: what a refresh takes out of DistrictMonthContracts again when the contract's
    dates, station or district change or it is deleted."""

    contract = models.ForeignKey("stations.Contract", models.DO_NOTHING, db_constraint=False, db_index=False,
                                 related_name="+")
    station = models.ForeignKey("stations.Station", models.DO_NOTHING, db_constraint=False, db_index=False,
                                related_name="+")
    district = models.ForeignKey("stations.District", models.DO_NOTHING, db_constraint=False, db_index=False,
                                 related_name="+")
    first_month = models.DateField()
    last_month = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contract"], name="contract_span_uniq")]
        indexes = [models.Index(fields=["station"], name="contract_span_station")]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.first_month:%Y-%m}–{self.last_month:%Y-%m}"


class DistrictMonthContracts(models.Model):
    """Per district × calendar month (first day): the contracts in effect in the month (at its last day: started by
    then and not ended before its first day) and the stations they belong to, each station once even when two of its
    contracts overlap. What the district comparison and the pace chart count, a dozen rows a year per district."""

    district = models.ForeignKey("stations.District", models.DO_NOTHING, db_constraint=False, db_index=False,
                                 related_name="+")
    month = models.DateField()
    contracts = models.PositiveIntegerField()
    stations = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "district"], name="district_month_contracts_uniq")]

    def __str__(self) -> str:
        return f"{self.district_id} {self.month:%Y-%m}"
