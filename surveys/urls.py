from django.urls import path

from . import views

urlpatterns = [
    path("", views.survey_list, name="survey_list"),
    path("new/<slug:code>/", views.survey_create, name="survey_create"),
    path("<int:pk>/", views.survey_detail, name="survey_detail"),
    path("<int:pk>/roster-template.xlsx", views.survey_roster_template, name="survey_roster_template"),
    path("<int:pk>/roster/<int:group>/", views.survey_roster, name="survey_roster"),
    path("<int:pk>/sizes/", views.survey_sizes, name="survey_sizes"),
    path("<int:pk>/sample/", views.survey_sample, name="survey_sample"),
    path("<int:pk>/interviews/", views.survey_interviews, name="survey_interviews"),
    path("<int:pk>/interviews/<int:number>/", views.survey_interview, name="survey_interview"),
    path("<int:pk>/interviews/<int:number>/autosave/", views.survey_interview_autosave, name="survey_interview_autosave"),
    path("<int:pk>/interviews/<int:number>/phone/", views.survey_phone, name="survey_phone"),
    path("<int:pk>/slips/", views.survey_slips, name="survey_slips"),
    path("<int:pk>/close/", views.survey_close, name="survey_close"),
    path("<int:pk>/apply/", views.survey_apply, name="survey_apply"),
    path("<int:pk>/results.xlsx", views.survey_export, name="survey_export"),
]
