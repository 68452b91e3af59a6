from django.conf import settings
from django.urls import path

from api import coins, log, runs

urlpatterns = [
    path("stablecoins/", coins.StablecoinListApi.as_view(), name="api-stablecoin-list"),
    path("stablecoins/<slug:symbol>/", coins.StablecoinDetailApi.as_view(), name="api-stablecoin-detail"),
    path("stablecoins/<slug:symbol>/history/", coins.StablecoinHistoryApi.as_view(), name="api-stablecoin-history"),
    path("stablecoins/<slug:symbol>/supply/", coins.StablecoinSupplyApi.as_view(), name="api-stablecoin-supply"),
    path(
        "stablecoins/<slug:symbol>/attestations/",
        coins.StablecoinAttestationsApi.as_view(),
        name="api-stablecoin-attestations",
    ),
    path("stablecoins/<slug:symbol>/runs/", coins.StablecoinRunsApi.as_view(), name="api-stablecoin-runs"),
    path("runs/<int:run_id>/", runs.RunDetailApi.as_view(), name="api-run-detail"),
    path("runs/<int:run_id>/bundle/", runs.RunBundleApi.as_view(), name="api-run-bundle"),
    path("publications/<int:publication_id>/", runs.PublicationDetailApi.as_view(), name="api-publication-detail"),
    path("audit/head/", runs.AuditHeadApi.as_view(), name="api-audit-head"),
    path("log/head/", log.LogHeadApi.as_view(), name="api-log-head"),
    path("log/keys/", log.LogKeysApi.as_view(), name="api-log-keys"),
    path("log/entries/", log.LogEntriesApi.as_view(), name="api-log-entries"),
    path("log/proof/inclusion/", log.LogInclusionApi.as_view(), name="api-log-inclusion"),
    path("log/proof/consistency/", log.LogConsistencyApi.as_view(), name="api-log-consistency"),
]
if settings.ATTEST_BENCH:
    urlpatterns.append(path("bench/trivial/", runs.trivial, name="api-bench-trivial"))
