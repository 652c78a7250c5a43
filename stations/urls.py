from django.urls import path

from . import views

urlpatterns = [
    path("<slug:code>/", views.contract_detail, name="contract_detail"),
    path("<slug:code>/staff/", views.staff_list, name="staff_list"),
    path("<slug:code>/staff/new/", views.staff_edit, name="staff_create"),
    path("<slug:code>/staff/<int:pk>/", views.staff_edit, name="staff_edit"),
    path("<slug:code>/staff/<int:pk>/transfer/", views.staff_transfer_view, name="staff_transfer"),
    path("<slug:code>/staff/<int:pk>/history/", views.staff_history, name="staff_history"),
    path("<slug:code>/staff/history/", views.staff_log, name="staff_log"),
    path("<slug:code>/staff/months/<str:quarter>/", views.staff_months, name="staff_months"),
    path("<slug:code>/activities/", views.activity_list, name="activity_list"),
    path("<slug:code>/activities/new/", views.activity_edit, name="activity_create"),
    path("<slug:code>/activities/<int:pk>/", views.activity_edit, name="activity_edit"),
    path("<slug:code>/activities/<int:pk>/delete/", views.activity_delete_view, name="activity_delete"),
    path("<slug:code>/activities/<int:pk>/history/", views.activity_history, name="activity_history"),
    path("<slug:code>/activities/history/", views.activity_log, name="activity_log"),
]
urlpatterns += [
    path("<slug:code>/staff/export.xlsx", views.staff_export, name="staff_export"),
    path("<slug:code>/staff/import/", views.staff_import, name="staff_import"),
]
