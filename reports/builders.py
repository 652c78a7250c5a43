"""One builder per report kind: everything a PDF template prints, read here through the selectors.

Templates only format what these return and run no queries (tests render them inside assertNumQueries(0)). The
number of queries of a builder does not grow with 片区, indicators, staff or findings.

- `build_evaluation_report_context(evaluation)`: 评估报告 (seed 001);
- `build_performance_report_context(pe)`: 绩效评价报告 (seed 002; the judged variant of seed 000; the narrative
  reports of seeds 003/004).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Max, Prefetch
from django.utils.safestring import mark_safe

from evalportal.periods import month_end, months_in_period
from indicators.calculations import (
    adjustment_rate,
    execution_rate,
    format_indicator_value,
    format_percent,
    format_quantity,
    round_half_up,
    tranche_amount,
)
from indicators.models import MonthlyActual
from indicators.scoring import EVALUATION_GRADES, PERFORMANCE_GRADES
from indicators.selectors import CompletionCell, indicator_completion_table
from stations.calculations import format_halves
from stations.models import ActivityEntry, ServiceArea, StaffMember, StaffMonth
from stations.selectors import staff_on_post_table

from .charts import BarSeries, completion_bar_chart
from .models import PARTY_WEIGHTS, Evaluation, Finding, Party, PerformanceEvaluation
from .permissions import hidden_parties
from .satisfaction import SATISFACTION_INDICATOR, SatisfactionSummary, satisfaction_summary
from .selectors import evaluation_summary, performance_tree
from .templatetags.report_format import percent, trim, wan, yuan

CN_NUMERALS = "一二三四五六七八九十"
# Seed 001 附件1 prints the per-片区 indicators in two tables of seven indicators (21 figure columns each).
ATTACHMENT1_INDICATORS_PER_TABLE = 7

# Seed 001 §二(五) lists the weights in this order.
WEIGHT_ORDER = [Party.SUPERVISOR, Party.BUYER, Party.SUPERVISION_CENTRE, Party.THIRD_PARTY]
WEIGHT_LABELS = {
    Party.SUPERVISOR: "项目监督方（区民政局）",
    Party.BUYER: "项目购买方（街道办事处）",
    Party.SUPERVISION_CENTRE: "市督导中心",
    Party.THIRD_PARTY: "第三方评估机构",
}
RESULT_LABELS = {
    Party.BUYER: "购买方评估",
    Party.SUPERVISOR: "监督方评估",
    Party.SUPERVISION_CENTRE: "督导中心评估",
    Party.THIRD_PARTY: "第三方评估",
}
CERTIFICATE_SHORT = {
    StaffMember.Certificate.INTERMEDIATE: "社会工作师",
    StaffMember.Certificate.ASSISTANT: "助理社会工作师",
    StaffMember.Certificate.NONE: "已接受社会工作行业组织管理、培训",
}
_BLANK_LINE = re.compile(r"\n\s*\n")


def cn_numeral(n: int) -> str:
    """1 → 一 … 10 → 十, 11 → 十一 (section numbers)."""
    if n <= 10:
        return CN_NUMERALS[n - 1]
    return "十" + CN_NUMERALS[n - 11] if n < 20 else str(n)


def split_paragraphs(text: str) -> list[str]:
    return [p.strip() for p in _BLANK_LINE.split((text or "").replace("\r\n", "\n")) if p.strip()]


def grade_band_text(bands) -> list[str]:
    """Seed 001 §二(五) / seed 002 §三(二) from the bands in indicators.scoring (one source for the rule)."""
    lines = []
    previous = None
    for lower, _code, label in bands:
        if lower < 0:
            lines.append(f"{previous} 分以下为“{label}”")
        elif previous is None:
            lines.append(f"{lower}（含 {lower}）分以上为“{label}”")
        else:
            lines.append(f"{lower}（含 {lower}）至 {previous} 分为“{label}”")
        previous = lower
    return lines


# A title is broken into lines only between these words (issue 11: "景泰街道部/门", "西村街道办/事处"): each chunk
# ends at the first of these endings; the cover prints every chunk as an unbreakable span.
_TITLE_WORD = re.compile(
    r"\s*(.*?(?:年度|街道办事处|人民政府|办事处|社工服务站|服务站|街道|部门|项目|评价报告|评估报告|报告|评价|评估|[省市区县镇街年])|.+$)"
)


def title_words(title: str) -> list[str]:
    """"2023年度广州市白云区人民政府景泰街道部门重点项目绩效评价报告" → ["2023年度", "广州市", "白云区", "人民政府",
    "景泰街道", "部门", "重点项目", "绩效评价报告"]: the words the cover title may break between."""
    words = []
    for part in (title or "").split():
        words.extend(w for w in _TITLE_WORD.findall(part) if w)
    return words


DRAFT_MARK = "未定稿"


def _report_meta(title: str, author: str, created: date | None, *, subject: str, draft: bool = False) -> dict:
    return {
        # The PDF's title metadata carries the draft mark too (issue 9 item 4, issue 11 item 7).
        "document_title": f"{title}（{DRAFT_MARK}）" if draft else title,
        "title_words": title_words(title),
        "draft_mark": DRAFT_MARK,
        "title": title,
        "author": author,
        "created": created.isoformat() if created else "",
        "subject": subject,
        "draft": draft,
        "generator": "evalportal",
    }


# --- 评估报告 (seed 001) ----------------------------------------------------------------------------------------


@dataclass
class FindingBlock:
    """值得肯定的地方 / 需要关注的地方 of one party (and section, and 片区 group): paragraphs in order."""

    title: str = ""
    positive: list[str] = field(default_factory=list)
    concern: list[str] = field(default_factory=list)
    # False while the party has not submitted: the report says so instead of printing "无。" as if it had nothing
    # to say (issue 11).
    submitted: bool = True

    @property
    def empty(self) -> bool:
        return not self.positive and not self.concern


def _blocks(findings: list[Finding]) -> FindingBlock:
    block = FindingBlock()
    for finding in findings:
        target = block.positive if finding.kind == Finding.Kind.POSITIVE else block.concern
        target.extend(split_paragraphs(finding.text))
    return block


@dataclass(frozen=True)
class AttachmentTable:
    """One landscape table of 附件1: a slice of the per-片区 columns with their header groups."""

    groups: list[tuple[str, int]]
    columns: list
    rows: list[tuple[str, int, list[CompletionCell], bool]]  # (片区, 投入社工人数, cells, is_total)


def _attachment_tables(table) -> list[AttachmentTable]:
    """Split the per-片区 columns into tables of ≤ 7 indicators without splitting a header group."""
    chunks: list[list[tuple[str, int]]] = [[]]
    for label, span in table.groups:
        used = sum(s for _, s in chunks[-1])
        if chunks[-1] and used + span > ATTACHMENT1_INDICATORS_PER_TABLE:
            chunks.append([])
        chunks[-1].append((label, span))
    result = []
    start = 0
    all_rows = [(r.name, r.social_workers, r.cells, False) for r in table.area_rows]
    if table.total_row is not None:
        r = table.total_row
        all_rows.append((r.name, r.social_workers, r.cells, True))
    for groups in chunks:
        if not groups:
            continue
        width = sum(s for _, s in groups)
        stop = start + width
        result.append(
            AttachmentTable(
                groups=groups,
                columns=table.area_columns[start:stop],
                rows=[(name, workers, cells[start:stop], total) for name, workers, cells, total in all_rows],
            )
        )
        start = stop
    return result


def report_value(value: Decimal | None, indicator) -> str:
    """An indicator figure as the reports print it: money in 元 with thousands separators, as the reports' own text
    writes it ("资源链接 523,106.71 元"); other kinds as 附件1 prints them."""
    if indicator.value_type == "money" and value is not None:
        return yuan(value)
    return format_indicator_value(value, indicator.value_type)


def _indicator_label(indicator) -> str:
    if indicator.short_name and indicator.group and indicator.group != indicator.short_name:
        return f"{indicator.group}{indicator.short_name}"
    return indicator.name


def _completion_sentences(table) -> list[str]:
    """§六(二)2 服务指标完成情况 from the 合计 row (or the station rows of a contract without 片区)."""
    cells = table.total_row.cells if table.total_row is not None else [r.cell for r in table.station_rows]
    by_group: OrderedDict[str, list[CompletionCell]] = OrderedDict()
    for cell in cells:
        if cell.target is None and cell.actual is None:
            continue
        by_group.setdefault(cell.indicator.group or cell.indicator.name, []).append(cell)
    sentences = []
    for group, group_cells in by_group.items():
        done = "，".join(
            f"{c.indicator.short_name}{report_value(c.actual, c.indicator)}{c.indicator.unit}" for c in group_cells
        )
        rates = "、".join(c.percent for c in group_cells)
        sentences.append(f"{group}完成{done}，完成协议指标量的 {rates}")
    return sentences


def _staff_mark(facts, attribute: str) -> str:
    if facts is None:
        return ""
    if attribute == "on_post":
        value = facts.on_post
        if value == 1:
            return "√"
        return "/" if value == 0 else format_halves(value)
    return "√" if getattr(facts, attribute) else ""


def _staff_rows(rows) -> list[dict]:
    result = []
    for row in rows:
        member = row.staff
        term = " - ".join(
            part for part in [member.employment_start.strftime("%Y.%m.%d") if member.employment_start else "",
                              member.contract_term] if part
        )
        result.append(
            {
                "order": member.order,
                "name": member.name,
                "title": member.title,
                "certificate": CERTIFICATE_SHORT.get(member.certificate, member.get_certificate_display()),
                "term": term,
                "months": [
                    (_staff_mark(m, "on_post"), _staff_mark(m, "social_insurance"), _staff_mark(m, "salary_paid"))
                    for m in row.months
                ],
                "effective": row.effective,
                "two_years": row.two_years,
                "note": member.note,
            }
        )
    return result


@dataclass(frozen=True)
class DataCoverage:
    """Which months of the 考核期 have figures. A draft evaluated before the last months are entered states the figures
    up to the last month with data and names the months still missing, instead of printing zeros as facts (issue 11:
    稳岗率 0.00%, 0名/0名 and April figures under "共计 11 个考核月份")."""

    period_months: list[date]
    months: list[date]  # the months the report's figures cover (a prefix of period_months)

    @property
    def cutoff(self) -> date | None:
        return month_end(self.months[-1]) if self.months else None

    @property
    def complete(self) -> bool:
        return len(self.months) == len(self.period_months)

    @property
    def missing(self) -> list[date]:
        return self.period_months[len(self.months):]


def _month_range(months: list[date]) -> str:
    first, last = months[0], months[-1]
    if first == last:
        return f"{first.year}年{first.month}月"
    return f"{first.year}年{first.month}月至{last.year}年{last.month}月"


def coverage_note(coverage: DataCoverage) -> str:
    """The sentence a report with missing months prints wherever it states the period's figures ("" when complete)."""
    if coverage.complete:
        return ""
    if not coverage.months:
        return f"考核期 {len(coverage.period_months)} 个月的服务指标和社工到岗数据均尚未录入，相关数字待录入后生成。"
    return (
        f"考核期共 {len(coverage.period_months)} 个月，{_month_range(coverage.missing)}的数据尚未录入；"
        f"以下数字为 {_month_range(coverage.months)}（{len(coverage.months)} 个月）的统计，不是考核期的最终结果。"
    )


def data_coverage(contract, period_start: date, period_end: date) -> DataCoverage:
    """The 考核期's months up to the last one with both indicator figures and staff months entered (two queries).

    A kind of data the contract has none of at all (a station without a staff register) does not shorten it."""
    period = months_in_period(period_start, min(period_end, contract.end_date))
    if not period:
        return DataCoverage(period, [])
    last_actual = MonthlyActual.objects.filter(
        contract=contract, month__gte=period[0], month__lte=period[-1]
    ).aggregate(last=Max("month"))["last"]
    last_staff = StaffMonth.objects.filter(
        staff__contract=contract, month__gte=period[0], month__lte=period[-1]
    ).aggregate(last=Max("month"))["last"]
    lasts = [m for m in (last_actual, last_staff) if m is not None]
    if not lasts:
        return DataCoverage(period, [])
    last = min(lasts)
    return DataCoverage(period, [m for m in period if m <= last])


# 附件2 on an A4 landscape page: the identity and subtotal columns take ~130 mm of the 273 mm, a month's three columns
# ("人员/到位", "社保/购买", "工资/发放" as two whole words per line at 7.5 pt) ~19 mm: up to 7 months fit one table.
# A longer 考核期 (an 11-month final evaluation) is printed as several tables of months, the later ones marked 续表.
ATTACHMENT2_MONTHS_PER_TABLE = 7


def _month_chunks(count: int, size: int = ATTACHMENT2_MONTHS_PER_TABLE) -> list[tuple[int, int]]:
    """[0, count) in as few runs of ≤ size months as possible, as even as possible (11 → 6 + 5)."""
    if count <= size:
        return [(0, count)]
    tables = -(-count // size)
    base, extra = divmod(count, tables)
    bounds, start = [], 0
    for index in range(tables):
        stop = start + base + (1 if index < extra else 0)
        bounds.append((start, stop))
        start = stop
    return bounds


def _staff_tables(staff, certified_rows: list[dict], uncertified_rows: list[dict]) -> list[dict]:
    """附件2 split into tables of months (see ATTACHMENT2_MONTHS_PER_TABLE); the last one carries the subtotals."""
    chunks = _month_chunks(len(staff.months))
    tables = []
    for index, (start, stop) in enumerate(chunks):
        def cut(rows: list[dict], start: int = start, stop: int = stop) -> list[dict]:
            return [{**row, "months": row["months"][start:stop]} for row in rows]

        tables.append({
            "first": index == 0,
            "last": index == len(chunks) - 1,
            "months": staff.months[start:stop],
            "certified_rows": cut(certified_rows),
            "uncertified_rows": cut(uncertified_rows),
            "certified_subtotals": staff.certified_subtotals[start:stop],
            "uncertified_subtotals": staff.uncertified_subtotals[start:stop],
            "total_subtotals": staff.total_subtotals[start:stop],
        })
    return tables


def build_evaluation_report_context(evaluation: Evaluation) -> dict:
    """Everything the 评估报告 prints (seed 001), from the database. Constant number of queries."""
    evaluation = (
        Evaluation.objects.select_related(
            "contract__station__street__district", "contract__operator", "contract__buyer", "contract__supervisor",
            "agency", "supervision_centre",
        )
        .prefetch_related(
            Prefetch(
                "findings",
                queryset=Finding.objects.order_by("order", "id").prefetch_related(
                    Prefetch("areas", queryset=ServiceArea.objects.order_by("order", "id"))
                ),
            ),
            Prefetch(
                "contract__service_areas",
                queryset=ServiceArea.objects.order_by("order", "id").prefetch_related("communities"),
            ),
        )
        .get(pk=evaluation.pk)
    )
    contract = evaluation.contract
    station = contract.station
    summary = evaluation_summary(evaluation)
    coverage = data_coverage(contract, evaluation.period_start, evaluation.period_end)
    cutoff = evaluation.period_end if coverage.complete or coverage.cutoff is None else coverage.cutoff
    completion = indicator_completion_table(contract, cutoff)
    staff = staff_on_post_table(contract, evaluation.period_start, cutoff)
    # A draft report is one file for every reader: it prints the submitted parts only (issue 9 §4).
    hidden = hidden_parties(None, evaluation, {line.party: line.status for line in summary.parties})
    findings = [f for f in evaluation.findings.all() if f.party not in hidden]
    areas = list(contract.service_areas.all())

    def org_label(org) -> str:
        return (org.short_name or org.name) if org else ""

    # 三–五: the other parties, each with its general findings (any section, in order).
    party_titles = [
        (Party.SUPERVISOR, f"监督方评估（{org_label(contract.supervisor)}）"),
        (Party.BUYER, f"购买方评估（{org_label(contract.buyer)}）"),
        (Party.SUPERVISION_CENTRE, "督导中心评估"),
    ]
    finalised = evaluation.status == Evaluation.Status.FINALISED
    submitted = {line.party: line.submitted or finalised for line in summary.parties}
    party_blocks = []
    for party, title in party_titles:
        block = _blocks([f for f in findings if f.party == party])
        block.title = title
        block.submitted = submitted.get(party, False)
        party_blocks.append(block)

    # 六: the third party, by section; the 片区 findings grouped by the set of 片区 they speak about.
    third = [f for f in findings if f.party == Party.THIRD_PARTY]
    third_submitted = submitted.get(Party.THIRD_PARTY, False)
    third_general = _blocks([f for f in third if f.section == Finding.Section.GENERAL])
    third_management = _blocks([f for f in third if f.section == Finding.Section.PROJECT_MANAGEMENT])
    third_delivery = _blocks([f for f in third if f.section == Finding.Section.SERVICE_DELIVERY])
    for block in (third_general, third_management, third_delivery):
        block.submitted = third_submitted
    area_groups: OrderedDict[tuple[int, ...], list[Finding]] = OrderedDict()
    area_names: dict[tuple[int, ...], str] = {}
    for finding in third:
        if finding.section != Finding.Section.AREAS:
            continue
        finding_areas = list(finding.areas.all())
        key = tuple(a.id for a in finding_areas)
        area_groups.setdefault(key, []).append(finding)
        area_names[key] = "、".join(a.name for a in finding_areas) or "各片区"
    area_blocks = []
    for key, group in area_groups.items():
        block = _blocks(group)
        block.title = f"{area_names[key]}社工点服务情况"
        block.submitted = third_submitted
        area_blocks.append(block)

    scores = {line.party: line for line in summary.parties}
    weights = [
        {"label": WEIGHT_LABELS[p], "weight": scores[p].weight if p in scores else PARTY_WEIGHTS[p]}
        for p in WEIGHT_ORDER
    ]
    results = [
        {
            "label": RESULT_LABELS[line.party], "weight": line.weight,
            "points": None if line.party in hidden else line.points, "submitted": line.submitted,
        }
        for line in summary.parties
    ]

    chart_labels = [_indicator_label(c) for c in completion.area_columns]
    chart = completion_bar_chart(
        chart_labels,
        [BarSeries(name=row.name, rates=[c.rate for c in row.cells]) for row in completion.area_rows],
        pace=completion.pace.fraction,
    ) if completion.area_rows and completion.area_columns else ""

    figures = staff.figures
    certified_rows = _staff_rows(staff.certified_rows)
    uncertified_rows = _staff_rows(staff.uncertified_rows)
    title = f"{station.name} {evaluation.get_kind_display()}报告"
    draft = evaluation.status != Evaluation.Status.FINALISED
    return {
        "report": _report_meta(
            title, evaluation.agency.name, evaluation.date, subject=evaluation.get_kind_display(), draft=draft
        ),
        "evaluation": evaluation,
        "contract": contract,
        "station": station,
        "cover_parties": [
            ("项目监督方", contract.supervisor.name),
            ("项目购买方", contract.buyer.name),
            ("项目承办方", contract.operator.name),
            ("项目评估方", evaluation.agency.name),
        ],
        "supervisor_short": org_label(contract.supervisor),
        "satisfaction": satisfaction_summary("evaluation", evaluation.pk),
        "areas": [{"name": a.name, "communities": [c.name for c in a.communities.all()]} for a in areas],
        "area_count_cn": cn_numeral(len(areas)) if areas else "",
        "months_count": len(completion.months),
        "coverage": coverage,
        "period_months_count": len(coverage.period_months),
        "has_data": bool(coverage.months),
        "coverage_note": coverage_note(coverage),
        "data_end": coverage.months[-1] if coverage.months else None,
        "weights": weights,
        "grade_bands": grade_band_text(EVALUATION_GRADES),
        "party_blocks": party_blocks,
        "third_general": third_general,
        "third_management": third_management,
        "third_delivery": third_delivery,
        "area_blocks": area_blocks,
        "completion_sentences": _completion_sentences(completion),
        "summary": summary,
        "results": results,
        "conclusion": split_paragraphs(evaluation.conclusion),
        "completion": completion,
        "attachment_tables": _attachment_tables(completion),
        "chart_svg": mark_safe(chart),  # built from escaped labels in reports.charts
        "staff": staff,
        "certified_rows": certified_rows,
        "uncertified_rows": uncertified_rows,
        "staff_tables": _staff_tables(staff, certified_rows, uncertified_rows),
        "figures": figures,
        "figures_text": {
            "two_years_share": format_percent(figures.two_years_share),
            "retention_rate": format_percent(figures.retention_rate),
            "surplus_label": "超配" if figures.surplus >= 0 else "缺配",
            "surplus": format_halves(abs(figures.surplus)),
            "training": format_quantity(figures.training_hours_per_worker_month, 2)
            if figures.training_hours_per_worker_month is not None else "/",
        },
    }


# --- 绩效评价报告 (seeds 000, 002–004) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OutlineRow:
    """One row of the 指标体系 / 指标分析 tables: a node at its level, with its (sub)total."""

    level: int
    name: str
    max_points: Decimal | None
    score: Decimal | None
    rate: Decimal | None
    is_leaf: bool
    target_text: str = ""
    actual_text: str = ""
    judgement: str = ""
    reason: str = ""
    parent_name: str = ""


def _outline(roots) -> list[OutlineRow]:
    rows: list[OutlineRow] = []

    def walk(node, parent_name: str = "") -> None:
        indicator = node.indicator
        rows.append(
            OutlineRow(
                level=node.level, name=node.name, max_points=node.total_max, score=node.total_score, rate=node.rate,
                is_leaf=node.is_leaf,
                target_text=indicator.target_text if indicator else "",
                actual_text=indicator.actual_text if indicator else "",
                judgement=node.judgement_label,
                reason=indicator.reason if indicator else "",
                parent_name=parent_name,
            )
        )
        for child in node.children:
            walk(child, node.name)

    for root in roots:
        walk(root)
    return rows


@dataclass
class GridCell:
    name: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class GridRow:
    """One leaf row of the points tables as seed 002 prints them: the 一级 / 二级 names spanning their leaves' rows
    (no subtotal rows; the level rates are in the text below the table)."""

    heads: list[GridCell]
    leaf: OutlineRow


def _grid(roots, outline: list[OutlineRow]) -> list[GridRow]:
    leaf_rows = iter([r for r in outline if r.is_leaf])
    rows: list[GridRow] = []

    def leaves(node) -> int:
        return 1 if node.is_leaf else sum(leaves(child) for child in node.children)

    def walk(node, heads: list[GridCell]) -> None:
        if node.is_leaf:
            span = 4 - node.level  # a 一级 leaf spans the three name columns, a 二级 leaf two
            rows.append(GridRow(heads=[*heads, GridCell(node.name, colspan=span)], leaf=next(leaf_rows)))
            return
        for index, child in enumerate(node.children):
            walk(child, [*heads, GridCell(node.name, rowspan=leaves(node))] if index == 0 else [])

    for root in roots:
        walk(root, [])
    return rows


def build_performance_report_context(pe: PerformanceEvaluation) -> dict:
    """Everything the 绩效评价报告 prints, from the database. Constant number of queries."""
    pe = (
        PerformanceEvaluation.objects.select_related(
            "department__street__district", "contract__station", "contract__operator", "contract__buyer",
        )
        .prefetch_related("expenses")
        .get(pk=pe.pk)
    )
    tree = performance_tree(pe)
    contract = pe.contract
    method = pe.method
    has_points = tree.max_total is not None
    judged = method == PerformanceEvaluation.Method.JUDGED or any(leaf.judgement_label for leaf in tree.leaves)

    expenses = list(pe.expenses.all())
    budget = None
    if pe.budget_initial is not None or pe.budget_full_year is not None or pe.budget_executed is not None:
        budget = {
            "initial": pe.budget_initial,
            "full_year": pe.budget_full_year,
            "executed": pe.budget_executed,
            "adjustment_rate": adjustment_rate(pe.budget_initial, pe.budget_full_year),
            "execution_rate": execution_rate(pe.budget_executed, pe.budget_full_year)
            if pe.budget_executed is not None else None,
        }

    contract_facts = None
    tranches: list[dict] = []
    targets: list[dict] = []
    ledgers: list[dict] = []
    if contract is not None:
        contract_facts = contract
        tranches = [
            {
                "order": t.order, "percentage": t.percentage, "condition": t.get_condition_display(), "note": t.note,
                "amount": tranche_amount(contract.budget, t.percentage),
            }
            for t in contract.tranches.order_by("order")
        ]
        table = indicator_completion_table(contract, contract.end_date)
        cells = (
            [c for c in table.total_row.cells if c.target is not None or c.actual is not None]
            if table.total_row is not None else []
        ) + [r.cell for r in table.station_rows]
        # A table the published reports do not have: printed only when there are targets to compare with, and in
        # the reports' money format, so it agrees with the text (issue 11).
        if any(c.target is not None for c in cells):
            targets = [
                {
                    "name": c.indicator.name, "unit": c.indicator.unit,
                    "target": report_value(c.target, c.indicator), "actual": report_value(c.actual, c.indicator),
                    "percent": c.percent,
                }
                for c in cells
            ]
        entries = list(
            ActivityEntry.objects.filter(contract=contract)
            .select_related("service_project")
            .order_by("service_project__order", "service_project_id", "date", "id")
        )
        by_project: OrderedDict[int | None, dict] = OrderedDict()
        for entry in entries:
            project = entry.service_project
            key = project.id if project else None
            if key not in by_project:
                by_project[key] = {
                    "title": f"{project.get_kind_display()}：{project.name}" if project else "其他活动",
                    "entries": [],
                    "has_nature": False,
                    "kind": project.get_kind_display() if project else "",
                    "name": project.name if project else "",
                }
            by_project[key]["entries"].append(entry)
            by_project[key]["has_nature"] |= bool(entry.nature)
        for ledger in by_project.values():
            ledger["participants"] = sum(e.participants for e in ledger["entries"])
        ledgers = list(by_project.values())

    text = {name: report_paragraphs(getattr(pe, name)) for name in PERFORMANCE_TEXT_FIELDS}
    grade_label = tree.grade[1] if tree.grade else (pe.get_declared_grade_display() if pe.declared_grade else "")
    score_total = tree.score_total if tree.score_total is not None else pe.declared_score
    if contract is not None and contract.end_date.year == pe.year:
        created = contract.end_date
    else:
        created = date(pe.year, 12, 31)
    outline = _outline(tree.roots)
    judged_rows = [r for r in outline if r.is_leaf and (r.judgement or r.target_text)]
    # 二级指标 spans its consecutive rows (issue 11: xicun-2022's repeated 二级指标).
    judged_table = []
    for index, row in enumerate(judged_rows):
        span = 0
        if index == 0 or judged_rows[index - 1].parent_name != row.parent_name:
            span = 1
            while index + span < len(judged_rows) and judged_rows[index + span].parent_name == row.parent_name:
                span += 1
        judged_table.append({"row": row, "number": index + 1, "parent_span": span})

    # Seed 002 (points) and seeds 000/003/004 (judged, narrative) name and order their sections differently; a
    # section or subsection the report has nothing for is left out and the numbers close up.
    points_layout = has_points
    overview_titles = POINTS_OVERVIEW if points_layout else STANDARD_OVERVIEW
    procurement_in_text = bool(
        contract is not None and contract.procurement_number
        and contract.procurement_number in (pe.basis or "")
    )
    show_procurement = contract is not None and bool(contract.procurement_number) and not procurement_in_text
    show_targets = bool(targets) and not points_layout
    budget_sentence = _budget_sentence(budget) if budget and not text["funding"] else ""
    implementation_blocks = _implementation_blocks(text["implementation"], ledgers)
    present = {
        "background": bool(text["background"]),
        "basis": bool(text["basis"] or show_procurement),
        "goals": bool(text["goals"]) and not points_layout,
        "funding": bool(text["funding"] or budget_sentence or expenses or tranches),
        "implementation": bool(text["implementation"] or ledgers or show_targets),
    }
    overview = [
        {"key": key, "title": title}
        for key, title in overview_titles if present[key]
    ]
    for number, item in enumerate(overview, start=1):
        item["number"] = f"（{cn_numeral(number)}）"

    if points_layout:
        plan = [
            ("overview", "评价项目概述", True),
            ("system", "项目绩效目标和绩效指标设定情况", bool(tree.roots or text["goals"])),
            ("organisation", "绩效评价组织情况", True),
            ("analysis", "绩效评价指标分析情况", True),
            ("conclusion", "项目综合评价等级和评价结论", True),
            ("lessons", "主要经验做法、存在的问题和建议",
             bool(text["experience"] or text["problems"] or text["suggestions"])),
            ("application", "绩效评价结果应用", bool(text["results_application"])),
        ]
    else:
        plan = [
            ("overview", "评价项目概述", True),
            ("summary", "绩效评价概述", bool(text["organisation_text"] or judged_rows)),
            ("conclusion", "评价结论与绩效分析", True),
            ("experience", "项目主要绩效或成功经验", bool(text["experience"])),
            ("problems", "存在问题或不足", bool(text["problems"])),
            ("suggestions", "相关建议", bool(text["suggestions"])),
            ("application", "绩效评价结果应用", bool(text["results_application"])),
        ]
    sections = [{"key": key, "title": title} for key, title, shown in plan if shown]
    for number, section in enumerate(sections, start=1):
        section["number"] = cn_numeral(number)

    return {
        "report": _report_meta(pe.title, pe.department.name, created, subject="绩效评价报告"),
        "cover_facts": _performance_cover_facts(pe, contract),
        "pe": pe,
        "tree": tree,
        "outline": outline,
        "grid": _grid(tree.roots, outline),
        "level2_rows": [r for r in outline if r.level == 2],
        "level1_rows": [r for r in outline if r.level == 1],
        "has_points": has_points,
        "points_layout": points_layout,
        "judged": judged,
        "judged_rows": judged_rows,
        "judged_table": judged_table,
        "level_summary": _level_summary(tree.roots) if points_layout else "",
        "budget": budget,
        "budget_sentence": budget_sentence,
        "expenses": expenses,
        "expense_total": sum((e.amount for e in expenses), Decimal(0)) if expenses else None,
        "contract": contract_facts,
        "show_procurement": show_procurement,
        "tranches": tranches,
        "targets": targets if show_targets else [],
        "ledgers": ledgers,
        "implementation_blocks": implementation_blocks,
        "result_analysis": (
            _result_analysis(tree.roots, satisfaction_summary("performance", pe.pk)) if points_layout else []
        ),
        "sections": sections,
        "overview": overview,
        "grade_bands": grade_band_text(PERFORMANCE_GRADES),
        "grade_label": grade_label,
        "score_total": score_total,
        "text": text,
    }


PERFORMANCE_TEXT_FIELDS = [
    "background", "basis", "goals", "funding", "implementation", "organisation_text", "conclusion", "experience",
    "problems", "suggestions", "results_application",
]
# 一、评价项目概述 subsections: seed 002 (points) / seeds 000, 003, 004.
POINTS_OVERVIEW = [
    ("background", "项目背景资料"), ("funding", "项目资金分配情况"), ("basis", "项目政策依据"),
    ("implementation", "项目实施情况"), ("goals", "项目绩效目标"),
]
STANDARD_OVERVIEW = [
    ("background", "项目背景"), ("basis", "项目立项依据"), ("goals", "项目绩效目标"),
    ("funding", "项目资金来源及使用情况"), ("implementation", "项目实施情况"),
]
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"
# A short paragraph opening with "（一）", "1、", "2." or "一、" is a sub-heading of its own (seeds: "（一）绩效评价目的",
# "1、前期准备"); a short paragraph naming a service project's "…执行情况" too (seed 000 §一（五）).
_SUBHEADING = re.compile(r"^(（[一二三四五六七八九十]+）|（[0-9]+）|[0-9]+[、.]|[一二三四五六七八九十]+、)")
# "（1）核心项目：“星耀元岗”社工党建服务项目" is a heading of its own in seed 003 despite its colon; "1、采购项目编号：…" is not.
_NUMBERED_HEADING = re.compile(r"^（[0-9]+）")
SUBHEADING_MAX_CHARS = 30


@dataclass(frozen=True)
class Paragraph:
    text: str
    heading: bool = False


def report_paragraphs(text: str) -> list[Paragraph]:
    """Stored text → paragraphs (blank lines separate them), each marked as a sub-heading or body text."""
    result = []
    for paragraph in split_paragraphs(text):
        short = len(paragraph) <= SUBHEADING_MAX_CHARS and (
            "：" not in paragraph or bool(_NUMBERED_HEADING.match(paragraph))
        )
        heading = short and (bool(_SUBHEADING.match(paragraph)) or paragraph.endswith("执行情况"))
        result.append(Paragraph(paragraph, heading))
    return result


def _budget_sentence(budget: dict) -> str:
    """Seed 000 §一（四） in words, for a report whose 资金来源 text is empty."""
    parts = []
    if budget["initial"] is not None:
        parts.append(f"项目年初预算数 {wan(budget['initial'])} 万元")
    if budget["full_year"] is not None:
        parts.append(f"全年预算数为 {wan(budget['full_year'])} 万元")
    if budget["adjustment_rate"] is not None:
        parts.append(f"预算调整率 {percent(budget['adjustment_rate'])}")
    sentence = "，".join(parts)
    if budget["executed"] is not None:
        sentence += f"；全年执行数为 {wan(budget['executed'])} 万元"
        if budget["execution_rate"] is not None:
            sentence += f"，完成预算的 {percent(budget['execution_rate'])}"
    return sentence.lstrip("；") + "。"


def _implementation_blocks(paragraphs: list[Paragraph], ledgers: list[dict]) -> list[dict]:
    """§一（五）: the text cut at its "…执行情况" sub-headings; each activity ledger follows the part about its
    service project (seed 000: 核心项目执行情况, its summary, its table), matched by the project's name, else by its
    kind. Ledgers no part speaks about come last under their own titles."""
    blocks: list[dict] = [{"heading": None, "paragraphs": [], "ledgers": []}]
    for paragraph in paragraphs:
        if paragraph.heading and paragraph.text.endswith("执行情况"):
            blocks.append({"heading": paragraph, "paragraphs": [], "ledgers": []})
        else:
            blocks[-1]["paragraphs"].append(paragraph)
    headed = [b for b in blocks if b["heading"] is not None]
    unplaced = []
    for ledger in ledgers:
        match = next((b for b in headed if ledger["name"] and ledger["name"] in b["heading"].text), None)
        if match is None:
            match = next(
                (b for b in headed if not b["ledgers"] and ledger["kind"] and b["heading"].text.startswith(ledger["kind"])),
                None,
            )
        if match is None:
            unplaced.append({**ledger, "show_title": True})
        else:
            match["ledgers"].append({**ledger, "show_title": False})
    blocks.append({"heading": None, "paragraphs": [], "ledgers": unplaced})
    return [b for b in blocks if b["heading"] or b["paragraphs"] or b["ledgers"]]


def _performance_cover_facts(pe: PerformanceEvaluation, contract) -> list[tuple[str, str]]:
    """The cover's label/value pairs: what the report is about, never internal settings (issue 11: no 评价方式)."""
    facts = [("实施单位", pe.department.name)]
    if contract is not None:
        facts += [("承接机构", contract.operator.name), ("项目名称", contract.title)]
    facts.append(("评价年度", f"{pe.year} 年度"))
    return facts


def whole_percent(rate: Decimal) -> str:
    """0.8667 → "87%" (half up), as seed 002's summary rounds the lowest rates."""
    return f"{round_half_up(rate * 100, 0)}%"


def _indicator_word(name: str) -> str:
    return name if name.endswith("指标") else f"{name}指标"


def _level_summary(roots) -> str:
    """Seed 002 §四（一） after the points table: "从 3 个一级指标得分率均超过 90%，过程指标得分率 92.59%，产出指标得分率为
    98.11%，效益指标得分率为 92.39%。从 8 个二级指标得分率看过程业务管理的得分率最低 87%，其次为服务对象满意度得分率
    90%。" — built from the tree; "均超过 90%" only when every 一级 rate is above 90%."""
    firsts = [r for r in roots if r.rate is not None]
    if not firsts:
        return ""
    parts = [
        f"{_indicator_word(r.name)}得分率{'' if i == 0 else '为'} {percent(r.rate)}" for i, r in enumerate(firsts)
    ]
    above = "均超过 90%" if all(r.rate > Decimal("0.9") for r in firsts) else "看"
    text = f"从 {len(firsts)} 个一级指标得分率{above}，" + "，".join(parts) + "。"
    seconds = [
        (f"{root.name}{child.name}" if not child.is_leaf else child.name, child.rate)
        for root in roots if not root.is_leaf for child in root.children if child.rate is not None
    ]
    if len(seconds) >= 2:
        lowest = sorted(seconds, key=lambda item: item[1])
        text += (
            f"从 {len(seconds)} 个二级指标得分率看{lowest[0][0]}的得分率最低 {whole_percent(lowest[0][1])}，"
            f"其次为{lowest[1][0]}得分率 {whole_percent(lowest[1][1])}。"
        )
    return text


def _result_analysis(roots, satisfaction: SatisfactionSummary | None = None) -> list[Paragraph]:
    """Seed 002 §四（二） from the tree: each 一级 and 二级 indicator with 满分/得分, then each leaf's reason.

    With a closed satisfaction survey, 服务对象满意度's sentence comes from the survey's data, followed by the rule
    that turned the answers into rates (issue 14 §1, §4); the evaluator's own remarks follow unless they are that
    same sentence (written by survey_apply)."""
    def points(node) -> str:
        return f"（满分 {trim(node.total_max)} 分，得分 {trim(node.total_score)} 分）"

    def reasons(node) -> list[Paragraph]:
        reason = node.indicator.reason if node.indicator else ""
        paragraphs = [Paragraph(p) for p in split_paragraphs(reason)]
        if satisfaction is not None and node.indicator is not None and node.indicator.name == SATISFACTION_INDICATOR:
            survey = [Paragraph(satisfaction.points_sentence), Paragraph(satisfaction.rule)]
            return survey + [p for p in paragraphs if p.text != satisfaction.points_sentence]
        return paragraphs

    result: list[Paragraph] = []
    for i, root in enumerate(roots, start=1):
        result.append(Paragraph(f"{i}、{root.name}{points(root)}", True))
        if root.is_leaf:
            result.extend(reasons(root))
            continue
        sub = circle = 0
        for child in root.children:
            if child.is_leaf:
                circle += 1
                result.append(Paragraph(f"{CIRCLED[(circle - 1) % 10]}{child.name}{points(child)}", True))
                result.extend(reasons(child))
                continue
            sub += 1
            result.append(Paragraph(f"（{sub}）{child.name}{points(child)}", True))
            leaves = child.leaves
            if len(leaves) == 1:
                result.extend(reasons(leaves[0]))
                continue
            if reasons(child):
                # One paragraph for the 二级 indicator as a whole (seed 002 §四（二）2（4）成本指标); its leaves follow
                # only if they have reasons of their own.
                result.extend(reasons(child))
                leaves = [leaf for leaf in leaves if reasons(leaf)]
            for j, leaf in enumerate(leaves, start=1):
                result.append(Paragraph(f"{CIRCLED[(j - 1) % 10]}{leaf.name}{points(leaf)}", True))
                result.extend(reasons(leaf))
    return result
