"""`manage.py load_demo`: idempotent, every seed's data set with the codes other features rely on."""

from datetime import date
from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.test import TestCase

from demo.loader import DEMO_PASSWORD, demo_counts, demo_load, spread
from indicators.calculations import tranche_amount
from indicators.models import MonthlyActual
from reports.models import Evaluation, Finding, PerformanceEvaluation
from stations.models import ActivityEntry, Contract, Organisation, ServiceArea, User

D = Decimal


class LoadDemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.first = demo_load().counts

    def test_running_twice_leaves_the_same_data(self):
        snapshot = list(MonthlyActual.objects.order_by("id").values_list("id", "value"))
        second = demo_load().counts
        self.assertEqual(second, self.first)
        self.assertEqual(list(MonthlyActual.objects.order_by("id").values_list("id", "value")), snapshot)

    def test_command_prints_a_chinese_summary_and_the_password_warning(self):
        out = StringIO()
        call_command("load_demo", stdout=out)
        text = out.getvalue()
        self.assertIn("演示数据已载入", text)
        self.assertIn("服务协议：5 条", text)
        self.assertIn("警告：所有演示用户的密码均为“evalportal-demo”，仅供演示使用", text)
        self.assertEqual(demo_counts(), self.first)

    def test_codes_other_features_rely_on(self):
        self.assertEqual(
            sorted(Contract.objects.values_list("code", flat=True)),
            ["jingtai-2023", "xicun-2022", "xicun-2024", "yuangang-2023", "zhongluotan-2022"],
        )
        self.assertEqual(
            sorted(PerformanceEvaluation.objects.values_list("code", "method")),
            [("jingtai-2023", "points"), ("xicun-2022", "judged"), ("yuangang-2023", "narrative"),
             ("zhongluotan-2022", "narrative")],
        )
        self.assertTrue(Evaluation.objects.filter(code="xicun-2024-mid").exists())

    def test_demo_users_one_per_role_with_the_demo_password(self):
        expected = {
            "admin": ("admin", None), "bureau_liwan": ("bureau", "广州市荔湾区民政局"),
            "street_xicun": ("street", "广州市荔湾区西村街道办事处"),
            "street_jingtai": ("street", "广州市白云区景泰街道办事处"),
            "supervision_gz": ("supervision", "广州市社会工作服务督导中心"),
            "evaluator_gzswa": ("evaluator", "广州市社会工作协会"),
        }
        for username, (role, organisation) in expected.items():
            with self.subTest(user=username):
                user = User.objects.get(username=username)
                self.assertEqual(user.role, role)
                self.assertEqual(user.organisation.name if user.organisation else None, organisation)
                self.assertTrue(user.check_password(DEMO_PASSWORD))
        self.assertTrue(User.objects.get(username="admin").is_superuser)

    def test_bureaus_of_every_district_exist(self):
        bureaus = Organisation.objects.filter(kind="bureau").values_list("name", "district__name")
        self.assertEqual(
            sorted(bureaus),
            sorted([("广州市荔湾区民政局", "荔湾区"), ("广州市白云区民政局", "白云区"), ("广州市天河区民政局", "天河区")]),
        )

    def test_xicun_2024_contract_and_areas(self):
        contract = Contract.objects.get(code="xicun-2024")
        self.assertEqual((contract.start_date, contract.end_date), (date(2024, 12, 11), date(2025, 12, 10)))
        self.assertEqual((contract.required_certified_staff, contract.required_staff), (13, 20))
        areas = ServiceArea.objects.filter(contract=contract).order_by("order")
        self.assertEqual(
            [(a.name, [c.name for c in a.communities.order_by("order")]) for a in areas],
            [("片区一", ["增埗社区", "大岗元社区", "长乐社区", "西湾东社区"]),
             ("片区二", ["广雅社区", "环市西苑社区", "协和社区", "岭南湾畔社区"]),
             ("片区三", ["和苑社区", "西湾社区"])],
        )
        self.assertEqual(contract.station.street.district.name, "荔湾区")

    def test_registered_clients_rise_to_the_april_stock(self):
        values = list(
            MonthlyActual.objects.filter(
                contract__code="xicun-2024", service_area__name="片区一", indicator__code="registered_clients"
            ).order_by("month").values_list("value", flat=True)
        )
        self.assertEqual(values, [726, 731, 735, 739, 742])
        self.assertEqual(values, sorted(values))

    def test_xicun_2024_mid_evaluation(self):
        evaluation = Evaluation.objects.get(code="xicun-2024-mid")
        self.assertEqual(evaluation.status, "finalised")
        self.assertEqual((evaluation.total_score, evaluation.grade), (D("89.08"), "good"))
        self.assertEqual((evaluation.period_start, evaluation.period_end), (date(2024, 12, 11), date(2025, 4, 30)))
        self.assertEqual(evaluation.date, date(2025, 5, 13))
        self.assertEqual(evaluation.agency.kind, "evaluator")
        self.assertEqual(evaluation.supervision_centre.name, "广州市社会工作服务督导中心")
        assignment = evaluation.assignments.get()
        self.assertEqual((assignment.user.username, assignment.declaration), ("evaluator_gzswa", "no_conflict"))
        self.assertTrue(all(s.status == "submitted" for s in evaluation.party_scores.all()))
        self.assertTrue(evaluation.conclusion.startswith("广州市西村街社工服务站在荔湾区民政局"))

    def test_findings_of_every_party(self):
        findings = Finding.objects.filter(evaluation__code="xicun-2024-mid")
        keys = sorted({(f.party, f.section, f.kind) for f in findings})
        self.assertEqual(
            keys,
            sorted([
                ("buyer", "general", "positive"), ("buyer", "general", "concern"),
                ("supervisor", "general", "positive"), ("supervisor", "general", "concern"),
                ("supervision", "general", "positive"), ("supervision", "general", "concern"),
                ("third_party", "management", "positive"), ("third_party", "management", "concern"),
                ("third_party", "delivery", "positive"), ("third_party", "delivery", "concern"),
                ("third_party", "areas", "positive"), ("third_party", "areas", "concern"),
            ]),
        )
        by_areas = sorted(
            (f.kind, tuple(a.name for a in f.areas.order_by("order")))
            for f in findings.filter(section="areas")
        )
        self.assertEqual(
            by_areas,
            [("concern", ("片区一",)), ("concern", ("片区二", "片区三")), ("positive", ("片区一",)),
             ("positive", ("片区二", "片区三"))],
        )
        management = findings.get(party="third_party", section="management", kind="positive")
        self.assertIn("社工站持证社工应到岗65人次，实到岗77.5人次，超配12.5人次", management.text)
        self.assertEqual(len(management.text.split("\n\n")), 3)

    def test_seed_000_budget_expenses_and_ledgers(self):
        pe = PerformanceEvaluation.objects.get(code="xicun-2022")
        self.assertEqual((pe.budget_initial, pe.budget_full_year, pe.budget_executed), (D("2448000.00"),) * 3)
        self.assertEqual(
            [e.amount for e in pe.expenses.order_by("order")], [D("2400000.00"), D("38400.00"), D("9600.00")]
        )
        contract = Contract.objects.get(code="xicun-2022")
        self.assertEqual(
            [p.get_kind_display() for p in contract.service_projects.order_by("order")],
            ["核心项目", "重点项目", "基础项目", "基础项目", "基础项目", "特色项目"],
        )
        counts = {
            kind: ActivityEntry.objects.filter(contract=contract, service_project__kind=kind).count()
            for kind in ("core", "key", "special")
        }
        self.assertEqual(counts, {"core": 16, "key": 10, "special": 17})
        ranged = ActivityEntry.objects.filter(contract=contract, end_date__isnull=False).order_by("date")
        self.assertEqual(
            [(a.date, a.end_date) for a in ranged],
            [(date(2022, 1, 1), date(2022, 3, 31)), (date(2022, 4, 1), date(2022, 8, 31))],
        )
        self.assertTrue(all(a.date.day == 1 for a in ActivityEntry.objects.all()))

    def test_seed_003_and_004_contracts(self):
        yuangang = Contract.objects.get(code="yuangang-2023")
        self.assertEqual(yuangang.procurement_number, "440106-201808-102130-0013")
        self.assertEqual((yuangang.budget, yuangang.service_hours), (D("2400000.00"), D("30184")))
        zlt = Contract.objects.get(code="zhongluotan-2022")
        tranches = [(t.percentage, t.condition) for t in zlt.tranches.order_by("order")]
        self.assertEqual(tranches, [(D(55), "signing"), (D(40), "midterm"), (D(5), "final")])
        self.assertEqual(
            [tranche_amount(zlt.budget, p) for p, _ in tranches], [D("1091475.00"), D("793800.00"), D("99225.00")]
        )
        self.assertEqual(PerformanceEvaluation.objects.get(code="yuangang-2023").declared_score, D("95.00"))

    def test_money_actual_spread_keeps_the_cents(self):
        total = MonthlyActual.objects.filter(contract__code="yuangang-2023", indicator__code="resources_linked")
        self.assertEqual(sum(a.value for a in total), D("523106.71"))
        self.assertEqual(spread(D("523106.71"), 11, D("0.01"))[-1] - spread(D("523106.71"), 11, D("0.01"))[0], D("0.01"))
        self.assertEqual(sum(spread(D(7), 12)), D(7))
        self.assertEqual(spread(D(7), 12)[:5], [D(0)] * 5)
