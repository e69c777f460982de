"""Writes of the internal communication plan and the success stories.

Every service records the acting user in the simple-history tables (`_history_user`), so the
dashboard's "latest changes" can say who did what even outside a web request. Creating the same
entry twice (a double click, a resent form) returns the first one instead of writing again.
"""

import datetime
import decimal
from collections.abc import Iterable

from django.db import transaction

from rollout.models import (
    CommunicationItem,
    CommunicationStatus,
    Department,
    Person,
    Rollout,
    StoryKind,
    SuccessStory,
    User,
)


def _lock_rollout(rollout: Rollout) -> None:
    """Serialise creations within one rollout, so a double submit cannot slip past the
    duplicate check (a no-op lock on SQLite, whose writes are serial anyway)."""
    Rollout.objects.select_for_update().filter(pk=rollout.pk).values_list("pk", flat=True).first()


# --- Communication plan ----------------------------------------------------------------------


def communication_item_create(
    *,
    rollout: Rollout,
    date: datetime.date,
    channel: str,
    message: str,
    by: User | None,
    audience_departments: Iterable[Department] = (),
    audience_note: str = "",
    owner: Person | None = None,
    social_homework: str = "",
) -> CommunicationItem:
    """Plan an item; the same item (date, channel, message, owner) planned twice is kept once."""
    item = CommunicationItem(
        rollout=rollout,
        date=date,
        channel=channel,
        message=message.strip(),
        audience_note=audience_note.strip(),
        owner=owner,
        social_homework=social_homework.strip(),
        status=CommunicationStatus.PLANNED,
    )
    item.full_clean()
    departments = list(audience_departments)
    with transaction.atomic():
        _lock_rollout(rollout)
        existing = CommunicationItem.objects.filter(
            rollout=rollout,
            date=item.date,
            channel=item.channel,
            message=item.message,
            owner=item.owner,
            status=CommunicationStatus.PLANNED,
        ).first()
        if existing is not None:
            return existing
        item._history_user = by
        item.save()
        if departments:
            item.audience_departments.set(departments)
    return item


def communication_item_update(
    *,
    item: CommunicationItem,
    by: User | None,
    date: datetime.date,
    channel: str,
    message: str,
    audience_departments: Iterable[Department],
    audience_note: str,
    owner: Person | None,
    social_homework: str,
    status: str,
) -> CommunicationItem:
    """Change an item; nothing is written (and no history recorded) when nothing changed."""
    departments = list(audience_departments)
    with transaction.atomic():
        locked = CommunicationItem.objects.select_for_update().get(pk=item.pk)
        values = {
            "date": date,
            "channel": channel,
            "message": message.strip(),
            "audience_note": audience_note.strip(),
            "owner_id": owner.pk if owner else None,
            "social_homework": social_homework.strip(),
            "status": status,
        }
        changed = [name for name, value in values.items() if getattr(locked, name) != value]
        for name in changed:
            setattr(locked, name, values[name])
        locked.full_clean()
        locked._history_user = by
        if changed:
            locked.save(update_fields=[name.removesuffix("_id") for name in changed])
        current = set(locked.audience_departments.values_list("pk", flat=True))
        if current != {department.pk for department in departments}:
            locked.audience_departments.set(departments)
    return locked


def communication_item_set_status(
    *, item: CommunicationItem, status: CommunicationStatus, by: User | None
) -> CommunicationItem:
    """Mark an item sent, cancelled or planned again; a repeated click writes nothing."""
    with transaction.atomic():
        locked = CommunicationItem.objects.select_for_update().get(pk=item.pk)
        if locked.status != status:
            locked.status = status
            locked.full_clean()
            locked._history_user = by
            locked.save(update_fields=["status"])
    item.status = locked.status
    return locked


def communication_item_mark_sent(*, item: CommunicationItem, by: User | None) -> CommunicationItem:
    return communication_item_set_status(item=item, status=CommunicationStatus.DONE, by=by)


def communication_item_cancel(*, item: CommunicationItem, by: User | None) -> CommunicationItem:
    return communication_item_set_status(item=item, status=CommunicationStatus.CANCELLED, by=by)


def communication_item_delete(*, item: CommunicationItem, by: User | None) -> None:
    """Delete an item; its history stays, so "latest changes" can still name it."""
    with transaction.atomic():
        locked = CommunicationItem.objects.select_for_update().filter(pk=item.pk).first()
        if locked is None:
            return
        locked._history_user = by
        locked.delete()


# --- Success stories -------------------------------------------------------------------------


def success_story_create(
    *,
    rollout: Rollout,
    kind: str,
    title: str,
    date: datetime.date,
    by: User | None,
    department: Department | None = None,
    description: str = "",
    kpi_name: str = "",
    kpi_value: decimal.Decimal | None = None,
) -> SuccessStory:
    """Record a quick win or a key figure; the same entry recorded twice is kept once."""
    story = SuccessStory(
        rollout=rollout,
        kind=kind,
        title=title.strip(),
        date=date,
        department=department,
        description=description.strip(),
        kpi_name=kpi_name if kind == StoryKind.KPI else "",
        kpi_value=kpi_value if kind == StoryKind.KPI else None,
        created_by=by,
    )
    story.full_clean()
    with transaction.atomic():
        _lock_rollout(rollout)
        existing = SuccessStory.objects.filter(
            rollout=rollout,
            kind=story.kind,
            title=story.title,
            date=story.date,
            department=story.department,
            kpi_name=story.kpi_name,
            kpi_value=story.kpi_value,
        ).first()
        if existing is not None:
            return existing
        story._history_user = by
        story.save()
    return story


def success_story_update(
    *,
    story: SuccessStory,
    by: User | None,
    kind: str,
    title: str,
    date: datetime.date,
    department: Department | None,
    description: str,
    kpi_name: str,
    kpi_value: decimal.Decimal | None,
) -> SuccessStory:
    """Change a story; nothing is written when nothing changed."""
    with transaction.atomic():
        locked = SuccessStory.objects.select_for_update().get(pk=story.pk)
        values = {
            "kind": kind,
            "title": title.strip(),
            "date": date,
            "department_id": department.pk if department else None,
            "description": description.strip(),
            "kpi_name": kpi_name if kind == StoryKind.KPI else "",
            "kpi_value": kpi_value if kind == StoryKind.KPI else None,
        }
        changed = [name for name, value in values.items() if getattr(locked, name) != value]
        for name in changed:
            setattr(locked, name, values[name])
        locked.full_clean()
        if changed:
            locked._history_user = by
            locked.save(update_fields=[name.removesuffix("_id") for name in changed])
    return locked


def success_story_delete(*, story: SuccessStory, by: User | None) -> None:
    with transaction.atomic():
        locked = SuccessStory.objects.select_for_update().filter(pk=story.pk).first()
        if locked is None:
            return
        locked._history_user = by
        locked.delete()
