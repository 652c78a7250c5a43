"""URL census (issue 3 §1): every non-admin URL name of the project × every kind of user, against the demo data.

Each URL name has an explicit row in CENSUS: the concrete URL built from demo objects and the status each role must
get on GET. Anonymous users are sent to the login page (JSON endpoints answer 401); users outside the object's
district, street or assignment get 404; read-only users of a visible object get 403 on write screens. Mutating
endpoints are also POSTed by foreign users, who must be refused without any row changing.

Every GET response is also checked for the headers and markup every page must have (tests/evalportal/page_checks.py:
Content-Security-Policy, no inline script, no-store when signed in).

A new URL name that CENSUS does not list fails `test_every_url_name_is_in_the_census`: a new view cannot skip the
access matrix.
"""

from __future__ import annotations

import hashlib
from datetime import date
from urllib.parse import urlsplit

from django.core.files.base import ContentFile
from django.test import TestCase
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from api.models import ApiToken
from api.tokens import api_token_create
from demo.loader import demo_load
from indicators.models import MonthlyActual, Target
from reports.archive.services import archived_report_render, current_archive
from reports.models import (
    Evaluation,
    EvaluationAssignment,
    EvaluationItem,
    EvidenceAttachment,
    Finding,
    PartyScore,
    ReportBundle,
)
from stations.models import (
    ActivityEntry,
    AuditEntry,
    Contract,
    District,
    ImportBatch,
    Organisation,
    QuarterSubmission,
    StaffMember,
    StaffMonth,
    StaffTransfer,
    User,
)
from surveys.models import Answer, Contact, Respondent, RespondentGroup, Survey
from tests.evalportal.page_checks import page_problems
from tests.surveys.factories import default_questionnaire

ROLES = [
    "anonymous", "street_xicun", "street_jingtai", "bureau_liwan", "bureau_baiyun", "supervision_gz", "evaluator_gzswa",
    "admin",
]
LOGIN = "login"  # anonymous: redirect to the login page
J401 = 401  # anonymous on a JSON endpoint


def row(default: int | str, **by_role: int | str) -> dict[str, int | str]:
    """Expected GET status per role: `default` for every logged-in role not named, LOGIN for anonymous."""
    expected: dict[str, int | str] = {role: default for role in ROLES}
    expected["anonymous"] = LOGIN
    expected.update(by_role)
    return expected


# xicun-2024 (西村街, 荔湾区): the evaluator declared no conflict on the mid-term evaluation, which is finalised, and has
# not yet declared for the final one: 回避 per evaluation (issue 9 §5), it sees nothing of the station.
CONTRACT_READ = row(200, street_jingtai=404, bureau_baiyun=404, evaluator_gzswa=404)
# write screens of xicun-2024: the buying street office and admins; other viewers are told they may not (403)
CONTRACT_WRITE = row(403, street_xicun=200, admin=200, street_jingtai=404, bureau_baiyun=404, evaluator_gzswa=404)
EVERYONE = row(200)
SURVEY_READ = row(200, street_jingtai=404, bureau_baiyun=404)
FOREIGN = ("street_jingtai", "bureau_baiyun")

# name -> (url builder, expected GET status per role, POST: (data, expected status for each foreign role) or None)
# Several rows may test one URL name with different objects: "name@variant".
CENSUS: dict = {
    # --- accounts, home -----------------------------------------------------------------------------------------
    "home": (lambda o: reverse("home"), EVERYONE, None),
    "login": (lambda o: reverse("login"), row(302, anonymous=200), None),
    "logout": (lambda o: reverse("logout"), row(405, anonymous=405), None),  # POST only (Django 5)
    "password_change": (lambda o: reverse("password_change"), EVERYONE, None),
    "password_change_done": (lambda o: reverse("password_change_done"), EVERYONE, None),
    # --- contracts, staff register, ledger (stations) --------------------------------------------------------------
    "contract_list": (lambda o: reverse("contract_list"), EVERYONE, None),
    "contract_detail": (lambda o: reverse("contract_detail", args=["xicun-2024"]), CONTRACT_READ, None),
    "contract_detail@jingtai": (
        lambda o: reverse("contract_detail", args=["jingtai-2023"]),
        # jingtai-2023 (景泰街, 白云区): no evaluation assigned, so the evaluator does not see it
        row(200, street_xicun=404, bureau_liwan=404, evaluator_gzswa=404), None,
    ),
    "staff_list": (lambda o: reverse("staff_list", args=["xicun-2024"]), CONTRACT_READ, None),
    "staff_create": (
        lambda o: reverse("staff_create", args=["xicun-2024"]), CONTRACT_WRITE,
        ({"order": "99", "name": "越权社工", "position": "area_worker", "certificate": "none"}, 404),
    ),
    "staff_edit": (
        lambda o: reverse("staff_edit", args=["xicun-2024", o["staff"].pk]), CONTRACT_WRITE,
        ({"order": "1", "name": "越权改名", "position": "area_worker", "certificate": "none"}, 404),
    ),
    "staff_edit@other_contract": (
        # a staff member of jingtai-2023 under xicun-2024's code: 404 even for xicun's own street office
        lambda o: reverse("staff_edit", args=["xicun-2024", o["jingtai_staff"].pk]),
        row(403, street_xicun=404, admin=404, street_jingtai=404, bureau_baiyun=404, evaluator_gzswa=404), None,
    ),
    "staff_transfer": (
        lambda o: reverse("staff_transfer", args=["xicun-2024", o["staff"].pk]), CONTRACT_WRITE,
        (lambda o: {"to_area": "", "date": "2025-02-01", "reason": "越权"}, 404),
    ),
    "staff_months": (
        lambda o: reverse("staff_months", args=["xicun-2024", "2025-Q1"]), CONTRACT_READ,
        (lambda o: {f"p-{o['staff'].pk}-202502": "0", f"v-{o['staff'].pk}-202502": "1"}, 404),
    ),
    "staff_export": (lambda o: reverse("staff_export", args=["xicun-2024"]), CONTRACT_READ, None),
    # 修改记录: whoever sees the register or ledger sees its history; other organisations get 404
    "staff_history": (lambda o: reverse("staff_history", args=["xicun-2024", o["staff"].pk]), CONTRACT_READ, None),
    "staff_history@other_contract": (
        lambda o: reverse("staff_history", args=["xicun-2024", o["jingtai_staff"].pk]), row(404), None,
    ),
    "staff_log": (lambda o: reverse("staff_log", args=["xicun-2024"]), CONTRACT_READ, None),
    "activity_history": (
        lambda o: reverse("activity_history", args=["xicun-2024", o["activity"].pk]), CONTRACT_READ, None,
    ),
    "activity_log": (lambda o: reverse("activity_log", args=["xicun-2024"]), CONTRACT_READ, None),
    "staff_import": (lambda o: reverse("staff_import", args=["xicun-2024"]), CONTRACT_WRITE, ({"token": "x"}, 404)),
    "activity_list": (lambda o: reverse("activity_list", args=["xicun-2024"]), CONTRACT_READ, None),
    "activity_create": (
        lambda o: reverse("activity_create", args=["xicun-2024"]), CONTRACT_WRITE,
        ({"date": "2025-01-05", "name": "越权活动", "participants": "5"}, 404),
    ),
    "activity_edit": (
        lambda o: reverse("activity_edit", args=["xicun-2024", o["activity"].pk]), CONTRACT_WRITE,
        ({"date": "2025-01-05", "name": "越权改名", "participants": "5"}, 404),
    ),
    "activity_delete": (
        lambda o: reverse("activity_delete", args=["xicun-2024", o["activity"].pk]), CONTRACT_WRITE,
        ({"reason": "越权"}, 404),
    ),
    # --- quarterly entry, Excel (indicators) -----------------------------------------------------------------------
    "quarter_entry": (
        lambda o: reverse("quarter_entry", args=["xicun-2024", "2025-Q2"]), CONTRACT_READ,
        ({"action": "submit"}, 404),
    ),
    "quarter_entry@outside_contract": (
        lambda o: reverse("quarter_entry", args=["xicun-2024", "2023-Q1"]), row(404, anonymous=LOGIN), None,
    ),
    "quarter_return": (
        # POST only; GET is refused before any object is looked up
        lambda o: reverse("quarter_return", args=["xicun-2024", "2025-Q1"]), row(405),
        ({"reason": "越权退回"}, 404),
    ),
    "quarter_approve": (
        lambda o: reverse("quarter_approve", args=["xicun-2024", "2025-Q1"]), row(405),
        ({"quarter_version": ""}, 404),
    ),
    "quarter_audit": (lambda o: reverse("quarter_audit", args=["xicun-2024", "2025-Q1"]), CONTRACT_READ, None),
    "quarter_template": (lambda o: reverse("quarter_template", args=["xicun-2024", "2025-Q1"]), CONTRACT_READ, None),
    "quarter_import": (
        lambda o: reverse("quarter_import", args=["xicun-2024", "2025-Q2"]), CONTRACT_WRITE, ({}, 404),
    ),
    "import_preview": (
        # a batch is its uploader's alone: even an admin gets 404
        lambda o: reverse("import_preview", args=["xicun-2024", o["batch"].token]),
        row(404, street_xicun=200), ({}, 404),
    ),
    "indicator_export": (lambda o: reverse("indicator_export", args=["xicun-2024"]), CONTRACT_READ, None),
    # --- oversight: review lists, bulk approval (oversight.urls) -------------------------------------------------
    "submission_list": (lambda o: reverse("submission_list"), EVERYONE, None),
    "submission_bulk": (
        # POST only; a street office may not review (403), another district's bureau does not see the quarter (404)
        lambda o: reverse("submission_bulk"), row(405),
        (lambda o: {"action": "approve", "sub": [str(o["submission"].pk)], "confirmed": "1"},
         {"street_jingtai": 403, "bureau_baiyun": 404}),
    ),
    "dashboard": (
        lambda o: reverse("dashboard"), row(403, bureau_liwan=200, bureau_baiyun=200, supervision_gz=200, admin=200),
        None,
    ),
    "dashboard_export": (
        lambda o: reverse("dashboard_export"),
        row(403, bureau_liwan=200, bureau_baiyun=200, supervision_gz=200, admin=200), None,
    ),
    # the dashboard's charts (oversight.chart_views): same scope as the dashboard
    **{
        name: (lambda o, name=name: reverse(name),
               row(403, bureau_liwan=200, bureau_baiyun=200, supervision_gz=200, admin=200), None)
        for name in ("chart_pace", "chart_pace_export", "chart_trend", "chart_trend_export", "chart_districts",
                     "chart_districts_export")
    },
    # --- PDF reports (reports.pdf_urls) ---------------------------------------------------------------------------
    "report_list": (lambda o: reverse("report_list"), EVERYONE, None),
    "report_evaluation_pdf": (
        lambda o: reverse("report_evaluation_pdf", args=["xicun-2024-mid"]),
        row(200, street_jingtai=404, bureau_baiyun=404), None,
    ),
    "report_performance_pdf": (
        lambda o: reverse("report_performance_pdf", args=["jingtai-2023"]),
        row(200, street_xicun=404, bureau_liwan=404, evaluator_gzswa=404), None,
    ),
    "report_bundle_create": (
        lambda o: reverse("report_bundle_create"), row(405),
        ({"district": "", "period_from": "2024-01-01", "period_to": "2025-12-31"}, {"street_jingtai": 404}),
    ),
    "report_bundle_detail": (
        lambda o: reverse("report_bundle_detail", args=[o["bundle"].pk]), row(404, bureau_liwan=200, admin=200), None,
    ),
    "report_bundle_status": (
        lambda o: reverse("report_bundle_status", args=[o["bundle"].pk]), row(404, bureau_liwan=200, admin=200), None,
    ),
    "report_bundle_download": (
        lambda o: reverse("report_bundle_download", args=[o["bundle"].pk]), row(404, bureau_liwan=200, admin=200),
        None,
    ),
    # --- signed reports (reports.archive.urls) --------------------------------------------------------------------
    "report_archive_pdf": (
        lambda o: reverse("report_archive_pdf", args=["evaluation", "xicun-2024-mid", 1]),
        row(200, street_jingtai=404, bureau_baiyun=404), None,
    ),
    "report_verify": (
        lambda o: reverse("report_verify"),
        row(403, bureau_liwan=200, bureau_baiyun=200, supervision_gz=200, admin=200),
        ({}, {"street_jingtai": 403, "evaluator_gzswa": 403}),
    ),
    # jingtai-2023 is 白云区's: its bureau (and admin) publish; the street office and the centre see it but may not.
    "report_performance_publish": (
        lambda o: reverse("report_performance_publish", args=["jingtai-2023"]),
        row(404, street_jingtai=403, supervision_gz=403, bureau_baiyun=200, admin=200),
        ({}, {"street_jingtai": 403, "bureau_liwan": 404}),
    ),
    "report_performance_withdraw": (
        lambda o: reverse("report_performance_withdraw", args=["jingtai-2023"]),
        row(404, street_jingtai=403, supervision_gz=403, bureau_baiyun=200, admin=200),
        ({"reason": "更正"}, {"street_jingtai": 403, "bureau_liwan": 404}),
    ),
    # --- four-party evaluation (reports.urls) ---------------------------------------------------------------------
    "evaluation_overview": (lambda o: reverse("evaluation_overview"), EVERYONE, None),
    "evaluation_create": (
        lambda o: reverse("evaluation_create"), row(403, bureau_liwan=200, bureau_baiyun=200, admin=200),
        (lambda o: {"contract": o["contract"].pk, "kind": "final", "date": "2025-11-01"}, {"street_jingtai": 403}),
    ),
    "evaluation_contract_tranches": (
        lambda o: reverse("evaluation_contract_tranches", args=["xicun-2024"]),
        row(200, street_jingtai=404, bureau_baiyun=404, evaluator_gzswa=404), None,
    ),
    "evaluation_detail": (
        lambda o: reverse("evaluation_detail", args=["xicun-2024-mid"]), row(200, street_jingtai=404, bureau_baiyun=404),
        None,
    ),
    "evaluation_detail@undeclared": (
        # the evaluator has not declared (no) conflict on the final evaluation: sent to the declaration first
        lambda o: reverse("evaluation_detail", args=["xicun-2024-final"]),
        row(200, street_jingtai=404, bureau_baiyun=404, evaluator_gzswa=302), None,
    ),
    "evaluation_declaration": (
        # only assigned evaluators declare; after declaring, the page sends them on to the detail
        lambda o: reverse("evaluation_declaration", args=["xicun-2024-final"]), row(404, evaluator_gzswa=200),
        ({"declaration": "no_conflict"}, 404),
    ),
    "evaluation_scoring": (
        lambda o: reverse("evaluation_scoring", args=["xicun-2024-final"]),
        row(200, street_xicun=403, street_jingtai=404, bureau_baiyun=404, evaluator_gzswa=302), None,
    ),
    "evaluation_item_autosave": (
        lambda o: reverse("evaluation_item_autosave", args=["xicun-2024-final", o["final_item"].pk]),
        row(405, anonymous=J401, street_jingtai=404, bureau_baiyun=404, evaluator_gzswa=403),
        (lambda o: {"score": "1", "version": str(o["final_item"].version)}, 404),
    ),
    "evaluation_attachment_upload": (
        lambda o: reverse("evaluation_attachment_upload", args=["xicun-2024-final", o["final_item"].pk]),
        row(405, anonymous=J401, street_jingtai=404, bureau_baiyun=404, evaluator_gzswa=403), ({}, 404),
    ),
    "evaluation_attachment": (
        # evidence may show service recipients (保密): the street office does not see it
        lambda o: reverse("evaluation_attachment", args=["xicun-2024-mid", o["attachment"].pk]),
        row(200, street_xicun=404, street_jingtai=404, bureau_baiyun=404), None,
    ),
    "evaluation_attachment@wrong_evaluation": (
        lambda o: reverse("evaluation_attachment", args=["xicun-2024-final", o["attachment"].pk]),
        row(404, evaluator_gzswa=302), None,
    ),
    "evaluation_attachment_delete": (
        lambda o: reverse("evaluation_attachment_delete", args=["xicun-2024-mid", o["attachment"].pk]),
        row(405, anonymous=J401, street_jingtai=404, bureau_baiyun=404), ({}, 404),
    ),
    "evaluation_finding_autosave": (
        lambda o: reverse("evaluation_finding_autosave", args=["xicun-2024-final"]),
        row(405, anonymous=J401, street_jingtai=404, bureau_baiyun=404, evaluator_gzswa=403),
        ({"party": "buyer", "section": "general", "kind": "positive", "text": "越权"}, 404),
    ),
    "evaluation_party": (
        lambda o: reverse("evaluation_party", args=["xicun-2024-final", "buyer"]),
        row(403, street_xicun=200, street_jingtai=404, bureau_baiyun=404, evaluator_gzswa=302),
        ({"score_100": "90", "version": "1"}, 404),
    ),
    "evaluation_party_submit": (
        lambda o: reverse("evaluation_party_submit", args=["xicun-2024-final", "buyer"]),
        row(405, street_jingtai=404, bureau_baiyun=404, evaluator_gzswa=302), ({}, 404),
    ),
    "evaluation_reopen": (
        lambda o: reverse("evaluation_reopen", args=["xicun-2024-mid"]),
        row(405, street_jingtai=404, bureau_baiyun=404), ({"reason": "越权重开"}, 404),
    ),
    "evaluation_history": (
        lambda o: reverse("evaluation_history", args=["xicun-2024-mid"]),
        row(200, street_jingtai=404, bureau_baiyun=404), None,
    ),
    # --- satisfaction surveys (surveys.urls): a draft survey of xicun-2024-mid run by evaluator_gzswa ------------------
    "survey_list": (lambda o: reverse("survey_list"), EVERYONE, None),
    # --- HTTP API (issue 12): programs authenticate with tokens; the census uses the browser session ---------------
    "api_schema": (lambda o: reverse("api_schema"), row(200, anonymous=200), None),
    "api_docs": (lambda o: reverse("api_docs"), row(200, anonymous=200), None),
    "api_redoc": (lambda o: reverse("api_redoc"), row(200, anonymous=200), None),
    "api_districts": (lambda o: reverse("api_districts"), row(200, anonymous=J401), None),
    "api_streets": (lambda o: reverse("api_streets"), row(200, anonymous=J401), None),
    "api_stations": (lambda o: reverse("api_stations"), row(200, anonymous=J401), None),
    "api_reports": (lambda o: reverse("api_reports"), row(200, anonymous=J401), None),
    "api_performance_reports": (lambda o: reverse("api_performance_reports"), row(200, anonymous=J401), None),
    "api_performance_report": (  # the same access as the browser's PDF of jingtai-2023 (report_performance_pdf)
        lambda o: reverse("api_performance_report", args=["jingtai-2023"]),
        row(200, anonymous=J401, street_xicun=404, bureau_liwan=404, evaluator_gzswa=404), None,
    ),
    "api_contracts": (lambda o: reverse("api_contracts"), row(200, anonymous=J401), None),
    "api_evaluations": (lambda o: reverse("api_evaluations"), row(200, anonymous=J401), None),
    "api_contract": (
        lambda o: reverse("api_contract", args=["xicun-2024"]),
        row(200, anonymous=J401, street_jingtai=404, bureau_baiyun=404, evaluator_gzswa=404), None,
    ),
    "api_completion": (
        lambda o: reverse("api_completion", args=["xicun-2024"]),
        row(200, anonymous=J401, street_jingtai=404, bureau_baiyun=404, evaluator_gzswa=404), None,
    ),
    "api_quarter_actuals": (
        lambda o: reverse("api_quarter_actuals", args=["xicun-2024", "2025-Q2"]),
        row(200, anonymous=J401, street_jingtai=404, bureau_baiyun=404, evaluator_gzswa=404), None,
    ),
    "api_staff": (
        lambda o: reverse("api_staff", args=["xicun-2024"]),
        row(200, anonymous=J401, street_jingtai=404, bureau_baiyun=404, evaluator_gzswa=404), None,
    ),
    "api_staff_quarter": (
        lambda o: reverse("api_staff_quarter", args=["xicun-2024", "2025-Q2"]),
        row(200, anonymous=J401, street_jingtai=404, bureau_baiyun=404, evaluator_gzswa=404), None,
    ),
    "api_quarter_submit": (
        lambda o: reverse("api_quarter_submit", args=["xicun-2024", "2025-Q2"]), row(405, anonymous=J401),
        ({"version": "1"}, 404),
    ),
    "api_token_create": (lambda o: reverse("api_token_create"), row(405, anonymous=405), None),
    "api_tokens": (lambda o: reverse("api_tokens"), EVERYONE, None),
    "api_token_revoke": (
        # a token is its owner's alone: everyone else, admins included, gets 404
        lambda o: reverse("api_token_revoke", args=[o["api_token"].pk]), row(405), ({}, 404),
    ),
    # --- operations (issue 13) -------------------------------------------------------------------------------------
    "healthz": (lambda o: reverse("healthz"), row(200, anonymous=200), None),
    "worker_queue": (lambda o: reverse("worker_queue"), row(403, admin=200), None),
    "survey_create": (
        # a finalised evaluation takes no new survey; outside users do not see the evaluation at all
        lambda o: reverse("survey_create", args=["xicun-2024-mid"]), row(403, street_jingtai=404, bureau_baiyun=404),
        (lambda o: {"template": o["questionnaire"].pk, "group1": "服务对象", "size1": "5"}, 404),
    ),
    "survey_create@undeclared": (
        lambda o: reverse("survey_create", args=["xicun-2024-final"]),
        row(403, street_jingtai=404, bureau_baiyun=404, evaluator_gzswa=302), None,
    ),
    # the survey's own evaluator keeps it (surveys.permissions), unlike the station's data (回避 per evaluation)
    "survey_detail": (lambda o: reverse("survey_detail", args=[o["survey"].pk]), SURVEY_READ, None),
    "survey_roster_template": (
        lambda o: reverse("survey_roster_template", args=[o["survey"].pk]), SURVEY_READ, None,
    ),
    "survey_roster": (
        # the station's street office uploads the lists; nobody else, not even the evaluator
        lambda o: reverse("survey_roster", args=[o["survey"].pk, o["survey_group"].pk]),
        row(403, street_xicun=200, street_jingtai=404, bureau_baiyun=404), ({}, 404),
    ),
    "survey_sizes": (
        lambda o: reverse("survey_sizes", args=[o["survey"].pk]), row(405),
        (lambda o: {f"size-{o['survey_group'].pk}": "9"}, 404),
    ),
    "survey_sample": (lambda o: reverse("survey_sample", args=[o["survey"].pk]), row(405), ({"seed": "x"}, 404)),
    "survey_interviews": (
        # who was drawn (and their masked phones) is for the survey's evaluator alone
        lambda o: reverse("survey_interviews", args=[o["survey"].pk]), row(404, evaluator_gzswa=200), None,
    ),
    "survey_interview": (
        lambda o: reverse("survey_interview", args=[o["survey"].pk, o["respondent"].number]),
        row(404, evaluator_gzswa=200), ({"outcome": "refused", "version": "1"}, 404),
    ),
    "survey_interview_autosave": (
        # the tablet page's autosave: the survey's evaluator alone; the others' POSTs change nothing
        lambda o: reverse("survey_interview_autosave", args=[o["survey"].pk, o["respondent"].number]), row(405),
        ({"outcome": "refused", "version": "1"}, 404),
    ),
    "survey_phone": (
        lambda o: reverse("survey_phone", args=[o["survey"].pk, o["respondent"].number]), row(405), ({}, 404),
    ),
    "survey_slips": (lambda o: reverse("survey_slips", args=[o["survey"].pk]), row(405), ({}, 404)),
    "survey_close": (lambda o: reverse("survey_close", args=[o["survey"].pk]), row(405), ({}, 404)),
    "survey_apply": (lambda o: reverse("survey_apply", args=[o["survey"].pk]), row(405), ({}, 404)),
    "survey_export": (
        # results only once the survey is closed (its evaluator sees them while it runs)
        lambda o: reverse("survey_export", args=[o["survey"].pk]),
        row(403, evaluator_gzswa=200, street_jingtai=404, bureau_baiyun=404), None,
    ),
    "survey_answer": (
        # the questionnaire link needs no login; an unknown token is refused the same for everyone
        lambda o: reverse("survey_answer", args=["unknown-token"]), row(410, anonymous=410), None,
    ),
}


def project_url_names() -> set[str]:
    """Every named URL outside the Django admin; an unnamed pattern is reported as such (it cannot be censused)."""
    names: set[str] = set()

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.app_name == "admin" or str(pattern.pattern).startswith("admin/"):
                    continue
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                names.add(pattern.name or f"<unnamed {prefix}{pattern.pattern}>")

    walk(get_resolver().url_patterns, "")
    return names


def fingerprint() -> str:
    """A digest of every row a refused POST could touch: equal before and after means nothing changed."""
    parts = []
    for model in (StaffMember, StaffMonth, StaffTransfer, ActivityEntry, MonthlyActual, Target, QuarterSubmission,
                  AuditEntry, ImportBatch, Evaluation, EvaluationAssignment, PartyScore, EvaluationItem, Finding,
                  EvidenceAttachment, ReportBundle, Survey, RespondentGroup, Contact, Respondent, Answer, ApiToken):
        parts.append(f"{model._meta.label}:{list(model.objects.order_by('pk').values_list())}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class UrlCensusTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()
        bureau = Organisation.objects.get(name="广州市白云区民政局")
        User.objects.create_user(
            username="bureau_baiyun", password="evalportal-demo", role=User.Role.BUREAU, organisation=bureau,
            display_name="白云测试",
        )
        contract = Contract.objects.get(code="xicun-2024")
        street_xicun = User.objects.get(username="street_xicun")
        mid = Evaluation.objects.get(code="xicun-2024-mid")
        attachment = EvidenceAttachment(
            item=EvaluationItem.objects.filter(section__evaluation=mid).order_by("pk").first(),
            original_name="证据.pdf", content_type="application/pdf", size=9,
            uploaded_by=User.objects.get(username="evaluator_gzswa"),
        )
        attachment.file.save("census.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
        attachment.save()
        bundle = ReportBundle.objects.create(
            requested_by=User.objects.get(username="bureau_liwan"), district=District.objects.get(code="liwan"),
            period_from=date(2024, 1, 1), period_to=date(2025, 12, 31), status=ReportBundle.Status.DONE,
        )
        bundle.file.save("census.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
        survey = Survey.objects.create(
            evaluation=mid, contract=contract, title="西村街服务对象满意度调查", evaluator=User.objects.get(
                username="evaluator_gzswa"),
        )
        survey_group = RespondentGroup.objects.create(survey=survey, name="服务对象", sample_size=1, drives_points=True)
        contact = Contact.objects.create(group=survey_group, row=2, name="测试受访者", phone="13800001111", area="片区一")
        archived_report_render(current_archive(mid))  # the signed report's version 1
        cls.objects = {
            "contract": contract,
            "questionnaire": default_questionnaire(),
            "api_token": api_token_create(user=street_xicun, name="census", days=1, read_only=True)[0],
            "survey": survey,
            "survey_group": survey_group,
            "respondent": Respondent.objects.create(survey=survey, group=survey_group, contact=contact, number=1),
            "staff": StaffMember.objects.filter(contract=contract).order_by("order", "pk").first(),
            "jingtai_staff": StaffMember.objects.create(
                contract=Contract.objects.get(code="jingtai-2023"), order=1, name="景泰测试社工",
                position="area_worker", certificate="none",
            ),
            "activity": ActivityEntry.objects.create(contract=contract, date=date(2025, 1, 5), name="长者探访",
                                                     participants=12),
            "batch": ImportBatch.objects.create(
                token="census-token", user=street_xicun, contract=contract, kind=ImportBatch.Kind.ACTUALS,
                quarter="2025-Q2", file_name="t.xlsx", payload={"changes": [], "rows": []},
            ),
            "final_item": EvaluationItem.objects.filter(section__evaluation__code="xicun-2024-final").order_by("pk")
            .first(),
            "attachment": attachment,
            "bundle": bundle,
            "submission": QuarterSubmission.objects.get(contract=contract, year=2025, quarter=1),
        }
        cls.users = {u.username: u for u in User.objects.filter(username__in=ROLES + ["bureau_baiyun"])}

    def login(self, role: str) -> None:
        self.client.logout()
        if role != "anonymous":
            self.client.force_login(self.users[role])

    def test_every_url_name_is_in_the_census(self):
        censused = {key.split("@")[0] for key in CENSUS}
        self.assertEqual(project_url_names() - censused, set(), "URL 名称缺少访问矩阵：请在 CENSUS 中加入")
        self.assertEqual(censused - project_url_names(), set(), "CENSUS 中有已不存在的 URL 名称")

    def test_every_role_gets_the_expected_status_on_get(self):
        for key, (build, expected, _post) in CENSUS.items():
            url = build(self.objects)
            for role in ROLES:
                want = expected[role]
                with self.subTest(url=key, role=role):
                    self.login(role)
                    response = self.client.get(url)
                    # every page: CSP without inline script, none in the markup, no-store when signed in (issue 9 §9)
                    self.assertEqual(page_problems(response, authenticated=role != "anonymous"), [])
                    if want == LOGIN:
                        self.assertEqual(response.status_code, 302)
                        self.assertEqual(urlsplit(response["Location"]).path, reverse("login"))
                    else:
                        self.assertEqual(response.status_code, want)
                        if want == 302:
                            self.assertNotEqual(urlsplit(response["Location"]).path, reverse("login"))

    def test_foreign_and_anonymous_posts_are_refused_and_change_nothing(self):
        before = fingerprint()
        for key, (build, expected, post) in CENSUS.items():
            if post is None:
                continue
            data, refused = post
            url = build(self.objects)
            payload = data(self.objects) if callable(data) else data
            refused_by = refused if isinstance(refused, dict) else {role: refused for role in FOREIGN}
            refused_by = {"anonymous": J401 if expected["anonymous"] == J401 else LOGIN, **refused_by}
            for role, want in refused_by.items():
                with self.subTest(url=key, role=role):
                    self.login(role)
                    response = self.client.post(url, payload)
                    if want == LOGIN:
                        self.assertEqual(response.status_code, 302)
                        self.assertEqual(urlsplit(response["Location"]).path, reverse("login"))
                    else:
                        self.assertEqual(response.status_code, want)
                    self.assertEqual(fingerprint(), before, f"{role} 的 POST 修改了数据：{key}")

    def test_list_pages_show_no_foreign_station(self):
        """Lists are filtered too: a street office's pages never name another street's station."""
        pages = ["home", "contract_list", "report_list", "evaluation_overview", "submission_list"]
        for role, foreign in (("street_xicun", "景泰"), ("street_jingtai", "西村"), ("bureau_baiyun", "西村"),
                              ("bureau_liwan", "景泰")):
            self.login(role)
            for name in pages:
                with self.subTest(role=role, page=name):
                    response = self.client.get(reverse(name))
                    self.assertEqual(response.status_code, 200)
                    self.assertNotContains(response, foreign)


# Query parameters a hand-edited or fuzzed link may carry: every name a view or filter of the project reads, with values
# that have each broken something once (an id past 2⁶³ − 1: SQLite's OverflowError; NUL: PostgreSQL refuses it in a
# string; full-width digits pass str.isdigit but not int(); a long text; a negative number; a malformed month).
HOSTILE_PARAMS = ["district", "street", "station", "year", "quarter", "status", "grade", "kind", "q", "sort", "page",
                  "ppage", "indicator", "overdue", "area", "month", "from", "until", "cutoff", "party", "next", "cursor",
                  "token", "group", "format"]
HOSTILE_VALUES = ["99999999999999999999", "\x00", "１２", "-1", "2025-13", "x" * 400]


class HostileQueryStringTests(TestCase):
    """No 500, ever: every page of the census that a role opens answers its usual status whatever the query string
    holds (a filter's error is shown on the page, an unknown object is 404, never a database error)."""

    setUpTestData = classmethod(UrlCensusTests.setUpTestData.__func__)
    login = UrlCensusTests.login

    def test_every_page_survives_every_hostile_value(self):
        for role in ("street_xicun", "bureau_liwan", "supervision_gz"):
            self.login(role)
            for key, (build, expected, _post) in CENSUS.items():
                if expected[role] != 200:
                    continue
                url = build(self.objects)
                for value in HOSTILE_VALUES:
                    with self.subTest(url=key, role=role, value=value[:20]):
                        response = self.client.get(url, dict.fromkeys(HOSTILE_PARAMS, value))
                        self.assertLess(response.status_code, 500)
                        self.assertIn(response.status_code, (200, 302, 400, 404))
