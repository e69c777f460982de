"""The reminder rules of the rollout app (open activities, content workflows), registered with
the notification outbox from RolloutConfig.ready()."""

import datetime

from django.utils import timezone

from rollout.models import Rollout


def is_current_rollout(rollout: Rollout, now: datetime.datetime) -> bool:
    """Content workflows and guidelines belong to the company, not to one rollout: their
    reminders follow the settings of the running rollout that started last (1 query)."""
    today = timezone.localdate(now)
    current = (
        Rollout.objects.filter(start_date__lte=today, end_date__gte=today)
        .order_by("-start_date", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return current == rollout.pk
