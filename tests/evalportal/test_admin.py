"""The admin: every model can be listed, added and changed, and no changelist queries once per row."""

import datetime
from decimal import Decimal

from django.contrib import admin
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import IndicatorDefinition, MonthlyActual, Target
from reports.models import (
    ArchivedReport,
    Evaluation,
    EvaluationAssignment,
    EvaluationEvent,
    EvaluationItem,
    EvaluationSection,
    EvidenceAttachment,
    ExpenseLine,
    Finding,
    PartyScore,
    PerformanceEvaluation,
    PerformanceEvaluationEvent,
    PerformanceIndicator,
    RenderedReport,
    ReportBundle,
    RubricItem,
    RubricSection,
    RubricTemplate,
    WorkerHeartbeat,
)
from stations.models import (
    ActivityEntry,
    AuditEntry,
    Community,
    Contract,
    District,
    ImportBatch,
    Organisation,
    PaymentTranche,
    QuarterSubmission,
    ServiceArea,
    ServiceProject,
    StaffMember,
    StaffMonth,
    StaffTransfer,
    Station,
    Street,
    User,
)

PROJECT_APPS = {"stations", "indicators", "reports", "oversight"}


def project_models():
    return [model for model in admin.site._registry if model._meta.app_label in PROJECT_APPS]


def evaluation_at():
    from django.utils import timezone

    return timezone.now()


def build_world(i: int) -> dict:
    """One station with one of everything, all names made up (suffix i keeps them unique)."""
    district = District.objects.create(code=f"d{i}", name=f"测试区{i}")
    street = Street.objects.create(code=f"s{i}", district=district, name=f"测试街{i}")
    bureau = Organisation.objects.create(name=f"测试区民政局{i}", kind="bureau", district=district)
    office = Organisation.objects.create(name=f"测试街道办{i}", kind="street", street=street)
    operator = Organisation.objects.create(name=f"测试社工机构{i}", kind="operator")
    agency = Organisation.objects.create(name=f"测试评估机构{i}", kind="evaluator")
    centre = Organisation.objects.create(name=f"测试督导中心{i}", kind="supervision")
    evaluator = User.objects.create_user(f"evaluator{i}", password="x" * 12, role="evaluator", organisation=agency)
    station = Station.objects.create(code=f"st{i}", street=street, name=f"测试社工服务站{i}")
    community = Community.objects.create(station=station, name=f"测试社区{i}")
    contract = Contract.objects.create(
        code=f"c{i}", title=f"测试项目{i}", station=station, operator=operator, buyer=office, supervisor=bureau,
        start_date=datetime.date(2024, 12, 11), end_date=datetime.date(2025, 12, 10), budget=Decimal("2400000.00"),
    )
    area = ServiceArea.objects.create(contract=contract, name="片区一")
    area.communities.add(community)
    PaymentTranche.objects.create(contract=contract, order=1, percentage=Decimal("55"), condition="signing")
    project = ServiceProject.objects.create(contract=contract, kind="core", name="党建引领")
    staff = StaffMember.objects.create(
        contract=contract, name=f"测试社工{i}", position="area_worker", certificate="assistant", service_area=area
    )
    StaffMonth.objects.create(staff=staff, month=datetime.date(2025, 1, 1), on_post=Decimal("1"), service_area=area)
    ActivityEntry.objects.create(
        contract=contract, service_project=project, service_area=area, date=datetime.date(2025, 1, 5),
        name="长者探访", participants=12,
    )
    indicator = IndicatorDefinition.objects.create(code=f"visit{i}", name="入户探访", unit="户次")
    Target.objects.create(contract=contract, service_area=area, indicator=indicator, value=Decimal("700"))
    MonthlyActual.objects.create(
        contract=contract, service_area=area, indicator=indicator, month=datetime.date(2025, 1, 1), value=Decimal("90")
    )
    template = RubricTemplate.objects.create(name=f"测试模板{i}")
    rubric_section = RubricSection.objects.create(template=template, name="项目管理")
    RubricItem.objects.create(section=rubric_section, code="1.1", text="制度建设", max_points=Decimal("5"))
    evaluation = Evaluation.objects.create(
        code=f"e{i}", contract=contract, kind="midterm", date=datetime.date(2025, 5, 20),
        period_start=datetime.date(2024, 12, 11), period_end=datetime.date(2025, 4, 30), agency=agency,
        supervision_centre=centre, rubric_source=template,
    )
    EvaluationAssignment.objects.create(evaluation=evaluation, user=evaluator, declaration="no_conflict")
    PartyScore.objects.create(evaluation=evaluation, party="supervisor", weight=Decimal("10"), points=Decimal("8.3"))
    section = EvaluationSection.objects.create(evaluation=evaluation, name="项目管理")
    item = EvaluationItem.objects.create(section=section, code="1.1", text="制度建设", max_points=Decimal("5"))
    EvidenceAttachment.objects.create(
        item=item, file=f"evidence/test/{i}.pdf", original_name="台账.pdf", content_type="application/pdf", size=10
    )
    EvaluationEvent.objects.create(evaluation=evaluation, at=evaluation_at(), action="created")
    finding = Finding.objects.create(evaluation=evaluation, party="third_party", kind="positive", text="台账清晰")
    finding.areas.add(area)
    performance = PerformanceEvaluation.objects.create(
        code=f"p{i}", title=f"测试绩效评价{i}", year=2023, department=office
    )
    level1 = PerformanceIndicator.objects.create(evaluation=performance, level=1, name="过程")
    PerformanceIndicator.objects.create(evaluation=performance, parent=level1, level=2, name="资金管理")
    ExpenseLine.objects.create(evaluation=performance, order=1, name="人员费用", amount=Decimal("1000.00"))
    RenderedReport.objects.create(kind="evaluation", code=evaluation.code, fingerprint=f"{i:064d}",
                                  file=f"reports/rendered/e{i}.pdf", size=1000)
    ReportBundle.objects.create(requested_by=evaluator, district=district, period_from=datetime.date(2025, 1, 1),
                                period_to=datetime.date(2025, 12, 31))
    WorkerHeartbeat.objects.create(name=f"worker-{i}", started_at=evaluation_at(), beat_at=evaluation_at())
    # entry branch: quarter submissions, audit trail, parsed uploads, staff transfers
    QuarterSubmission.objects.create(contract=contract, year=2025, quarter=1)
    AuditEntry.objects.create(action="create", subject="actual", contract=contract, label="片区一 · 入户探访")
    ImportBatch.objects.create(token=f"t{i}", user=evaluator, contract=contract, kind="actuals")
    StaffTransfer.objects.create(staff=staff, date=datetime.date(2025, 2, 1), from_area=area, to_area=None)
    # signed reports: an archived version and the 绩效评价's publication history
    from django.utils import timezone

    ArchivedReport.objects.create(
        kind="performance", performance_evaluation=performance, code=performance.code, version=1, title="测试报告",
        verification_code=f"TEST-{i:04d}-AAAA", html="<html></html>", data={"total": "95.48"}, created_at=timezone.now(),
    )
    PerformanceEvaluationEvent.objects.create(evaluation=performance, at=timezone.now(), action="published")
    return {"contract": contract, "staff": staff, "evaluation": evaluation, "performance": performance}


class AdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.superuser = User.objects.create_superuser("root", password="x" * 12, role="admin")
        cls.world = build_world(1)
        from django.utils import timezone

        from reports.models import WorkerHeartbeat

        WorkerHeartbeat.objects.create(name="app1:101", started_at=timezone.now(), beat_at=timezone.now())

    def setUp(self):
        self.client.force_login(self.superuser)

    def _request(self):
        from django.test import RequestFactory

        request = RequestFactory().get("/")
        request.user = self.superuser
        return request

    def url(self, model, view: str, *args) -> str:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)

    def test_every_project_model_is_registered(self):
        from django.apps import apps

        expected = {m for app in PROJECT_APPS for m in apps.get_app_config(app).get_models()}
        self.assertEqual(set(project_models()), expected)

    def test_every_changelist_add_and_change_page_opens(self):
        for model in project_models():
            obj = model.objects.first()
            with self.subTest(model=model.__name__):
                self.assertEqual(self.client.get(self.url(model, "changelist")).status_code, 200)
                # Append-only models (evidence uploads, the evaluation history, the audit trail, quarter submissions,
                # parsed uploads, staff transfers) have no add page by design.
                can_add = admin.site._registry[model].has_add_permission(self._request())
                self.assertEqual(self.client.get(self.url(model, "add")).status_code, 200 if can_add else 403)
                if obj is None and model._meta.label == "oversight.WarningSettings":
                    obj = model.objects.create()  # the one-row thresholds the demo leaves at their defaults
                if obj is None:
                    continue  # nothing to change (e.g. no worker heartbeat yet)
                self.assertEqual(self.client.get(self.url(model, "change", obj.pk)).status_code, 200)

    def test_changelist_queries_do_not_grow_with_rows(self):
        def count(model) -> int:
            with CaptureQueriesContext(connection) as ctx:
                response = self.client.get(self.url(model, "changelist"))
            self.assertEqual(response.status_code, 200)
            return len(ctx.captured_queries)

        before = {model: count(model) for model in project_models()}
        build_world(2)
        build_world(3)
        for model in project_models():
            with self.subTest(model=model.__name__):
                self.assertEqual(count(model), before[model])

    def test_user_admin_edits_role_and_organisation(self):
        office = Organisation.objects.get(kind="street")
        response = self.client.post(
            self.url(User, "add"),
            {"username": "street_test", "password1": "evalportal-demo-2025", "password2": "evalportal-demo-2025",
             "usable_password": "true", "role": "street", "organisation": office.pk, "display_name": "测试员"},
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        user = User.objects.get(username="street_test")
        self.assertEqual((user.role, user.organisation, user.display_name), ("street", office, "测试员"))

    def test_correcting_an_actual_bumps_its_version_and_records_the_editor(self):
        actual = MonthlyActual.objects.get()
        response = self.client.post(
            self.url(MonthlyActual, "change", actual.pk),
            {"contract": actual.contract_id, "service_area": actual.service_area_id,
             "indicator": actual.indicator_id, "month": "2025-01-01", "value": "95"},
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        actual.refresh_from_db()
        self.assertEqual((actual.value, actual.version, actual.updated_by), (Decimal("95"), 2, self.superuser))

    def test_admin_corrections_of_staff_months_and_activities_are_audited(self):
        from stations.models import ActivityEntry, AuditEntry, StaffMonth

        month = StaffMonth.objects.get()
        response = self.client.post(
            self.url(StaffMonth, "change", month.pk),
            {"staff": month.staff_id, "month": month.month.isoformat(), "on_post": "0.5",
             "social_insurance": "on", "salary_paid": "on", "service_area": month.service_area_id or ""},
        )
        errors = response.context["adminform"].form.errors if response.status_code == 200 else None
        self.assertEqual(response.status_code, 302, errors)
        month.refresh_from_db()
        self.assertEqual((month.on_post, month.version, month.updated_by), (Decimal("0.5"), 2, self.superuser))
        entries = AuditEntry.objects.filter(subject=AuditEntry.Subject.STAFF_MONTH).order_by("field")
        self.assertEqual(
            sorted((e.field, e.old_value, e.new_value) for e in entries),
            [("人员到位", "到位", "半月"), ("工资发放", "否", "是"), ("社保购买", "否", "是")],
        )
        for entry in entries:
            self.assertEqual(
                (entry.action, entry.source, entry.user, entry.month, entry.quarter),
                ("update", "后台", self.superuser, month.month, "2025-Q1"),
            )

        activity = ActivityEntry.objects.get()
        response = self.client.post(self.url(ActivityEntry, "delete", activity.pk), {"post": "yes"})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(ActivityEntry.objects.exists())
        deletion = AuditEntry.objects.get(subject=AuditEntry.Subject.ACTIVITY)
        self.assertEqual((deletion.action, deletion.source, deletion.object_id), ("delete", "后台", activity.pk))
        self.assertIn(activity.name, deletion.old_value)
