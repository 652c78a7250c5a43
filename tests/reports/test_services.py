"""Services of the four-party evaluation: creation and freezing, 回避, scoring, submission, finalisation, reopening."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.test import TestCase

from reports import services
from reports.models import (
    Evaluation,
    EvaluationAssignment,
    EvaluationEvent,
    EvaluationItem,
    Finding,
    Party,
    PartyScore,
    RubricItem,
)
from reports.selectors import tranche_rows

from .factories import SCORES_102_5, make_world, score_all_items

RUBRIC_110 = [("项目管理", [("1.1", "管理", "55")]), ("服务成效", [("2.1", "成效", "55")])]


def submit_others(world, *, buyer="20.00", supervisor_100="83.0", supervision_100="92.0"):
    ev = world.evaluation
    services.party_score_set(evaluation=ev, party=Party.BUYER, user=world.street_user, version=1, points=buyer)
    services.party_score_set(
        evaluation=ev, party=Party.SUPERVISOR, user=world.bureau, version=1, score_100=supervisor_100
    )
    services.party_score_set(
        evaluation=ev, party=Party.SUPERVISION_CENTRE, user=world.supervision, version=1, score_100=supervision_100
    )
    services.party_score_submit(evaluation=ev, party=Party.BUYER, user=world.street_user)
    services.party_score_submit(evaluation=ev, party=Party.SUPERVISOR, user=world.bureau)
    services.party_score_submit(evaluation=ev, party=Party.SUPERVISION_CENTRE, user=world.supervision)


class EvaluationCreateTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = make_world()

    def test_rubric_is_copied_and_four_party_scores_created(self):
        ev = self.world.evaluation
        self.assertEqual(ev.code, "contract-a-mid")
        self.assertEqual(
            [(s.name, [(i.code, i.max_points) for i in s.items.all()]) for s in ev.sections.all()][0],
            ("项目管理", [("1.1", Decimal("10.0")), ("1.2", Decimal("10.0")), ("1.3", Decimal("10.0")),
                        ("1.4", Decimal("10.0"))]),
        )
        self.assertEqual(EvaluationItem.objects.filter(section__evaluation=ev).count(), 11)
        self.assertEqual(
            {s.party: s.weight for s in ev.party_scores.all()},
            {"supervisor": Decimal("10.00"), "buyer": Decimal("20.00"), "supervision": Decimal("15.00"),
             "third_party": Decimal("55.00")},
        )
        self.assertEqual(ev.assignments.get(user=self.world.evaluator2).declaration, "pending")

    def test_editing_the_template_later_never_changes_the_evaluation(self):
        RubricItem.objects.filter(section__template=self.world.template, code="1.1").update(
            text="改过的内容", max_points=Decimal("50")
        )
        RubricItem.objects.filter(section__template=self.world.template, code="3.2").delete()
        item = EvaluationItem.objects.get(section__evaluation=self.world.evaluation, code="1.1")
        self.assertEqual((item.text, item.max_points), ("人员配备与到岗", Decimal("10.0")))
        self.assertTrue(EvaluationItem.objects.filter(section__evaluation=self.world.evaluation, code="3.2").exists())

    def test_a_frozen_rubric_is_never_copied_twice(self):
        with self.assertRaisesMessage(ValidationError, "该评估的评估指标已固定，不能再次复制。"):
            services.rubric_freeze(evaluation=self.world.evaluation, template=self.world.template)

    def test_evaluators_must_belong_to_the_agency(self):
        w = self.world
        with self.assertRaises(ValidationError) as ctx:
            services.evaluation_create(
                actor=w.bureau, contract=w.contract, kind="final", date=datetime.date(2025, 11, 20),
                period_start=datetime.date(2024, 12, 11), period_end=datetime.date(2025, 10, 31), agency=w.agency,
                template=w.template, evaluators=[w.outsider_evaluator],
            )
        self.assertEqual(
            ctx.exception.message_dict["evaluators"],
            [f"评估员必须是“{w.agency}”的第三方评估用户：{w.outsider_evaluator} 不符合。"],
        )
        self.assertFalse(Evaluation.objects.filter(kind="final").exists())

    def test_a_second_midterm_for_the_same_contract_is_refused(self):
        w = self.world
        with self.assertRaises(ValidationError) as ctx:
            services.evaluation_create(
                actor=w.bureau, contract=w.contract, kind="midterm", date=datetime.date(2025, 6, 1),
                period_start=datetime.date(2024, 12, 11), period_end=datetime.date(2025, 4, 30), agency=w.agency,
                template=w.template, evaluators=[w.evaluator], code="another",
            )
        self.assertEqual(ctx.exception.message_dict["kind"], ["该服务协议已有中期评估。"])

    def test_the_assessment_period_lies_inside_the_contract(self):
        """Issue 11 §6; the 评估日期 itself may follow the contract's end (a final evaluation after the year)."""
        w = self.world
        with self.assertRaises(ValidationError) as ctx:
            services.evaluation_create(
                actor=w.bureau, contract=w.contract, kind="final", date=datetime.date(2026, 1, 10),
                period_start=datetime.date(2019, 1, 1), period_end=datetime.date(2025, 12, 31), agency=w.agency,
                template=w.template, evaluators=[w.evaluator],
            )
        self.assertEqual(ctx.exception.message_dict, {
            "period_start": ["考核期开始 2019-01-01 不在服务协议期内（2024-12-11 至 2025-12-10）。"],
            "period_end": ["考核期结束 2025-12-31 不在服务协议期内（2024-12-11 至 2025-12-10）。"],
        })
        self.assertFalse(Evaluation.objects.filter(kind="final").exists())
        final = services.evaluation_create(
            actor=w.bureau, contract=w.contract, kind="final", date=datetime.date(2026, 1, 10),
            period_start=datetime.date(2024, 12, 11), period_end=datetime.date(2025, 12, 10), agency=w.agency,
            template=w.template, evaluators=[w.evaluator],
        )
        self.assertEqual(final.date, datetime.date(2026, 1, 10))


class DeclarationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = make_world()

    def test_declaring_a_conflict_removes_the_evaluator_and_is_recorded(self):
        ev = self.world.evaluation
        services.evaluation_declare(evaluation=ev, user=self.world.evaluator2, conflict=True)
        assignment = ev.assignments.get(user=self.world.evaluator2)
        self.assertEqual(assignment.declaration, EvaluationAssignment.Declaration.CONFLICT)
        self.assertIsNotNone(assignment.declared_at)
        event = ev.events.get(action=EvaluationEvent.Action.DECLARED_CONFLICT)
        self.assertEqual((event.actor, event.new_value), (self.world.evaluator2, "conflict"))
        from evalportal.roles import evaluations_visible_to

        self.assertFalse(evaluations_visible_to(self.world.evaluator2).exists())

    def test_a_declaration_cannot_be_changed(self):
        with self.assertRaisesMessage(ValidationError, "您已就该评估作出回避声明，不能更改。"):
            services.evaluation_declare(evaluation=self.world.evaluation, user=self.world.evaluator, conflict=True)


class ItemScoreTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = make_world()

    def item(self, code="1.1"):
        return EvaluationItem.objects.get(section__evaluation=self.world.evaluation, code=code)

    def update(self, score, version=None, code="1.1", **extra):
        item = self.item(code)
        return services.evaluation_item_update(
            evaluation=self.world.evaluation, item_id=item.id, user=self.world.evaluator,
            version=item.version if version is None else version, fields={"score": score, **extra},
        )

    def test_a_score_above_the_maximum_is_refused_naming_the_item(self):
        with self.assertRaises(ValidationError) as ctx:
            self.update("10.5")
        self.assertEqual(ctx.exception.messages, ["“人员配备与到岗”的得分不能超过 10 分。"])
        self.assertIsNone(self.item().score)

    def test_other_bad_scores_are_refused_with_their_reason(self):
        for raw, message in [
            ("-1", "“人员配备与到岗”的得分不能小于 0 分。"),
            ("8.25", "“人员配备与到岗”的得分最多保留一位小数。"),
            ("八", "“人员配备与到岗”的得分必须是数字。"),
            ("NaN", "“人员配备与到岗”的得分必须是数字。"),
        ]:
            with self.subTest(raw=raw), self.assertRaises(ValidationError) as ctx:
                self.update(raw)
            self.assertEqual(ctx.exception.messages, [message])

    def test_a_score_is_saved_with_a_new_version_and_history(self):
        item = self.update("8.5", note="台账齐全")
        self.assertEqual((item.score, item.note, item.version, item.updated_by),
                         (Decimal("8.5"), "台账齐全", 2, self.world.evaluator))
        events = list(item.events.order_by("field").values_list("field", "old_value", "new_value"))
        self.assertEqual(events, [("note", "", "台账齐全"), ("score", "", "8.5")])
        self.update("9", version=2)
        self.assertEqual(item.events.filter(field="score").last().old_value, "8.5")

    def test_a_stale_version_is_a_conflict_that_writes_nothing(self):
        self.update("8")
        with self.assertRaises(services.EditConflict) as ctx:
            self.update("7", version=1)
        self.assertEqual(ctx.exception.current["score"], "8.0")
        self.assertEqual(ctx.exception.current["version"], 2)
        self.assertEqual(self.item().score, Decimal("8.0"))


class FinalisationTests(TestCase):
    def test_seed_001_scores_give_89_08_good(self):
        world = make_world()
        score_all_items(world, SCORES_102_5)
        submit_others(world)
        services.party_score_submit(evaluation=world.evaluation, party=Party.THIRD_PARTY, user=world.evaluator)
        ev = Evaluation.objects.get(pk=world.evaluation.pk)
        points = {s.party: s.points for s in ev.party_scores.all()}
        self.assertEqual(points, {"buyer": Decimal("20.00"), "supervisor": Decimal("8.30"),
                                  "supervision": Decimal("13.80"), "third_party": Decimal("46.98")})
        self.assertEqual((ev.status, ev.total_score, ev.grade, ev.get_grade_display()),
                         ("finalised", Decimal("89.08"), "good", "良好"))
        self.assertEqual(ev.events.get(action="finalised").new_value, "89.08 良好")

    def test_third_party_cannot_submit_with_unscored_items(self):
        world = make_world()
        with self.assertRaises(ValidationError) as ctx:
            services.party_score_submit(evaluation=world.evaluation, party=Party.THIRD_PARTY, user=world.evaluator)
        self.assertTrue(ctx.exception.messages[0].startswith("以下评估项尚未评分：1.1 人员配备与到岗、1.2 管理制度与落实"))
        self.assertIn("等 11 项", ctx.exception.messages[0])

    def test_grade_bands_at_the_boundaries(self):
        # Rubric Σmax 110: 90.0 raw → 45.00 points; total = buyer + supervisor + centre + 45.00.
        cases = [
            ("20.00", "100.0", "100.0", Decimal("90.00"), "优秀"),
            ("19.99", "100.0", "100.0", Decimal("89.99"), "良好"),
            ("10.00", "100.0", "100.0", Decimal("80.00"), "良好"),
            ("9.99", "100.0", "100.0", Decimal("79.99"), "合格"),
            ("0.00", "0.0", "100.0", Decimal("60.00"), "合格"),
            ("0.00", "0.0", "99.9", Decimal("59.99"), "不合格"),
        ]
        for n, (buyer, sup_100, centre_100, total, label) in enumerate(cases):
            with self.subTest(total=total):
                world = make_world(f"b{n}", rubric=RUBRIC_110, areas=1)
                score_all_items(world, ["45", "45"])
                submit_others(world, buyer=buyer, supervisor_100=sup_100, supervision_100=centre_100)
                result = services.party_score_submit(
                    evaluation=world.evaluation, party=Party.THIRD_PARTY, user=world.evaluator
                )
                self.assertEqual(result.points, Decimal("45.00"))
                ev = Evaluation.objects.get(pk=world.evaluation.pk)
                self.assertEqual((ev.total_score, ev.get_grade_display()), (total, label))

    def test_finalising_before_all_four_are_in_is_refused(self):
        world = make_world()
        with self.assertRaisesMessage(ValidationError, "以下评估方尚未提交：项目购买方（街道办事处）、项目监督方（区民政局）、市督导中心、第三方评估机构。"):
            services.evaluation_finalise(evaluation=world.evaluation, user=world.bureau)

    def test_a_finalised_evaluation_is_never_finalised_again(self):
        world = make_world()
        score_all_items(world, SCORES_102_5)
        submit_others(world)
        services.party_score_submit(evaluation=world.evaluation, party=Party.THIRD_PARTY, user=world.evaluator)
        frozen = Evaluation.objects.get(pk=world.evaluation.pk)
        with self.assertRaisesMessage(ValidationError, "该评估已定稿，总分和等级不能重新计算；如需修改请由区民政局重新开启。"):
            services.evaluation_finalise(evaluation=world.evaluation, user=world.bureau)
        ev = Evaluation.objects.get(pk=world.evaluation.pk)
        self.assertEqual((ev.total_score, ev.grade, ev.finalised_at), (Decimal("89.08"), "good", frozen.finalised_at))
        self.assertEqual(ev.events.filter(action="finalised").count(), 1)

    def test_a_submitted_score_is_locked_until_reopened_with_a_reason(self):
        world = make_world()
        score_all_items(world, SCORES_102_5)
        submit_others(world)
        services.party_score_submit(evaluation=world.evaluation, party=Party.THIRD_PARTY, user=world.evaluator)
        item = EvaluationItem.objects.get(section__evaluation=world.evaluation, code="1.1")
        with self.assertRaisesMessage(ValidationError, "第三方评估机构的得分已提交，如需修改请由区民政局重新开启。"):
            services.evaluation_item_update(evaluation=world.evaluation, item_id=item.id, user=world.evaluator,
                                            version=item.version, fields={"score": "10"})
        with self.assertRaisesMessage(ValidationError, "请填写重新开启的原因。"):
            services.evaluation_reopen(evaluation=world.evaluation, user=world.bureau, reason="  ")
        services.evaluation_reopen(evaluation=world.evaluation, user=world.bureau, reason="第三方复核 1.1 项",
                                   parties=[Party.THIRD_PARTY])
        ev = Evaluation.objects.get(pk=world.evaluation.pk)
        self.assertEqual((ev.status, ev.total_score, ev.grade), ("draft", None, ""))
        self.assertEqual(
            {s.party: s.status for s in ev.party_scores.all()},
            {"buyer": "submitted", "supervisor": "submitted", "supervision": "submitted", "third_party": "draft"},
        )
        reopened = list(ev.events.filter(action="reopened").values_list("party", "old_value", "reason"))
        self.assertEqual(reopened, [("", "89.08 良好", "第三方复核 1.1 项"),
                                    ("third_party", "submitted", "第三方复核 1.1 项")])
        services.evaluation_item_update(evaluation=ev, item_id=item.id, user=world.evaluator,
                                        version=item.version, fields={"score": "10"})
        services.party_score_submit(evaluation=ev, party=Party.THIRD_PARTY, user=world.evaluator)
        ev.refresh_from_db()
        # 103.5 / 120 × 55 = 47.4375 → 47.44; 20 + 8.30 + 13.80 + 47.44 = 89.54
        self.assertEqual((ev.status, ev.total_score, ev.get_grade_display()), ("finalised", Decimal("89.54"), "良好"))

    def test_party_score_rules(self):
        world = make_world()
        ev = world.evaluation
        for kwargs, message in [
            ({"points": "10.01", "party": Party.SUPERVISOR}, "项目监督方（区民政局）的得分不能超过 10 分。"),
            ({"score_100": "100.5", "party": Party.SUPERVISOR}, "项目监督方（区民政局）的百分制得分必须在 0 到 100 分之间。"),
            ({"points": "8.333", "party": Party.SUPERVISOR}, "项目监督方（区民政局）的得分最多保留两位小数。"),
            ({"points": "5", "party": Party.THIRD_PARTY}, "第三方评估机构的得分由评估指标得分计算，不能直接录入。"),
        ]:
            with self.subTest(kwargs=kwargs), self.assertRaisesMessage(ValidationError, message):
                services.party_score_set(evaluation=ev, user=world.bureau, version=1, **kwargs)
        score = services.party_score_set(evaluation=ev, party=Party.SUPERVISOR, user=world.bureau, version=1,
                                         score_100="83.0")
        self.assertEqual((score.points, score.score_100, score.version), (Decimal("8.30"), Decimal("83.0"), 2))
        with self.assertRaises(services.EditConflict):
            services.party_score_set(evaluation=ev, party=Party.SUPERVISOR, user=world.bureau, version=1, points="9")

    def test_findings_per_slot_with_versions(self):
        world = make_world()
        ev = world.evaluation
        a1, a2 = world.areas[0].id, world.areas[1].id
        f = services.finding_save(evaluation=ev, party=Party.THIRD_PARTY, user=world.evaluator, section="areas",
                                  kind="positive", area_ids=[a1], text="片区一台账清晰", version=0)
        self.assertEqual((f.version, list(f.areas.values_list("id", flat=True))), (1, [a1]))
        services.finding_save(evaluation=ev, party=Party.THIRD_PARTY, user=world.evaluator, section="areas",
                              kind="positive", area_ids=[a2, a1], text="两片区合写", version=0)
        self.assertEqual(Finding.objects.filter(evaluation=ev).count(), 2)
        with self.assertRaises(services.EditConflict) as ctx:
            services.finding_save(evaluation=ev, party=Party.THIRD_PARTY, user=world.evaluator2, section="areas",
                                  kind="positive", area_ids=[a1], text="另一人的", version=0)
        self.assertEqual(ctx.exception.current["text"], "片区一台账清晰")
        gone = services.finding_save(evaluation=ev, party=Party.THIRD_PARTY, user=world.evaluator, section="areas",
                                     kind="positive", area_ids=[a1], text="", version=1)
        self.assertIsNone(gone)
        self.assertEqual(Finding.objects.filter(evaluation=ev).count(), 1)


    def test_a_slot_emptied_and_written_again_never_reuses_an_old_version(self):
        world = make_world()
        ev = world.evaluation
        kwargs = {"evaluation": ev, "party": Party.THIRD_PARTY, "section": "management", "kind": "concern",
                  "area_ids": []}
        first = services.finding_save(user=world.evaluator, text="档案未按月归档", version=0, **kwargs)
        self.assertEqual(first.version, 1)  # evaluator 1 keeps editing from version 1 …
        self.assertIsNone(services.finding_save(user=world.evaluator2, text="", version=1, **kwargs))
        again = services.finding_save(user=world.evaluator2, text="督导记录缺三月份", version=0, **kwargs)
        self.assertEqual(again.version, 3)
        with self.assertRaises(services.EditConflict) as ctx:  # … and is told, instead of overwriting
            services.finding_save(user=world.evaluator, text="档案未按月归档，已提醒", version=1, **kwargs)
        self.assertEqual(ctx.exception.current, {"id": again.id, "text": "督导记录缺三月份", "version": 3})
        self.assertEqual(Finding.objects.get(evaluation=ev, section="management").text, "督导记录缺三月份")


class TrancheTests(TestCase):
    def test_tranche_amounts_and_conditions(self):
        world = make_world()
        rows = tranche_rows(world.contract)
        self.assertEqual([(r.amount, r.met, r.basis) for r in rows], [
            (Decimal("1091475.00"), True, "合同已签订"),
            (Decimal("793800.00"), False, "中期评估尚未定稿"),
            (Decimal("99225.00"), False, "末期评估尚未定稿"),
        ])
        score_all_items(world, SCORES_102_5)
        submit_others(world)
        services.party_score_submit(evaluation=world.evaluation, party=Party.THIRD_PARTY, user=world.evaluator)
        rows = tranche_rows(world.contract)
        self.assertEqual([(r.met, r.basis) for r in rows[1:]], [
            (True, "中期评估 89.08 分，良好"), (False, "末期评估尚未定稿"),
        ])

    def test_a_failed_midterm_does_not_release_the_second_tranche(self):
        world = make_world("f", rubric=RUBRIC_110, areas=1)
        score_all_items(world, ["10", "10"])
        submit_others(world, buyer="5.00", supervisor_100="50.0", supervision_100="50.0")
        services.party_score_submit(evaluation=world.evaluation, party=Party.THIRD_PARTY, user=world.evaluator)
        self.assertEqual(PartyScore.objects.get(evaluation=world.evaluation, party="third_party").points,
                         Decimal("10.00"))
        rows = tranche_rows(world.contract)
        self.assertEqual((rows[1].met, rows[1].basis), (False, "中期评估 27.50 分，不合格"))
