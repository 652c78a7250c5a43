from django.urls import path

from . import views

urlpatterns = [
    path("archive/<slug:kind>/<slug:code>/v<int:version>.pdf", views.archive_pdf, name="report_archive_pdf"),
    path("verify/", views.verify, name="report_verify"),
    path("performance/<slug:code>/publish/", views.performance_publish, name="report_performance_publish"),
    path("performance/<slug:code>/withdraw/", views.performance_withdraw, name="report_performance_withdraw"),
]
