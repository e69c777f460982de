from django.contrib import admin

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["kind", "recipient_email", "state", "due_at", "attempts", "sent_at"]
    list_filter = ["state", "kind"]
    search_fields = ["recipient_email", "recipient_name", "dedup_key"]
    raw_id_fields = ["person", "user"]
    readonly_fields = ["created_at", "sent_at", "claimed_at", "attempts", "last_error"]
