"""Admin for guidelines: a read-only fallback. Versions go through their status machine and
acknowledgments are append-only, so every change happens in the app's pages (services)."""

from django.contrib import admin

from guidelines.models import (
    Acknowledgment,
    AcknowledgmentRequest,
    ComprehensionQuestion,
    Guideline,
    GuidelineVersion,
    VersionEvent,
)


class VersionInline(admin.TabularInline):
    model = GuidelineVersion
    fields = ["number", "status", "effective_date", "approved_on", "works_agreement_reference"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Guideline)
class GuidelineAdmin(admin.ModelAdmin):
    list_display = ["title", "created_at"]
    search_fields = ["title"]
    inlines = [VersionInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class QuestionInline(admin.TabularInline):
    model = ComprehensionQuestion
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class EventInline(QuestionInline):
    """The version's history with the works council (fingerprints, reasons): read only."""

    model = VersionEvent
    fields = ["kind", "at", "by", "reason", "text_hash"]
    readonly_fields = fields


@admin.register(GuidelineVersion)
class GuidelineVersionAdmin(ReadOnlyAdmin):
    list_display = ["guideline", "number", "status", "effective_date", "published_at"]
    list_filter = ["status"]
    list_select_related = ["guideline"]
    inlines = [QuestionInline, EventInline]


@admin.register(AcknowledgmentRequest)
class AcknowledgmentRequestAdmin(ReadOnlyAdmin):
    list_display = ["person", "version", "created_at"]
    list_select_related = ["person", "version__guideline"]
    search_fields = ["person__email", "person__last_name"]


@admin.register(Acknowledgment)
class AcknowledgmentAdmin(ReadOnlyAdmin):
    list_display = ["person", "version", "acknowledged_at", "method", "recorded_by"]
    list_filter = ["method"]
    list_select_related = ["person", "version__guideline", "recorded_by"]
    search_fields = ["person__email", "person__last_name"]
