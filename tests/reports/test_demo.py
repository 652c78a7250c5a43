"""The demo data of issue 4: the draft final evaluation, and the seed 001 result recomputed through the services."""

from decimal import Decimal

from django.test import TestCase
from django.urls import reverse

from demo.loader import demo_load
from reports import services
from reports.models import Evaluation, EvaluationItem, Party, PartyScore
from stations.models import User


class DemoEvaluationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()

    def test_a_draft_final_evaluation_waits_for_the_evaluators_declaration(self):
        final = Evaluation.objects.get(code="xicun-2024-final")
        self.assertEqual((final.kind, final.status, final.contract.code), ("final", "draft", "xicun-2024"))
        self.assertEqual(
            list(final.assignments.values_list("user__username", "declaration")), [("evaluator_gzswa", "pending")]
        )
        mid_items = EvaluationItem.objects.filter(section__evaluation__code="xicun-2024-mid")
        final_items = EvaluationItem.objects.filter(section__evaluation=final)
        self.assertEqual(
            list(final_items.order_by("section__order", "order").values_list("code", "max_points")),
            list(mid_items.order_by("section__order", "order").values_list("code", "max_points")),
        )
        self.assertFalse(final_items.filter(score__isnull=False).exists())
        demo_load()
        self.assertEqual(Evaluation.objects.filter(code="xicun-2024-final").count(), 1)

    def test_the_demo_evaluator_is_sent_to_the_declaration_page(self):
        self.client.force_login(User.objects.get(username="evaluator_gzswa"))
        response = self.client.get(reverse("evaluation_detail", args=["xicun-2024-final"]))
        self.assertRedirects(response, reverse("evaluation_declaration", args=["xicun-2024-final"]))

    def test_seed_001_scores_give_89_08_good_through_the_services(self):
        """Reopen the demo mid-term and resubmit every party: 20.00 + 8.30 + 13.80 + 46.98 = 89.08 → 良好."""
        mid = Evaluation.objects.get(code="xicun-2024-mid")
        bureau = User.objects.get(username="bureau_liwan")
        services.evaluation_reopen(evaluation=mid, user=bureau, reason="演示：按服务重新计算")
        self.assertEqual(Evaluation.objects.get(pk=mid.pk).status, "draft")
        users = {"buyer": "street_xicun", "supervisor": "bureau_liwan", "supervision": "supervision_gz",
                 "third_party": "evaluator_gzswa"}
        for party in [Party.BUYER, Party.SUPERVISOR, Party.SUPERVISION_CENTRE, Party.THIRD_PARTY]:
            services.party_score_submit(evaluation=mid, party=party, user=User.objects.get(username=users[party]))
        mid.refresh_from_db()
        self.assertEqual(
            {s.party: s.points for s in PartyScore.objects.filter(evaluation=mid)},
            {"buyer": Decimal("20.00"), "supervisor": Decimal("8.30"), "supervision": Decimal("13.80"),
             "third_party": Decimal("46.98")},
        )
        self.assertEqual((mid.status, mid.total_score, mid.get_grade_display()), ("finalised", Decimal("89.08"), "良好"))
