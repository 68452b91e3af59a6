from django.urls import path

from reserves import views

app_name = "reserves"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
