"""Dashboard (issue 10 §2): rows, warnings exactly at / just below / just above each threshold, access, export."""

from datetime import date
from decimal import Decimal
from io import BytesIO
from unittest import mock

from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook

from indicators.models import MonthlyActual
from oversight.dashboard import StationRow, station_rows, warnings_for
from oversight.models import WarningSettings
from stations.models import Contract, QuarterSubmission, StaffMember, StaffMonth
from tests.indicators.factories import build_world

TODAY = date(2025, 5, 20)  # 2024-12-11 → cut-off 2025-04-30: 5 of 12 months elapsed; last ended quarter 2025-Q1


def row(**kw) -> StationRow:
    contract = Contract(code="xi-2024", start_date=date(2024, 12, 11), end_date=date(2025, 12, 10))
    return StationRow(contract=contract, elapsed=5, total_months=12, **kw)


def kinds(r, settings=None):
    return [w.kind for w in warnings_for(r, TODAY, settings or WarningSettings())]


class WarningRuleTests(TestCase):
    def test_defaults_are_stated(self):
        self.assertEqual(WarningSettings.defaults(), {
            "behind_margin": Decimal("10"), "behind_indicators": 3, "overdue_days": 0, "returned_times": 2,
            "staff_shortfall": Decimal("1"), "retention_min": Decimal("80"), "evaluation_grace_days": 0,
        })

    def test_indicators_far_behind(self):
        self.assertEqual(kinds(row(far_behind=2)), [])  # just below
        self.assertEqual(kinds(row(far_behind=3)), ["pace"])  # at
        self.assertEqual(kinds(row(far_behind=4)), ["pace"])  # above

    def test_returned_times(self):
        from evalportal.periods import Quarter

        q = Quarter(2025, 1)
        self.assertEqual(kinds(row(quarter=q, returns=1)), [])
        self.assertEqual(kinds(row(quarter=q, returns=2)), ["returned"])
        self.assertEqual(kinds(row(quarter=q, returns=3)), ["returned"])

    def test_overdue_days(self):
        from evalportal.periods import Quarter

        q = Quarter(2025, 1)  # deadline 2025-04-15, TODAY is 35 days later
        settings = WarningSettings(overdue_days=35)
        self.assertEqual(kinds(row(quarter=q, quarter_state="overdue"), settings), [])  # exactly at: not above
        settings.overdue_days = 34
        self.assertEqual(kinds(row(quarter=q, quarter_state="overdue"), settings), ["overdue"])
        self.assertEqual(kinds(row(quarter=q, quarter_state="returned"), settings), [])

    def test_staff_shortfall_and_retention(self):
        self.assertEqual(kinds(row(shortfall=Decimal("1"))), [])  # at the threshold: not more than
        self.assertEqual(kinds(row(shortfall=Decimal("1.5"))), ["staff"])
        self.assertEqual(kinds(row(retention=Decimal("0.8"))), [])  # exactly 80%
        self.assertEqual(kinds(row(retention=Decimal("0.7999"))), ["retention"])
        self.assertEqual(kinds(row(retention=Decimal("0.85"))), [])

    def test_more_on_post_than_required_is_a_surplus_not_a_negative_shortfall(self):
        self.assertEqual((row(shortfall=Decimal("-12.5")).surplus, kinds(row(shortfall=Decimal("-12.5")))),
                         (Decimal("12.5"), []))
        self.assertIsNone(row(shortfall=Decimal("0")).surplus)
        self.assertIsNone(row(shortfall=Decimal("3")).surplus)
        self.assertIsNone(row().surplus)


class StationRowTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)

    def test_row_figures_from_the_data(self):
        c = self.w.contract  # targets: home_visit 700/area, registered_clients 742/area (stock), hours 1080, 60000 元
        area = self.w.areas[0]
        ind = self.w.indicators
        MonthlyActual.objects.bulk_create([
            # on pace after 5 months: 700 × 5/12 = 291.67 → 300 is on pace
            *[MonthlyActual(contract=c, service_area=area, indicator=ind["home_visit"], month=date(2025, m, 1),
                            value=Decimal(75)) for m in (1, 2, 3, 4)],
            # stock: latest month counts (742 needed); 400 is behind by 342 / 742 = 46 points
            MonthlyActual(contract=c, service_area=area, indicator=ind["registered_clients"], month=date(2025, 4, 1),
                          value=Decimal(400)),
            # May is not complete on 05-20: not counted
            MonthlyActual(contract=c, service_area=area, indicator=ind["home_visit"], month=date(2025, 5, 1),
                          value=Decimal(500)),
        ])
        QuarterSubmission.objects.create(contract=c, year=2025, quarter=1, status="returned", return_reason="x")
        staff = StaffMember.objects.create(contract=c, order=1, name="测试社工", position="area_worker",
                                           certificate="assistant", service_area=area)
        StaffMonth.objects.bulk_create([StaffMonth(staff=staff, month=date(y, m, 1), on_post=Decimal(1))
                                        for y, m in ((2024, 12), (2025, 1), (2025, 2), (2025, 3), (2025, 4))])
        (r,) = station_rows([c], TODAY, WarningSettings())
        self.assertEqual((r.elapsed, r.total_months), (5, 12))
        self.assertEqual((r.indicators, r.behind, r.far_behind), (4, 3, 3))  # clients, hours, money behind; visits on
        self.assertEqual((r.quarter.slug, r.quarter_state, r.quarter_state_label), ("2025-Q1", "returned", "已退回"))
        self.assertEqual(r.shortfall, Decimal(13 * 5 - 5))  # 13 certified required × 5 months − 5 on post
        self.assertEqual(r.retention, Decimal(1) / Decimal(20))  # 1 continuing of 20 required
        self.assertEqual([w.kind for w in r.warnings], ["pace", "staff", "retention"])


    def test_a_contract_that_starts_after_the_cut_off_month_has_done_nothing_yet(self):
        c = self.w.contract
        ind = self.w.indicators
        MonthlyActual.objects.create(contract=c, service_area=self.w.areas[0], indicator=ind["registered_clients"],
                                     month=date(2024, 12, 1), value=Decimal(742))  # December: not complete yet
        (r,) = station_rows([c], date(2024, 12, 20), WarningSettings())  # cut-off: November, before the start
        self.assertEqual((r.elapsed, r.indicators, r.behind, r.far_behind), (0, 4, 1, 1))  # the stock one: 0 of 742
        self.assertIsNone(r.shortfall)  # no month elapsed

    def test_staff_months_before_the_first_month_do_not_count(self):
        c = self.w.contract  # starts 2024-12-11: December counts, November does not
        staff = StaffMember.objects.create(contract=c, order=1, name="测试社工", position="area_worker",
                                           certificate="assistant", service_area=self.w.areas[0])
        StaffMonth.objects.bulk_create([StaffMonth(staff=staff, month=date(y, m, 1), on_post=Decimal(1))
                                        for y, m in ((2024, 11), (2024, 12), (2025, 1), (2025, 2), (2025, 3))]
                                       + [StaffMonth(staff=staff, month=date(2025, 4, 1), on_post=Decimal("0.5"))])
        (r,) = station_rows([c], TODAY, WarningSettings())
        self.assertEqual(str(r.shortfall), "60.5")  # 13 × 5 − 4.5, at the field's decimal place
        self.assertEqual(r.retention, Decimal(0))  # half a month in April: not on post every month


@mock.patch("oversight.views.timezone.localdate", return_value=TODAY)
class DashboardViewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)

    def test_access_and_scope(self, _today):
        for user, status in (("street_xc", 403), ("evaluator", 403), ("bureau_lw", 200), ("supervision", 200),
                             ("admin", 200)):
            self.client.force_login(self.w.users[user])
            with self.subTest(user=user):
                self.assertEqual(self.client.get(reverse("dashboard")).status_code, status)
        self.client.force_login(self.w.users["bureau_lw"])
        response = self.client.get(reverse("dashboard"))
        self.assertEqual([r.contract.code for r in response.context["rows"]], ["xi-2024", "fe-2024"])  # by name
        self.assertContains(response, "默认值：10 个百分点、3 项、0 天、2 次、1 人·月、80%、0 天。")
        baiyun = self.w.other_district.station.street.district
        self.assertEqual(self.client.get(reverse("dashboard"), {"district": baiyun.pk}).status_code, 404)
        self.client.force_login(self.w.users["supervision"])
        response = self.client.get(reverse("dashboard"), {"district": baiyun.pk})
        self.assertEqual([r.contract.code for r in response.context["rows"]], ["ji-2024"])

    def test_export_has_the_two_row_header_and_every_station(self, _today):
        self.client.force_login(self.w.users["supervision"])
        response = self.client.get(reverse("dashboard_export"))
        self.assertEqual(response.status_code, 200)
        sheet = load_workbook(BytesIO(response.content)).active
        self.assertEqual([sheet.cell(2, c).value for c in (1, 4, 8)], ["服务站", "指标完成", "季度填报"])
        self.assertEqual([sheet.cell(3, c).value for c in (1, 2, 4)], ["区", "服务站", "时间进度"])
        self.assertEqual(sorted(sheet.cell(r, 3).value for r in range(4, sheet.max_row + 1)),
                         ["fe-2024", "ji-2024", "xi-2024"])
        self.client.force_login(self.w.users["street_xc"])
        self.assertEqual(self.client.get(reverse("dashboard_export")).status_code, 403)

    @mock.patch("oversight.dashboard.EXPORT_LIMIT", 2)
    @mock.patch("oversight.views.EXPORT_LIMIT", 2)
    @mock.patch("oversight.chart_views.EXPORT_LIMIT", 2)
    def test_an_export_stops_at_its_limit_and_says_so(self, _today):
        """A province's export stays within a request's time: EXPORT_LIMIT rows (5,000), then a line that says how to
        get the rest; a district's export below the limit has every station and no such line."""
        self.client.force_login(self.w.users["supervision"])
        note = "仅导出前 2 个服务站（共超过 2 个服务站），请选择区后分别导出。"
        sheet = load_workbook(BytesIO(self.client.get(reverse("dashboard_export")).content)).active
        self.assertEqual([sheet.cell(r, 3).value for r in (4, 5)], ["ji-2024", "xi-2024"])  # by district code, name
        self.assertEqual(sheet.cell(7, 1).value, note)
        self.assertEqual(sheet.max_row, 7)
        with mock.patch("oversight.chart_views.cutoff_for", return_value=date(2025, 4, 30)):
            pace = load_workbook(BytesIO(self.client.get(reverse("chart_pace_export")).content)).active
        self.assertIn(note, str(pace.cell(pace.max_row, 1).value))
        self.client.force_login(self.w.users["bureau_lw"])
        sheet = load_workbook(BytesIO(self.client.get(reverse("dashboard_export")).content)).active
        self.assertEqual([sheet.cell(r, 3).value for r in range(4, sheet.max_row + 1)], ["xi-2024", "fe-2024"])
