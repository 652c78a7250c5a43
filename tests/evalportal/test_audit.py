"""Every correction audited (issue 9 §3): admin edits of an evaluation, a party score, a rubric item and a finding
leave old → new records in the evaluation's history; a finalised evaluation refuses them; the 修改记录 pages of
staff, activities and evaluations speak Chinese and answer 404 to other organisations."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from reports.models import Evaluation, EvaluationEvent, EvaluationItem, Finding, PartyScore
from stations.models import ActivityEntry, AuditEntry, StaffMember, StaffMonth, User
from stations.services import activity_delete, activity_save, staff_save
from tests.indicators.factories import build_world
from tests.reports.factories import make_world


def admin_form_data(response, **changes) -> dict:
    """What the admin change page would post back unchanged (main form and every inline), with `changes` applied."""
    data: dict = {}
    forms_to_post = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        forms_to_post.extend(formset.forms)
    for form in forms_to_post:
        for name, field in form.fields.items():
            if field.disabled:
                continue
            key, value = form.add_prefix(name), form[name].value()
            if isinstance(field, forms.SplitDateTimeField):
                value = timezone.localtime(value) if isinstance(value, datetime.datetime) else None  # as shown
                data[f"{key}_0"] = value.date().isoformat() if value else ""
                data[f"{key}_1"] = value.time().isoformat() if value else ""
            elif isinstance(field, forms.BooleanField):
                if value:
                    data[key] = "on"
            elif isinstance(value, (list, tuple)):
                data[key] = [str(v) for v in value]
            else:
                data[key] = "" if value is None else str(value)
    data.update(changes)
    return data


class EvaluationAdminAuditTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = make_world("aud", areas=2)
        cls.root = User.objects.create_superuser("root-audit", password="x" * 12, role="admin")
        cls.evaluation = cls.w.evaluation
        Evaluation.objects.filter(pk=cls.evaluation.pk).update(total_score=Decimal("89.08"), grade="good")
        cls.score = PartyScore.objects.get(evaluation=cls.evaluation, party="supervisor")
        PartyScore.objects.filter(pk=cls.score.pk).update(points=Decimal("8.30"))
        cls.item = EvaluationItem.objects.filter(section__evaluation=cls.evaluation).order_by("pk").first()
        EvaluationItem.objects.filter(pk=cls.item.pk).update(score=Decimal("4.0"))
        cls.finding = Finding.objects.create(evaluation=cls.evaluation, party="third_party", kind="positive",
                                             text="台账清晰")

    def setUp(self):
        self.client.force_login(self.root)

    def change(self, obj, **changes):
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
        page = self.client.get(url)
        self.assertEqual(page.status_code, 200)
        return self.client.post(url, admin_form_data(page, **changes))

    def events(self, **filters):
        return list(
            EvaluationEvent.objects.filter(evaluation=self.evaluation, action__startswith="admin_", **filters)
            .order_by("id").values_list("action", "party", "field", "old_value", "new_value", "actor__username")
        )

    def test_admin_edit_of_the_evaluation_total_and_grade(self):
        response = self.change(self.evaluation, total_score="95.00", grade="excellent")
        self.assertEqual(response.status_code, 302, response.content.decode()[-3000:])
        self.assertEqual(self.events(), [
            ("admin_update", "", "总得分", "89.08", "95.00", "root-audit"),
            ("admin_update", "", "等级", "良好", "优秀", "root-audit"),
        ])

    def test_admin_edit_of_a_party_score(self):
        response = self.change(self.score, points="9.00")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.events(), [
            ("admin_update", "supervisor", "四方得分 · 得分", "8.30", "9.00", "root-audit"),
        ])

    def test_admin_edit_of_a_rubric_item_score(self):
        response = self.change(self.item, score="5.0")
        self.assertEqual(response.status_code, 302)
        event = EvaluationEvent.objects.get(evaluation=self.evaluation, action="admin_update")
        self.assertEqual((event.field, event.old_value, event.new_value, event.item), ("评估项得分 · 得分", "4.0", "5.0",
                                                                                    self.item))

    def test_admin_edit_and_delete_of_a_finding(self):
        response = self.change(self.finding, text="台账清晰，归档及时")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.events(), [
            ("admin_update", "third_party", "评估意见 · 总体评价 · 值得肯定的地方 · 内容", "台账清晰", "台账清晰，归档及时", "root-audit"),
        ])
        url = reverse("admin:reports_finding_delete", args=[self.finding.pk])
        self.assertEqual(self.client.post(url, {"post": "yes"}).status_code, 302)
        deleted = EvaluationEvent.objects.get(evaluation=self.evaluation, action="admin_delete")
        self.assertEqual(deleted.field, "评估意见 · 总体评价 · 值得肯定的地方 · 整条记录")
        self.assertIn("内容：台账清晰，归档及时", deleted.old_value)
        self.assertIn("类型：值得肯定的地方", deleted.old_value)

    def test_a_finalised_evaluation_refuses_admin_edits_and_nothing_changes(self):
        Evaluation.objects.filter(pk=self.evaluation.pk).update(status="finalised")
        message = (f"评估“{self.evaluation}”（{self.evaluation.code}）已定稿，不能修改；"
                   "如需修改，请由区民政局填写原因重新开启。")
        for obj, changes in ((self.evaluation, {"total_score": "95.00"}), (self.score, {"points": "9.00"}),
                             (self.item, {"score": "5.0"}), (self.finding, {"text": "改写"})):
            with self.subTest(model=type(obj).__name__):
                before = list(type(obj).objects.filter(pk=obj.pk).values_list())
                response = self.change(obj, **changes)
                self.assertContains(response, message)
                self.assertEqual(list(type(obj).objects.filter(pk=obj.pk).values_list()), before)
        self.assertEqual(self.events(), [])
        # nor deleted
        response = self.client.post(reverse("admin:reports_finding_delete", args=[self.finding.pk]), {"post": "yes"},
                                    follow=True)
        self.assertContains(response, message)
        self.assertTrue(Finding.objects.filter(pk=self.finding.pk).exists())

    def test_evaluation_history_page_in_chinese(self):
        e = self.evaluation
        at = datetime.datetime(2025, 5, 20, 10, tzinfo=datetime.UTC)
        area = self.w.areas[1]
        EvaluationEvent.objects.bulk_create([
            EvaluationEvent(evaluation=e, at=at, actor=self.w.bureau, action="party_submitted", party="supervisor",
                            field="status", old_value="draft", new_value="submitted"),
            EvaluationEvent(evaluation=e, at=at, actor=self.w.bureau, action="finalised", field="total_score",
                            new_value="89.08 良好"),
            EvaluationEvent(evaluation=e, at=at, actor=self.w.bureau, action="reopened", field="status",
                            old_value="89.08 良好", new_value="draft", reason="第三方得分需复核"),
            EvaluationEvent(evaluation=e, at=at, actor=self.w.evaluator, action="finding_saved", party="third_party",
                            field="finding:general:concern:", new_value="档案不全"),
            EvaluationEvent(evaluation=e, at=at, actor=self.w.evaluator, action="finding_saved", party="third_party",
                            field=f"finding:areas:positive:{area.pk}", new_value="走访扎实"),
            EvaluationEvent(evaluation=e, at=at, actor=self.w.evaluator, action="declared_no_conflict",
                            party="third_party", field="declaration", old_value="pending", new_value="no_conflict"),
        ])
        self.client.force_login(self.w.bureau)
        # the third party's findings are its draft: the bureau sees them once that party has submitted (issue 9 §4)
        response = self.client.get(reverse("evaluation_history", args=[e.code]))
        self.assertNotContains(response, "评估意见 · 总体评价 · 需要关注的地方")
        PartyScore.objects.filter(evaluation=e, party="third_party").update(status="submitted", points=Decimal("36.00"))
        response = self.client.get(reverse("evaluation_history", args=[e.code]))
        table = response.content.decode().split('<table', 1)[1].split("</table>", 1)[0]
        for raw in ("submitted", "total_score", "finding:", ">draft<", "status", "pending", "no_conflict"):
            self.assertNotIn(raw, table)
        for label in ("已提交", "草稿", "总得分", "进行中", "评估意见 · 总体评价 · 需要关注的地方",
                      f"评估意见 · 各片区服务开展情况 · 值得肯定的地方 · {area.name}", "未声明", "无利益冲突",
                      "第三方得分需复核"):
            self.assertIn(label, table)
        # another district's bureau does not see the evaluation, nor its history
        self.client.force_login(self.w.other_bureau)
        self.assertEqual(self.client.get(reverse("evaluation_history", args=[e.code])).status_code, 404)


class StationHistoryPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)
        cls.street = cls.w.users["street_xc"]
        cls.staff = staff_save(contract=cls.w.contract, user=cls.street, data={
            "order": 1, "name": "张测试", "position": "area_lead", "certificate": "intermediate",
            "joined_on": datetime.date(2024, 12, 11),
        })
        staff_save(contract=cls.w.contract, user=cls.street, staff=cls.staff, reason="离职", data={
            "left_on": datetime.date(2025, 6, 30), "certificate": "assistant",
        })
        cls.month = StaffMonth.objects.create(staff=cls.staff, month=datetime.date(2025, 6, 1), on_post=Decimal(1))
        cls.activity = activity_save(contract=cls.w.contract, user=cls.street, data={
            "date": datetime.date(2025, 6, 10), "name": "端午活动", "participants": 40, "nature": "large",
        })
        activity_save(contract=cls.w.contract, user=cls.street, activity=cls.activity, data={"participants": 45})
        gone = activity_save(contract=cls.w.contract, user=cls.street, data={
            "date": datetime.date(2025, 6, 12), "name": "重复录入", "participants": 5,
        })
        activity_delete(activity=gone, user=cls.street, reason="重复")

    def test_staff_history_page(self):
        admin_user = self.w.users["admin"]
        self.client.force_login(admin_user)
        url = reverse("admin:stations_staffmonth_change", args=[self.month.pk])
        self.client.post(url, {"staff": self.staff.pk, "month": "2025-06-01", "on_post": "0.5"})
        self.client.force_login(self.w.users["bureau_lw"])  # the district's bureau sees the register
        response = self.client.get(reverse("staff_history", args=[self.w.contract.code, self.staff.pk]))
        self.assertEqual(response.status_code, 200)
        rows = [(e.get_action_display(), e.field_label, e.old_value, e.new_value, e.reason, e.source)
                for e in response.context["page"].object_list]
        self.assertIn(("修改", "离岗日期", "", "2025-06-30", "离职", "网页"), rows)
        self.assertIn(("修改", "岗位资格证/资质", "社会工作师（中级）", "助理社会工作师（助理级）", "离职", "网页"), rows)
        self.assertIn(("修改", "人员到位", "到位", "半月", "", "后台"), rows)
        self.assertIn(("新增", "姓名", "", "张测试", "", "网页"), rows)
        table = response.content.decode().split('id="audit-history"', 1)[1].split("</table>", 1)[0]
        for raw in ("left_on", "certificate", "intermediate", "on_post", "update", "create"):
            self.assertNotIn(raw, table)

    def test_activity_history_pages(self):
        self.client.force_login(self.street)
        response = self.client.get(reverse("activity_history", args=[self.w.contract.code, self.activity.pk]))
        rows = [(e.get_action_display(), e.field_label, e.old_value, e.new_value)
                for e in response.context["page"].object_list]
        self.assertEqual(rows[0], ("修改", "服务人次", "40", "45"))
        self.assertIn(("新增", "活动性质", "", "大型活动"), rows)
        self.assertNotIn("large", response.content.decode().split('id="audit-history"', 1)[1])
        log = self.client.get(reverse("activity_log", args=[self.w.contract.code]))
        self.assertContains(log, "活动 重复录入")  # the deleted activity's history stays readable
        self.assertContains(log, "重复")

    def test_history_pages_paginate(self):
        AuditEntry.objects.bulk_create([
            AuditEntry(action="update", subject="activity", object_id=self.activity.pk, contract=self.w.contract,
                       label="活动 端午活动", field="服务人次", old_value=str(i), new_value=str(i + 1))
            for i in range(60)
        ])
        self.client.force_login(self.street)
        url = reverse("activity_history", args=[self.w.contract.code, self.activity.pk])
        first = self.client.get(url)
        self.assertEqual(len(first.context["page"].object_list), 50)
        self.assertContains(first, "第 1 / 2 页")
        self.assertEqual(self.client.get(url, {"page": 2}).context["page"].number, 2)

    def test_other_organisations_get_404(self):
        for username in ("street_jt", "bureau_by", "street_fy"):
            self.client.force_login(self.w.users[username])
            for url in (reverse("staff_history", args=[self.w.contract.code, self.staff.pk]),
                        reverse("staff_log", args=[self.w.contract.code]),
                        reverse("activity_history", args=[self.w.contract.code, self.activity.pk]),
                        reverse("activity_log", args=[self.w.contract.code])):
                with self.subTest(user=username, url=url):
                    self.assertEqual(self.client.get(url).status_code, 404)
        # a staff member of another contract under this contract's code
        other = StaffMember.objects.create(contract=self.w.other_district, name="他站社工", position="area_worker",
                                           certificate="none")
        self.client.force_login(self.street)
        self.assertEqual(
            self.client.get(reverse("staff_history", args=[self.w.contract.code, other.pk])).status_code, 404
        )
        self.assertFalse(ActivityEntry.objects.filter(name="重复录入").exists())
