"""The summary tables behind the rollups and charts (oversight.summary, issue 10 §7): the triggers mark a contract on
every write path, a refresh after any sequence of writes equals a rebuild from scratch, the period pace equals the
contract pace, a read with nothing marked costs one query, and on PostgreSQL a refresh never misses a concurrent write.
"""

import random
import threading
from datetime import date, timedelta
from decimal import Decimal
from unittest import skipUnless

from django.db import connection, transaction
from django.test import TestCase, TransactionTestCase

from evalportal.periods import month_end
from indicators.calculations import contract_pace
from indicators.models import IndicatorDefinition, MonthlyActual, Target
from oversight import summary
from oversight.models import (
    ContractMonthFigure,
    ContractSpan,
    DistrictMonthContracts,
    DistrictMonthFigure,
    DistrictTarget,
    RollupDirty,
)
from oversight.rollups import completion_by_district, contracts_in_effect, quarter_values
from stations.models import Contract, District, Street
from tests.indicators.factories import build_world
from tests.oversight.test_charts import CUTOFF, crafted_actuals


def snapshot() -> dict:
    """Every summary row, without ids (a refresh and a rebuild must hold the same rows)."""
    def rows(model, exclude=("id",)):
        names = [f.attname for f in model._meta.fields if f.attname not in exclude]
        return sorted(model.objects.values_list(*names), key=repr)

    return {m.__name__: rows(m) for m in (ContractMonthFigure, DistrictMonthFigure, DistrictTarget, ContractSpan,
                                          DistrictMonthContracts)}


def copy_contract(contract: Contract, code: str, start: date, end: date) -> Contract:
    """Another service year of the contract's station (or, with overlapping dates, a second contract in effect)."""
    new = Contract.objects.get(pk=contract.pk)
    new.pk, new.code, new.start_date, new.end_date = None, code, start, end
    new.save()
    return new


def counted_in_effect(month: date) -> dict[int, tuple[int, int]]:
    """district → (contracts, distinct stations) in effect at the month's end, counted on the contracts table."""
    from django.db.models import Count

    return {d: (c, s) for d, c, s in contracts_in_effect(None, month_end(month))
            .values_list("station__street__district").annotate(c=Count("pk"), s=Count("station", distinct=True))
            .order_by()}


class PeriodPaceTests(TestCase):
    def test_period_pace_equals_contract_pace(self):
        rng = random.Random(7)
        cases = [(date(2024, 12, 11), date(2025, 12, 10)), (date(2025, 1, 31), date(2025, 2, 28)),
                 (date(2024, 2, 29), date(2025, 2, 28)), (date(2025, 3, 10), date(2025, 9, 30)),
                 (date(2025, 3, 10), date(2025, 9, 29))]
        for _ in range(300):
            start = date(2023, 1, 1) + timedelta(days=rng.randrange(900))
            cases.append((start, start + timedelta(days=rng.randrange(20, 1200))))
        for start, end in cases:
            first, _last, counted_last, total = summary.period_of(start, end)
            for cutoff in (date(2022, 12, 31), start, month_end(start), end, month_end(end), date(2025, 4, 30),
                           date(2026, 3, 31), date(2028, 12, 31), end + timedelta(days=40)):
                with self.subTest(start=start, end=end, cutoff=cutoff):
                    self.assertEqual(summary.period_pace(first, counted_last, total, cutoff),
                                     contract_pace(start, end, cutoff))


class TriggerTests(TestCase):
    """Every write that can change a contract's figures marks it, whatever the path (database triggers)."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=2)
        crafted_actuals(cls.w)

    def setUp(self):
        summary.refresh()
        self.assertFalse(RollupDirty.objects.exists())

    def marked(self) -> set[int]:
        return set(RollupDirty.objects.values_list("contract_id", flat=True))

    def test_each_write_path_marks_its_contract(self):
        w = self.w
        actual = MonthlyActual.objects.filter(contract=w.contract).first()
        visit = w.indicators["home_visit"]
        writes = [
            ("save()", lambda: MonthlyActual.objects.filter(pk=actual.pk).first().save(), {w.contract.pk}),
            ("update()", lambda: MonthlyActual.objects.filter(pk=actual.pk).update(value=Decimal(7)), {w.contract.pk}),
            ("raw SQL", lambda: connection.cursor().execute(
                "UPDATE indicators_monthlyactual SET value = 8 WHERE id = %s", [actual.pk]), {w.contract.pk}),
            ("bulk_create", lambda: MonthlyActual.objects.bulk_create([MonthlyActual(
                contract=w.same_district, service_area=w.same_district.service_areas.first(), indicator=visit,
                month=date(2025, 1, 1), value=Decimal(5))]), {w.same_district.pk}),
            ("delete()", lambda: MonthlyActual.objects.filter(contract=w.same_district).delete(),
             {w.same_district.pk}),
            ("target", lambda: Target.objects.filter(contract=w.contract).update(value=Decimal(1)), {w.contract.pk}),
            ("contract dates", lambda: Contract.objects.filter(pk=w.contract.pk).update(
                end_date=date(2025, 12, 31)), {w.contract.pk}),
            ("station's street", lambda: type(w.contract.station).objects.filter(pk=w.contract.station_id).update(
                street=Street.objects.create(code="moved", name="新街道", district=w.other_district.station.street
                                             .district)), {w.contract.pk}),
            ("street's district", lambda: Street.objects.filter(pk=w.other_district.station.street_id).update(
                district=District.objects.create(code="new", name="新区")), {w.other_district.pk}),
            ("indicator's 累计方式", lambda: IndicatorDefinition.objects.filter(pk=visit.pk).update(accumulation="stock"),
             {w.contract.pk}),
        ]
        for label, write, contracts in writes:
            with self.subTest(label):
                write()
                self.assertTrue(contracts <= self.marked(), (label, contracts, self.marked()))
                summary.refresh()
                self.assertEqual(self.marked(), set())

    def test_a_new_contract_is_marked_without_any_figure(self):
        """In effect in its months, with or without targets and actuals (DistrictMonthContracts)."""
        new = copy_contract(self.w.contract, "xi-2025", date(2025, 12, 11), date(2026, 12, 10))
        self.assertEqual(self.marked(), {new.pk})
        summary.refresh()
        bulk = Contract.objects.bulk_create([Contract(**{f.attname: getattr(new, f.attname) for f in
                                                         Contract._meta.fields if f.attname != "id"} | {"code": "xi-2026"})])
        self.assertEqual(self.marked(), {Contract.objects.get(code="xi-2026").pk})
        self.assertEqual(len(bulk), 1)

    def test_writes_that_change_no_figure_mark_nothing(self):
        Contract.objects.filter(pk=self.w.contract.pk).update(title="改名")
        IndicatorDefinition.objects.filter(pk=self.w.indicators["home_visit"].pk).update(name="入户探访（改）")
        self.assertEqual(self.marked(), set())

    def test_a_read_with_nothing_marked_costs_one_query(self):
        with self.assertNumQueries(1):
            self.assertEqual(summary.refresh(), 0)


class RefreshEqualsRebuildTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=2)
        crafted_actuals(cls.w)

    def test_after_every_kind_of_write(self):
        w = self.w
        visit, clients = w.indicators["home_visit"], w.indicators["registered_clients"]
        a1, a2 = w.areas
        steps = [
            lambda: MonthlyActual.objects.filter(contract=w.contract, indicator=visit, month=date(2025, 2, 1)).update(
                value=Decimal("51.5")),
            lambda: MonthlyActual.objects.create(contract=w.contract, service_area=a2, indicator=clients,
                                                 month=date(2025, 4, 1), value=Decimal(150)),
            lambda: MonthlyActual.objects.filter(contract=w.contract, indicator=clients, month=date(2025, 3, 1))
            .delete(),
            lambda: Target.objects.filter(contract=w.contract, service_area=a1, indicator=visit).update(
                value=Decimal(900)),
            lambda: Contract.objects.filter(pk=w.same_district.pk).update(start_date=date(2025, 1, 1),
                                                                          end_date=date(2025, 12, 31)),
            lambda: Street.objects.filter(pk=w.same_district.station.street_id).update(
                district=w.other_district.station.street.district),
            lambda: Contract.objects.filter(pk=w.other_district.pk).delete(),
            # a station's next service year (no figures), then a second contract of it in effect at the same time:
            # the station counts once in the months both are in effect
            lambda: copy_contract(w.contract, "xi-2025", date(2025, 12, 11), date(2026, 12, 10)),
            lambda: copy_contract(w.contract, "xi-extra", date(2025, 3, 20), date(2026, 1, 31)),
            lambda: Contract.objects.filter(code="xi-extra").update(start_date=date(2025, 5, 1)),
            lambda: type(w.contract.station).objects.filter(pk=w.contract.station_id).update(
                street=Street.objects.create(code="moved", name="新街道",
                                             district=w.other_district.station.street.district)),
            lambda: Contract.objects.filter(code="xi-2025").delete(),
        ]
        for i, step in enumerate(steps):
            with self.subTest(step=i):
                step()
                summary.refresh()
                incremental = snapshot()
                summary.rebuild()
                self.assertEqual(snapshot(), incremental)
                for month in (date(2024, 12, 1), date(2025, 3, 1), date(2025, 4, 1), date(2025, 12, 1),
                              date(2026, 1, 1), date(2026, 2, 1)):
                    self.assertEqual(summary.in_effect(None, month_end(month)), counted_in_effect(month), month)

    def test_stations_in_effect_count_a_station_once(self):
        w = self.w
        liwan = w.contract.station.street.district_id
        self.assertEqual(summary.in_effect([liwan], date(2025, 4, 30)), {liwan: (2, 2)})
        copy_contract(w.contract, "xi-extra", date(2025, 3, 20), date(2026, 1, 31))
        self.assertEqual(summary.in_effect([liwan], date(2025, 3, 31)), {liwan: (3, 2)})
        self.assertEqual(summary.in_effect([liwan], date(2026, 1, 31)), {liwan: (1, 1)})
        self.assertEqual(summary.in_effect([liwan], date(2026, 2, 28)), {})
        self.assertEqual(summary.in_effect([liwan], date(2025, 2, 28)), {liwan: (2, 2)})
        with self.assertRaisesMessage(ValueError, "截止日期须为月末：2025-04-29"):
            summary.in_effect([liwan], date(2025, 4, 29))

    def test_figures_follow_a_write_on_the_next_read(self):
        visit = self.w.indicators["home_visit"]
        liwan = self.w.contract.station.street.district_id
        before = {r.district_id: r.actual for r in completion_by_district([liwan], CUTOFF, [visit.pk])}
        self.assertEqual(before[liwan], 240)
        MonthlyActual.objects.filter(contract=self.w.contract, indicator=visit, month=date(2025, 4, 1)).update(
            value=Decimal(35))
        after = {r.district_id: r.actual for r in completion_by_district([liwan], CUTOFF, [visit.pk])}
        self.assertEqual(after[liwan], 245)
        quarters = quarter_values(visit, date(2024, 10, 1), CUTOFF, districts=[liwan])
        self.assertEqual({q.slug: v for q, v in quarters.items()},
                         {"2024-Q4": 40, "2025-Q1": 170, "2025-Q2": 35})


@skipUnless(connection.vendor == "postgresql", "row locks of concurrent transactions: PostgreSQL")
class ConcurrentRefreshTests(TransactionTestCase):
    """A refresh that starts while a writer's transaction is open waits for it and then reads what it committed:
    the writer holds its mark's row lock (ON CONFLICT DO UPDATE), and the refresh's DELETE of the marks waits."""

    def test_refresh_waits_for_an_open_writer_and_sees_its_write(self):
        w = build_world(n_areas=2)
        crafted_actuals(w)
        summary.refresh()
        visit = w.indicators["home_visit"]
        MonthlyActual.objects.filter(contract=w.contract, indicator=visit, month=date(2025, 4, 1)).update(
            value=Decimal(31))  # marked and committed: the writer below finds the mark already there
        written, release = threading.Event(), threading.Event()

        def writer():
            try:
                with transaction.atomic():
                    MonthlyActual.objects.filter(contract=w.contract, indicator=visit, month=date(2025, 4, 1)).update(
                        value=Decimal(60))
                    written.set()
                    release.wait(10)
            finally:
                connection.close()

        thread = threading.Thread(target=writer)
        thread.start()
        written.wait(10)
        refresher = threading.Thread(target=lambda: (summary.refresh(), connection.close()))
        refresher.start()
        refresher.join(1)
        self.assertTrue(refresher.is_alive())  # waiting for the writer's mark
        release.set()
        thread.join(10)
        refresher.join(10)
        summary.refresh()
        liwan = w.contract.station.street.district_id
        figures = {r.district_id: r.actual for r in completion_by_district([liwan], CUTOFF, [visit.pk])}
        self.assertEqual(figures[liwan], 270)  # 40 + 170 + 60
        incremental = snapshot()
        summary.rebuild()
        self.assertEqual(snapshot(), incremental)
