"""Who may open what (issue 3 §1): each role × each view × own and foreign objects; denials answer 404 (or 403 when
the object is visible but read-only), and are logged with the user id only."""

from datetime import date

from django.test import TestCase
from django.urls import reverse

from reports.models import Evaluation, EvaluationAssignment
from stations.models import ActivityEntry, ImportBatch, StaffMember
from tests.indicators.factories import build_world

ALLOW, DENY, READ_ONLY = 200, 404, 403


class AccessMatrixTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=2)
        # The world's mid-term evaluation is finalised: the evaluator sees the station through an open one (回避).
        open_final = Evaluation.objects.create(
            code="xc-2024-final", contract=cls.w.contract, kind="final", date=date(2025, 11, 20),
            period_start=cls.w.contract.start_date, period_end=date(2025, 10, 31), agency=cls.w.evaluation.agency,
        )
        EvaluationAssignment.objects.create(evaluation=open_final, user=cls.w.users["evaluator"], declaration="no_conflict")
        cls.staff = {
            c.code: StaffMember.objects.create(contract=c, order=1, name="测试社工", position="area_worker",
                                               certificate="assistant")
            for c in (cls.w.contract, cls.w.same_district, cls.w.other_district)
        }
        cls.activity = {
            c.code: ActivityEntry.objects.create(contract=c, date=date(2025, 1, 5), name="长者探访", participants=12)
            for c in (cls.w.contract, cls.w.same_district, cls.w.other_district)
        }

    def views(self, contract):
        code = contract.code
        staff, activity = self.staff[code], self.activity[code]
        return {
            "contract_detail": reverse("contract_detail", args=[code]),
            "quarter_entry": reverse("quarter_entry", args=[code, "2025-Q1"]),
            "quarter_audit": reverse("quarter_audit", args=[code, "2025-Q1"]),
            "quarter_template": reverse("quarter_template", args=[code, "2025-Q1"]),
            "staff_list": reverse("staff_list", args=[code]),
            "staff_months": reverse("staff_months", args=[code, "2025-Q1"]),
            "activity_list": reverse("activity_list", args=[code]),
            # write screens
            "quarter_import": reverse("quarter_import", args=[code, "2025-Q1"]),
            "staff_create": reverse("staff_create", args=[code]),
            "staff_edit": reverse("staff_edit", args=[code, staff.pk]),
            "staff_transfer": reverse("staff_transfer", args=[code, staff.pk]),
            "staff_import": reverse("staff_import", args=[code]),
            "activity_create": reverse("activity_create", args=[code]),
            "activity_edit": reverse("activity_edit", args=[code, activity.pk]),
            "activity_delete": reverse("activity_delete", args=[code, activity.pk]),
        }

    READ_VIEWS = {"contract_detail", "quarter_entry", "quarter_audit", "quarter_template", "staff_list",
                  "staff_months", "activity_list"}

    def expected(self, role: str, which: str, view: str) -> int:
        """which: own (西村, 荔湾), same_district (逢源, 荔湾), other_district (景泰, 白云)."""
        visible = {
            "street_xc": {"own"},
            "bureau_lw": {"own", "same_district"},
            "supervision": {"own", "same_district", "other_district"},
            "evaluator": {"own"},  # assigned to 西村's open evaluation, no conflict declared
            "evaluator_none": set(),
            "admin": {"own", "same_district", "other_district"},
        }[role]
        editable = {"street_xc": {"own"}, "admin": {"own", "same_district", "other_district"}}.get(role, set())
        if which not in visible:
            return DENY
        if view in self.READ_VIEWS or which in editable:
            return ALLOW
        return READ_ONLY

    def test_matrix(self):
        contracts = {"own": self.w.contract, "same_district": self.w.same_district,
                     "other_district": self.w.other_district}
        for role in ("street_xc", "bureau_lw", "supervision", "evaluator", "evaluator_none", "admin"):
            self.client.force_login(self.w.users[role])
            for which, contract in contracts.items():
                for view, url in self.views(contract).items():
                    with self.subTest(role=role, contract=which, view=view):
                        self.assertEqual(self.client.get(url).status_code, self.expected(role, which, view))

    def test_foreign_staff_and_activity_ids_under_own_contract_answer_404(self):
        self.client.force_login(self.w.users["street_xc"])
        code = self.w.contract.code
        foreign_staff = self.staff[self.w.other_district.code]
        foreign_activity = self.activity[self.w.other_district.code]
        with self.assertLogs("evalportal.security", level="WARNING") as logs:
            self.assertEqual(self.client.get(reverse("staff_edit", args=[code, foreign_staff.pk])).status_code, 404)
            self.assertEqual(
                self.client.post(reverse("activity_delete", args=[code, foreign_activity.pk])).status_code, 404
            )
        self.assertTrue(ActivityEntry.objects.filter(pk=foreign_activity.pk).exists())
        user_id = self.w.users["street_xc"].pk
        self.assertEqual(logs.output, [
            f"WARNING:evalportal.security:access_denied user_id={user_id} object=stations.staffmember id={foreign_staff.pk}",
            f"WARNING:evalportal.security:access_denied user_id={user_id} object=stations.activityentry id={foreign_activity.pk}",
        ])

    def test_denied_contract_is_logged_without_names(self):
        self.client.force_login(self.w.users["street_jt"])
        with self.assertLogs("evalportal.security", level="WARNING") as logs:
            self.assertEqual(self.client.get(reverse("contract_detail", args=[self.w.contract.code])).status_code, 404)
        self.assertEqual(logs.output, [
            f"WARNING:evalportal.security:access_denied user_id={self.w.users['street_jt'].pk} "
            f"object=stations.contract id={self.w.contract.pk}"
        ])
        self.assertNotIn("street_jt", logs.output[0])

    def test_unknown_contract_is_404_without_a_denial_log(self):
        self.client.force_login(self.w.users["street_xc"])
        self.assertEqual(self.client.get(reverse("contract_detail", args=["nope"])).status_code, 404)

    def test_quarter_outside_contract_is_404(self):
        self.client.force_login(self.w.users["street_xc"])
        for slug in ("2024-Q3", "2026-Q1", "2025-Q5", "garbage"):
            with self.subTest(slug=slug):
                self.assertEqual(self.client.get(f"/contracts/{self.w.contract.code}/quarters/{slug}/").status_code, 404)

    def test_anonymous_is_sent_to_login(self):
        for url in (reverse("home"), reverse("contract_list"), reverse("quarter_entry", args=[self.w.contract.code, "2025-Q1"])):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith("/accounts/login/?next="))

    def test_contract_list_shows_only_visible_contracts(self):
        cases = {
            "street_xc": ["广州市西村街社工服务站"],
            "bureau_lw": ["广州市西村街社工服务站", "广州市逢源街社工服务站"],
            "bureau_by": ["广州市景泰街社工服务站"],
            "evaluator_none": [],
        }
        for role, names in cases.items():
            self.client.force_login(self.w.users[role])
            with self.subTest(role=role):
                response = self.client.get(reverse("contract_list"), {"year": ""})  # every year (default: this one)
                shown = sorted(c.station.name for c in response.context["page"].object_list)
                self.assertEqual(shown, sorted(names))

    def test_import_batch_of_another_user_is_404(self):
        batch = ImportBatch.objects.create(token="tok-other", user=self.w.users["admin"], contract=self.w.contract,
                                           kind="actuals", quarter="2025-Q1", payload={"changes": [], "unchanged": 0, "rows": 0})
        self.client.force_login(self.w.users["street_xc"])
        self.assertEqual(self.client.get(reverse("import_preview", args=[self.w.contract.code, batch.token])).status_code, 404)
        self.assertEqual(self.client.post(reverse("import_preview", args=[self.w.contract.code, batch.token])).status_code, 404)
