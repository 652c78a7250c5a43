"""To-do homes per role (issue 10 §5): bounded to what is due now or overdue, each item linking to its screen."""

from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

from django.test import TestCase
from django.urls import reverse

from evalportal.periods import Quarter
from indicators.services import quarter_submit
from oversight.todo import COUNT_CAP, SECTION_LIMIT, review_section, todo_for
from reports.models import PARTY_WEIGHTS, Evaluation, EvaluationAssignment, Party, PartyScore
from reports.permissions import parties_enterable_by
from stations.models import Contract, Organisation
from tests.indicators.factories import build_world

TODAY = date(2025, 6, 20)


def make_draft_evaluation(world, *, kind="final", on=date(2025, 7, 1), declaration="pending"):
    evaluation = Evaluation.objects.create(
        code=f"{world.contract.code}-{kind}", contract=world.contract, kind=kind, date=on,
        period_start=world.contract.start_date, period_end=date(2025, 6, 30), agency=world.evaluation.agency,
    )
    for party, weight in PARTY_WEIGHTS.items():
        PartyScore.objects.create(evaluation=evaluation, party=party, weight=weight)
    EvaluationAssignment.objects.create(evaluation=evaluation, user=world.users["evaluator"], declaration=declaration)
    return evaluation


def finalise_mid(world):
    """build_world's mid-term evaluation, finalised (89.08 良好) as the oversight tests need it."""
    Evaluation.objects.filter(pk=world.evaluation.pk).update(
        status="finalised", total_score=Decimal("89.08"), grade="good")


def sections(user, today=TODAY):
    return {s.key: s for s in todo_for(user, today).sections}


class RoleTodoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)
        finalise_mid(cls.w)
        cls.evaluation = make_draft_evaluation(cls.w)

    def test_evaluator_home_lists_the_declaration_to_make_and_no_quarters(self):
        todo = sections(self.w.users["evaluator"])
        self.assertEqual(list(todo), ["declarations", "scoring"])
        (item,) = todo["declarations"].items
        self.assertEqual((item.title, item.url, item.due, item.when),
                         ("广州市西村街社工服务站 · 末期评估", reverse("evaluation_declaration", args=["xi-2024-final"]),
                          date(2025, 7, 1), "剩 11 天"))
        self.assertEqual(todo["scoring"].total, 0)
        EvaluationAssignment.objects.filter(evaluation=self.evaluation).update(declaration="no_conflict")
        todo = sections(self.w.users["evaluator"])
        self.assertEqual(todo["declarations"].total, 0)
        self.assertEqual([i.url for i in todo["scoring"].items], [reverse("evaluation_scoring", args=["xi-2024-final"])])
        # the other evaluator of the agency has nothing assigned
        self.assertEqual(todo_for(self.w.users["evaluator_none"], TODAY).total, 0)

    def test_party_scores_pending_per_role(self):
        street = sections(self.w.users["street_xc"])["party_score"]
        self.assertEqual(street.title, "待提交的项目购买方（街道办事处）得分（20%）")
        self.assertEqual([i.url for i in street.items], [reverse("evaluation_party", args=["xi-2024-final", "buyer"])])
        bureau = sections(self.w.users["bureau_lw"])["party_score"]
        self.assertEqual([i.url for i in bureau.items],
                         [reverse("evaluation_party", args=["xi-2024-final", "supervisor"])])
        centre = sections(self.w.users["supervision"])["party_score"]
        self.assertEqual([i.url for i in centre.items],
                         [reverse("evaluation_party", args=["xi-2024-final", "supervision"])])
        # another street and another district have no score pending on this evaluation
        self.assertEqual(sections(self.w.users["street_fy"])["party_score"].total, 0)
        self.assertEqual(sections(self.w.users["bureau_by"])["party_score"].total, 0)
        # a bureau account with no organisation (a bureau's names its district) sees no score, not every district's
        lost = self.w.users["bureau_lw"]
        lost.organisation = None
        self.assertEqual(sections(lost)["party_score"].total, 0)
        # a submitted score leaves the list
        PartyScore.objects.filter(evaluation=self.evaluation, party=Party.BUYER).update(
            status="submitted", points=Decimal("18"))
        self.assertEqual(sections(self.w.users["street_xc"])["party_score"].total, 0)

    def test_the_centre_has_the_score_of_evaluations_naming_it_or_no_centre(self):
        """The same rule as the scoring page (parties_enterable_by): no centre named, or this one; not another."""
        user = self.w.users["supervision"]
        other = Organisation.objects.create(name="另一督导中心", kind="supervision")
        expected = [reverse("evaluation_party", args=["xi-2024-final", "supervision"])]
        for centre, urls in ((None, expected), (user.organisation, expected), (other, [])):
            with self.subTest(centre=centre and centre.name):
                Evaluation.objects.filter(pk=self.evaluation.pk).update(supervision_centre=centre)
                self.evaluation.refresh_from_db()
                section = sections(user)["party_score"]
                self.assertEqual(([i.url for i in section.items], section.total), (urls, len(urls)))
                self.assertEqual(parties_enterable_by(user, self.evaluation) == [Party.SUPERVISION_CENTRE], bool(urls))
        # a centre account without an organisation has none
        user.organisation = None
        self.assertEqual(sections(user)["party_score"].total, 0)

    def test_scores_show_only_within_the_horizon_and_evaluations_past_their_date_are_to_finalise(self):
        early = TODAY - timedelta(days=120)
        self.assertEqual(sections(self.w.users["street_xc"], early)["party_score"].total, 0)
        self.assertEqual(sections(self.w.users["bureau_lw"])["finalise"].total, 0)
        late = sections(self.w.users["bureau_lw"], date(2025, 7, 3))["finalise"]
        (item,) = late.items
        self.assertEqual(item.detail, "尚未提交：项目购买方、项目监督方、市督导中心、第三方评估机构")
        self.assertEqual(item.when, "已逾期 2 天")
        self.assertEqual(sections(self.w.users["bureau_by"], date(2025, 7, 3))["finalise"].total, 0)

    def test_sections_are_bounded_and_link_to_the_full_list(self):
        contracts = []
        for i in range(SECTION_LIMIT + 2):  # more submitted quarters than a section shows
            contract = Contract.objects.get(pk=self.w.same_district.pk)
            contract.pk = None
            contract.code = f"copy-{i}"
            contract.save()
            contracts.append(contract)
            quarter_submit(contract=contract, quarter=Quarter(2025, 1), user=self.w.users["admin"])
        review = sections(self.w.users["bureau_lw"])["review"]
        self.assertEqual((len(review.items), review.total, review.more), (SECTION_LIMIT, SECTION_LIMIT + 2, 2))
        self.assertEqual((review.capped, review.total_label, review.footer), (False, "12", "还有 2 项，查看全部"))
        self.client.force_login(self.w.users["bureau_lw"])
        page = self.client.get("/").content.decode()
        self.assertIn("已提交，待审核（12）", page)
        self.assertIn("还有 2 项，查看全部", page)

    def test_counts_stop_at_the_cap(self):
        """A section counts up to COUNT_CAP + 1 rows (a LIMIT in the database), and says "超过 N 项" beyond."""
        for i in range(SECTION_LIMIT + 4):  # 14 submitted quarters
            contract = Contract.objects.get(pk=self.w.same_district.pk)
            contract.pk = None
            contract.code = f"copy-{i}"
            contract.save()
            quarter_submit(contract=contract, quarter=Quarter(2025, 1), user=self.w.users["admin"])
        self.assertEqual(COUNT_CAP, 100)
        with self.assertNumQueries(2) as queries:
            review_section(self.w.users["bureau_lw"], TODAY)
        self.assertIn(f"LIMIT {COUNT_CAP + 1}", queries.captured_queries[1]["sql"])
        with mock.patch("oversight.todo.COUNT_CAP", SECTION_LIMIT + 1):  # counted up to 12 of the 14
            review = sections(self.w.users["bureau_lw"])["review"]
            self.assertEqual((len(review.items), review.total, review.capped, review.total_label, review.footer),
                             (SECTION_LIMIT, SECTION_LIMIT + 2, True, "11+", "共超过 11 项，查看全部"))
            self.client.force_login(self.w.users["bureau_lw"])
            page = self.client.get("/").content.decode()
            self.assertIn("已提交，待审核（11+）", page)
            self.assertIn('共超过 11 项，查看全部</a>', page)
            self.assertNotIn("还有", page.split('id="todo-review-card"')[1].split("</section>")[0])
        with mock.patch("oversight.todo.COUNT_CAP", SECTION_LIMIT + 4):  # exactly at the cap: the exact count
            review = sections(self.w.users["bureau_lw"])["review"]
            self.assertEqual((review.total, review.capped, review.footer), (SECTION_LIMIT + 4, False, "还有 4 项，查看全部"))

    def test_ended_contracts_leave_the_quarter_lists(self):
        due = sections(self.w.users["street_xc"], date(2026, 6, 1))["due"]
        self.assertEqual(due.total, 0)  # the contract ended 2025-12-10, more than the grace period ago
        due = sections(self.w.users["street_xc"], date(2025, 12, 20))["due"]
        self.assertEqual(due.items[0].when, "已逾期 " + str((date(2025, 12, 20) - date(2025, 1, 15)).days) + " 天")


@mock.patch("oversight.views.timezone.localdate", return_value=TODAY)
class HomePageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)
        make_draft_evaluation(cls.w)

    def test_evaluator_home_shows_the_declaration(self, _today):
        self.client.force_login(self.w.users["evaluator"])
        response = self.client.get(reverse("home"))
        self.assertContains(response, "待声明回避（利益冲突）的评估（1）")
        self.assertContains(response, reverse("evaluation_declaration", args=["xi-2024-final"]))
        self.assertNotContains(response, "季度")
