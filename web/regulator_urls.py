from django.urls import path

from web import pages

app_name = "reserves"
urlpatterns = [
    path("", pages.overview, name="dashboard"),
    path("overview.json", pages.overview_json, name="overview_json"),
    path("queues/", pages.queue_list, name="queues"),
    path("coins/<slug:symbol>/", pages.coin, name="coin"),
    path("coins/<slug:symbol>/<str:table>.csv", pages.coin, name="coin_export"),
    path("flags/<int:pk>/acknowledge/", pages.flag_action, {"action": "acknowledge"}, name="flag_acknowledge"),
    path("flags/<int:pk>/resolve/", pages.flag_action, {"action": "resolve"}, name="flag_resolve"),
    path("runs/<int:pk>/", pages.run_page, name="run"),
]
