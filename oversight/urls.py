from django.urls import path

from . import views

urlpatterns = [
    path("submissions/", views.submission_list, name="submission_list"),
    path("submissions/bulk/", views.submission_bulk, name="submission_bulk"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard.xlsx", views.dashboard_export, name="dashboard_export"),
]
