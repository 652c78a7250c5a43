"""Query counts of the evaluation screens do not grow with 片区, rubric items, evidence or evaluations."""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from reports import services
from reports.models import EvaluationItem
from stations.models import Contract, Organisation, Station, Street

from .factories import big_rubric, make_world

PDF = b"%PDF-1.4\n%%EOF\n"


def add_evidence_and_findings(world, per_item: int) -> None:
    ev = world.evaluation
    for item in EvaluationItem.objects.filter(section__evaluation=ev):
        for n in range(per_item):
            services.evidence_attach(evaluation=ev, item_id=item.id, user=world.evaluator,
                                     upload=SimpleUploadedFile(f"证据{n}.pdf", PDF))
    for area in world.areas:
        services.finding_save(evaluation=ev, party="third_party", user=world.evaluator, section="areas",
                              kind="positive", area_ids=[area.id], text=f"{area.name}值得肯定", version=0)


def add_evaluations(world, count: int) -> None:
    """More stations in the bureau's district, each with a mid-term evaluation."""
    w = world
    for n in range(count):
        street = Street.objects.create(code=f"more-{w.district.code}-{n}", district=w.district, name=f"加街{n}")
        office = Organisation.objects.create(name=f"加街道办{w.district.code}{n}", kind="street", street=street)
        station = Station.objects.create(code=f"more-st-{w.district.code}-{n}", street=street, name=f"加站{w.district.code}{n}")
        contract = Contract.objects.create(
            code=f"more-c-{w.district.code}-{n}", title="加项目", station=station, operator=w.contract.operator,
            buyer=office, supervisor=w.contract.supervisor, start_date=datetime.date(2024, 12, 11),
            end_date=datetime.date(2025, 12, 10), budget=Decimal("1000000.00"),
        )
        services.evaluation_create(
            actor=w.bureau, contract=contract, kind="midterm", date=datetime.date(2025, 5, 20),
            period_start=datetime.date(2024, 12, 11), period_end=datetime.date(2025, 4, 30), agency=w.agency,
            template=w.template, evaluators=[w.evaluator],
        )


# The 30-minute idle timeout no longer writes the session on every request (evalportal.session_refresh renews it
# at most every 5 minutes; logging in records the time): no SAVEPOINT / UPDATE django_session / RELEASE per page.
SESSION_RENEWAL = 0


class ScoringPageQueryTests(TestCase):
    """Scoring page: session, user (+ organisation), evaluation (+ assignment), third-party score, rubric sections / items /
    evidence, 片区 + findings + finding areas, then the reference data (completion table: 片区, targets, actuals,
    definitions; staff table: staff + months, training hours)."""

    SCORING_QUERIES = 17 + SESSION_RENEWAL

    def count_for(self, world):
        self.client.force_login(world.evaluator)
        url = reverse("evaluation_scoring", args=[world.evaluation.code])
        with self.assertNumQueries(self.SCORING_QUERIES):
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return response

    def test_small_and_large_data_take_the_same_number_of_queries(self):
        small = make_world("s", areas=3)
        add_evidence_and_findings(small, 1)
        self.count_for(small)
        large = make_world("l", areas=30, rubric=big_rubric(10, 10))
        add_evidence_and_findings(large, 3)
        response = self.count_for(large)
        self.assertContains(response, "评估内容9-9")
        self.assertContains(response, "片区30值得肯定")


class OverviewQueryTests(TestCase):
    # session, user with its organisation, count, page, party scores, which rows may be downloaded (one rule for all roles),
    # the filter's district and street choices
    OVERVIEW_QUERIES = 8 + SESSION_RENEWAL

    def test_the_bureau_overview_takes_the_same_queries_for_3_and_30_evaluations(self):
        small = make_world("s")
        add_evaluations(small, 2)
        large = make_world("l")
        add_evaluations(large, 29)
        for world, rows in [(small, 3), (large, 25)]:
            self.client.force_login(world.bureau)
            with self.assertNumQueries(self.OVERVIEW_QUERIES):
                response = self.client.get(reverse("evaluation_overview") + "?year=")
            self.assertEqual(len(response.context["page"].object_list), rows)

    def test_the_evaluator_overview_is_constant_too(self):
        small = make_world("s")
        large = make_world("l")
        add_evaluations(large, 29)
        for world in [small, large]:
            self.client.force_login(world.evaluator)
            # one fewer: before a district is chosen, a user of several districts gets no street choices to load
            with self.assertNumQueries(self.OVERVIEW_QUERIES - 1):
                self.client.get(reverse("evaluation_overview") + "?year=")


class DetailPageQueryTests(TestCase):
    DETAIL_QUERIES = 7 + SESSION_RENEWAL

    def test_detail_is_constant(self):
        for world in [make_world("s", areas=3), make_world("l", areas=30)]:
            add_evidence_and_findings(world, 1)
            self.client.force_login(world.bureau)
            with self.assertNumQueries(self.DETAIL_QUERIES):
                self.client.get(reverse("evaluation_detail", args=[world.evaluation.code]))


class PartyPageQueryTests(TestCase):
    """购买方 / 监督方 / 督导中心 entry page: session, user with its organisation, evaluation, party score, 片区, findings +
    finding areas — the same for 3 and 30 片区 with a finding in every 片区."""

    PARTY_QUERIES = 7 + SESSION_RENEWAL

    def test_party_page_is_constant_for_3_and_30_areas(self):
        for world in [make_world("s", areas=3), make_world("l", areas=30)]:
            for area in world.areas:
                services.finding_save(evaluation=world.evaluation, party="buyer", user=world.street_user,
                                      section="areas", kind="concern", area_ids=[area.id],
                                      text=f"{area.name}需要关注", version=0)
            self.client.force_login(world.street_user)
            url = reverse("evaluation_party", args=[world.evaluation.code, "buyer"])
            with self.assertNumQueries(self.PARTY_QUERIES):
                response = self.client.get(url)
            self.assertContains(response, f"片区{len(world.areas)}需要关注")
