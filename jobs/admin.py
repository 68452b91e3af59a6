"""The outbox in the admin: what waits, what is out, and what gave up (with why), and sending it again."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from jobs.models import OutboxMessage
from jobs.outbox import outbox_retry

STATES: dict[str, tuple[str, Q]] = {
    "waiting": ("waiting (never sent)", Q(done_at__isnull=True, sent_at__isnull=True)),
    "out": ("sent, not done", Q(done_at__isnull=True, sent_at__isnull=False)),
    "done": ("done", Q(done_at__isnull=False, error="")),
    "gave_up": ("gave up", Q(done_at__isnull=False) & ~Q(error="")),
}


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return [(key, label) for key, (label, _q) in STATES.items()]

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        state = STATES.get(self.value() or "")
        return queryset.filter(state[1]) if state else queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["id", "task", "args", "created_at", "sends", "sent_at", "done_at", "error"]
    list_filter = [StateFilter, "task"]
    search_fields = ["task", "error"]
    actions = ["send_again"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    @admin.action(description="Send again (messages that gave up)")
    def send_again(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = outbox_retry(queryset.values_list("pk", flat=True))
        skipped = queryset.count() - count
        self.message_user(
            request,
            f"{count} message(s) are due again and go with the next relay"
            + (f"; {skipped} had not given up and were left alone" if skipped else ""),
            messages.SUCCESS if count else messages.WARNING,
        )
