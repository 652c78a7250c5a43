"""The completion table (seed 001 附件1) reproduced from the demo data, and its constant query count."""

from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.test import TestCase

from demo.loader import demo_load
from indicators.models import IndicatorDefinition, MonthlyActual, Target
from indicators.selectors import indicator_completion_table
from stations.models import Contract, ServiceArea

from .test_calculations import SEED_001_AREA_FIGURES, SEED_001_STATION_FIGURES

D = Decimal
CUTOFF = date(2025, 4, 30)
# SEED_001_AREA_FIGURES labels → indicator codes
CODES = {
    "建档": "registered_clients", "入户探访": "home_visit", "电访": "phone_call", "接案数": "case_intake",
    "个案节数": "case_sessions", "结案数": "case_closed", "小组个数": "group_count", "小组节数": "group_sessions",
    "小组人次": "group_participants", "大型次数": "large_events", "大型人次": "large_event_participants",
    "中小型次数": "small_events", "中小型人次": "small_event_participants",
}


class CompletionTableSeed001Tests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()
        cls.contract = Contract.objects.get(code="xicun-2024")

    def setUp(self):
        self.table = indicator_completion_table(self.contract, CUTOFF)

    def cells_by_row(self):
        rows = {row.name: row for row in self.table.area_rows}
        rows["合计"] = self.table.total_row
        return {
            (name, cell.indicator.code): cell for name, row in rows.items() for cell in row.cells
        }

    def test_every_area_and_total_percentage_of_attachment_1(self):
        cells = self.cells_by_row()
        for area, label, target, actual, percent in SEED_001_AREA_FIGURES:
            with self.subTest(area=area, indicator=label):
                cell = cells[(area, CODES[label])]
                self.assertEqual(cell.target, D(target))
                self.assertEqual(cell.actual, D(actual))
                self.assertEqual(cell.percent, percent)
                self.assertEqual(cell.target_display, str(target))
                self.assertEqual(cell.actual_display, str(actual))

    def test_every_station_wide_percentage_of_attachment_1(self):
        rows = [(r.indicator.name, r.cell) for r in self.table.station_rows]
        self.assertEqual([name for name, _ in rows], [name for name, *_ in SEED_001_STATION_FIGURES])
        for (name, cell), (_, target, actual, percent) in zip(rows, SEED_001_STATION_FIGURES, strict=True):
            with self.subTest(indicator=name):
                self.assertEqual(cell.target, D(target))
                self.assertEqual(cell.actual, D(actual))
                self.assertEqual(cell.percent, percent)
        training = dict(rows)["培训时数"]
        self.assertEqual(training.actual_display, "783.5")

    def test_columns_rows_months_and_pace(self):
        t = self.table
        self.assertEqual([r.name for r in t.area_rows], ["片区一", "片区二", "片区三"])
        self.assertEqual([r.social_workers for r in t.area_rows], [6, 5, 3])
        self.assertEqual(t.total_row.social_workers, 14)
        self.assertEqual(t.total_row.name, "合计")
        self.assertEqual(len(t.months), 5)
        self.assertEqual(t.months[0], date(2024, 12, 1))
        self.assertEqual((t.pace.elapsed, t.pace.total), (5, 12))
        self.assertEqual(
            [c.code for c in t.area_columns],
            ["registered_clients", "home_visit", "phone_call", "consultation_case", "case_intake", "case_sessions",
             "case_closed", "group_count", "group_sessions", "group_participants", "large_events",
             "large_event_participants", "small_events", "small_event_participants"],
        )
        self.assertEqual(
            t.groups,
            [("困难群众和特殊群体建档", 1), ("入户探访", 1), ("电访", 1), ("咨询个案", 1), ("专业个案", 3),
             ("专业小组", 3), ("大型活动", 2), ("中小型活动", 2)],
        )
        self.assertEqual([c.short_name for c in t.area_columns[4:7]], ["接案数", "节数", "结案数"])

    def test_consultation_cases_show_slash_everywhere(self):
        for row in [*self.table.area_rows, self.table.total_row]:
            cell = next(c for c in row.cells if c.indicator.code == "consultation_case")
            with self.subTest(row=row.name):
                self.assertIsNone(cell.target)
                self.assertIsNone(cell.actual)
                self.assertEqual((cell.target_display, cell.actual_display, cell.percent), ("/", "/", "/"))
                self.assertFalse(cell.behind_pace)

    def test_stock_takes_the_latest_month_and_flow_the_sum(self):
        cells = self.cells_by_row()
        april = indicator_completion_table(self.contract, date(2025, 2, 28))
        early = {(r.name, c.indicator.code): c for r in april.area_rows for c in r.cells}
        self.assertEqual(cells[("片区一", "registered_clients")].actual, D(742))
        self.assertEqual(early[("片区一", "registered_clients")].actual, D(735))  # February's month-end value
        self.assertEqual(early[("片区一", "home_visit")].actual, D(74 + 114 + 92))
        self.assertEqual(len(april.months), 3)
        self.assertEqual((april.pace.elapsed, april.pace.total), (3, 12))

    def test_cutoff_mid_month_counts_whole_months_only(self):
        table = indicator_completion_table(self.contract, date(2025, 4, 15))
        self.assertEqual(len(table.months), 4)
        cells = {(r.name, c.indicator.code): c for r in table.area_rows for c in r.cells}
        self.assertEqual(cells[("片区一", "home_visit")].actual, D(538 - 132))

    def test_behind_pace_at_five_of_twelve_months(self):
        cells = self.cells_by_row()
        # 片区三 专业小组: 0 of 1 → behind; 片区一 入户探访 538 ≥ 700 × 5/12 → on pace.
        self.assertTrue(cells[("片区三", "group_count")].behind_pace)
        self.assertFalse(cells[("片区一", "home_visit")].behind_pace)
        self.assertEqual(cells[("片区一", "home_visit")].expected, D(700) * D(5) / D(12))
        self.assertEqual(cells[("片区一", "registered_clients")].expected, D(742))
        behind = {(c.indicator.code) for c in self.table.behind_pace}
        self.assertIn("group_count", behind)
        self.assertNotIn("consultation_case", behind)

    def test_query_count_is_constant(self):
        with self.assertNumQueries(4):
            indicator_completion_table(self.contract, CUTOFF)


class CompletionTableWithoutAreasTests(TestCase):
    """113X contracts (seeds 003/004) have no 片区: every indicator is a station row."""

    @classmethod
    def setUpTestData(cls):
        demo_load()

    def test_yuangang_rates_round_to_the_published_figures(self):
        contract = Contract.objects.get(code="yuangang-2023")
        table = indicator_completion_table(contract, date(2023, 12, 31))
        self.assertEqual(table.area_rows, [])
        self.assertIsNone(table.total_row)
        self.assertEqual(table.area_columns, [])
        rows = {r.indicator.code: r.cell for r in table.station_rows}
        expected = {
            "home_visit": ("500", "593", "118.60%"), "phone_call": ("1900", "1977", "104.05%"),
            "case_intake": ("92", "95", "103.26%"), "group_sessions": ("140", "173", "123.57%"),
            "group_participants": ("700", "1600", "228.57%"), "large_event_participants": ("1000", "1552", "155.20%"),
            "small_events": ("22", "31", "140.91%"), "small_event_participants": ("1100", "1159", "105.36%"),
            "regular_services": ("300", "325", "108.33%"), "outreach_count": ("/", "29", "/"),
            "outreach_participants": ("/", "699", "/"), "volunteers_recruited": ("150", "465", "310.00%"),
            "volunteer_teams_kept": ("10", "12", "120.00%"), "resources_linked": ("60000.00", "523106.71", "871.84%"),
        }
        for code, (target, actual, percent) in expected.items():
            with self.subTest(indicator=code):
                cell = rows[code]
                self.assertEqual((cell.target_display, cell.actual_display, cell.percent), (target, actual, percent))

    def test_published_whole_percentages_of_seeds_003_and_004(self):
        published = {
            # seed 003 rounds half up to whole percent (105.4% to one decimal)
            "yuangang-2023": ({"home_visit": "119", "phone_call": "104", "case_intake": "103", "group_count": "100",
                               "group_sessions": "124", "group_participants": "229", "large_events": "100",
                               "large_event_participants": "155", "small_events": "141",
                               "small_event_participants": "105.4", "regular_services": "108",
                               "volunteers_recruited": "310", "volunteer_records": "310",
                               "volunteer_training_general": "120", "volunteer_training_activity": "180",
                               "volunteer_teams_new": "300", "volunteer_teams_kept": "120",
                               "resources_linked": "872"}, ROUND_HALF_UP),
            # seed 004 cuts whole percentages off ("约为115%" for 104/90 = 115.56%)
            "zhongluotan-2022": ({"family_visit": "100", "case_intake": "115", "group_count": "100",
                                  "large_events": "100", "small_events": "160", "volunteers_recruited": "209",
                                  "volunteer_service_attendances": "536", "community_research": "100"}, ROUND_DOWN),
        }
        for code, (rates, rounding) in published.items():
            contract = Contract.objects.get(code=code)
            rows = {r.indicator.code: r.cell for r in indicator_completion_table(contract, contract.end_date).station_rows}
            for indicator, expected in rates.items():
                with self.subTest(contract=code, indicator=indicator):
                    places = D(expected).as_tuple().exponent
                    self.assertEqual((rows[indicator].rate * 100).quantize(D(1).scaleb(places), rounding), D(expected))

    def test_zhongluotan_annual_results(self):
        contract = Contract.objects.get(code="zhongluotan-2022")
        rows = {r.indicator.code: r.cell for r in indicator_completion_table(contract, date(2022, 12, 31)).station_rows}
        expected = {
            "family_visit": "100.00%", "case_intake": "115.56%", "group_count": "100.00%",
            "community_activities": "142.50%", "large_events": "100.00%", "small_events": "160.71%",
            "volunteers_recruited": "209.33%", "volunteer_service_attendances": "536.75%",
            "community_research": "100.00%",
        }
        self.assertEqual({code: cell.percent for code, cell in rows.items()}, expected)


class CompletionTableQueryCountTests(TestCase):
    """The number of queries does not grow with 片区, indicators or months."""

    @classmethod
    def setUpTestData(cls):
        demo_load()
        cls.small = cls.make_contract("synthetic-3", 3)
        cls.large = cls.make_contract("synthetic-30", 30)

    @classmethod
    def make_contract(cls, code: str, areas: int) -> Contract:
        template = Contract.objects.get(code="xicun-2024")
        contract = Contract.objects.create(
            code=code, title=code, station=template.station, operator=template.operator, buyer=template.buyer,
            supervisor=template.supervisor, start_date=template.start_date, end_date=template.end_date,
            budget=template.budget,
        )
        indicators = list(IndicatorDefinition.objects.filter(scope="area"))
        months = [date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1)]
        targets, actuals = [], []
        for n in range(areas):
            area = ServiceArea.objects.create(contract=contract, name=f"片区{n + 1}", order=n + 1, social_workers=4)
            for indicator in indicators:
                targets.append(Target(contract=contract, service_area=area, indicator=indicator, value=D(100)))
                actuals.extend(
                    MonthlyActual(contract=contract, service_area=area, indicator=indicator, month=m, value=D(7))
                    for m in months
                )
        MonthlyActual.objects.bulk_create(actuals)
        Target.objects.bulk_create(targets)
        return contract

    def test_same_number_of_queries_for_3_and_30_areas(self):
        with self.assertNumQueries(4):
            small = indicator_completion_table(self.small, CUTOFF)
        with self.assertNumQueries(4):
            large = indicator_completion_table(self.large, CUTOFF)
        self.assertEqual(len(small.area_rows), 3)
        self.assertEqual(len(large.area_rows), 30)
        total = next(c for c in large.total_row.cells if c.indicator.code == "home_visit")
        self.assertEqual((total.target, total.actual, total.percent), (D(3000), D(1050), "35.00%"))
        stock = next(c for c in large.total_row.cells if c.indicator.code == "registered_clients")
        self.assertEqual(stock.actual, D(210))  # 30 片区 × the latest month (7), not 5 months summed
