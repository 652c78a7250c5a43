from django.urls import path

from . import chart_views, views

urlpatterns = [
    path("submissions/", views.submission_list, name="submission_list"),
    path("submissions/bulk/", views.submission_bulk, name="submission_bulk"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard.xlsx", views.dashboard_export, name="dashboard_export"),
    path("charts/pace/", chart_views.chart_pace, name="chart_pace"),
    path("charts/pace.xlsx", chart_views.chart_pace, {"export": True}, name="chart_pace_export"),
    path("charts/trend/", chart_views.chart_trend, name="chart_trend"),
    path("charts/trend.xlsx", chart_views.chart_trend, {"export": True}, name="chart_trend_export"),
    path("charts/districts/", chart_views.chart_districts, name="chart_districts"),
    path("charts/districts.xlsx", chart_views.chart_districts, {"export": True}, name="chart_districts_export"),
]
