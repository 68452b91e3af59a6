from django.urls import path

from attest import views

app_name = "attest"
urlpatterns = [
    path("", views.attestation_list, name="attestation_list"),
    path("new/", views.attestation_new, name="attestation_new"),
    path("<int:pk>/", views.attestation_detail, name="attestation_detail"),
]
