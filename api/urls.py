from csp.decorators import csp_update
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from . import views
from .pages import token_list, token_revoke

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # the split view serves its start-up script from this URL (?script): no inline script under the site's CSP
    # our page templates (templates/api/): the page's language and contrast (issue 15); the vendored UI is unchanged
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema", template_name="api/swagger_ui.html"),
         name="api_docs"),
    # Redoc styles itself with <style> elements and parses in a blob: worker: allowed on this page only (no script)
    path("redoc/", csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})(
        SpectacularRedocView.as_view(url_name="api_schema", template_name="api/redoc.html")), name="api_redoc"),
    path("v1/tokens/", views.TokenCreate.as_view(), name="api_token_create"),
    path("v1/districts/", views.DistrictList.as_view(), name="api_districts"),
    path("v1/streets/", views.StreetList.as_view(), name="api_streets"),
    path("v1/stations/", views.StationList.as_view(), name="api_stations"),
    path("v1/contracts/", views.ContractList.as_view(), name="api_contracts"),
    path("v1/contracts/<slug:code>/", views.ContractDetail.as_view(), name="api_contract"),
    path("v1/contracts/<slug:code>/completion/", views.Completion.as_view(), name="api_completion"),
    path("v1/contracts/<slug:code>/quarters/<str:quarter>/actuals/", views.QuarterActuals.as_view(),
         name="api_quarter_actuals"),
    path("v1/contracts/<slug:code>/quarters/<str:quarter>/submit/", views.QuarterSubmit.as_view(),
         name="api_quarter_submit"),
    path("v1/contracts/<slug:code>/staff/", views.StaffRegister.as_view(), name="api_staff"),
    path("v1/contracts/<slug:code>/quarters/<str:quarter>/staff/", views.StaffQuarter.as_view(),
         name="api_staff_quarter"),
    path("v1/evaluations/", views.EvaluationList.as_view(), name="api_evaluations"),
    path("v1/reports/", views.ReportList.as_view(), name="api_reports"),
    path("v1/reports/performance/", views.PerformanceReportList.as_view(), name="api_performance_reports"),
    path("v1/reports/performance/<slug:code>/", views.PerformanceReportDetail.as_view(),
         name="api_performance_report"),
    path("tokens/", token_list, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", token_revoke, name="api_token_revoke"),
]
