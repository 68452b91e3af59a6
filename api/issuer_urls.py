from django.urls import path

from api import issuer as api
from api import supervision

urlpatterns = [
    path("issuer/attestations/", api.AttestationListCreateApi.as_view(), name="api-issuer-attestations"),
    path("issuer/attestations/<int:pk>/", api.AttestationDetailApi.as_view(), name="api-issuer-attestation"),
    path(
        "issuer/attestations/<int:pk>/holdings/",
        api.AttestationHoldingsAddApi.as_view(),
        name="api-issuer-attestation-holdings",
    ),
    path(
        "issuer/attestations/<int:pk>/document/",
        api.AttestationDocumentApi.as_view(),
        name="api-issuer-attestation-document",
    ),
    path(
        "issuer/attestations/<int:pk>/typed-data/",
        api.AttestationTypedDataApi.as_view(),
        name="api-issuer-attestation-typed-data",
    ),
    path(
        "issuer/attestations/<int:pk>/signatures/",
        api.AttestationSignApi.as_view(),
        name="api-issuer-attestation-sign",
    ),
    path(
        "issuer/attestations/<int:pk>/submit/", api.AttestationSubmitApi.as_view(), name="api-issuer-attestation-submit"
    ),
    path("issuer/attestations/<int:pk>/amend/", api.AttestationAmendApi.as_view(), name="api-issuer-attestation-amend"),
    path(
        "issuer/attestations/<int:pk>/bundle/", api.AttestationBundleApi.as_view(), name="api-issuer-attestation-bundle"
    ),
    path("issuer/redemptions/", supervision.RedemptionsApi.as_view(), name="api-issuer-redemptions"),
    path("custodian/confirmations/", supervision.ConfirmationsApi.as_view(), name="api-custodian-confirmations"),
    path(
        "custodian/confirmations/typed-data/",
        supervision.ConfirmationTypedDataApi.as_view(),
        name="api-custodian-confirmation-typed-data",
    ),
]
