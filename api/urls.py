from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from . import views
from .pages import token_list, token_revoke

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api_schema"), name="api_redoc"),
    path("v1/tokens/", views.TokenCreate.as_view(), name="api_token_create"),
    path("v1/districts/", views.DistrictList.as_view(), name="api_districts"),
    path("v1/stations/", views.StationList.as_view(), name="api_stations"),
    path("v1/contracts/", views.ContractList.as_view(), name="api_contracts"),
    path("v1/contracts/<slug:code>/", views.ContractDetail.as_view(), name="api_contract"),
    path("v1/contracts/<slug:code>/completion/", views.Completion.as_view(), name="api_completion"),
    path("v1/contracts/<slug:code>/quarters/<str:quarter>/actuals/", views.QuarterActuals.as_view(),
         name="api_quarter_actuals"),
    path("v1/contracts/<slug:code>/quarters/<str:quarter>/submit/", views.QuarterSubmit.as_view(),
         name="api_quarter_submit"),
    path("v1/evaluations/", views.EvaluationList.as_view(), name="api_evaluations"),
    path("tokens/", token_list, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", token_revoke, name="api_token_revoke"),
]
