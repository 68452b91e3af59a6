from django.contrib import admin

from reserves.models import Flag, FlagEvent, ReconciliationRun


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["pk", "stablecoin", "profile", "trigger", "status", "ratio", "created_at"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class FlagEventInline(admin.TabularInline):  # type: ignore[type-arg]
    model = FlagEvent
    extra = 0


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["stablecoin", "rule", "profile", "severity", "status", "opened_at", "resolved_at"]
    inlines = [FlagEventInline]
