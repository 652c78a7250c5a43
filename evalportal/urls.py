from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from evalportal import operations
from oversight import views as oversight_views
from surveys import views as survey_views

admin.site.site_header = "社工服务站绩效评估平台 管理后台"
admin.site.site_title = "evalportal 管理后台"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("", oversight_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("contracts/", oversight_views.contract_list, name="contract_list"),  # filtered list (issue 10 §3)
    path("contracts/", include("stations.urls")),
    path("contracts/", include("indicators.urls")),
    path("admin/worker-queue/", operations.worker_queue, name="worker_queue"),
    path("admin/", admin.site.urls),
    path("healthz", operations.healthz, name="healthz"),
    path("reports/", include("reports.pdf_urls")),
    path("reports/", include("reports.archive.urls")),
    path("evaluations/", include("reports.urls")),
    path("oversight/", include("oversight.urls")),
    path("surveys/", include("surveys.urls")),
    path("api/", include("api.urls")),
    path("q/<str:token>/", survey_views.survey_answer, name="survey_answer"),
]

if settings.EVALPORTAL_BENCH_BARE:
    # views that do nothing (anonymous; the empty layout behind login), for measuring the stack itself (scripts/smoke_deploy.sh); off unless asked for
    urlpatterns.append(path("_bench/bare", operations.bare, name="bench_bare"))
    urlpatterns.append(path("_bench/page", operations.bare_page, name="bench_page"))

# Chinese error pages in the site's layout (evalportal.errors).
handler400 = "evalportal.errors.bad_request"
handler403 = "evalportal.errors.permission_denied"
handler404 = "evalportal.errors.page_not_found"
handler500 = "evalportal.errors.server_error"
