"""Survey reads: results in a fixed number of queries whatever the number of respondents (issue 14 §4)."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from django.db.models import Case, Count, IntegerField, QuerySet, Sum, Value, When

from .calculations import SCALES, Scale, satisfaction_points
from .models import Answer, Contact, Respondent, Survey

MAX_BY_SCALE = Case(
    *[When(question__scale=key, then=Value(rule.maximum)) for key, rule in SCALES.items()],
    output_field=IntegerField(),
)


@dataclass
class GroupResult:
    pk: int
    name: str
    sample_size: int
    drives_points: bool
    roster: int = 0
    sampled: int = 0
    completed: int = 0
    refused: int = 0
    unreachable: int = 0
    rate: Fraction | None = None

    @property
    def response_rate(self) -> Fraction | None:
        return Fraction(self.completed, self.sampled) if self.sampled else None


@dataclass
class LineResult:
    label: str
    completed: int
    rate: Fraction | None


@dataclass
class SurveyResults:
    groups: list[GroupResult] = field(default_factory=list)
    questions: list[LineResult] = field(default_factory=list)
    areas: list[LineResult] = field(default_factory=list)
    overall: Fraction | None = None
    points_rate: Fraction | None = None
    points: object = None

    @property
    def sampled(self) -> int:
        return sum(g.sampled for g in self.groups)

    @property
    def completed(self) -> int:
        return sum(g.completed for g in self.groups)

    @property
    def response_rate(self) -> Fraction | None:
        return Fraction(self.completed, self.sampled) if self.sampled else None


def _rate(got, most) -> Fraction | None:
    return Fraction(int(got), int(most)) if most else None


def survey_results(survey: Survey) -> SurveyResults:
    """Response and satisfaction per group, question and 片区 (six queries)."""
    results = SurveyResults()
    groups = {g.pk: GroupResult(g.pk, g.name, g.sample_size, g.drives_points) for g in survey.groups.all()}
    for row in Contact.objects.filter(group__survey=survey).values("group_id").annotate(n=Count("id")):
        groups[row["group_id"]].roster = row["n"]
    for row in (
        Respondent.objects.filter(survey=survey).values("group_id", "outcome").annotate(n=Count("id"), done=Count("completed_at"))
    ):
        g = groups[row["group_id"]]
        g.sampled += row["n"]
        g.completed += row["done"]
        if row["outcome"] == Respondent.Outcome.REFUSED:
            g.refused += row["n"]
        elif row["outcome"] == Respondent.Outcome.UNREACHABLE:
            g.unreachable += row["n"]
    answers = Answer.objects.filter(respondent__survey=survey, respondent__completed_at__isnull=False)
    total_got = total_most = 0
    for row in answers.values("respondent__group_id").annotate(got=Sum("value"), most=Sum(MAX_BY_SCALE)):
        groups[row["respondent__group_id"]].rate = _rate(row["got"], row["most"])
        total_got += row["got"]
        total_most += row["most"]
    results.overall = _rate(total_got, total_most)
    results.groups = list(groups.values())
    driving = next((g for g in results.groups if g.drives_points), None)
    results.points_rate = driving.rate if driving else None
    results.points = satisfaction_points(results.points_rate, survey.points_max)
    by_question = {
        row["question_id"]: row
        for row in answers.values("question_id").annotate(got=Sum("value"), most=Sum(MAX_BY_SCALE), n=Count("id"))
    }
    for question in survey.questions.all():
        row = by_question.get(question.pk)
        results.questions.append(
            LineResult(f"{question.order}. {question.text}", row["n"] if row else 0, _rate(row["got"], row["most"]) if row else None)
        )
    area_rows: dict[str, dict] = {}
    for row in answers.values("respondent__area").annotate(
        got=Sum("value"), most=Sum(MAX_BY_SCALE), n=Count("respondent_id", distinct=True)
    ):
        area_rows[row["respondent__area"] or "（未填片区）"] = row
    for area, row in sorted(area_rows.items()):
        results.areas.append(LineResult(area, row["n"], _rate(row["got"], row["most"])))
    return results


def respondent_state(respondent: Respondent) -> dict[str, object]:
    """What is stored for a respondent, as the interview page's fields hold it (q<question id>: "" when
    unanswered): the autosave answer, and the other writer's version in a conflict. Nothing personal."""
    answers = {a.question_id: a.value for a in respondent.answers.all()}
    state: dict[str, object] = {"version": respondent.version, "outcome": respondent.outcome, "comment": respondent.comment}
    for question in respondent.survey.questions.all():
        value = answers.get(question.pk)
        state[f"q{question.pk}"] = "" if value is None else str(value)
    return state


def respondents_for_interview(survey: Survey) -> QuerySet[Respondent]:
    return survey.respondents.select_related("group", "contact").order_by("number")


def scale_labels() -> dict[str, list[tuple[int, str]]]:
    return {key: SCALES[key].options for key in Scale.values}
