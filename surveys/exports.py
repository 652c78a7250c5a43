"""Survey results as Excel: rates per group, question and 片区, and the answers by sample number — no names,
no phone numbers (issue 14 §5)."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from evalportal.xlsx import safe_text, workbook_bytes

from .calculations import RULE_TEXT, SCALES, format_rate
from .models import Respondent, Survey
from .selectors import survey_results


def results_workbook(survey: Survey) -> bytes:
    results = survey_results(survey)
    wb = Workbook()
    ws = wb.active
    ws.title = "满意度"
    ws.append([safe_text(f"{survey.title}（结果）")])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([safe_text(RULE_TEXT)])
    ws["A2"].alignment = Alignment(wrap_text=True)
    ws.append([])
    ws.append(["受访群体", "名单人数", "样本量", "已抽取", "完成访问", "拒访", "无法接通", "应答率", "满意度"])
    for g in results.groups:
        ws.append([safe_text(g.name), g.roster, g.sample_size, g.sampled, g.completed, g.refused, g.unreachable,
                   format_rate(g.response_rate), format_rate(g.rate)])
    ws.append(["合计", sum(g.roster for g in results.groups), sum(g.sample_size for g in results.groups),
               results.sampled, results.completed, sum(g.refused for g in results.groups),
               sum(g.unreachable for g in results.groups), format_rate(results.response_rate),
               format_rate(results.overall)])
    ws.append([])
    ws.append(["题目", "作答人数", "满意度"])
    for line in results.questions:
        ws.append([safe_text(line.label), line.completed, format_rate(line.rate)])
    ws.append([])
    ws.append(["片区", "完成人数", "满意度"])
    for line in results.areas:
        ws.append([safe_text(line.label), line.completed, format_rate(line.rate)])
    ws.column_dimensions["A"].width = 40
    answers = wb.create_sheet("回答明细")
    questions = list(survey.questions.all())
    answers.append(["样本编号", "受访群体", "片区", "访问结果", "作答方式"] + [f"第{q.order}题" for q in questions] + ["意见建议"])
    respondents = (
        Respondent.objects.filter(survey=survey).select_related("group").prefetch_related("answers").order_by("number")
    )
    for r in respondents.iterator(chunk_size=500):
        values = {a.question_id: a.value for a in r.answers.all()}
        answers.append(
            [r.number, safe_text(r.group.name), safe_text(r.area), r.get_outcome_display(), r.get_channel_display()]
            + [SCALES[q.scale].label(values[q.pk]) if q.pk in values else "" for q in questions]
            + [safe_text(r.comment)]
        )
    return workbook_bytes(wb)
