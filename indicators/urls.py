from django.urls import path

from . import views

urlpatterns = [
    path("<slug:code>/quarters/<str:quarter>/", views.quarter_entry, name="quarter_entry"),
    path("<slug:code>/quarters/<str:quarter>/return/", views.quarter_return_view, name="quarter_return"),
    path("<slug:code>/quarters/<str:quarter>/approve/", views.quarter_approve_view, name="quarter_approve"),
    path("<slug:code>/quarters/<str:quarter>/audit/", views.quarter_audit, name="quarter_audit"),
    path("<slug:code>/quarters/<str:quarter>/template.xlsx", views.quarter_template, name="quarter_template"),
    path("<slug:code>/quarters/<str:quarter>/import/", views.quarter_import, name="quarter_import"),
    path("<slug:code>/imports/<str:token>/", views.import_preview, name="import_preview"),
    path("<slug:code>/indicators.xlsx", views.indicator_export, name="indicator_export"),
]
