"""Reads for the notification pages: a fixed number of queries whatever the data size."""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, F, Q

from notifications.models import FanOut, FanOutState, Notification, NotificationState

PAGE = 50


def outbox_overview(*, person_id: int | None = None, search: str = "") -> dict[str, object]:
    """The failed ones, the next due, the sent ones (newest sent first), the cancelled ones,
    counts by state, and the mass mailings still being written or failed (6 queries). With
    `person_id` only one person's rows; `search` finds a recipient by name or address."""
    rows = Notification.objects.all()
    if person_id is not None:
        rows = rows.filter(person_id=person_id)
    search = search.strip()
    if search:
        rows = rows.filter(
            Q(recipient_name__icontains=search) | Q(recipient_email__icontains=search)
        )
    counts = rows.aggregate(
        **{state: Count("pk", filter=Q(state=state)) for state in NotificationState.values}
    )
    fanouts = []
    if person_id is None:
        fanouts = list(
            FanOut.objects.filter(
                state__in=[FanOutState.PENDING, FanOutState.RUNNING, FanOutState.FAILED]
            ).order_by("-created_at", "-pk")[:PAGE]
        )
    return {
        "counts": counts,
        "fanouts": fanouts,
        "failed": list(rows.filter(state=NotificationState.FAILED).order_by("-due_at")[:PAGE]),
        "queue": list(
            rows.filter(state__in=[NotificationState.PENDING, NotificationState.SENDING]).order_by(
                "due_at", "pk"
            )[:PAGE]
        ),
        "sent": list(
            rows.filter(state__in=[NotificationState.SENT, NotificationState.DIGESTED]).order_by(
                F("sent_at").desc(nulls_last=True), "-due_at", "-pk"
            )[:PAGE]
        ),
        "cancelled": list(
            rows.filter(state=NotificationState.CANCELLED).order_by("-due_at", "-pk")[:PAGE]
        ),
    }


def notifications_about(obj: models.Model, *, limit: int = PAGE) -> list[Notification]:
    """What was sent about one object (an activity, a workflow, ...), newest first (1 query)."""
    content_type = ContentType.objects.get_for_model(obj)  # cached after the first call
    return list(
        Notification.objects.filter(content_type=content_type, object_id=obj.pk).order_by(
            "-due_at", "-pk"
        )[:limit]
    )
