"""Charts and rollups (issue 10 §2, §7): exact figures on crafted data, the database pace rule against the Python one,
access, Excel exports, the dashboard's tranche column, and query counts equal at two sizes."""

from datetime import date
from decimal import Decimal
from io import BytesIO
from unittest import mock

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from evalportal.periods import Quarter
from indicators.models import MonthlyActual
from oversight import summary
from oversight.charts import PaceListing
from oversight.dashboard import running_contracts, station_rows
from oversight.models import WarningSettings
from oversight.rollups import (
    completion_by_district,
    completion_by_district_quarter,
    cutoff_for,
)
from stations.models import Contract, PaymentTranche
from tests.indicators.factories import build_world
from tests.oversight.test_query_counts import grow

TODAY = date(2025, 5, 20)  # cut-off 2025-04-30: 5 of 12 months of 2024-12-11 → 2025-12-10; last ended quarter 2025-Q1
CUTOFF = date(2025, 4, 30)


def crafted_actuals(w) -> None:
    """home_visit (flow, 700 per 片区 → 1,400): 2024-12 40, Q1 100 + 50 + 20, April 30, May 999 (after the cut-off).
    registered_clients (stock, 742 per 片区 → 1,484): 片区1 Feb 300 then Apr 310, 片区2 Mar 200."""
    a1, a2 = w.areas
    visit, clients = w.indicators["home_visit"], w.indicators["registered_clients"]
    rows = [(a1, visit, (2024, 12), 40), (a1, visit, (2025, 1), 100), (a1, visit, (2025, 2), 50),
            (a2, visit, (2025, 3), 20), (a1, visit, (2025, 4), 30), (a1, visit, (2025, 5), 999),
            (a1, clients, (2025, 2), 300), (a2, clients, (2025, 3), 200), (a1, clients, (2025, 4), 310)]
    MonthlyActual.objects.bulk_create([
        MonthlyActual(contract=w.contract, service_area=area, indicator=ind, month=date(y, m, 1), value=Decimal(v))
        for area, ind, (y, m), v in rows
    ])


class RollupTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=2)
        crafted_actuals(cls.w)

    def running(self):
        return running_contracts(Contract.objects.all(), TODAY)

    def test_cutoff_is_the_last_complete_month(self):
        self.assertEqual(cutoff_for(TODAY), CUTOFF)
        self.assertEqual(cutoff_for(date(2025, 4, 30)), date(2025, 4, 30))

    def test_completion_per_district_indicator_quarter(self):
        ind = self.w.indicators
        cells = completion_by_district_quarter(None, CUTOFF, [ind["home_visit"].pk,
                                                                         ind["registered_clients"].pk])
        table = [(c.district, c.indicator.code, c.quarter.slug, c.actual, c.cumulative, c.target,
                  f"{c.rate * 100:.2f}") for c in cells]
        self.assertEqual(table, [  # in catalogue order
            # stock: each 片区's latest month of the quarter (Q1: 300 + 200), Q2 only 片区1 reported (310)
            ("荔湾区", "registered_clients", "2025-Q1", 500, 500, 1484, "33.69"),
            ("荔湾区", "registered_clients", "2025-Q2", 310, 310, 1484, "20.89"),
            ("荔湾区", "home_visit", "2024-Q4", 40, 40, 1400, "2.86"),
            ("荔湾区", "home_visit", "2025-Q1", 170, 210, 1400, "15.00"),
            ("荔湾区", "home_visit", "2025-Q2", 30, 240, 1400, "17.14"),
        ])

    def test_completion_per_district_to_the_cutoff_with_time_pace(self):
        ind = self.w.indicators
        rows = {(r.district, r.indicator.code): r for r in completion_by_district(None, CUTOFF)}
        visit = rows[("荔湾区", "home_visit")]
        self.assertEqual((visit.target, visit.actual), (1400, 240))
        self.assertEqual(round(visit.expected, 4), Decimal("583.3333"))  # 1,400 × 5/12
        self.assertEqual(f"{visit.rate * 100:.2f} {visit.pace * 100:.2f}", "17.14 41.67")
        clients = rows[("荔湾区", "registered_clients")]
        self.assertEqual((clients.target, clients.expected, clients.actual), (1484, 1484, 510))  # 310 + 200
        self.assertNotIn(("白云区", "home_visit"), rows)  # no target, no actual
        self.assertIsNotNone(ind)

    def test_queries_do_not_grow_with_stations(self):
        def count():
            summary.refresh()  # what the writes cost is the refresh's (tests/oversight/test_summary.py)
            with CaptureQueriesContext(connection) as ctx:
                completion_by_district_quarter(None, CUTOFF)
                completion_by_district(None, CUTOFF)
            return len(ctx.captured_queries)

        small = count()
        grow(self.w, 5)
        self.assertEqual(count(), small)


@mock.patch("oversight.views.timezone.localdate", return_value=TODAY)
class ChartPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=2)
        crafted_actuals(cls.w)

    def login(self, name):
        self.client.force_login(self.w.users[name])

    def test_pace_chart_table_sorted_from_the_furthest_behind(self, _today):
        self.login("bureau_lw")
        response = self.client.get(reverse("chart_pace"), {"indicator": "home_visit"})
        self.assertEqual(response.status_code, 200)
        rows = response.context["rows"]
        self.assertEqual([r.contract.code for r in rows], ["xi-2024", "fe-2024"])  # no target last
        xi = rows[0]
        self.assertEqual((xi.target, xi.actual, xi.elapsed, xi.total), (1400, 240, 5, 12))
        self.assertEqual((xi.rate_percent, xi.pace_percent, xi.gap_points), ("17.14%", "41.67%", Decimal("-24.53")))
        self.assertTrue(xi.behind)
        self.assertContains(response, "<svg", count=1)
        # the drawing says what the table says: xi-2024's bar is orange (behind) with its figures, fe-2024 has no target
        svg = response.content.decode().split("<svg", 1)[1].split("</svg>", 1)[0]
        self.assertIn(f'fill="#c55a11"><title>{xi.contract.station.name} 完成率 17.14%，时间进度 41.67%</title>', svg)
        self.assertEqual(svg.count("无协议量"), 1)

        self.assertEqual(svg.count('fill="#c00000"/>'), 3)  # the legend's pace mark and one tick per station
        self.assertContains(response, 'id="chart-table"')
        self.assertContains(response, "<td class=\"table-num\">-24.53</td>", html=False)

    def test_pace_listing_pages_across_its_two_parts(self, _today):
        """A page may end inside the database-ordered part (contracts with the indicator) and the next one start in
        the tail (contracts without): each slice reads its own rows, and together they are the whole list once."""
        liwan = [self.w.contract.station.street.district_id]
        visit = self.w.indicators["home_visit"]
        listing = PaceListing(liwan, visit, CUTOFF)
        self.assertEqual(len(listing), 2)
        first, second = listing[0:1], listing[1:2]
        self.assertEqual([r.contract.code for r in first + second], ["xi-2024", "fe-2024"])
        self.assertEqual([r.contract.code for r in listing[0:2]], ["xi-2024", "fe-2024"])
        self.assertEqual((first[0].target, first[0].actual, first[0].elapsed, first[0].total), (1400, 240, 5, 12))
        fe = second[0]
        self.assertEqual((fe.target, fe.actual, fe.elapsed, fe.total), (None, None, 5, 12))
        self.assertEqual(listing[2:3], [])

    def test_pace_chart_of_a_stock_indicator_takes_each_area_latest_month(self, _today):
        self.login("supervision")
        response = self.client.get(reverse("chart_pace"), {"indicator": "registered_clients"})
        xi = next(r for r in response.context["rows"] if r.contract.code == "xi-2024")
        self.assertEqual((xi.actual, xi.rate_percent, xi.pace_percent), (510, "34.37%", "100.00%"))

    def test_trend_of_a_station_and_of_a_district(self, _today):
        self.login("bureau_lw")
        station = self.w.contract.station
        response = self.client.get(reverse("chart_trend"), {"indicator": "home_visit", "station": station.pk})
        rows = response.context["rows"]
        self.assertEqual([r.quarter.slug for r in rows][-3:], ["2024-Q3", "2024-Q4", "2025-Q1"])
        self.assertEqual(len(rows), 8)
        self.assertEqual([(r.actual, r.change) for r in rows[-3:]], [(None, None), (40, None), (170, 130)])
        self.assertEqual(response.context["scope"], station.name)
        response = self.client.get(reverse("chart_trend"), {"indicator": "registered_clients"})
        self.assertEqual(response.context["scope"], "荔湾区")
        self.assertEqual(response.context["rows"][-1].actual, 500)

    def test_district_comparison(self, _today):
        self.login("supervision")
        response = self.client.get(reverse("chart_districts"), {"indicator": "home_visit"})
        table = [(r.district, r.stations, r.target, r.actual, r.rate_percent, r.pace_percent)
                 for r in response.context["rows"]]
        self.assertEqual(table, [("白云区", 1, None, None, "/", "/"), ("荔湾区", 2, 1400, 240, "17.14%", "41.67%")])

    def test_access(self, _today):
        baiyun = self.w.other_district.station
        for user, status in (("street_xc", 403), ("evaluator", 403), ("bureau_lw", 200), ("supervision", 200)):
            self.login(user)
            for name in ("chart_pace", "chart_trend", "chart_districts", "chart_pace_export", "chart_trend_export",
                         "chart_districts_export"):
                with self.subTest(user=user, page=name):
                    self.assertEqual(self.client.get(reverse(name)).status_code, status)
        self.login("bureau_lw")
        for name in ("chart_pace", "chart_trend", "chart_districts"):
            with self.subTest(page=name):  # another district, by URL
                response = self.client.get(reverse(name), {"district": baiyun.street.district_id})
                self.assertEqual(response.status_code, 404)
        # a station of another district, or an unknown indicator: 404
        self.assertEqual(self.client.get(reverse("chart_trend"), {"station": baiyun.pk}).status_code, 404)
        self.assertEqual(self.client.get(reverse("chart_pace"), {"indicator": "nope"}).status_code, 404)
        response = self.client.get(reverse("chart_districts"), {"indicator": "home_visit"})
        self.assertEqual([r.district for r in response.context["rows"]], ["荔湾区"])
        response = self.client.get(reverse("chart_pace"), {"indicator": "home_visit"})
        self.assertEqual({r.contract.code for r in response.context["rows"]}, {"xi-2024", "fe-2024"})

    def test_exports_in_the_users_layout(self, _today):
        self.login("bureau_lw")
        response = self.client.get(reverse("chart_pace_export"), {"indicator": "home_visit"})
        self.assertEqual(response.status_code, 200)
        sheet = load_workbook(BytesIO(response.content)).active
        self.assertEqual([sheet.cell(2, c).value for c in (1, 4, 7, 9)],
                         ["服务站", "入户探访（人次）", "时间进度", "完成率−时间进度（百分点）"])
        self.assertEqual([sheet.cell(3, c).value for c in (1, 2, 4, 5, 6)], ["区", "服务站", "协议量", "完成量", "完成率"])
        self.assertIn("D2:F2", {str(r) for r in sheet.merged_cells.ranges})
        self.assertIn("I2:I3", {str(r) for r in sheet.merged_cells.ranges})
        self.assertEqual([sheet.cell(4, c).value for c in (2, 4, 5, 7, 9)],
                         ["广州市西村街社工服务站", 1400, 240, "5/12", -24.53])
        self.assertAlmostEqual(sheet.cell(4, 6).value, 240 / 1400)
        self.assertEqual(sheet.cell(4, 6).number_format, "0.00%")
        self.assertEqual(sheet.print_title_rows, "$2:$3")
        self.assertEqual(str(sheet.page_setup.paperSize), str(sheet.PAPERSIZE_A4))

        response = self.client.get(reverse("chart_trend_export"), {"indicator": "home_visit"})
        sheet = load_workbook(BytesIO(response.content)).active
        self.assertEqual([sheet.cell(11, c).value for c in (1, 2, 3)], ["2025年第一季度", 170, 130])
        response = self.client.get(reverse("chart_districts_export"), {"indicator": "home_visit"})
        sheet = load_workbook(BytesIO(response.content)).active
        self.assertEqual([sheet.cell(4, c).value for c in (1, 2, 3, 4)], ["荔湾区", 2, 1400, 240])


def three_tranches(contract) -> None:
    """55% at signing, 40% after a passed midterm evaluation, 5% after a passed final one."""
    PaymentTranche.objects.bulk_create([
        PaymentTranche(contract=contract, order=1, percentage=Decimal("55"), condition="signing"),
        PaymentTranche(contract=contract, order=2, percentage=Decimal("40"), condition="midterm"),
        PaymentTranche(contract=contract, order=3, percentage=Decimal("5"), condition="final"),
    ])


class TrancheColumnTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)

    def test_conditions_met_by_the_finalised_evaluations(self):
        c = self.w.contract
        three_tranches(c)
        (row, other) = station_rows([c, self.w.same_district], TODAY, WarningSettings())
        self.assertEqual(row.tranche_label, "已满足 1/3 期（55%）")
        self.assertEqual([t.basis for t in row.tranches], ["合同已签订", "中期评估尚未定稿", "末期评估尚未定稿"])
        self.assertEqual(other.tranche_label, "未设置拨付批次")
        type(self.w.evaluation).objects.filter(pk=self.w.evaluation.pk).update(
            status="finalised", total_score=Decimal("89.08"), grade="good")
        (row,) = station_rows([c], TODAY, WarningSettings())
        self.assertEqual(row.tranche_label, "已满足 2/3 期（95%）")
        self.assertEqual(row.tranches[1].basis, "中期评估 89.08 分，良好")
        type(self.w.evaluation).objects.filter(pk=self.w.evaluation.pk).update(total_score=Decimal("59.99"),
                                                                              grade="fail")
        (row,) = station_rows([c], TODAY, WarningSettings())
        self.assertEqual(row.tranche_label, "已满足 1/3 期（55%）")


@mock.patch("oversight.views.timezone.localdate", return_value=TODAY)
class ChartQueryCountTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=2)
        crafted_actuals(cls.w)

    def counts(self) -> dict:
        result = {}
        pages = [("chart_pace", {"indicator": "home_visit"}), ("chart_pace", {"indicator": "registered_clients"}),
                 ("chart_trend", {"indicator": "home_visit"}), ("chart_trend", {"indicator": "registered_clients"}),
                 ("chart_districts", {"indicator": "home_visit"}), ("chart_pace_export", {}),
                 ("chart_trend_export", {}), ("chart_districts_export", {})]
        for user in ("bureau_lw", "supervision"):
            self.client.force_login(self.w.users[user])
            for name, params in pages:
                self.client.get(reverse(name), params)
                with CaptureQueriesContext(connection) as ctx:
                    self.assertEqual(self.client.get(reverse(name), params).status_code, 200)
                result[(user, name, tuple(params.items()))] = len(ctx.captured_queries)
        return result

    def test_counts_do_not_grow_with_stations(self, _today):
        grow(self.w, 1)
        small = self.counts()
        grow(self.w, 30, start=1)
        self.maxDiff = None
        self.assertEqual(self.counts(), small)


class QuarterHelperTests(TestCase):
    def test_last_ended_quarter_and_range(self):
        from oversight.charts import last_ended_quarter, quarter_range

        self.assertEqual(last_ended_quarter(date(2025, 2, 1)), Quarter(2024, 4))
        self.assertEqual([q.slug for q in quarter_range(Quarter(2025, 1), 3)], ["2024-Q3", "2024-Q4", "2025-Q1"])


# The dashboard rows as templates/oversight/dashboard.html drew them before oversight.rows.dashboard_rows replaced the
# loop (a full page of 50 rows cost ~6 ms through the template engine): the Python rows must give the same bytes.
ROW_TEMPLATE = """{% for row in rows %}
      <tr{% if row.warnings %} class="table-warning"{% endif %}>
        <td><a href="{{ row.url }}">{{ row.contract.station.name }}</a><div class="small text-muted">{{ row.contract.station.street.district.name }}</div></td>
        <td>{{ row.elapsed }}/{{ row.total_months }} 个月</td>
        <td class="table-num">{{ row.behind }} / {{ row.indicators }}</td>
        <td class="table-num">{{ row.far_behind }}</td>
        <td>{% if row.quarter %}<a href="{{ row.quarter_url }}">{{ row.quarter.label }}</a>{% else %}—{% endif %}</td>
        <td>{{ row.quarter_state_label|default:"—" }}{% if row.returns %} <span class="small text-muted">（退回 {{ row.returns }} 次）</span>{% endif %}</td>
        <td class="table-num">{% if row.surplus %}超配 {{ row.surplus|floatformat:"-1" }}{% elif row.shortfall is not None %}{{ row.shortfall|floatformat:"-1" }}{% else %}—{% endif %}</td>
        <td class="table-num">{{ row.retention_percent|default:"—" }}</td>
        <td class="table-num">{% if row.evaluation %}{{ row.evaluation.total_score|floatformat:2 }}{% else %}—{% endif %}</td>
        <td>{% if row.evaluation %}{{ row.evaluation.get_grade_display }}{% else %}—{% endif %}</td>
        <td class="small"><a href="{{ row.tranches_url }}">{{ row.tranche_label }}</a>{% for t in row.tranches %}{% if not t.met %}<div class="text-muted">第{{ t.order }}期：{{ t.basis }}</div>{% endif %}{% endfor %}</td>
      </tr>
    {% endfor %}"""


class DashboardRowMarkupTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)

    def assert_same_markup(self, rows):
        from django.template import Context, Template

        from oversight.rows import dashboard_rows

        self.assertEqual(str(dashboard_rows(rows)), Template(ROW_TEMPLATE).render(Context({"rows": rows})))

    def test_rows_with_tranches_evaluations_and_every_staff_case(self):
        from oversight.dashboard import TrancheState, Warning

        c = self.w.contract
        three_tranches(c)
        type(self.w.evaluation).objects.filter(pk=self.w.evaluation.pk).update(
            status="finalised", total_score=Decimal("89.075"), grade="good")
        rows = station_rows([c, self.w.same_district], TODAY, WarningSettings())
        self.assertIsNotNone(rows[0].evaluation)
        self.assertTrue(any(not t.met for t in rows[0].tranches))
        self.assert_same_markup(rows)
        # crafted values: a surplus, a fractional shortfall, no staff figures, returns, warnings, text to escape
        first, second = rows
        first.shortfall, first.returns = Decimal("-2.5"), 3
        first.warnings = [Warning("staff", "x", "/")]
        first.tranches.append(TrancheState(3, Decimal("5"), False, '末期 <评估> & "定稿"'))
        second.shortfall, second.retention, second.quarter, second.evaluation = Decimal("4.0"), None, None, None
        second.quarter_state_label = ""
        second.contract.station.name = '<b>站 & "一"</b>'
        self.assert_same_markup([first, second])
        first.shortfall = Decimal("0")
        self.assert_same_markup([first])
