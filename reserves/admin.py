from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from reserves.models import Flag, FlagEvent, NotificationDelivery, NotificationEndpoint, ReconciliationRun
from reserves.notifications import endpoint_ping


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["pk", "stablecoin", "profile", "trigger", "status", "ratio", "evaluated_at", "created_at"]
    list_filter = ["profile", "status", "trigger"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class FlagEventInline(admin.TabularInline):  # type: ignore[type-arg]
    model = FlagEvent
    extra = 0


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["stablecoin", "rule", "profile", "severity", "status", "opened_at", "resolved_at"]
    list_filter = ["status", "severity", "profile", "rule"]
    inlines = [FlagEventInline]


@admin.register(NotificationEndpoint)
class NotificationEndpointAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "kind", "url", "email", "stablecoin", "profile", "active"]
    actions = ["send_ping"]

    @admin.action(description="Send a signed test notification (ping)")
    def send_ping(self, request: HttpRequest, queryset: QuerySet[NotificationEndpoint]) -> None:
        for endpoint in queryset:
            delivery = endpoint_ping(endpoint=endpoint)
            level = messages.SUCCESS if delivery.status == "delivered" else messages.ERROR
            detail = f"HTTP {delivery.last_status_code}" if delivery.last_status_code else delivery.last_error
            self.message_user(request, f"{endpoint}: {delivery.status} {detail}".rstrip(), level)


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["pk", "event", "endpoint", "flag", "status", "attempts", "last_status_code", "created_at"]
    list_filter = ["status", "event"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
