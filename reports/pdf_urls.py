from django.urls import path

from . import pdf_views as views

urlpatterns = [
    path("", views.report_list, name="report_list"),
    path("evaluation/<slug:code>.pdf", views.evaluation_pdf, name="report_evaluation_pdf"),
    path("performance/<slug:code>.pdf", views.performance_pdf, name="report_performance_pdf"),
    path("bundles/", views.bundle_create, name="report_bundle_create"),
    path("bundles/<int:pk>/", views.bundle_detail, name="report_bundle_detail"),
    path("bundles/<int:pk>/status.json", views.bundle_status, name="report_bundle_status"),
    path("bundles/<int:pk>/download/", views.bundle_download, name="report_bundle_download"),
]
