"""Evaluation screens: who may open and change what (404 outside one's scope), 回避 gate, autosave JSON, evidence."""

import json
from decimal import Decimal
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from django.urls import reverse

from reports import services
from reports.models import (
    Evaluation,
    EvaluationAssignment,
    EvaluationEvent,
    EvaluationItem,
    EvidenceAttachment,
    Finding,
    Party,
    PartyScore,
)

from .factories import SCORES_102_5, make_world, score_all_items

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


class ViewTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = make_world()
        cls.ev = cls.world.evaluation
        cls.item = EvaluationItem.objects.get(section__evaluation=cls.ev, code="1.1")
        cls.attachment = services.evidence_attach(
            evaluation=cls.ev, item_id=cls.item.id, user=cls.world.evaluator,
            upload=SimpleUploadedFile("台账.pdf", PDF_BYTES, content_type="application/pdf"),
        )

    def as_user(self, user):
        self.client.force_login(user)
        return self.client

    def post_json(self, url, data, user=None):
        if user is not None:
            self.client.force_login(user)
        return self.client.post(url, json.dumps(data), content_type="application/json")

    def item_url(self, item=None):
        return reverse("evaluation_item_autosave", args=[self.ev.code, (item or self.item).id])


class UnassignedEvaluatorTests(ViewTestCase):
    def evaluation_urls(self):
        code = self.ev.code
        return [
            ("GET", reverse("evaluation_detail", args=[code])),
            ("GET", reverse("evaluation_declaration", args=[code])),
            ("POST", reverse("evaluation_declaration", args=[code])),
            ("GET", reverse("evaluation_scoring", args=[code])),
            ("POST", reverse("evaluation_item_autosave", args=[code, self.item.id])),
            ("POST", reverse("evaluation_finding_autosave", args=[code])),
            ("POST", reverse("evaluation_attachment_upload", args=[code, self.item.id])),
            ("GET", reverse("evaluation_attachment", args=[code, self.attachment.id])),
            ("POST", reverse("evaluation_attachment_delete", args=[code, self.attachment.id])),
            ("GET", reverse("evaluation_party", args=[code, "buyer"])),
            ("POST", reverse("evaluation_party", args=[code, "supervisor"])),
            ("POST", reverse("evaluation_party_submit", args=[code, "third_party"])),
            ("POST", reverse("evaluation_reopen", args=[code])),
            ("GET", reverse("evaluation_history", args=[code])),
            ("GET", reverse("evaluation_contract_tranches", args=[self.world.contract.code])),
        ]

    def test_an_evaluator_not_assigned_gets_404_on_every_evaluation_url(self):
        self.as_user(self.world.outsider_evaluator)
        for method, url in self.evaluation_urls():
            with self.subTest(method=method, url=url):
                response = self.client.get(url) if method == "GET" else self.client.post(url, {"reason": "x"})
                self.assertEqual(response.status_code, 404)

    def test_an_evaluator_who_declared_a_conflict_gets_404_everywhere(self):
        services.evaluation_declare(evaluation=self.ev, user=self.world.evaluator2, conflict=True)
        self.as_user(self.world.evaluator2)
        for method, url in self.evaluation_urls():
            with self.subTest(method=method, url=url):
                response = self.client.get(url) if method == "GET" else self.client.post(url, {"reason": "x"})
                self.assertEqual(response.status_code, 404)

    def test_the_overview_does_not_list_other_agencies_evaluations(self):
        response = self.as_user(self.world.outsider_evaluator).get(reverse("evaluation_overview") + "?year=")
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, self.world.station.name)
        self.assertContains(response, "没有符合条件的评估。")


class DeclarationGateTests(ViewTestCase):
    def test_an_undeclared_evaluator_sees_only_the_declaration_page(self):
        self.as_user(self.world.evaluator2)
        declaration = reverse("evaluation_declaration", args=[self.ev.code])
        for name, args in [("evaluation_detail", []), ("evaluation_scoring", []), ("evaluation_history", []),
                           ("evaluation_attachment", [self.attachment.id]), ("evaluation_party", ["buyer"])]:
            with self.subTest(name=name):
                self.assertRedirects(self.client.get(reverse(name, args=[self.ev.code, *args])), declaration)
        for url in [self.item_url(), reverse("evaluation_finding_autosave", args=[self.ev.code]),
                    reverse("evaluation_attachment_upload", args=[self.ev.code, self.item.id])]:
            with self.subTest(url=url):
                response = self.post_json(url, {"version": 1, "score": "5"})
                self.assertEqual(response.status_code, 403)
                self.assertEqual(response.json()["error"], "请先作出回避声明。")
        response = self.client.get(declaration)
        self.assertContains(response, "回避声明")
        self.assertContains(response, str(self.ev))
        # No station data before the declaration: no rubric, no 片区, no scores.
        self.assertNotContains(response, "人员配备与到岗")
        self.assertNotContains(response, "片区1")
        self.assertNotContains(response, "台账.pdf")
        tranches = reverse("evaluation_contract_tranches", args=[self.world.contract.code])
        self.assertEqual(self.client.get(tranches).status_code, 404)

    def test_the_overview_shows_an_undeclared_evaluation_without_scores(self):
        response = self.as_user(self.world.evaluator2).get(reverse("evaluation_overview") + "?year=")
        self.assertContains(response, "待回避声明")
        self.assertContains(response, reverse("evaluation_declaration", args=[self.ev.code]))
        self.assertNotContains(response, reverse("evaluation_detail", args=[self.ev.code]) + '"')

    def test_declaring_no_conflict_opens_the_scoring_page(self):
        self.as_user(self.world.evaluator2)
        url = reverse("evaluation_declaration", args=[self.ev.code])
        response = self.client.post(url, {"declaration": "no_conflict"})
        self.assertContains(response, "请选择声明内容并勾选确认。")
        response = self.client.post(url, {"declaration": "no_conflict", "confirm": "on"})
        self.assertRedirects(response, reverse("evaluation_scoring", args=[self.ev.code]), fetch_redirect_response=False)
        assignment = EvaluationAssignment.objects.get(evaluation=self.ev, user=self.world.evaluator2)
        self.assertEqual(assignment.declaration, "no_conflict")
        self.assertIsNotNone(assignment.declared_at)
        self.assertTrue(self.ev.events.filter(action="declared_no_conflict", actor=self.world.evaluator2).exists())
        self.assertRedirects(self.client.get(url), reverse("evaluation_detail", args=[self.ev.code]))

    def test_a_declaration_made_meanwhile_in_another_tab_stands_and_the_second_is_refused_clearly(self):
        from unittest import mock

        from django.contrib.messages import get_messages

        declare = services.evaluation_declare

        def other_tab_first(**kwargs):
            declare(evaluation=kwargs["evaluation"], user=kwargs["user"], conflict=False)
            return declare(**kwargs)

        self.as_user(self.world.evaluator2)
        with mock.patch.object(services, "evaluation_declare", side_effect=other_tab_first):
            response = self.client.post(reverse("evaluation_declaration", args=[self.ev.code]),
                                        {"declaration": "conflict", "confirm": "on"})
        self.assertRedirects(response, reverse("evaluation_overview"))
        self.assertEqual([str(m) for m in get_messages(response.wsgi_request)], ["您已就该评估作出回避声明，不能更改。"])
        assignment = EvaluationAssignment.objects.get(evaluation=self.ev, user=self.world.evaluator2)
        self.assertEqual(assignment.declaration, "no_conflict")

    def test_declaring_a_conflict_removes_access(self):
        self.as_user(self.world.evaluator2)
        response = self.client.post(reverse("evaluation_declaration", args=[self.ev.code]),
                                    {"declaration": "conflict", "confirm": "on"})
        self.assertRedirects(response, reverse("evaluation_overview"))
        assignment = EvaluationAssignment.objects.get(evaluation=self.ev, user=self.world.evaluator2)
        self.assertEqual(assignment.declaration, "conflict")
        self.assertEqual(self.client.get(reverse("evaluation_detail", args=[self.ev.code])).status_code, 404)
        self.assertEqual(self.client.get(reverse("evaluation_declaration", args=[self.ev.code])).status_code, 404)
        self.assertTrue(self.ev.events.filter(action=EvaluationEvent.Action.DECLARED_CONFLICT).exists())


class ItemAutosaveTests(ViewTestCase):
    def test_a_score_above_the_maximum_is_refused_with_the_exact_message(self):
        response = self.post_json(self.item_url(), {"version": 1, "score": "10.5"}, self.world.evaluator)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"], "“人员配备与到岗”的得分不能超过 10 分。")
        self.item.refresh_from_db()
        self.assertIsNone(self.item.score)

    def test_a_score_and_note_are_saved_and_the_version_returned(self):
        response = self.post_json(self.item_url(), {"version": 1, "score": "8.5", "note": "现场查阅台账"},
                                  self.world.evaluator)
        self.assertEqual(response.status_code, 200, response.content)
        data = response.json()
        self.assertEqual((data["version"], data["item"]["score"], data["item"]["note"]), (2, "8.5", "现场查阅台账"))
        self.assertEqual(data["rubric"], {"raw": "8.5", "max": "120.0"})
        self.item.refresh_from_db()
        self.assertEqual((self.item.score, self.item.note), (Decimal("8.5"), "现场查阅台账"))

    def test_a_stale_version_answers_409_with_the_stored_values(self):
        self.post_json(self.item_url(), {"version": 1, "score": "8"}, self.world.evaluator)
        response = self.post_json(self.item_url(), {"version": 1, "score": "6"}, self.world.evaluator)
        self.assertEqual(response.status_code, 409)
        data = response.json()
        self.assertTrue(data["conflict"])
        self.assertEqual((data["current"]["score"], data["current"]["version"]), ("8.0", 2))
        self.assertEqual(data["error"], f"“人员配备与到岗”已被{self.world.evaluator}修改，请确认使用哪一个得分。")

    def test_csrf_is_required(self):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(self.world.evaluator)
        response = client.post(self.item_url(), json.dumps({"version": 1, "score": "5"}),
                               content_type="application/json")
        self.assertEqual(response.status_code, 403)

    def test_anonymous_gets_401_json_so_the_page_keeps_the_input(self):
        response = self.client.post(self.item_url(), "{}", content_type="application/json")
        self.assertEqual(response.status_code, 401)
        self.assertIn("登录已过期", response.json()["error"])

    def test_allow_and_deny_per_role(self):
        w = self.world
        for user, status in [(w.evaluator, 200), (w.bureau, 403), (w.street_user, 403), (w.supervision, 403),
                             (w.admin, 403), (w.evaluator2, 403), (w.outsider_evaluator, 404),
                             (w.other_bureau, 404), (w.other_street, 404)]:
            with self.subTest(user=user.username):
                item = EvaluationItem.objects.get(pk=self.item.pk)
                response = self.post_json(self.item_url(), {"version": item.version, "note": user.username}, user)
                self.assertEqual(response.status_code, status)


class FindingAutosaveTests(ViewTestCase):
    def url(self):
        return reverse("evaluation_finding_autosave", args=[self.ev.code])

    def test_third_party_area_finding_is_saved(self):
        area = self.world.areas[0]
        response = self.post_json(self.url(), {"party": "third_party", "section": "areas", "kind": "concern",
                                               "areas": [area.id], "text": "建议完善社区资产地图", "version": 0},
                                  self.world.evaluator)
        self.assertEqual(response.status_code, 200, response.content)
        finding = Finding.objects.get(evaluation=self.ev)
        self.assertEqual((finding.party, finding.section, finding.kind, finding.text, list(finding.areas.all())),
                         ("third_party", "areas", "concern", "建议完善社区资产地图", [area]))

    def test_a_party_writes_only_its_own_findings(self):
        w = self.world
        body = {"section": "general", "kind": "positive", "areas": [], "text": "好", "version": 0}
        for user, party, status in [(w.street_user, "buyer", 200), (w.street_user, "third_party", 403),
                                    (w.bureau, "supervisor", 200), (w.bureau, "buyer", 403),
                                    (w.supervision, "supervision", 200), (w.evaluator, "supervisor", 403),
                                    (w.admin, "buyer", 403)]:
            with self.subTest(user=user.username, party=party):
                response = self.post_json(self.url(), {**body, "party": party}, user)
                self.assertEqual(response.status_code, status)

    def test_an_area_of_another_contract_is_refused(self):
        other = make_world("z", areas=1)
        response = self.post_json(self.url(), {"party": "third_party", "section": "areas", "kind": "concern",
                                               "areas": [other.areas[0].id], "text": "x", "version": 0},
                                  self.world.evaluator)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"], "片区不属于该服务协议。")


class EvidenceTests(ViewTestCase):
    def upload(self, name, content, user=None, content_type="application/octet-stream"):
        self.client.force_login(user or self.world.evaluator)
        return self.client.post(
            reverse("evaluation_attachment_upload", args=[self.ev.code, self.item.id]),
            {"file": SimpleUploadedFile(name, content, content_type=content_type)},
        )

    def test_a_png_is_stored_privately_and_served_only_to_those_allowed(self):
        response = self.upload("现场照片.png", png_bytes())
        self.assertEqual(response.status_code, 200, response.content)
        attachment = EvidenceAttachment.objects.get(pk=response.json()["attachment"]["id"])
        self.assertEqual((attachment.content_type, attachment.original_name), ("image/png", "现场照片.png"))
        self.assertTrue(attachment.file.name.startswith(f"evidence/{self.ev.id}/"))
        self.assertNotIn("现场照片", attachment.file.name)
        url = reverse("evaluation_attachment", args=[self.ev.code, attachment.id])
        w = self.world
        # A draft's evidence is the third party's own (and the administrator's) until it submits (issue 9 §4).
        draft = [(w.evaluator, 200), (w.bureau, 404), (w.supervision, 404), (w.admin, 200),
                 (w.street_user, 404), (w.other_bureau, 404), (w.outsider_evaluator, 404)]
        submitted = [(w.evaluator, 200), (w.bureau, 200), (w.supervision, 200), (w.admin, 200),
                     (w.street_user, 404), (w.other_bureau, 404), (w.outsider_evaluator, 404)]
        for phase, expected in [("draft", draft), ("submitted", submitted)]:
            if phase == "submitted":
                score_all_items(w, SCORES_102_5)
                services.party_score_submit(evaluation=self.ev, party=Party.THIRD_PARTY, user=w.evaluator)
            for user, status in expected:
                with self.subTest(phase=phase, user=user.username):
                    response = self.as_user(user).get(url)
                    self.assertEqual(response.status_code, status)
                    if status == 200:
                        self.assertEqual(response["Content-Type"], "image/png")
                        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
                        self.assertEqual(b"".join(response.streaming_content), png_bytes())

    def test_content_is_sniffed_not_trusted_from_the_name(self):
        response = self.upload("假照片.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"], "“假照片.jpg”不是图片（JPEG、PNG、WebP）或 PDF 文件。")
        response = self.upload("坏图.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
        self.assertEqual(response.json()["error"], "“坏图.png”不是有效的图片文件。")

    @override_settings(EVIDENCE_MAX_BYTES=1024)
    def test_files_over_the_limit_are_refused(self):
        response = self.upload("大文件.pdf", PDF_BYTES + b"0" * 2048)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"], "“大文件.pdf”超过 0 MB 的大小限制。")

    def test_only_the_third_party_uploads_and_deletes(self):
        for user in [self.world.bureau, self.world.supervision, self.world.street_user, self.world.admin]:
            with self.subTest(user=user.username):
                self.assertEqual(self.upload("a.pdf", PDF_BYTES, user=user).status_code, 403)
        delete = reverse("evaluation_attachment_delete", args=[self.ev.code, self.attachment.id])
        self.assertEqual(self.as_user(self.world.bureau).post(delete).status_code, 403)
        self.assertEqual(self.as_user(self.world.evaluator).post(delete).status_code, 200)
        self.assertFalse(EvidenceAttachment.objects.filter(pk=self.attachment.pk).exists())

    def test_no_public_media_url_serves_evidence(self):
        self.as_user(self.world.evaluator)
        self.assertEqual(self.client.get("/media/" + self.attachment.file.name).status_code, 404)


class PageAccessTests(ViewTestCase):
    def status(self, user, url):
        return self.as_user(user).get(url).status_code

    def test_allow_and_deny_per_role_for_each_page(self):
        w = self.world
        code = self.ev.code
        detail = reverse("evaluation_detail", args=[code])
        scoring = reverse("evaluation_scoring", args=[code])
        history = reverse("evaluation_history", args=[code])
        create = reverse("evaluation_create")
        tranches = reverse("evaluation_contract_tranches", args=[w.contract.code])
        party = {p: reverse("evaluation_party", args=[code, p]) for p in ["buyer", "supervisor", "supervision"]}
        declaration = reverse("evaluation_declaration", args=[code])
        expected = {
            # user: detail, scoring, history, create, tranches, buyer, supervisor, supervision, declaration
            "bureau": (w.bureau, [200, 200, 200, 200, 200, 403, 200, 403, 404]),
            "street": (w.street_user, [200, 403, 200, 403, 200, 200, 403, 403, 404]),
            "supervision": (w.supervision, [200, 200, 200, 403, 200, 403, 403, 200, 404]),
            "evaluator": (w.evaluator, [200, 200, 200, 403, 404, 403, 403, 403, 302]),
            "admin": (w.admin, [200, 200, 200, 200, 200, 403, 403, 403, 404]),
            "other_bureau": (w.other_bureau, [404, 404, 404, 200, 404, 404, 404, 404, 404]),
            "other_street": (w.other_street, [404, 404, 404, 403, 404, 404, 404, 404, 404]),
        }
        urls = [detail, scoring, history, create, tranches, party["buyer"], party["supervisor"],
                party["supervision"], declaration]
        for name, (user, statuses) in expected.items():
            for url, status in zip(urls, statuses, strict=True):
                with self.subTest(user=name, url=url):
                    self.assertEqual(self.status(user, url), status)

    def test_a_supervision_centre_other_than_the_named_one_cannot_enter_the_centre_score(self):
        from stations.models import Organisation, User

        other_centre = Organisation.objects.create(name="另一督导中心", kind="supervision")
        user = User.objects.create_user("centre2", password="x" * 12, role="supervision", organisation=other_centre)
        self.assertEqual(self.status(user, reverse("evaluation_party", args=[self.ev.code, "supervision"])), 403)

    def test_scoring_page_is_editable_only_for_the_declared_evaluator(self):
        response = self.as_user(self.world.evaluator).get(reverse("evaluation_scoring", args=[self.ev.code]))
        self.assertContains(response, 'data-editable="1"')
        self.assertContains(response, "evaluation_autosave.js")
        self.assertContains(response, "人员配备与到岗")
        self.assertContains(response, "台账.pdf")
        response = self.as_user(self.world.bureau).get(reverse("evaluation_scoring", args=[self.ev.code]))
        self.assertContains(response, 'data-editable="0"')
        self.assertNotContains(response, "evaluation_autosave.js")

    def test_reopen_needs_the_district_bureau(self):
        w = self.world
        score_all_items(w, SCORES_102_5)
        services.party_score_submit(evaluation=self.ev, party=Party.THIRD_PARTY, user=w.evaluator)
        url = reverse("evaluation_reopen", args=[self.ev.code])
        for user in [w.supervision, w.street_user, w.admin, w.evaluator]:
            with self.subTest(user=user.username):
                self.assertEqual(self.as_user(user).post(url, {"reason": "复核"}).status_code, 403)
        self.assertEqual(self.as_user(w.other_bureau).post(url, {"reason": "复核"}).status_code, 404)
        response = self.as_user(w.bureau).post(url, {"reason": ""}, follow=True)
        self.assertContains(response, "请填写重新开启的原因。")
        self.assertEqual(PartyScore.objects.get(evaluation=self.ev, party="third_party").status, "submitted")
        response = self.as_user(w.bureau).post(url, {"reason": "第三方复核", "parties": ["third_party"]}, follow=True)
        self.assertContains(response, "已重新开启，原因已记录。")
        self.assertEqual(PartyScore.objects.get(evaluation=self.ev, party="third_party").status, "draft")


class PartyEntryTests(ViewTestCase):
    def url(self, party):
        return reverse("evaluation_party", args=[self.ev.code, party])

    def test_the_bureau_enters_out_of_100_and_submits(self):
        self.as_user(self.world.bureau)
        slot = "supervisor:general:positive:0"
        response = self.client.post(self.url("supervisor"), {
            "mode": "score_100", "value": "83.0", "version": "1", f"finding-{slot}": "项目管理规范",
            f"finding-{slot}-version": "0", "submit": "1",
        })
        self.assertRedirects(response, self.url("supervisor"), fetch_redirect_response=False)
        score = PartyScore.objects.get(evaluation=self.ev, party="supervisor")
        self.assertEqual((score.points, score.score_100, score.status, score.submitted_by),
                         (Decimal("8.30"), Decimal("83.0"), "submitted", self.world.bureau))
        self.assertEqual(Finding.objects.get(evaluation=self.ev, party="supervisor").text, "项目管理规范")
        response = self.client.get(self.url("supervisor"))
        self.assertContains(response, "8.30 分")
        self.assertContains(response, "如需修改，请由区民政局重新开启")

    def test_a_score_above_the_weight_is_refused_and_nothing_saved(self):
        self.as_user(self.world.street_user)
        slot = "buyer:general:positive:0"
        response = self.client.post(self.url("buyer"), {
            "mode": "points", "value": "20.5", "version": "1", f"finding-{slot}": "很好", f"finding-{slot}-version": "0",
            "save": "1",
        })
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "项目购买方（街道办事处）的得分不能超过 20 分。", status_code=400)
        self.assertContains(response, "很好", status_code=400)
        self.assertFalse(Finding.objects.filter(evaluation=self.ev).exists())

    def test_a_concurrent_change_is_reported_and_the_input_kept(self):
        services.party_score_set(evaluation=self.ev, party="buyer", user=self.world.street_user, version=1,
                                 points="18")
        self.as_user(self.world.street_user)
        response = self.client.post(self.url("buyer"), {"mode": "points", "value": "19.5", "version": "1",
                                                        "save": "1"})
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "项目购买方（街道办事处）的得分已被他人修改，请核对后再保存。", status_code=409)
        self.assertContains(response, 'value="19.5"', status_code=409)
        self.assertContains(response, 'name="version" value="2"', status_code=409)
        self.assertEqual(PartyScore.objects.get(evaluation=self.ev, party="buyer").points, Decimal("18.00"))

    def test_submitting_all_four_shows_total_and_grade(self):
        w = self.world
        score_all_items(w, SCORES_102_5)
        services.party_score_set(evaluation=self.ev, party="buyer", user=w.street_user, version=1, points="20")
        services.party_score_set(evaluation=self.ev, party="supervisor", user=w.bureau, version=1, points="8.3")
        services.party_score_set(evaluation=self.ev, party="supervision", user=w.supervision, version=1,
                                 score_100="92")
        for user, party in [(w.street_user, "buyer"), (w.bureau, "supervisor"), (w.supervision, "supervision")]:
            response = self.as_user(user).post(reverse("evaluation_party_submit", args=[self.ev.code, party]))
            self.assertRedirects(response, reverse("evaluation_detail", args=[self.ev.code]),
                                 fetch_redirect_response=False)
        response = self.as_user(w.evaluator).post(
            reverse("evaluation_party_submit", args=[self.ev.code, "third_party"]), follow=True
        )
        self.assertContains(response, "四方得分已全部提交：总分 89.08 分，良好。")
        self.assertContains(response, "89.08 分")
        self.assertContains(response, "等级：良好")
        self.assertContains(response, "46.98 分")
        self.assertEqual(Evaluation.objects.get(pk=self.ev.pk).status, "finalised")


class CreateViewTests(ViewTestCase):
    def test_the_bureau_creates_a_final_evaluation_for_its_district(self):
        w = self.world
        self.as_user(w.bureau)
        response = self.client.post(reverse("evaluation_create"), {
            "contract": w.contract.id, "kind": "final", "date": "2025-11-20", "period_start": "2024-12-11",
            "period_end": "2025-10-31", "agency": w.agency.id, "supervision_centre": w.centre.id,
            "template": w.template.id, "evaluators": [w.evaluator.id],
        })
        self.assertRedirects(response, reverse("evaluation_detail", args=["contract-a-final"]),
                             fetch_redirect_response=False)
        ev = Evaluation.objects.get(code="contract-a-final")
        self.assertEqual(EvaluationItem.objects.filter(section__evaluation=ev).count(), 11)
        self.assertEqual(ev.assignments.get().declaration, "pending")

    def test_another_district_contract_cannot_be_chosen(self):
        other = make_world("o")
        self.as_user(self.world.bureau)
        response = self.client.post(reverse("evaluation_create"), {
            "contract": other.contract.id, "kind": "final", "date": "2025-11-20", "period_start": "2024-12-11",
            "period_end": "2025-10-31", "agency": self.world.agency.id, "template": self.world.template.id,
            "evaluators": [self.world.evaluator.id],
        })
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "选择一个有效的选项")
        self.assertFalse(Evaluation.objects.filter(kind="final").exists())

    def test_the_evaluation_kind_is_chosen_not_preselected(self):
        self.as_user(self.world.bureau)
        page = self.client.get(reverse("evaluation_create"))
        self.assertContains(page, '<option value="" selected>请选择评估类型</option>', html=True)
        w = self.world
        response = self.client.post(reverse("evaluation_create"), {
            "contract": w.contract.id, "kind": "", "date": "2025-11-20", "period_start": "2024-12-11",
            "period_end": "2025-10-31", "agency": w.agency.id, "template": w.template.id, "evaluators": [w.evaluator.id],
        })
        self.assertEqual(response.context["form"].errors["kind"], ["请选择评估类型。"])
        self.assertEqual(Evaluation.objects.count(), 1)  # only the world's mid-term

    def test_a_period_outside_the_contract_is_refused_on_its_field(self):
        w = self.world
        self.as_user(w.bureau)
        response = self.client.post(reverse("evaluation_create"), {
            "contract": w.contract.id, "kind": "final", "date": "2025-11-20", "period_start": "2019-01-01",
            "period_end": "2025-10-31", "agency": w.agency.id, "template": w.template.id, "evaluators": [w.evaluator.id],
        })
        self.assertEqual(response.context["form"].errors["period_start"],
                         ["考核期开始 2019-01-01 不在服务协议期内（2024-12-11 至 2025-12-10）。"])
        self.assertContains(response, "考核期开始 2019-01-01 不在服务协议期内（2024-12-11 至 2025-12-10）。")
        self.assertFalse(Evaluation.objects.filter(kind="final").exists())
