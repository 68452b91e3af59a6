from django.contrib import admin

from chain.models import DeductionAddress, Deployment, Network, SupplyReading


class DeductionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = DeductionAddress
    extra = 0


@admin.register(Deployment)
class DeploymentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["stablecoin", "network", "address", "decimals", "kind"]
    inlines = [DeductionInline]


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "chain_id", "confirmations"]


@admin.register(SupplyReading)
class SupplyReadingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["deployment", "chain_id", "block_number", "block_hash", "total_supply", "read_at"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
