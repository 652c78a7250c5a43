"""Independent scoring (issue 9 §4): until an evaluation is finalised, a party's unsubmitted score, notes, evidence and
findings are visible to that party alone and the administrator; the others see only 未提交 / 已提交, on every page and
in the draft PDF (which prints submitted parts only)."""

from decimal import Decimal

from django.test import TestCase
from django.urls import reverse

from reports import services
from reports.models import EvaluationItem, Finding, Party, PartyScore

from .factories import SCORES_102_5, make_world, score_all_items
from .pdf_tools import pdf_text

# What each party writes in its draft: a finding and a score no other page or report shows by chance.
DRAFT_TEXT = {
    Party.BUYER: "购买方草稿意见甲乙",
    Party.SUPERVISOR: "监督方草稿意见丙丁",
    Party.SUPERVISION_CENTRE: "督导中心草稿意见戊己",
    Party.THIRD_PARTY: "第三方草稿意见庚辛",
}
DRAFT_POINTS = {Party.BUYER: "17.35", Party.SUPERVISOR: "7.70", Party.SUPERVISION_CENTRE: "12.45"}
THIRD_PARTY_NOTE = "第三方评分说明壬癸"


class IndependentScoringTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = w = make_world("ind")
        cls.ev = w.evaluation
        cls.writers = {
            Party.BUYER: w.street_user, Party.SUPERVISOR: w.bureau, Party.SUPERVISION_CENTRE: w.supervision,
            Party.THIRD_PARTY: w.evaluator,
        }
        for party in (Party.BUYER, Party.SUPERVISOR, Party.SUPERVISION_CENTRE):
            version = PartyScore.objects.get(evaluation=cls.ev, party=party).version
            services.party_entry_save(
                evaluation=cls.ev, party=party, user=cls.writers[party], version=version, points=DRAFT_POINTS[party],
                findings=[services.FindingInput(Finding.Section.GENERAL, Finding.Kind.POSITIVE, (), DRAFT_TEXT[party], 0)],
            )
        item = EvaluationItem.objects.get(section__evaluation=cls.ev, code="1.1")
        services.evaluation_item_update(
            evaluation=cls.ev, item_id=item.id, user=w.evaluator, version=item.version,
            fields={"score": "9.5", "note": THIRD_PARTY_NOTE},
        )
        services.finding_save(
            evaluation=cls.ev, party=Party.THIRD_PARTY, user=w.evaluator, section=Finding.Section.PROJECT_MANAGEMENT,
            kind=Finding.Kind.CONCERN, area_ids=[], text=DRAFT_TEXT[Party.THIRD_PARTY], version=0,
        )

    def pages(self, user) -> dict[str, str]:
        """Every page of the evaluation the user may open, by name → HTML."""
        code = self.ev.code
        urls = {
            "detail": reverse("evaluation_detail", args=[code]),
            "scoring": reverse("evaluation_scoring", args=[code]),
            "history": reverse("evaluation_history", args=[code]),
            "overview": reverse("evaluation_overview") + "?year=",  # every year
            "home": reverse("home"),
        }
        urls |= {f"party:{p}": reverse("evaluation_party", args=[code, p])
                 for p in (Party.BUYER, Party.SUPERVISOR, Party.SUPERVISION_CENTRE)}
        self.client.force_login(user)
        pages = {}
        for name, url in urls.items():
            response = self.client.get(url)
            if response.status_code == 200:
                pages[name] = response.content.decode()
        return pages

    def markers(self, party: str) -> list[str]:
        if party == Party.THIRD_PARTY:
            return [DRAFT_TEXT[party], THIRD_PARTY_NOTE]
        return [DRAFT_TEXT[party], DRAFT_POINTS[party]]

    def draft_pdf_text(self) -> str:
        self.client.force_login(self.world.admin)
        response = self.client.get(reverse("report_evaluation_pdf", args=[self.ev.code]))
        self.assertEqual(response.status_code, 200)
        return pdf_text(b"".join(response.streaming_content))


class DraftVisibilityTests(IndependentScoringTestCase):
    def test_each_party_sees_its_own_draft_and_none_of_the_others(self):
        for own, user in self.writers.items():
            pages = self.pages(user)
            self.assertIn("detail", pages)
            for party in self.writers:
                for marker in self.markers(party):
                    shown = [name for name, html in pages.items() if marker in html]
                    with self.subTest(viewer=own, party=party, marker=marker):
                        if party == own:
                            self.assertTrue(shown, f"{own} does not see its own draft {marker}")
                        else:
                            self.assertEqual(shown, [], f"{own} sees {party}'s draft on {shown}")

    def test_the_administrator_sees_every_draft(self):
        pages = self.pages(self.world.admin)
        for party in self.writers:
            for marker in self.markers(party):
                with self.subTest(party=party, marker=marker):
                    self.assertIn(marker, pages["detail"] + pages["scoring"])

    def test_the_other_parties_see_the_state_only(self):
        self.client.force_login(self.world.street_user)
        detail = self.client.get(reverse("evaluation_detail", args=[self.ev.code]))
        self.assertContains(detail, "未提交：该方提交前，其得分和评估意见仅本方可见。", count=3)
        self.client.force_login(self.world.bureau)
        scoring = self.client.get(reverse("evaluation_scoring", args=[self.ev.code]))
        self.assertContains(scoring, "第三方评分：未提交")
        self.assertNotContains(scoring, 'id="score-')
        self.assertNotContains(scoring, "evaluation_autosave.js")

    def test_a_submitted_party_is_seen_by_all_who_open_the_evaluation(self):
        services.party_score_submit(evaluation=self.ev, party=Party.BUYER, user=self.world.street_user)
        for viewer in (self.world.bureau, self.world.supervision, self.world.evaluator):
            pages = self.pages(viewer)
            with self.subTest(viewer=viewer.username):
                self.assertIn(DRAFT_TEXT[Party.BUYER], pages["detail"])
                self.assertIn("17.35", pages["detail"])
                self.assertIn("17.35", pages["overview"])

    def test_the_third_party_rubric_is_seen_once_submitted(self):
        score_all_items(self.world, SCORES_102_5)
        services.party_score_submit(evaluation=self.ev, party=Party.THIRD_PARTY, user=self.world.evaluator)
        for viewer in (self.world.bureau, self.world.supervision):
            self.client.force_login(viewer)
            response = self.client.get(reverse("evaluation_scoring", args=[self.ev.code]))
            with self.subTest(viewer=viewer.username):
                self.assertContains(response, THIRD_PARTY_NOTE)
                self.assertContains(response, DRAFT_TEXT[Party.THIRD_PARTY])
                self.assertContains(response, "已提交 46.98 分")

    def test_the_history_hides_other_parties_draft_changes(self):
        self.client.force_login(self.world.bureau)
        history = self.client.get(reverse("evaluation_history", args=[self.ev.code])).content.decode()
        self.assertIn("7.70", history)  # its own score change
        for party in (Party.BUYER, Party.SUPERVISION_CENTRE, Party.THIRD_PARTY):
            for marker in self.markers(party):
                self.assertNotIn(marker, history)
        self.assertIn("声明无利益冲突", history)  # states stay

    def test_a_finalised_evaluation_shows_everything_to_everyone(self):
        for party, user in self.writers.items():
            if party == Party.THIRD_PARTY:
                score_all_items(self.world, SCORES_102_5)
            services.party_score_submit(evaluation=self.ev, party=party, user=user)
        self.ev.refresh_from_db()
        self.assertEqual(self.ev.status, "finalised")
        self.assertEqual(self.ev.total_score, Decimal("17.35") + Decimal("7.70") + Decimal("12.45") + Decimal("46.98"))
        pages = self.pages(self.world.street_user)
        for party in (Party.SUPERVISOR, Party.SUPERVISION_CENTRE, Party.THIRD_PARTY):
            self.assertIn(DRAFT_TEXT[party], pages["detail"])


def state_cells(text: str) -> int:
    """How many party rows of 七 评估结果 print the state 未提交 instead of a figure."""
    return sum(1 for line in text.splitlines() if line.strip() == "未提交")


class DraftReportTests(IndependentScoringTestCase):
    def test_the_draft_pdf_prints_submitted_parts_only(self):
        services.party_score_submit(evaluation=self.ev, party=Party.SUPERVISOR, user=self.world.bureau)
        text = self.draft_pdf_text()
        self.assertIn(DRAFT_TEXT[Party.SUPERVISOR], text)
        self.assertIn("7.70 分", text)
        for party in (Party.BUYER, Party.SUPERVISION_CENTRE, Party.THIRD_PARTY):
            for marker in self.markers(party):
                with self.subTest(party=party, marker=marker):
                    self.assertNotIn(marker, text)
        # 七 评估结果: the three others print their state, no figure (their findings sections say 尚未提交评估意见).
        self.assertEqual(state_cells(text), 3)

    def test_a_draft_pdf_with_nothing_submitted_prints_no_party_work(self):
        text = self.draft_pdf_text()
        for party in self.writers:
            for marker in self.markers(party):
                with self.subTest(party=party, marker=marker):
                    self.assertNotIn(marker, text)
        self.assertEqual(state_cells(text), 4)
        self.assertEqual(PartyScore.objects.filter(evaluation=self.ev, status="draft").count(), 4)
