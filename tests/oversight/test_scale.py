"""`load_scale` (issue 10 §1): generated stations in every state, visible by role, reproducible with the seed."""

import hashlib
from datetime import date
from io import StringIO

from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase

from demo.loader import demo_load
from evalportal.roles import stations_visible_to
from indicators.models import MonthlyActual
from oversight.scale import scale_delete, scale_load
from reports.models import Evaluation
from stations.models import QuarterSubmission, StaffMonth, Station, User

TODAY = date(2025, 11, 20)


def digest() -> str:
    rows = list(MonthlyActual.objects.filter(contract__code__startswith="scale-").order_by(
        "contract__code", "service_area__order", "indicator__code", "month").values_list(
        "contract__code", "service_area__name", "indicator__code", "month", "value"))
    rows += list(QuarterSubmission.objects.filter(contract__code__startswith="scale-").order_by(
        "contract__code", "year", "quarter").values_list("contract__code", "year", "quarter", "status"))
    rows += list(Evaluation.objects.filter(code__startswith="scale-").order_by("code").values_list(
        "code", "status", "total_score", "grade"))
    return hashlib.sha256(repr(rows).encode()).hexdigest()


class LoadScaleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()

    def test_generates_every_state_visible_by_role_and_reproducible(self):
        result = scale_load(stations=12, years=2, seed=7, today=TODAY)
        self.assertEqual((result.stations, result.contracts), (12, 24))
        self.assertEqual(MonthlyActual.objects.filter(contract__code__startswith="scale-").count(), result.actuals)
        self.assertEqual(StaffMonth.objects.filter(staff__contract__code__startswith="scale-").count(),
                         result.staff_months)
        states = set(QuarterSubmission.objects.filter(contract__code__startswith="scale-").values_list(
            "status", flat=True))
        self.assertEqual(states, {"draft", "submitted", "returned", "approved"})
        self.assertEqual(set(Evaluation.objects.filter(code__startswith="scale-").values_list("status", flat=True)),
                         {"draft", "finalised"})
        for evaluation in Evaluation.objects.filter(code__startswith="scale-", status="finalised"):
            points = sum(s.points for s in evaluation.party_scores.all())
            self.assertEqual(evaluation.total_score, points)
        # 11 districts, 12 stations: 荔湾区 gets the 1st and the 12th; the city sees them all
        liwan = stations_visible_to(User.objects.get(username="bureau_liwan")).filter(code__startswith="scale-")
        self.assertEqual(sorted(liwan.values_list("code", flat=True)), ["scale-00000", "scale-00011"])
        city = stations_visible_to(User.objects.get(username="supervision_gz")).filter(code__startswith="scale-")
        self.assertEqual(city.count(), 12)
        # every contract's last year is running on TODAY
        for station in Station.objects.filter(code__startswith="scale-"):
            self.assertTrue(station.contracts.filter(start_date__lte=TODAY, end_date__gte=TODAY).exists())

        first = digest()
        scale_delete()
        self.assertFalse(Station.objects.filter(code__startswith="scale-").exists())
        scale_load(stations=12, years=2, seed=7, today=TODAY)
        self.assertEqual(digest(), first)
        scale_delete()
        scale_load(stations=12, years=2, seed=8, today=TODAY)
        self.assertNotEqual(digest(), first)

    def test_command_refuses_twice_without_replace(self):
        out = StringIO()
        call_command("load_scale", "--stations", "2", "--years", "1", stdout=out)
        self.assertIn("已生成 2 个服务站", out.getvalue())
        with self.assertRaisesMessage(CommandError, "已有规模测试数据：请加 --replace 先删除再生成。"):
            call_command("load_scale", "--stations", "2", "--years", "1", stdout=out)
        call_command("load_scale", "--stations", "3", "--years", "1", "--replace", stdout=out)
        self.assertEqual(Station.objects.filter(code__startswith="scale-").count(), 3)


class UpdateStatisticsTests(TestCase):
    """load_scale ends with ANALYZE, and `update_statistics` runs it on its own: the planner then knows each table's
    size (SQLite keeps no statistics unless asked; without them it picked indexes that read far more rows)."""

    @classmethod
    def setUpTestData(cls):
        demo_load()

    def planner_rows(self, table: str) -> int | None:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
                if not cursor.fetchone():
                    return None
                cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s", [table])
                row = cursor.fetchone()
                return int(row[0].split()[0]) if row else None
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            return int(cursor.fetchone()[0])

    def test_command_and_load_scale_refresh_the_planner_statistics(self):
        out = StringIO()
        call_command("update_statistics", stdout=out)
        vendor = "SQLite" if connection.vendor == "sqlite" else "PostgreSQL"
        self.assertRegex(out.getvalue(), rf"^已更新 {vendor} 查询规划统计信息（用时 \d+\.\d 秒）。\n$")
        self.assertEqual(self.planner_rows("stations_station"), Station.objects.count())
        scale_load(stations=3, years=1, seed=7)
        self.assertEqual(self.planner_rows("stations_station"), Station.objects.count())
        scale_delete()
        self.assertEqual(self.planner_rows("stations_station"), Station.objects.count())
