"""evalportal.roles: the scope conditions (street_scope, contract_scope, supervised_scope) are the one statement of who
oversees which contracts; the querysets of every list, home and permission are built from them. Exact sets per role,
from a station, a contract, a quarter, an evaluation and a party score, and the same answers on both databases."""

from datetime import date

from django.contrib.auth.models import AnonymousUser
from django.test import TestCase

from evalportal.roles import (
    can_review_quarters,
    contract_scope,
    contracts_returnable_by,
    contracts_visible_to,
    evaluations_visible_to,
    performance_evaluations_visible_to,
    stations_visible_to,
    supervised_scope,
)
from reports.models import Evaluation, EvaluationAssignment, PartyScore, PerformanceEvaluation
from reports.permissions import contracts_for_new_evaluation
from stations.models import Contract, Organisation, QuarterSubmission, Station, User
from tests.indicators.factories import build_world

XC, FY, JT = "xi-2024", "fe-2024", "ji-2024"  # 西村 and 逢源 (荔湾区), 景泰 (白云区)
EVERY = {XC, FY, JT}


class RoleScopeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)
        cls.users = dict(cls.w.users)
        # a non-admin without an organisation cannot be saved (user_non_admin_has_organisation): an unsaved one, as a
        # request could carry while an administrator edits it; a street role on an organisation without a street
        cls.users["orphan_bureau"] = User(username="orphan_bureau", role="bureau")
        cls.users["orphan_street"] = User.objects.create(
            username="orphan_street", role="street", organisation=Organisation.objects.get(kind="operator")
        )
        cls.users["city_admin"] = User.objects.create(username="city_admin", role="admin")
        cls.users["anonymous"] = AnonymousUser()
        for contract in (cls.w.contract, cls.w.same_district, cls.w.other_district):
            QuarterSubmission.objects.create(contract=contract, year=2025, quarter=1, status="submitted")
            if contract != cls.w.contract:
                Evaluation.objects.create(
                    code=f"{contract.code}-mid", contract=contract, kind="midterm", date=date(2025, 5, 20),
                    period_start=contract.start_date, period_end=date(2025, 4, 30), agency=cls.w.evaluation.agency,
                )
        for evaluation in Evaluation.objects.all():
            PartyScore.objects.get_or_create(evaluation=evaluation, party="supervisor", defaults={"weight": 10})
        for contract in (cls.w.contract, cls.w.other_district):
            PerformanceEvaluation.objects.create(
                code=f"perf-{contract.code}", title="绩效评价", year=2025, department=contract.buyer, contract=contract,
            )

    def codes(self, model, path: str, scope) -> set[str]:
        return set(model.objects.filter(scope).values_list(f"{path}code", flat=True))

    def test_each_role_sees_exactly_its_contracts_whatever_the_path(self):
        expected = {
            "street_xc": {XC}, "street_fy": {FY}, "street_jt": {JT},
            "bureau_lw": {XC, FY}, "bureau_by": {JT},
            "supervision": EVERY, "admin": EVERY, "city_admin": EVERY,
            "evaluator": {XC},  # assigned to 西村's open evaluation and declared no conflict
            "evaluator_none": set(), "orphan_bureau": set(), "orphan_street": set(), "anonymous": set(),
        }
        paths = [(Contract, "", ""), (QuarterSubmission, "contract__", "contract__"),
                 (Evaluation, "contract__", "contract__"), (PartyScore, "evaluation__contract__", "evaluation__contract__")]
        for name, codes in expected.items():
            user = self.users[name]
            for model, prefix, path in paths:
                with self.subTest(user=name, model=model.__name__):
                    self.assertEqual(self.codes(model, path, contract_scope(user, prefix)), codes)
            with self.subTest(user=name, queryset="contracts_visible_to"):
                self.assertEqual(set(contracts_visible_to(user).values_list("code", flat=True)), codes)
            with self.subTest(user=name, queryset="stations_visible_to"):
                stations = set(Station.objects.filter(contracts__code__in=codes).values_list("pk", flat=True))
                self.assertEqual(set(stations_visible_to(user).values_list("pk", flat=True)), stations)

    def test_the_whole_city_is_no_condition_at_all(self):
        # no `contract IN (every contract)`: the database reads a city list in its order from its index
        for name in ("supervision", "admin", "city_admin"):
            with self.subTest(user=name):
                sql = str(QuarterSubmission.objects.filter(contract_scope(self.users[name], "contract__")).query)
                self.assertNotIn("WHERE", sql)

    def test_supervised_contracts_are_the_district_bureaus_and_the_administrators(self):
        expected = {"bureau_lw": {XC, FY}, "bureau_by": {JT}, "admin": EVERY, "city_admin": EVERY,
                    "supervision": set(), "street_xc": set(), "evaluator": set(), "orphan_bureau": set(),
                    "anonymous": set()}
        for name, codes in expected.items():
            user = self.users[name]
            with self.subTest(user=name):
                self.assertEqual(self.codes(Contract, "", supervised_scope(user)), codes)
                self.assertEqual(set(contracts_returnable_by(user).values_list("code", flat=True)), codes)
                self.assertEqual(set(contracts_for_new_evaluation(user).values_list("code", flat=True)), codes)
                self.assertEqual(
                    self.codes(QuarterSubmission, "contract__", supervised_scope(user, "contract__")), codes
                )
                # the role reviews; what it may review is its scope (none for a bureau without a district)
                self.assertEqual(can_review_quarters(user), name in ("bureau_lw", "bureau_by", "admin", "city_admin",
                                                                     "orphan_bureau"))

    def test_evaluations_and_performance_evaluations_follow_the_same_rules(self):
        expected = {
            "street_xc": ({XC}, {XC}), "street_jt": ({JT}, {JT}), "street_fy": ({FY}, set()),
            "bureau_lw": ({XC, FY}, {XC}), "bureau_by": ({JT}, {JT}),
            "supervision": (EVERY, {XC, JT}), "admin": (EVERY, {XC, JT}),
            "evaluator": ({XC}, set()), "evaluator_none": (set(), set()),
            "orphan_bureau": (set(), set()), "anonymous": (set(), set()),
        }
        for name, (evaluations, performance) in expected.items():
            user = self.users[name]
            with self.subTest(user=name):
                self.assertEqual(set(evaluations_visible_to(user).values_list("contract__code", flat=True)), evaluations)
                self.assertEqual(
                    set(performance_evaluations_visible_to(user).values_list("contract__code", flat=True)), performance
                )

    def test_an_evaluator_who_declared_a_conflict_sees_nothing_of_the_contract(self):
        EvaluationAssignment.objects.filter(user=self.users["evaluator"]).update(declaration="conflict")
        self.assertEqual(self.codes(Contract, "", contract_scope(self.users["evaluator"])), set())
        self.assertEqual(list(stations_visible_to(self.users["evaluator"])), [])

    def test_an_evaluator_without_an_organisation_sees_no_station(self):
        self.users["evaluator"].organisation = None
        self.assertEqual(list(stations_visible_to(self.users["evaluator"])), [])

    def test_a_bureau_moved_to_another_district_sees_that_district(self):
        # the rules read the organisation's district and street at request time, not a list kept somewhere
        Organisation.objects.filter(pk=self.users["bureau_by"].organisation_id).update(
            district=self.w.contract.station.street.district
        )
        user = User.objects.select_related("organisation").get(username="bureau_by")
        self.assertEqual(self.codes(Contract, "", contract_scope(user)), {XC, FY})
