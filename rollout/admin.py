"""The admin: a fallback tool for operators, not the social media manager's interface."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from rollout.joiners import joined, people_joined
from rollout.models import (
    Activity,
    AttitudeChange,
    ContentDelivery,
    ContentWorkflow,
    Department,
    GateCriterion,
    LoginLink,
    Person,
    Phase,
    Rollout,
    Stakeholder,
    User,
    WorkflowEvent,
    WorkflowRevision,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "language", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "groups"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["full_name", "language", "time_zone"]}),
        (_("Roles and access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]}),
    ]
    filter_horizontal = ["groups"]


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):
    list_display = ["name", "parent", "head", "deputy", "headcount"]
    search_fields = ["name"]
    autocomplete_fields = ["parent", "head", "deputy"]


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["last_name", "first_name", "email", "department", "language", "user"]
    list_filter = ["department", "language", "is_active"]
    search_fields = ["first_name", "last_name", "email"]
    autocomplete_fields = ["department", "user"]
    list_select_related = ["department", "user"]

    def save_model(self, request, obj, form, change) -> None:
        """A person created here, moved to another department or active again joins: the
        other apps ask them what they owe (rollout.joiners), in the same transaction."""
        before = None
        if change and obj.pk:
            before = (
                Person.objects.filter(pk=obj.pk).values_list("department_id", "is_active").first()
            )
        super().save_model(request, obj, form, change)
        if joined(before=before, after=(obj.department_id, obj.is_active)):
            people_joined(person_ids=[obj.pk])


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0
    fields = ["kind", "order", "start_date", "end_date", "status"]


@admin.register(Rollout)
class RolloutAdmin(SimpleHistoryAdmin):
    list_display = ["name", "start_date", "end_date", "sponsor", "approach"]
    search_fields = ["name"]
    autocomplete_fields = ["sponsor"]
    inlines = [PhaseInline]


class GateCriterionInline(admin.TabularInline):
    model = GateCriterion
    extra = 0


@admin.register(Phase)
class PhaseAdmin(SimpleHistoryAdmin):
    list_display = ["rollout", "kind", "status", "start_date", "end_date"]
    list_filter = ["kind", "status"]
    inlines = [GateCriterionInline]


@admin.register(Activity)
class ActivityAdmin(SimpleHistoryAdmin):
    list_display = ["title", "phase", "kind", "owner", "due_date", "status"]
    list_filter = ["status", "kind", "phase__kind"]
    search_fields = ["title"]
    autocomplete_fields = ["owner", "departments"]
    list_select_related = ["phase__rollout", "owner"]


class AttitudeChangeInline(admin.TabularInline):
    model = AttitudeChange
    extra = 0
    readonly_fields = ["from_attitude", "to_attitude", "note", "changed_by", "changed_at"]
    can_delete = False


@admin.register(Stakeholder)
class StakeholderAdmin(SimpleHistoryAdmin):
    list_display = ["person", "rollout", "role", "influence", "attitude"]
    list_filter = ["role", "attitude", "influence"]
    search_fields = ["person__first_name", "person__last_name", "person__email"]
    autocomplete_fields = ["person"]
    list_select_related = ["person", "rollout"]
    inlines = [AttitudeChangeInline]


# --- Content workflows (read-only: transitions go through the services) ---------------------


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class WorkflowRevisionInline(admin.TabularInline):
    model = WorkflowRevision
    extra = 0
    can_delete = False
    fields = ["number", "state", "turnaround_hours", "channel", "proposed_at", "decided_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class WorkflowEventInline(admin.TabularInline):
    model = WorkflowEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "from_state", "to_state", "by", "on_behalf_of", "reason", "comment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ContentWorkflow)
class ContentWorkflowAdmin(_ReadOnly):
    list_display = ["title", "department", "latest_revision", "confirmed_revision", "updated_at"]
    search_fields = ["title", "department__name"]
    list_select_related = ["department", "latest_revision", "confirmed_revision"]
    inlines = [WorkflowRevisionInline, WorkflowEventInline]


@admin.register(ContentDelivery)
class ContentDeliveryAdmin(_ReadOnly):
    list_display = ["description", "workflow", "requested_at", "due_at", "delivered_at"]
    list_filter = ["workflow__department"]
    list_select_related = ["workflow"]
    date_hierarchy = "requested_at"


@admin.register(LoginLink)
class LoginLinkAdmin(_ReadOnly):
    list_display = ["user", "created_at", "expires_at", "used_at"]
    list_select_related = ["user"]
    exclude = ["token_hash"]
