"""Rules on content workflows (rollout/models/workflows.py):

- `workflow`: a revision waits for the department head's confirmation -> head and deputy,
  first after 3 days, then every 4 days, at most 3; then the sponsor gets the case in their
  daily summary (digest).
- `delivery`: a content delivery is late against its agreed turnaround -> the supplier; after
  the last reminder the workflow's "asked when late" contact (Ansprechperson bei Verspätung)
  of the revision in force, and one interval later the department head. Without a contact (or
  when the head is the contact) the head is asked at once.
"""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.models import Notification
from notifications.rules import (
    Item,
    RuleDefaults,
    RuleSettings,
    RuleSource,
    register_rule,
    reminder_key,
    reminder_step,
)
from notifications.services import QueuedNotification
from rollout.models import Rollout
from rollout.models.workflows import ContentDelivery, WorkflowRevision, WorkflowState
from rollout.notices import workflow_proposed_context, workflow_revision_for
from rollout.reminders import is_current_rollout
from rollout.services.workflows import supply_link_path

WORKFLOW = "workflow"
DELIVERY = "delivery"


def scan_workflows(rollout: Rollout, rule: RuleSettings, now: datetime.datetime) -> list[Item]:
    if not is_current_rollout(rollout, now):
        return []
    revisions = WorkflowRevision.objects.filter(
        state=WorkflowState.PROPOSED,
        proposed_at__lte=now - datetime.timedelta(days=rule.first_after_days),
    ).select_related("workflow__department__head__user", "workflow__department__deputy__user")
    sponsor = rollout.sponsor if rollout.sponsor_id and rollout.sponsor.is_active else None
    items: list[Item] = []
    for revision in revisions:
        step = reminder_step(revision.proposed_at, rule, now)
        department = revision.workflow.department
        context = {"rollout": rollout.pk, "step": step}
        if 0 < step <= rule.max_count:
            for leader in (department.head, department.deputy):
                if leader is None or not leader.is_active:
                    continue
                key = reminder_key(WORKFLOW, f"rev{revision.pk}:p{leader.pk}", step)
                item = QueuedNotification(to=leader, dedup_key=key, about=revision, context=context)
                items.append((f"reminder_{WORKFLOW}", item))
        elif step > rule.max_count and sponsor is not None:
            key = reminder_key(WORKFLOW, f"rev{revision.pk}", "escalation")
            item = QueuedNotification(to=sponsor, dedup_key=key, about=revision, context=context)
            items.append((f"escalation_{WORKFLOW}", item))
    return items


def describe_workflow_reminder(notification: Notification) -> dict | None:
    context = workflow_proposed_context(notification)
    if context is None:
        return None
    workflow = context["workflow"]
    return {
        "headline": _("“%(title)s” of %(department)s still waits for your confirmation")
        % {"title": workflow.title, "department": context["department"].name},
        "lines": [_("Please confirm the content workflow or request changes.")],
        "action_url": context.get("login_url") or context["workflow_url"],
        "action_label": _("Open the content workflow"),
    }


def describe_workflow_escalation(notification: Notification) -> dict | None:
    revision = workflow_revision_for(notification)
    if revision is None or revision.state != WorkflowState.PROPOSED:
        return None
    department = revision.workflow.department
    days = (timezone.now() - revision.proposed_at).days
    head = department.head.full_name if department.head_id else _("nobody")
    return {
        "headline": _("“%(title)s” (%(department)s) has waited %(days)s days for confirmation")
        % {"title": revision.workflow.title, "department": department.name, "days": days},
        "lines": [
            _("Department head: %(name)s. The reminders did not help; a word from you may.")
            % {"name": head}
        ],
        "action_url": "",
        "action_label": "",
    }


def scan_deliveries(rollout: Rollout, rule: RuleSettings, now: datetime.datetime) -> list[Item]:
    if not is_current_rollout(rollout, now):
        return []
    deliveries = ContentDelivery.objects.filter(
        delivered_at__isnull=True,
        due_at__lte=now - datetime.timedelta(days=rule.first_after_days),
        supplier__isnull=False,
        supplier__is_active=True,
    ).select_related(
        "supplier__user",
        "workflow__department__head__user",
        "workflow__confirmed_revision__escalation_contact__user",
        "workflow__latest_revision__escalation_contact__user",
    )
    items: list[Item] = []
    for delivery in deliveries:
        step = reminder_step(delivery.due_at, rule, now)
        context = {"rollout": rollout.pk, "step": step}
        if 0 < step <= rule.max_count:
            key = reminder_key(DELIVERY, f"d{delivery.pk}", step)
            item = QueuedNotification(
                to=delivery.supplier, dedup_key=key, about=delivery, context=context
            )
            items.append((f"reminder_{DELIVERY}", item))
        elif step > rule.max_count:
            items += _delivery_escalations(delivery, rule, now, context)
    return items


def late_contact_of(delivery: ContentDelivery):
    """The "asked when late" contact of the revision in force (else of the latest), if active."""
    workflow = delivery.workflow
    revision = workflow.confirmed_revision or workflow.latest_revision
    contact = revision.escalation_contact if revision is not None else None
    return contact if contact is not None and contact.is_active else None


def _delivery_escalations(
    delivery: ContentDelivery, rule: RuleSettings, now: datetime.datetime, context: dict
) -> list[Item]:
    """The late contact first; the head one interval later (at once without a contact)."""
    head = delivery.workflow.department.head
    head = head if head is not None and head.is_active else None
    contact = late_contact_of(delivery)
    if contact is not None and head is not None and contact.pk == head.pk:
        contact = None
    label = f"d{delivery.pk}"
    items: list[Item] = []
    if contact is not None:
        key = reminder_key(DELIVERY, label, "escalation")
        item = QueuedNotification(
            to=contact, dedup_key=key, about=delivery, context={**context, "as": "contact"}
        )
        items.append((f"escalation_{DELIVERY}", item))
        first = delivery.due_at + datetime.timedelta(
            days=rule.first_after_days + rule.max_count * max(rule.every_days, 1)
        )
        if now < first + datetime.timedelta(days=max(rule.every_days, 1)):
            return items  # the head comes next time, if it is still late
    if head is not None:
        key = reminder_key(DELIVERY, label, "escalation" if contact is None else "escalation-head")
        item = QueuedNotification(
            to=head, dedup_key=key, about=delivery, context={**context, "as": "head"}
        )
        items.append((f"escalation_{DELIVERY}", item))
    return items


def _open_delivery(notification: Notification):
    delivery = (
        ContentDelivery.objects.select_related("workflow__department", "supplier")
        .filter(pk=notification.object_id)
        .first()
    )
    if delivery is None or delivery.delivered_at is not None:
        return None
    return delivery


def describe_delivery_reminder(notification: Notification) -> dict | None:
    delivery = _open_delivery(notification)
    if delivery is None or delivery.supplier_id != notification.person_id:
        return None
    due = formats.date_format(timezone.localtime(delivery.due_at), "DATETIME_FORMAT")
    path = supply_link_path(workflow=delivery.workflow, person=delivery.supplier)
    return {
        "headline": _("“%(what)s” was due on %(due)s") % {"what": delivery.description, "due": due},
        "lines": [
            _("Content workflow: %(workflow)s") % {"workflow": delivery.workflow.title},
            _("Content is worth most while it is fresh: please send it today."),
        ],
        "action_url": settings.SITE_URL + path,
        "action_label": _("Log the delivery"),
    }


def describe_delivery_escalation(notification: Notification) -> dict | None:
    delivery = _open_delivery(notification)
    if delivery is None:
        return None
    due = formats.date_format(timezone.localtime(delivery.due_at), "DATETIME_FORMAT")
    supplier = delivery.supplier.full_name if delivery.supplier else _("nobody")
    lines = [
        _("Due on %(due)s under the content workflow “%(workflow)s”.")
        % {"due": due, "workflow": delivery.workflow.title}
    ]
    if notification.context.get("as") == "contact":
        lines.append(
            _(
                "You are the workflow's contact when content is late: please help "
                "%(supplier)s to send it. If it is still late, the department head is told next."
            )
            % {"supplier": supplier}
        )
    return {
        "headline": _("“%(what)s” from %(supplier)s is late")
        % {"what": delivery.description, "supplier": supplier},
        "lines": lines,
        # The contact may have no login to the workflow's page: the mail says it all.
        "action_url": ""
        if notification.context.get("as") == "contact"
        else settings.SITE_URL + reverse("rollout:workflow_detail", args=[delivery.workflow_id]),
        "action_label": _("Open the content workflow"),
    }


register_rule(
    RuleSource(
        key=WORKFLOW,
        label=gettext_lazy("Content workflow waiting for confirmation"),
        help_text=gettext_lazy(
            "Reminds the department head and deputy; escalates to the rollout's sponsor."
        ),
        defaults=RuleDefaults(first_after_days=3, every_days=4, max_count=3),
        scanner=scan_workflows,
        describe_reminder=describe_workflow_reminder,
        describe_escalation=describe_workflow_escalation,
        mandatory=True,
    )
)
register_rule(
    RuleSource(
        key=DELIVERY,
        label=gettext_lazy("Content delivery late"),
        help_text=gettext_lazy(
            "Reminds the supplier once the agreed time is over; escalates to the workflow's "
            "contact when late, then to the department head."
        ),
        defaults=RuleDefaults(first_after_days=0, every_days=1, max_count=2),
        scanner=scan_deliveries,
        describe_reminder=describe_delivery_reminder,
        describe_escalation=describe_delivery_escalation,
    )
)
