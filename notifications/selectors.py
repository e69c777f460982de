"""Reads for the notification pages: a fixed number of queries whatever the data size."""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Q

from notifications.models import FanOut, FanOutState, Notification, NotificationState

PAGE = 50


def outbox_overview(*, person_id: int | None = None) -> dict[str, object]:
    """The failed ones, the next due, the latest finished, counts by state, and the mass
    mailings still being written or failed (5 queries)."""
    rows = Notification.objects.all()
    if person_id is not None:
        rows = rows.filter(person_id=person_id)
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
        "log": list(
            rows.exclude(
                state__in=[
                    NotificationState.PENDING,
                    NotificationState.SENDING,
                    NotificationState.FAILED,
                ]
            ).order_by("-due_at", "-pk")[:PAGE]
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
