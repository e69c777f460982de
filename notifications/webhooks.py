"""The second channel: a department's Teams or Slack incoming webhook, for department-wide
summaries. Each post is an outbox row (channel "webhook") like a mail: queued once per
department and day, sent by the worker with the same retries, visible in the log."""

import datetime
from collections import Counter

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.outbound import OutboundError, post_json
from notifications.emails import NotificationObsolete
from notifications.kinds import NotificationKind, Pace, get_kind, register
from notifications.models import (
    Channel,
    DepartmentChannel,
    Notification,
    NotificationState,
    WebhookKind,
)
from rollout.models import Department

SUMMARY_KIND = "department_summary"


def _summary_lines(notification: Notification) -> list[str]:
    """What went to the department's people on the summary's day, counted by kind."""
    day = datetime.date.fromisoformat(notification.context["day"])
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())
    counts = Counter(
        Notification.objects.filter(
            person__department_id=notification.object_id,
            created_at__gte=start,
            created_at__lt=start + datetime.timedelta(days=1),
            channel=Channel.EMAIL,
        )
        .exclude(state=NotificationState.CANCELLED)
        .values_list("kind", flat=True)
    )
    lines = []
    for key, count in sorted(counts.items()):
        kind = get_kind(key)
        lines.append(f"{kind.label if kind else key}: {count}")
    return lines


def webhook_payload(notification: Notification) -> tuple[str, dict]:
    """(address, JSON body) for a webhook row, rendered now in the row's language."""
    channel = DepartmentChannel.objects.filter(
        department_id=notification.object_id, enabled=True
    ).first()
    if channel is None:
        raise NotificationObsolete(notification.kind)
    with translation.override(notification.language):
        if notification.kind == SUMMARY_KIND:
            lines = _summary_lines(notification)
            title = _("ChangeHub: reminders and requests for %(department)s on %(day)s") % {
                "department": notification.recipient_name,
                "day": notification.context["day"],
            }
        else:  # a post of a domain kind: its context gives the headline and the lines
            kind = get_kind(notification.kind)
            post = kind.context(notification) if kind and kind.context else None
            if post is None:
                raise NotificationObsolete(notification.kind)
            title, lines = post["headline"], post["lines"]
        if not lines:
            raise NotificationObsolete(notification.kind)
    text = "\n".join(["**" + title + "**", *("- " + line for line in lines)])
    if channel.kind == WebhookKind.SLACK:
        body = {"text": text}
    else:  # Teams incoming webhooks accept the simple MessageCard text format.
        body = {"@type": "MessageCard", "summary": title, "text": text}
    return channel.url, body


def webhook_post(payload: tuple[str, dict]) -> None:
    """Post to the channel's address: only to the public internet, re-checked now and
    connected to the address checked, no redirects (core.outbound). A failure raises an
    OutboundError whose `public_message` is all the outbox shows."""
    url, body = payload
    post_json(url, body, timeout=settings.NOTIFY_WEBHOOK_TIMEOUT)


def failure_text(error: Exception, language: str) -> str:
    """What the outbox records and shows for a failed send: for a chat post only the short
    text of core.outbound in the row's language (never why a connection failed, which would
    tell whether a port is open), for anything else the error itself."""
    if isinstance(error, OutboundError):
        with translation.override(language or settings.LANGUAGE_CODE):
            return str(error.public_message)
    return f"{type(error).__name__}: {error}"[:2000]


def department_summaries_queue(*, day: datetime.date | None = None) -> int:
    """One summary row per department with an active channel and day (idempotent)."""
    day = day or timezone.localdate()
    channels = DepartmentChannel.objects.filter(enabled=True).select_related("department")
    department_type = ContentType.objects.get_for_model(Department)
    queued = 0
    for channel in channels:
        try:
            with transaction.atomic():
                Notification.objects.create(
                    kind=SUMMARY_KIND,
                    channel=Channel.WEBHOOK,
                    dedup_key=f"webhook:summary:{channel.department_id}:{day.isoformat()}",
                    recipient_email="",
                    recipient_name=channel.department.name,
                    language=settings.LANGUAGE_CODE,
                    content_type=department_type,
                    object_id=channel.department_id,
                    context={"day": day.isoformat()},
                )
            queued += 1
        except IntegrityError:
            continue
    if queued:
        from notifications.services.dispatch import enqueue_dispatch_after_commit

        enqueue_dispatch_after_commit()
    return queued


def department_post_queue(
    *, kind: str, department_id: int, dedup_key: str, context: dict | None = None
) -> bool:
    """Queue one post of `kind` into a department's chat channel, if it has one switched on
    (idempotent by `dedup_key`). The kind's `context` returns {"headline", "lines"} at send
    time, or None when the post is no longer wanted. Returns whether a row was written."""
    channel = (
        DepartmentChannel.objects.filter(department_id=department_id, enabled=True)
        .select_related("department")
        .first()
    )
    if channel is None:
        return False
    try:
        with transaction.atomic():
            Notification.objects.create(
                kind=kind,
                channel=Channel.WEBHOOK,
                dedup_key=dedup_key,
                recipient_email="",
                recipient_name=channel.department.name,
                language=settings.LANGUAGE_CODE,
                content_type=ContentType.objects.get_for_model(Department),
                object_id=department_id,
                context=context or {},
            )
    except IntegrityError:
        return False
    from notifications.services.dispatch import enqueue_dispatch_after_commit

    enqueue_dispatch_after_commit()
    return True


register(
    NotificationKind(
        key=SUMMARY_KIND,
        label=gettext_lazy("Department summary"),
        template="",
        mandatory=True,
        pace=Pace.REMINDER,  # a chat channel's daily summary; the email policy does not apply
    )
)
