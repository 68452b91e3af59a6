from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from eth_utils.address import is_checksum_address, to_checksum_address

from chain.models import (
    BlockHeader,
    DeductionAddress,
    Deployment,
    LedgerCheck,
    LedgerCursor,
    Network,
    ReadingSource,
    SupplyReading,
)


def _checksummed(value: str) -> str:
    # Mixed case claims an EIP-55 checksum; a wrong one is a typo somewhere in the address.
    if value[2:] not in (value[2:].lower(), value[2:].upper()) and not is_checksum_address(value):
        raise forms.ValidationError(f"{value} fails its EIP-55 checksum (a typo?)")
    return str(to_checksum_address(value))


class DeploymentForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Deployment
        fields = [
            "stablecoin",
            "network",
            "address",
            "decimals",
            "kind",
            "proxy_layout",
            "bridged_from",
            "lockbox_address",
            "follow_successor",
        ]

    def clean_address(self) -> str:
        return _checksummed(self.cleaned_data["address"])

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if (data.get("kind") == "bridged") != bool(data.get("bridged_from") and data.get("lockbox_address")):
            raise forms.ValidationError("a bridged deployment (and only one) names its source network and lock-box")
        return data


class DeductionForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = DeductionAddress
        fields = ["bucket", "address", "note", "evidence"]

    def clean_address(self) -> str:
        return _checksummed(self.cleaned_data["address"])

    def clean_note(self) -> str:
        note: str = self.cleaned_data["note"]
        if not note.strip():
            raise forms.ValidationError("say why these tokens are not outstanding")
        return note


class DeductionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = DeductionAddress
    form = DeductionForm
    extra = 0


@admin.register(Deployment)
class DeploymentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "stablecoin",
        "network",
        "address",
        "decimals",
        "kind",
        "proxy_layout",
        "bridged_from",
        "follow_successor",
    ]
    list_filter = ["network", "kind"]
    search_fields = ["address", "stablecoin__symbol"]
    form = DeploymentForm
    inlines = [DeductionInline]
    actions = ["check_against_chain"]

    # An action, not form validation: the admin saves forms inside a transaction, and no
    # transaction may stay open across an RPC call.
    @admin.action(description="Check chain id and decimals() against the chain")
    def check_against_chain(self, request: HttpRequest, queryset: QuerySet[Deployment]) -> None:
        from chain.registry_sync import registry_verify

        problems = registry_verify(deployments=list(queryset.select_related("stablecoin", "network")))
        for problem in problems:
            self.message_user(request, problem, messages.ERROR)
        if not problems:
            self.message_user(request, f"{queryset.count()} deployments match their chains", messages.SUCCESS)


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "name",
        "chain_id",
        "finality",
        "confirmations",
        "cross_check",
        "last_success_at",
        "consecutive_failures",
    ]
    readonly_fields = ["last_success_at", "last_error_at", "last_error", "consecutive_failures"]
    fields = ["name", "chain_id", "rpc_urls", "finality", "confirmations", "cross_check", *readonly_fields]


class ReadingSourceInline(admin.StackedInline):  # type: ignore[type-arg]
    model = ReadingSource
    extra = 0
    can_delete = False
    readonly_fields = ["address_read", "implementation"]


@admin.register(SupplyReading)
class SupplyReadingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["deployment", "chain_id", "block_number", "block_hash", "total_supply", "status", "read_at"]
    inlines = [ReadingSourceInline]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(BlockHeader)
class BlockHeaderAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["chain_id", "number", "hash", "timestamp"]
    list_filter = ["chain_id"]

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
