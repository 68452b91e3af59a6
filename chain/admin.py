from django.contrib import admin

from chain.models import DeductionAddress, Deployment, LedgerCheck, LedgerCursor, Network, SupplyReading


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
    list_display = ["deployment", "chain_id", "block_number", "block_hash", "total_supply", "status", "read_at"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(LedgerCursor)
class LedgerCursorAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    # start_block is the one field to edit: the block the contract was deployed in spares a long scan.
    list_display = ["deployment", "start_block", "block_number", "final_block", "updated_at"]
    readonly_fields = ["block_number", "block_hash", "final_block", "final_hash", "updated_at"]


@admin.register(LedgerCheck)
class LedgerCheckAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["deployment", "matched", "expected_delta", "ledger_delta", "entries", "checked_at", "resolved_at"]
    list_filter = ["matched"]
    readonly_fields = [
        "deployment",
        "reading_from",
        "reading_to",
        "expected_delta",
        "ledger_delta",
        "entries",
        "matched",
        "checked_at",
    ]
