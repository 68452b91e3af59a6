from django.contrib import admin

from attest.auth import ThrottledAdminAuthenticationForm
from attest.models import (
    AccountingFirm,
    Attestation,
    AttestationSignature,
    AuditEntry,
    Holding,
    Issuer,
    Licence,
    Membership,
    Stablecoin,
)

# The admin login counts failures and locks out like /login/ does.
admin.site.login_form = ThrottledAdminAuthenticationForm


class LicenceInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Licence
    extra = 0


@admin.register(Stablecoin)
class StablecoinAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["symbol", "name", "issuer", "currency", "par_value", "published"]
    inlines = [LicenceInline]


class HoldingInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Holding
    extra = 0

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return obj is None or obj.is_editable


@admin.register(Attestation)
class AttestationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["stablecoin", "version", "as_of", "status", "submitted_at"]
    list_filter = ["status", "stablecoin"]
    inlines = [HoldingInline]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Submitted attestations are immutable; the admin must not become a back door.
        return obj is None or obj.is_editable


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["seq", "at", "actor", "action", "object_type", "object_id"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


admin.site.register(Issuer)
admin.site.register(Membership)
admin.site.register(AccountingFirm)


@admin.register(AttestationSignature)
class AttestationSignatureAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["attestation", "role", "signer_address", "signed_at"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
