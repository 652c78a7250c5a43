"""Survey results as Excel: rates per group, question and 片区, and the answers by sample number — no names,
no phone numbers (issue 14 §5)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from evalportal.xlsx import fit_columns, print_setup, workbook_bytes

from .calculations import RULE_TEXT, SCALES, rate_decimal
from .models import Respondent, Survey
from .selectors import survey_results


def _rate(rate):
    """A rate as a number shown 0.00% (issue 16 §2), rounded half up to 0.01% as printed; "/" when there is none."""
    value = rate_decimal(rate)
    return "/" if value is None else value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _format_rates(ws, first_row: int, columns: tuple[int, ...]) -> None:
    for row in ws.iter_rows(min_row=first_row, max_row=ws.max_row):
        for cell in row:
            if cell.column in columns:
                if isinstance(cell.value, str):
                    cell.alignment = Alignment(horizontal="center")  # "/" as in 附件1
                elif cell.value is not None:
                    cell.number_format = "0.00%"


def results_workbook(survey: Survey) -> bytes:
    results = survey_results(survey)
    wb = Workbook()
    ws = wb.active
    ws.title = "满意度"
    ws.append([f"{survey.title}（结果）"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([RULE_TEXT])
    ws["A2"].alignment = Alignment(wrap_text=True)
    ws.append([])
    ws.append(["受访群体", "名单人数", "样本量", "已抽取", "完成访问", "拒访", "无法接通", "应答率", "满意度"])
    for g in results.groups:
        ws.append([g.name, g.roster, g.sample_size, g.sampled, g.completed, g.refused, g.unreachable,
                   _rate(g.response_rate), _rate(g.rate)])
    ws.append(["合计", sum(g.roster for g in results.groups), sum(g.sample_size for g in results.groups),
               results.sampled, results.completed, sum(g.refused for g in results.groups),
               sum(g.unreachable for g in results.groups), _rate(results.response_rate),
               _rate(results.overall)])
    _format_rates(ws, 5, (8, 9))
    ws.append([])
    ws.append(["题目", "作答人数", "满意度"])
    first = ws.max_row + 1
    for line in results.questions:
        ws.append([line.label, line.completed, _rate(line.rate)])
    _format_rates(ws, first, (3,))
    ws.append([])
    ws.append(["片区", "完成人数", "满意度"])
    first = ws.max_row + 1
    for line in results.areas:
        ws.append([line.label, line.completed, _rate(line.rate)])
    _format_rates(ws, first, (3,))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=9)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=9)
    ws.row_dimensions[2].height = 45
    fit_columns(ws, header_rows=range(4, 5), first_data_row=5, last_row=ws.max_row, last_column=9, minimum=8,
                maximum=40)
    print_setup(ws, last_row=ws.max_row, last_column=9, header_rows=None)
    answers = wb.create_sheet("回答明细")
    questions = list(survey.questions.all())
    answers.append(["样本编号", "受访群体", "片区", "访问结果", "作答方式"] + [f"第{q.order}题" for q in questions] + ["意见建议"])
    respondents = (
        Respondent.objects.filter(survey=survey).select_related("group").prefetch_related("answers").order_by("number")
    )
    for r in respondents.iterator(chunk_size=500):
        values = {a.question_id: a.value for a in r.answers.all()}
        answers.append(
            [r.number, r.group.name, r.area, r.get_outcome_display(), r.get_channel_display()]
            + [SCALES[q.scale].label(values[q.pk]) if q.pk in values else "" for q in questions]
            + [r.comment]
        )
    width = 6 + len(questions)
    fit_columns(answers, header_rows=range(1, 2), first_data_row=2, last_row=answers.max_row, last_column=width,
                minimum=8, maximum=40)
    print_setup(answers, last_row=answers.max_row, last_column=width, header_rows=(1, 1))
    return workbook_bytes(wb)
