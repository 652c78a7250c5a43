"""The summary tables of the finalised evaluations (oversight.models.ContractGrade / DistrictGrade), read by the grade
distribution (dashboard) and the district comparison (chart): every write that changes an evaluation's count or total
marks its contract (database triggers); after any sequence of writes a refresh holds what a rebuild holds and what the
evaluations themselves say; the pages print the counts and the exact mean. (An evaluation's contract cannot be deleted:
Evaluation.contract is PROTECT.)"""

from datetime import date
from decimal import Decimal
from unittest import mock

from django.db.models import Count, Sum
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from oversight import summary
from oversight.dashboard import grade_distribution
from oversight.models import ContractGrade, DistrictGrade, RollupDirty
from reports.models import Evaluation
from stations.models import District, Station, Street
from tests.indicators.factories import build_world

FINALISED = Evaluation.Status.FINALISED


def from_evaluations() -> list[tuple]:
    """What the pages computed before the summary table: the finalised evaluations grouped in the database."""
    return sorted(Evaluation.objects.filter(status=FINALISED).values_list(
        "contract__station__street__district_id", "date__year", "grade").annotate(
        n=Count("pk"), total=Sum("total_score")).order_by(), key=repr)


def from_summary() -> list[tuple]:
    summary.refresh()
    return sorted(DistrictGrade.objects.values_list("district_id", "year", "grade", "evaluations", "total_score"),
                  key=repr)


def grade_rows() -> dict:
    return {m.__name__: sorted(m.objects.values_list(*[f.attname for f in m._meta.fields if f.attname != "id"]),
                               key=repr) for m in (ContractGrade, DistrictGrade)}


def finalised(contract, code, on, total, grade, kind="final"):
    return Evaluation.objects.create(
        code=code, contract=contract, kind=kind, date=on, period_start=contract.start_date,
        period_end=contract.end_date, agency_id=Evaluation.objects.values_list("agency_id", flat=True).first(),
        status=FINALISED, total_score=Decimal(total), grade=grade, finalised_at=timezone.now())


class GradeSummaryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def setUp(self):
        summary.refresh()

    def marked(self) -> set[int]:
        return set(RollupDirty.objects.values_list("contract_id", flat=True))

    def test_writes_mark_the_contract_only_when_a_figure_can_change(self):
        e = self.w.evaluation
        Evaluation.objects.filter(pk=e.pk).update(conclusion="改写结语", period_end=date(2025, 4, 29))
        self.assertEqual(self.marked(), set())
        Evaluation.objects.filter(pk=e.pk).update(status=FINALISED, total_score=Decimal("86.50"), grade="excellent")
        self.assertEqual(self.marked(), {self.w.contract.pk})
        summary.refresh()
        for change in ({"total_score": Decimal("86.75")}, {"grade": "good"}, {"date": date(2026, 1, 5)},
                       {"contract": self.w.same_district}):
            with self.subTest(change=change):
                Evaluation.objects.filter(pk=e.pk).update(**change)
                self.assertTrue(self.marked() >= {self.w.same_district.pk if "contract" in change
                                                  else self.w.contract.pk})
                summary.refresh()
        moved = finalised(self.w.other_district, "by-final", date(2025, 12, 1), "70.00", "pass")
        self.assertEqual(self.marked(), {self.w.other_district.pk})
        summary.refresh()
        moved.delete()
        self.assertEqual(self.marked(), {self.w.other_district.pk})

    def test_refresh_equals_rebuild_and_the_evaluations_after_every_kind_of_write(self):
        w = self.w
        e1 = w.evaluation
        steps = [
            ("finalise", lambda: Evaluation.objects.filter(pk=e1.pk).update(
                status=FINALISED, total_score=Decimal("86.50"), grade="excellent", finalised_at=timezone.now())),
            ("another in the district", lambda: finalised(w.same_district, "fy-final", date(2025, 6, 1), "78.25",
                                                          "good")),
            ("another district", lambda: finalised(w.other_district, "by-final", date(2025, 7, 1), "91.00",
                                                   "excellent")),
            ("total corrected", lambda: Evaluation.objects.filter(code="fy-final").update(total_score=Decimal("79.75"))),
            ("re-dated into the next year", lambda: Evaluation.objects.filter(pk=e1.pk).update(date=date(2026, 1, 10))),
            ("station moved to another district", lambda: Station.objects.filter(pk=w.same_district.station_id).update(
                street=Street.objects.create(code="moved", name="新街道",
                                             district=w.other_district.station.street.district))),
            ("street moved to a new district", lambda: Street.objects.filter(pk=w.other_district.station.street_id)
             .update(district=District.objects.create(code="new", name="新区"))),
            ("reopened", lambda: Evaluation.objects.filter(code="by-final").update(
                status="draft", total_score=None, grade="", finalised_at=None)),
            ("deleted", lambda: Evaluation.objects.filter(code="fy-final").delete()),
            ("the first reopened", lambda: Evaluation.objects.filter(pk=e1.pk).update(
                status="draft", total_score=None, grade="", finalised_at=None)),
        ]
        for label, step in steps:
            with self.subTest(label):
                step()
                incremental = from_summary()
                self.assertEqual(incremental, from_evaluations())
                tables = grade_rows()
                summary.rebuild()
                self.assertEqual(grade_rows(), tables)
        self.assertEqual(from_summary(), [])  # everything finalised was reopened or deleted
        self.assertEqual(ContractGrade.objects.count(), 0)

    def test_rebuild_grades_from_existing_evaluations(self):
        Evaluation.objects.filter(pk=self.w.evaluation.pk).update(
            status=FINALISED, total_score=Decimal("86.50"), grade="excellent")
        finalised(self.w.same_district, "fy-final", date(2025, 6, 1), "78.25", "good")
        summary.refresh()
        ContractGrade.objects.all().delete()
        DistrictGrade.objects.all().delete()
        self.assertEqual(summary.rebuild_grades(), 2)
        liwan = self.w.contract.station.street.district_id
        self.assertEqual(from_summary(), [(liwan, 2025, "excellent", 1, Decimal("86.50")),
                                          (liwan, 2025, "good", 1, Decimal("78.25"))])


@mock.patch("django.utils.timezone.localdate", return_value=date(2025, 11, 20))
class GradePagesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        Evaluation.objects.filter(pk=cls.w.evaluation.pk).update(
            status=FINALISED, total_score=Decimal("86.50"), grade="excellent")
        finalised(cls.w.same_district, "fy-final", date(2025, 6, 1), "78.25", "good")
        finalised(cls.w.same_district, "fy-2024", date(2024, 12, 1), "60.00", "pass", kind="midterm")  # another year
        finalised(cls.w.other_district, "by-final", date(2025, 7, 1), "91.00", "excellent")

    def test_grade_distribution_per_district(self, _today):
        liwan = self.w.contract.station.street.district
        baiyun = self.w.other_district.station.street.district
        rows = grade_distribution([baiyun.pk, liwan.pk], 2025)
        self.assertEqual([(r.district, r.cells, r.total) for r in rows],
                         sorted([(liwan.name, [1, 1, 0, 0], 2), (baiyun.name, [1, 0, 0, 0], 1)],
                                key=lambda r: District.objects.get(name=r[0]).code))
        self.assertEqual([(r.district, r.cells) for r in grade_distribution([liwan.pk], 2024)],
                         [(liwan.name, [0, 0, 1, 0])])
        self.client.force_login(self.w.users["bureau_lw"])
        response = self.client.get(reverse("dashboard"))
        self.assertEqual([(g.district, g.cells) for g in response.context["grades"]], [(liwan.name, [1, 1, 0, 0])])

    def test_district_comparison_count_and_exact_mean(self, _today):
        self.client.force_login(self.w.users["supervision"])
        response = self.client.get(reverse("chart_districts"), {"indicator": "home_visit"})
        scores = {r.district: (r.evaluations, r.mean_score) for r in response.context["rows"]}
        self.assertEqual(scores, {"荔湾区": (2, Decimal("82.375")), "白云区": (1, Decimal("91.00"))})
        self.assertContains(response, '<td class="table-num">82.38</td>', html=True)
        self.client.force_login(self.w.users["bureau_lw"])
        response = self.client.get(reverse("chart_districts"), {"indicator": "home_visit"})
        self.assertEqual([(r.district, r.evaluations) for r in response.context["rows"]], [("荔湾区", 2)])
