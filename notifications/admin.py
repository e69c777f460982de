from django.contrib import admin

from notifications.forms import DepartmentChannelAdminForm
from notifications.models import (
    DepartmentChannel,
    FanOut,
    Notification,
    ReminderRule,
    ReminderSettings,
    Unsubscription,
)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["kind", "channel", "recipient_email", "state", "due_at", "attempts", "sent_at"]
    list_filter = ["state", "kind", "channel", "via_digest"]
    search_fields = ["recipient_email", "recipient_name", "dedup_key"]
    raw_id_fields = ["person", "user", "digest"]
    readonly_fields = ["created_at", "sent_at", "claimed_at", "claim", "attempts", "last_error"]


@admin.register(FanOut)
class FanOutAdmin(admin.ModelAdmin):
    """Mass mailings: written by the worker, resumed by beat; shown, not edited."""

    list_display = ["key", "label", "state", "done", "total", "queued", "attempts", "created_at"]
    list_filter = ["state", "source"]
    search_fields = ["key", "label"]
    readonly_fields = [
        "key",
        "source",
        "label",
        "content_type",
        "object_id",
        "state",
        "total",
        "done",
        "queued",
        "cursor",
        "attempts",
        "claim",
        "heartbeat_at",
        "last_error",
        "created_at",
        "finished_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ReminderRule)
class ReminderRuleAdmin(admin.ModelAdmin):
    list_display = ["rollout", "key", "enabled", "first_after_days", "every_days", "max_count"]
    list_filter = ["key", "enabled"]


@admin.register(Unsubscription)
class UnsubscriptionAdmin(admin.ModelAdmin):
    list_display = ["email", "kind", "created_at"]
    search_fields = ["email"]


@admin.register(DepartmentChannel)
class DepartmentChannelAdmin(admin.ModelAdmin):
    form = DepartmentChannelAdminForm
    list_display = ["department", "kind", "enabled", "updated_at"]
    list_filter = ["kind", "enabled"]


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(admin.ModelAdmin):
    list_display = ["rollout", "holiday_state"]
