from django.apps import AppConfig


class AttestConfig(AppConfig):
    name = "attest"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from attest.models import Issuer, Licence, Stablecoin
        from attest.registrylog import registry_track

        registry_track(Issuer, Stablecoin, Licence)  # every registry change is a log entry
