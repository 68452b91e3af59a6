from django.apps import AppConfig


class ChainConfig(AppConfig):
    name = "chain"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from attest.registrylog import registry_track
        from chain.models import DeductionAddress, Deployment, Network

        registry_track(Network, Deployment, DeductionAddress)  # every registry change is a log entry
