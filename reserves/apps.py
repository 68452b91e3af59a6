from django.apps import AppConfig


class ReservesConfig(AppConfig):
    name = "reserves"
    default_auto_field = "django.db.models.BigAutoField"
