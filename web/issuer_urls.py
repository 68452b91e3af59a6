from django.urls import path

from web import issuer as views
from web import supervision

app_name = "attest"
urlpatterns = [
    path("", views.attestation_list, name="attestation_list"),
    path("new/", views.attestation_new, name="attestation_new"),
    path("review/", views.review_queue, name="review_queue"),
    path("redemptions/", supervision.redemption_list, name="redemption_list"),
    path("<int:pk>/", views.attestation_detail, name="attestation_detail"),
    path("<int:pk>/edit/", views.attestation_edit, name="attestation_edit"),
    path("<int:pk>/submit/", views.attestation_submit_view, name="attestation_submit"),
    path("<int:pk>/sign/", views.attestation_sign_view, name="attestation_sign"),
    path("<int:pk>/delete/", views.attestation_delete_view, name="attestation_delete"),
    path("<int:pk>/amend/", views.attestation_amend_view, name="attestation_amend"),
    path("<int:pk>/review/", views.attestation_review_view, name="attestation_review"),
    path("<int:pk>/comment/", views.attestation_comment_view, name="attestation_comment"),
    path("<int:pk>/document/", views.attestation_document, name="attestation_document"),
    path("<int:pk>/bundle.json", views.attestation_bundle_view, name="attestation_bundle"),
]
