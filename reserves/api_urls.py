from django.urls import path

from reserves import api

urlpatterns = [
    path("stablecoins/", api.StablecoinListApi.as_view(), name="api-stablecoin-list"),
    path("stablecoins/<str:symbol>/", api.StablecoinDetailApi.as_view(), name="api-stablecoin-detail"),
]
