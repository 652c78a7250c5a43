"""What the reports print of a closed survey (issue 14 §1, §4): registered with reports.satisfaction."""

from __future__ import annotations

from fractions import Fraction

from reports.satisfaction import SatisfactionSummary

from .calculations import RULE_TEXT, format_rate, format_rate_short
from .models import Survey
from .selectors import SurveyResults, survey_results


def _joined(items: list[str], last: str) -> str:
    """["a", "b", "c"] → "a、b{last}c" (seed 002: 服务对象、居委会代表及合作方代表; 89.78%、100%和 90%)."""
    if len(items) < 2:
        return "".join(items)
    return "、".join(items[:-1]) + last + items[-1]


def survey_sentence(survey: Survey, results: SurveyResults) -> str:
    """Seed 002 四（二）②'s sentence from the survey's data, without its ending."""
    rated = [g for g in results.groups if g.rate is not None]
    names = _joined([g.name for g in rated], "及")
    station = survey.contract.station.name
    opening = f"经对{station}提供的服务对象名单进行满意度抽查"
    if not rated:
        return f"{opening}，没有完成的访问"
    if len(rated) == 1:
        return f"{opening}，受访的{names}满意度为 {format_rate_short(rated[0].rate)}"
    rates = [format_rate_short(g.rate) for g in rated]
    return f"{opening}，受访的{names}满意度分别为 " + "、".join(rates[:-1]) + f"和 {rates[-1]}"


def summary_of(survey: Survey) -> SatisfactionSummary:
    results = survey_results(survey)
    response: Fraction | None = results.response_rate
    return SatisfactionSummary(
        sentence=survey_sentence(survey, results), points=results.points, rule=RULE_TEXT,
        sampled=results.sampled, completed=results.completed, response_rate=format_rate(response),
        overall=format_rate(results.overall),
    )


def closed_survey_summary(kind: str, pk: int) -> SatisfactionSummary | None:
    """The latest closed survey of the evaluation or 绩效评价, or None (then the report invents nothing)."""
    surveys = Survey.objects.filter(status=Survey.Status.CLOSED).select_related("contract__station")
    if kind == "evaluation":
        surveys = surveys.filter(evaluation_id=pk)
    elif kind == "performance":
        surveys = surveys.filter(performance_evaluation_id=pk)
    else:
        return None
    survey = surveys.order_by("-closed_at", "-pk").first()
    return summary_of(survey) if survey is not None else None
