"""Dates inside the contract and forms without misleading defaults (issue 11 §6).

The contract of build_world runs 2024-12-11 – 2025-12-10 (as seed 001): an activity dated 2019-01-01, a staff member
joining in 2019 or leaving in 2026, a transfer in 2026 are refused with a Chinese message naming the field, and nothing
is saved. The activity form offers the contract's own 服务项目 (hidden when it has none); a transfer has no
preselected destination."""

from datetime import date

from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse

from stations.forms import ActivityForm, StaffForm, TransferForm
from stations.models import ActivityEntry, AuditEntry, Contract, ServiceArea, StaffMember, StaffTransfer
from stations.services import activity_save
from tests.indicators.factories import build_world

PERIOD = "（2024-12-11 至 2025-12-10）"


class ActivityDateTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)

    def setUp(self):
        self.client.force_login(self.w.users["street_xc"])
        self.url = reverse("activity_create", args=[self.w.contract.code])

    def post(self, url=None, **fields):
        data = {"date": "2025-01-05", "name": "长者生日会", "nature": "medium", "participants": 45, **fields}
        return self.client.post(url or self.url, data)

    def test_dates_outside_the_contract_are_refused_with_the_field_named_and_nothing_saved(self):
        cases = [
            ({"date": "2019-01-01"}, "date", f"完成日期 2019-01-01 不在服务协议期内{PERIOD}。"),
            ({"date": "2024-12-10"}, "date", f"完成日期 2024-12-10 不在服务协议期内{PERIOD}。"),
            ({"date": "2025-12-11"}, "date", f"完成日期 2025-12-11 不在服务协议期内{PERIOD}。"),
            ({"end_date": "2026-01-05"}, "end_date", f"结束日期 2026-01-05 不在服务协议期内{PERIOD}。"),
            ({"end_date": "2025-01-04"}, "end_date", "结束日期 2025-01-04 不能早于完成日期 2025-01-05。"),
        ]
        for fields, field, message in cases:
            with self.subTest(**fields):
                response = self.post(**fields)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.context["form"].errors[field], [message])
                self.assertContains(response, message)
        self.assertFalse(ActivityEntry.objects.exists())
        self.assertFalse(AuditEntry.objects.filter(subject="activity").exists())

    def test_first_and_last_day_of_the_contract_are_accepted(self):
        for day in ("2024-12-11", "2025-12-10"):
            with self.subTest(day=day):
                self.assertEqual(self.post(date=day).status_code, 302)
        self.assertEqual(sorted(ActivityEntry.objects.values_list("date", flat=True)),
                         [date(2024, 12, 11), date(2025, 12, 10)])

    def test_editing_an_activity_to_a_date_outside_is_refused_and_it_stays_unchanged(self):
        self.post()
        activity = ActivityEntry.objects.get()
        response = self.post(url=reverse("activity_edit", args=[self.w.contract.code, activity.pk]),
                             date="2019-01-01", participants=99)
        self.assertContains(response, f"完成日期 2019-01-01 不在服务协议期内{PERIOD}。")
        activity.refresh_from_db()
        self.assertEqual((activity.date, activity.participants), (date(2025, 1, 5), 45))

    def test_the_service_refuses_it_too_for_every_other_write_path(self):
        with self.assertRaises(ValidationError) as caught:
            activity_save(contract=self.w.contract, user=self.w.users["street_xc"],
                          data={"date": date(2019, 1, 1), "name": "导入的活动", "participants": 3})
        self.assertEqual(caught.exception.message_dict, {"date": [f"完成日期 2019-01-01 不在服务协议期内{PERIOD}。"]})
        self.assertFalse(ActivityEntry.objects.exists())


class StaffDateTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=2)
        cls.a1, cls.a2 = cls.w.areas
        cls.lead = StaffMember.objects.create(contract=cls.w.contract, order=1, name="张测试", position="area_lead",
                                              certificate="intermediate", service_area=cls.a1,
                                              joined_on=date(2025, 1, 1), left_on=date(2025, 9, 30))

    def setUp(self):
        self.client.force_login(self.w.users["street_xc"])
        self.code = self.w.contract.code

    def test_join_and_leave_dates_outside_the_contract_are_refused(self):
        base = {"order": 2, "name": "王测试", "position": "area_worker", "certificate": "assistant",
                "service_area": self.a2.pk}
        cases = [
            ({"joined_on": "2019-01-01"}, "joined_on", f"到岗日期 2019-01-01 不在服务协议期内{PERIOD}。"),
            ({"left_on": "2026-01-01"}, "left_on", f"离岗日期 2026-01-01 不在服务协议期内{PERIOD}。"),
            ({"joined_on": "2025-03-01", "left_on": "2025-02-01"}, "left_on",
             "离岗日期 2025-02-01 不能早于到岗日期 2025-03-01。"),
        ]
        for fields, field, message in cases:
            with self.subTest(**fields):
                response = self.client.post(reverse("staff_create", args=[self.code]), {**base, **fields})
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.context["form"].errors[field], [message])
                self.assertContains(response, message)
        self.assertEqual(list(StaffMember.objects.values_list("name", flat=True)), ["张测试"])
        # editing: the stored dates stay
        response = self.client.post(reverse("staff_edit", args=[self.code, self.lead.pk]), {
            "order": 1, "name": "张测试", "position": "area_lead", "certificate": "intermediate",
            "joined_on": "2019-01-01",
        })
        self.assertContains(response, f"到岗日期 2019-01-01 不在服务协议期内{PERIOD}。")
        self.lead.refresh_from_db()
        self.assertEqual((self.lead.joined_on, self.lead.left_on), (date(2025, 1, 1), date(2025, 9, 30)))
        self.assertFalse(AuditEntry.objects.filter(subject="staff").exists())

    def test_transfer_dates_outside_the_contract_or_the_staff_members_time_are_refused(self):
        cases = [
            ("2026-02-01", f"调动日期 2026-02-01 不在服务协议期内{PERIOD}。"),
            ("2019-01-01", f"调动日期 2019-01-01 不在服务协议期内{PERIOD}。"),
            ("2024-12-20", "调动日期 2024-12-20 不能早于到岗日期 2025-01-01。"),
            ("2025-10-01", "调动日期 2025-10-01 不能晚于离岗日期 2025-09-30。"),
        ]
        for day, message in cases:
            with self.subTest(day=day):
                response = self.client.post(reverse("staff_transfer", args=[self.code, self.lead.pk]),
                                            {"to_area": self.a2.pk, "date": day})
                self.assertEqual(response.context["form"].errors["date"], [message])
        self.assertFalse(StaffTransfer.objects.exists())
        self.lead.refresh_from_db()
        self.assertEqual(self.lead.service_area, self.a1)

    def test_model_clean_refuses_for_the_admin_and_imports(self):
        member = StaffMember(contract=self.w.contract, order=3, name="赵测试", position="area_worker",
                             certificate="none", joined_on=date(2019, 1, 1))
        with self.assertRaises(ValidationError) as caught:
            member.full_clean()
        self.assertEqual(caught.exception.message_dict["joined_on"], [f"到岗日期 2019-01-01 不在服务协议期内{PERIOD}。"])


class FormChoiceTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=2)
        cls.a1, cls.a2 = cls.w.areas
        cls.lead = StaffMember.objects.create(contract=cls.w.contract, order=7, name="张测试", position="area_lead",
                                              certificate="intermediate", service_area=cls.a1)
        cls.other_project = cls.w.same_district.service_projects.create(kind="basic", name="别站的项目")

    def test_activity_form_hides_service_project_when_the_contract_has_none(self):
        form = ActivityForm(contract=self.w.contract)
        self.assertNotIn("service_project", form.fields)
        self.assertEqual([label for _, label in form.fields["service_area"].choices],
                         ["（全站活动，不限片区）", "片区1", "片区2"])

    def test_activity_form_lists_the_contracts_service_projects(self):
        self.w.contract.service_projects.create(kind="basic", name="长者服务", order=2)
        self.w.contract.service_projects.create(kind="core", name="党建引领", order=1)
        form = ActivityForm(contract=self.w.contract)
        self.assertEqual([label for _, label in form.fields["service_project"].choices],
                         ["（其他活动，不归入服务项目）", "核心项目：党建引领", "基础项目：长者服务"])
        self.assertEqual(form.fields["nature"].choices[0], ("", "（未注明）"))
        # a project of another contract is refused
        form = ActivityForm({"date": "2025-01-05", "name": "x", "participants": 1,
                             "service_project": self.other_project.pk}, contract=self.w.contract)
        self.assertIn("service_project", form.errors)

    def test_activity_form_without_areas_or_projects_has_neither_field(self):
        contract = Contract.objects.get(pk=self.w.contract.pk)
        StaffMember.objects.filter(contract=contract).update(service_area=None)
        ServiceArea.objects.filter(contract=contract).delete()
        form = ActivityForm(contract=contract)
        self.assertNotIn("service_project", form.fields)
        self.assertNotIn("service_area", form.fields)

    def test_transfer_has_no_preselected_destination(self):
        form = TransferForm(contract=self.w.contract, staff=self.lead)
        self.assertEqual(form.fields["to_area"].choices,
                         [("", "—— 请选择调入片区 ——"), (str(self.a2.pk), "片区2"),
                          ("none", "不属于任何片区（调任站级岗位）")])
        self.assertIsNone(form["to_area"].value())
        html = str(form["to_area"])
        self.assertEqual(html.count("selected"), 1)
        self.assertIn('<option value="" selected>—— 请选择调入片区 ——</option>', html)
        self.assertNotIn(f'value="{self.a1.pk}"', html)  # the current 片区 is not a destination

    def test_transfer_without_a_choice_is_refused_and_none_moves_out_of_every_area(self):
        self.client.force_login(self.w.users["street_xc"])
        url = reverse("staff_transfer", args=[self.w.contract.code, self.lead.pk])
        response = self.client.post(url, {"to_area": "", "date": "2025-02-01"})
        self.assertEqual(response.context["form"].errors["to_area"], ["请选择调入片区。"])
        self.assertFalse(StaffTransfer.objects.exists())
        response = self.client.post(url, {"to_area": "none", "date": "2025-02-01"})
        self.assertEqual(response.status_code, 302)
        self.lead.refresh_from_db()
        self.assertIsNone(self.lead.service_area)
        # now without a 片区: “不属于任何片区” is no longer offered, every 片区 is
        form = TransferForm(contract=self.w.contract, staff=self.lead)
        self.assertEqual([v for v, _ in form.fields["to_area"].choices], ["", str(self.a1.pk), str(self.a2.pk)])

    def test_new_staff_member_continues_the_numbering_and_area_posts_need_an_area(self):
        form = StaffForm(contract=self.w.contract)
        self.assertEqual(form["order"].value(), 8)
        form = StaffForm({"order": 8, "name": "王测试", "position": "area_worker", "certificate": "assistant"},
                         contract=self.w.contract)
        self.assertEqual(form.errors["service_area"], ["片区主管、片区社工须选择所属片区。"])
        form = StaffForm({"order": 8, "name": "王测试", "position": "deputy", "certificate": "assistant"},
                         contract=self.w.contract)
        self.assertTrue(form.is_valid(), form.errors)


class DemoDataInsideContractsTests(TestCase):
    def test_every_demo_activity_staff_member_and_transfer_passes_the_date_rules(self):
        from demo.loader import demo_load

        demo_load()
        objects = [*ActivityEntry.objects.select_related("contract"), *StaffMember.objects.select_related("contract"),
                   *StaffTransfer.objects.select_related("staff__contract")]
        self.assertTrue(objects)
        for obj in objects:
            with self.subTest(obj=str(obj)):
                obj.full_clean()
