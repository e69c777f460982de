"""The rollout's part of "Meine Aufgaben" (core.mytasks): the open activities a person owns
and the content they were asked to deliver. 2 queries."""

from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core.mytasks import Task, register
from rollout.models import (
    OPEN_ACTIVITY_STATUSES,
    Activity,
    ContentDelivery,
    Person,
    WorkflowRevision,
)
from rollout.services.workflows import supply_link_path


def _tasks(person: Person) -> list[Task]:
    activities = (
        Activity.objects.filter(owner=person, status__in=OPEN_ACTIVITY_STATUSES)
        .select_related("phase__rollout")
        .order_by("due_date", "pk")
    )
    tasks = [
        Task(
            kind=_("Activity"),
            title=activity.title,
            what=activity.get_status_display(),
            url="",
            due=activity.due_date,
            order=10,
        )
        for activity in activities
    ]
    # Only workflows the person still supplies (those of the revision in force, else of the
    # latest), whose supply link works.
    supplies = WorkflowRevision.suppliers.through.objects.filter(
        person_id=person.pk,
        workflowrevision_id=Coalesce(
            OuterRef("workflow__confirmed_revision_id"), OuterRef("workflow__latest_revision_id")
        ),
    )
    deliveries = (
        ContentDelivery.objects.filter(supplier=person, delivered_at__isnull=True)
        .filter(Exists(supplies))
        .select_related("workflow")
        .order_by("due_at", "pk")
    )
    tasks += [
        Task(
            kind=_("Content to deliver"),
            title=f"{delivery.workflow.title}: {delivery.description}"
            if delivery.description
            else delivery.workflow.title,
            what=_("Deliver"),
            url=supply_link_path(workflow=delivery.workflow, person=person),
            due=timezone.localdate(delivery.due_at),
            order=20,
        )
        for delivery in deliveries
    ]
    return tasks


register("rollout", _tasks)
