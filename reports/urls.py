"""URLs under /evaluations/ (issue 4). Names start with `evaluation_`; the pdf branch adds its own report views."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.evaluation_overview, name="evaluation_overview"),
    path("new/", views.evaluation_create, name="evaluation_create"),
    path("contracts/<slug:code>/tranches/", views.evaluation_contract_tranches, name="evaluation_contract_tranches"),
    path("<slug:code>/", views.evaluation_detail, name="evaluation_detail"),
    path("<slug:code>/declaration/", views.evaluation_declaration, name="evaluation_declaration"),
    path("<slug:code>/scoring/", views.evaluation_scoring, name="evaluation_scoring"),
    path("<slug:code>/items/<int:item_id>/autosave/", views.evaluation_item_autosave, name="evaluation_item_autosave"),
    path("<slug:code>/items/<int:item_id>/attachments/", views.evaluation_attachment_upload,
         name="evaluation_attachment_upload"),
    path("<slug:code>/attachments/<int:pk>/", views.evaluation_attachment, name="evaluation_attachment"),
    path("<slug:code>/attachments/<int:pk>/delete/", views.evaluation_attachment_delete,
         name="evaluation_attachment_delete"),
    path("<slug:code>/findings/autosave/", views.evaluation_finding_autosave, name="evaluation_finding_autosave"),
    path("<slug:code>/parties/<slug:party>/", views.evaluation_party, name="evaluation_party"),
    path("<slug:code>/parties/<slug:party>/submit/", views.evaluation_party_submit, name="evaluation_party_submit"),
    path("<slug:code>/reopen/", views.evaluation_reopen, name="evaluation_reopen"),
    path("<slug:code>/history/", views.evaluation_history, name="evaluation_history"),
]
