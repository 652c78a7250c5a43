from django.urls import path

from . import views

urlpatterns = [
    path("submissions/", views.submission_list, name="submission_list"),
    path("submissions/bulk/", views.submission_bulk, name="submission_bulk"),
]
