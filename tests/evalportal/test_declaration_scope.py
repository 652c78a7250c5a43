"""回避 per evaluation (issue 9 §5): an evaluator sees nothing of a station before declaring for the evaluation at hand;
a declaration for an earlier evaluation gives no access once that evaluation is finalised (beyond its own report)."""

from datetime import date
from decimal import Decimal

from django.test import TestCase
from django.urls import reverse

from reports.models import Evaluation, EvaluationAssignment
from stations.models import ActivityEntry, StaffMember
from tests.indicators.factories import build_world


class DeclarationScopeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=2)  # xc-2024-mid: the evaluator declared no conflict on it; finalised here
        Evaluation.objects.filter(pk=cls.w.evaluation.pk).update(
            status="finalised", total_score=Decimal("89.08"), grade="good")
        cls.evaluator = cls.w.users["evaluator"]
        cls.staff = StaffMember.objects.create(
            contract=cls.w.contract, order=1, name="韩晓测", position="area_worker", certificate="assistant"
        )
        ActivityEntry.objects.create(contract=cls.w.contract, date=date(2025, 1, 5), name="长者探访", participants=12)

    def station_urls(self) -> dict[str, str]:
        code = self.w.contract.code
        return {
            "contract_detail": reverse("contract_detail", args=[code]),
            "quarter_entry": reverse("quarter_entry", args=[code, "2025-Q1"]),
            "quarter_audit": reverse("quarter_audit", args=[code, "2025-Q1"]),
            "quarter_template": reverse("quarter_template", args=[code, "2025-Q1"]),
            "indicator_export": reverse("indicator_export", args=[code]),
            "staff_list": reverse("staff_list", args=[code]),
            "staff_months": reverse("staff_months", args=[code, "2025-Q1"]),
            "staff_export": reverse("staff_export", args=[code]),
            "staff_edit": reverse("staff_edit", args=[code, self.staff.pk]),
            "activity_list": reverse("activity_list", args=[code]),
        }

    def assert_station(self, status: int) -> None:
        self.client.force_login(self.evaluator)
        for name, url in self.station_urls().items():
            with self.subTest(view=name):
                expected = 403 if status == 200 and name == "staff_edit" else status  # visible but read-only
                response = self.client.get(url)
                self.assertEqual(response.status_code, expected)
                if name == "staff_list":
                    self.assertEqual("韩晓测" in response.content.decode(), status == 200)
        listing = self.client.get(reverse("contract_list"), {"year": ""}).content.decode()  # every year
        self.assertEqual(self.w.contract.title in listing, status == 200)

    def new_evaluation(self, declaration: str) -> Evaluation:
        evaluation = Evaluation.objects.create(
            code="xc-2024-final", contract=self.w.contract, kind="final", date=date(2025, 11, 20),
            period_start=self.w.contract.start_date, period_end=date(2025, 10, 31), agency=self.w.evaluation.agency,
        )
        EvaluationAssignment.objects.create(evaluation=evaluation, user=self.evaluator, declaration=declaration)
        return evaluation

    def test_a_declaration_for_a_finalised_evaluation_opens_nothing_of_the_station(self):
        self.assert_station(404)

    def test_the_finalised_evaluation_itself_and_its_report_stay_open(self):
        self.client.force_login(self.evaluator)
        self.assertEqual(self.client.get(reverse("evaluation_detail", args=[self.w.evaluation.code])).status_code, 200)
        overview = self.client.get(reverse("evaluation_overview"), {"year": "2025"})
        self.assertContains(overview, reverse("report_evaluation_pdf", args=[self.w.evaluation.code]))

    def test_a_new_evaluation_awaiting_the_declaration_opens_nothing(self):
        self.new_evaluation("pending")
        self.assert_station(404)
        self.client.force_login(self.evaluator)
        self.assertRedirects(
            self.client.get(reverse("evaluation_detail", args=["xc-2024-final"])),
            reverse("evaluation_declaration", args=["xc-2024-final"]),
        )

    def test_declaring_no_conflict_for_the_evaluation_at_hand_opens_the_station(self):
        self.new_evaluation("no_conflict")
        self.assert_station(200)

    def test_declaring_a_conflict_for_the_evaluation_at_hand_keeps_it_closed(self):
        self.new_evaluation("conflict")
        self.assert_station(404)

    def test_the_station_closes_again_when_the_evaluation_at_hand_is_finalised(self):
        evaluation = self.new_evaluation("no_conflict")
        self.assert_station(200)
        Evaluation.objects.filter(pk=evaluation.pk).update(status="finalised", total_score=90, grade="excellent")
        self.assert_station(404)

    def test_a_colleague_not_assigned_sees_nothing(self):
        self.new_evaluation("no_conflict")
        self.client.force_login(self.w.users["evaluator_none"])
        self.assertEqual(self.client.get(self.station_urls()["staff_list"]).status_code, 404)
