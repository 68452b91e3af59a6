from django.apps import AppConfig


class AttestConfig(AppConfig):
    name = "attest"
    default_auto_field = "django.db.models.BigAutoField"
