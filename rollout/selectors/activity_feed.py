"""The dashboard's "latest changes": who did what, read from the simple-history tables.

One query per history table (activities, stakeholders, communication items, success stories,
gate criteria), merged in Python: 5 queries whatever the size of the history. Each query also
fetches, per row, the value of the field that matters from the record before it (a correlated
subquery on the history's primary key), so a status change reads "completed" or "marked as
sent" instead of just "changed".

For leadership (`private=True`, rollout.privacy) the feed names no stakeholder: it says only
that an attitude changed in a department of MIN_GROUP or more stakeholders, and leaves out
every other stakeholder record (still 5 queries: the department rule is a subquery).
"""

import datetime
import functools
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Model, OuterRef, QuerySet, Subquery
from django.utils.text import Truncator
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from rollout.models import (
    Activity,
    ActivityStatus,
    Attitude,
    CommunicationItem,
    CommunicationStatus,
    CriterionKind,
    GateCriterion,
    Rollout,
    Stakeholder,
    SuccessStory,
)
from rollout.privacy import MIN_GROUP

# A "changed" record this close after another one of the same object by the same person is
# part of the same action (a save followed by setting the departments): shown once.
SAME_ACTION = datetime.timedelta(seconds=5)

THINGS = {
    "activity": _("the activity “%(label)s”"),
    "stakeholder": _("the stakeholder %(label)s"),
    "communication": _("the communication item “%(label)s”"),
    "success": _("the success story “%(label)s”"),
    "criterion": _("the gate criterion “%(label)s”"),
    # Only in "An attitude changed in %(thing)s" (German: dative).
    "department": pgettext_lazy("an attitude changed in …", "the department “%(label)s”"),
}

SENTENCES = {
    "created": _("%(user)s created %(thing)s"),
    "recorded": _("%(user)s recorded %(thing)s"),
    "changed": _("%(user)s changed %(thing)s"),
    "deleted": _("%(user)s deleted %(thing)s"),
    "started": _("%(user)s started %(thing)s"),
    "completed": _("%(user)s completed %(thing)s"),
    "cancelled": _("%(user)s cancelled %(thing)s"),
    "reopened": _("%(user)s reopened %(thing)s"),
    "sent": _("%(user)s marked %(thing)s as sent"),
    "attitude": _("%(user)s changed the attitude of %(thing)s to “%(detail)s”"),
    "checked": _("%(user)s checked %(thing)s"),
    "unchecked": _("%(user)s unchecked %(thing)s"),
    # For leadership: no person, no value (rollout.privacy).
    "attitude_in_department": _("An attitude changed in %(thing)s"),
}


@dataclass(frozen=True)
class Change:
    """One entry of the feed: a history record turned into a sentence."""

    when: datetime.datetime
    history_type: str  # "+", "~" or "-"
    user_id: int | None
    user_label: str  # the user's name (or email); empty when no user is known
    subject: str  # a key of THINGS
    object_id: int
    action: str  # a key of SENTENCES
    label: str
    detail: str = ""

    @property
    def user_name(self) -> str:
        return self.user_label or gettext("Someone")

    @property
    def sentence(self) -> str:
        """Built when shown, so it speaks the reader's language."""
        thing = str(THINGS[self.subject]) % {"label": self.label}
        return str(SENTENCES[self.action]) % {
            "user": self.user_name,
            "thing": thing,
            "detail": self.detail,
        }


@functools.cache
def _history_model(model: type[Model]) -> type[Model]:
    # `Model.history` builds a new manager class on every access: look it up once.
    return model.history.model  # type: ignore[attr-defined]


def _history(model: type[Model]) -> QuerySet[Any]:
    return _history_model(model)._default_manager.all()


_RECORD_FIELDS = (
    "id",
    "history_id",
    "history_date",
    "history_type",
    "history_user_id",
    "history_user__full_name",
    "history_user__email",
)


def _newest(
    queryset: QuerySet[Any], fetch: int, fields: tuple[str, ...], previous_field: str | None = None
) -> list[dict[str, Any]]:
    """The newest `fetch` records of `queryset` as dicts of `fields`, each with
    `previous_value`: the `previous_field` of the record of the same object before it. One
    query; the newest records are picked in a subquery first, so the correlated lookup runs
    for those only. Plain values, no model instances: the feed is on every dashboard."""
    order = ("-history_date", "-history_id")
    model = queryset.model
    records = model.objects.filter(
        history_id__in=queryset.order_by(*order).values("history_id")[:fetch]
    )
    if previous_field is not None:
        previous = model.objects.filter(
            id=OuterRef("id"), history_id__lt=OuterRef("history_id")
        ).order_by("-history_id")
        records = records.annotate(previous_value=Subquery(previous.values(previous_field)[:1]))
        fields = (*fields, "previous_value")
    return list(records.order_by(*order).values(*_RECORD_FIELDS, *fields))


def _action(
    record: dict[str, Any], state: Any = None, actions: dict[Any, str] | None = None
) -> str:
    """created / deleted / the action for a changed state (from `actions`) / changed."""
    if record["history_type"] == "+":
        return "created"
    if record["history_type"] == "-":
        return "deleted"
    previous = record.get("previous_value")
    if actions is not None and previous is not None and previous != state:
        return actions.get(state, "changed")
    return "changed"


def _change(
    record: dict[str, Any], subject: str, action: str, label: str, detail: str = ""
) -> Change:
    return Change(
        when=record["history_date"],
        history_type=record["history_type"],
        user_id=record["history_user_id"],
        user_label=record["history_user__full_name"] or record["history_user__email"] or "",
        subject=subject,
        object_id=record["id"],
        action=action,
        label=label,
        detail=detail,
    )


def _activity_changes(rollout: Rollout, fetch: int) -> list[Change]:
    records = _newest(
        _history(Activity).filter(phase__rollout_id=rollout.pk),
        fetch,
        ("title", "status"),
        "status",
    )
    changes = []
    for record in records:
        actions = {
            ActivityStatus.DONE: "completed",
            ActivityStatus.CANCELLED: "cancelled",
            ActivityStatus.IN_PROGRESS: (
                "reopened" if record.get("previous_value") == ActivityStatus.DONE else "started"
            ),
            ActivityStatus.PLANNED: "reopened",
        }
        action = _action(record, record["status"], actions)
        changes.append(_change(record, "activity", action, record["title"]))
    return changes


def _stakeholder_changes(rollout: Rollout, fetch: int, *, private: bool = False) -> list[Change]:
    if private:
        return _attitude_changes_by_department(rollout, fetch)
    records = _newest(
        _history(Stakeholder).filter(rollout_id=rollout.pk),
        fetch,
        ("attitude", "person__first_name", "person__last_name"),
        "attitude",
    )
    changes = []
    for record in records:
        action = _action(record, record["attitude"], dict.fromkeys(Attitude.values, "attitude"))
        name = f"{record['person__first_name'] or ''} {record['person__last_name'] or ''}"
        label = name.strip() or f"#{record['id']}"
        detail = str(Attitude(record["attitude"]).label) if action == "attitude" else ""
        changes.append(_change(record, "stakeholder", action, label, detail))
    return changes


def _attitude_changes_by_department(rollout: Rollout, fetch: int) -> list[Change]:
    """For leadership: "an attitude changed in <department>", only for the departments with
    MIN_GROUP or more active stakeholders in the rollout, without the person or the value.
    One query (the departments large enough are a subquery)."""
    large_enough = (
        Stakeholder.objects.filter(
            rollout_id=rollout.pk, person__is_active=True, person__department__isnull=False
        )
        .order_by()
        .values("person__department")
        .annotate(count=Count("pk"))
        .filter(count__gte=MIN_GROUP)
        .values("person__department")
    )
    records = _newest(
        _history(Stakeholder).filter(
            rollout_id=rollout.pk,
            history_type="~",
            person__is_active=True,
            person__department__in=large_enough,
        ),
        fetch,
        ("attitude", "person__department__name"),
        "attitude",
    )
    changes = []
    for record in records:
        action = _action(record, record["attitude"], dict.fromkeys(Attitude.values, "attitude"))
        if action != "attitude":
            continue
        changes.append(
            _change(
                record, "department", "attitude_in_department", record["person__department__name"]
            )
        )
    return changes


def _communication_changes(rollout: Rollout, fetch: int) -> list[Change]:
    records = _newest(
        _history(CommunicationItem).filter(rollout_id=rollout.pk),
        fetch,
        ("message", "status"),
        "status",
    )
    actions = {
        CommunicationStatus.DONE: "sent",
        CommunicationStatus.CANCELLED: "cancelled",
        CommunicationStatus.PLANNED: "reopened",
    }
    changes = []
    for record in records:
        label = Truncator(" ".join(record["message"].split())).chars(60)
        action = _action(record, record["status"], actions)
        changes.append(_change(record, "communication", action, label))
    return changes


def _success_changes(rollout: Rollout, fetch: int) -> list[Change]:
    records = _newest(_history(SuccessStory).filter(rollout_id=rollout.pk), fetch, ("title",))
    changes = []
    for record in records:
        action = _action(record)
        action = "recorded" if action == "created" else action
        changes.append(_change(record, "success", action, record["title"]))
    return changes


def _criterion_changes(rollout: Rollout, fetch: int) -> list[Change]:
    records = _newest(
        _history(GateCriterion).filter(phase__rollout_id=rollout.pk),
        fetch,
        ("label", "kind", "is_checked"),
        "is_checked",
    )
    changes = []
    for record in records:
        action = _action(record, record["is_checked"], {True: "checked", False: "unchecked"})
        kind = record["kind"]
        label = record["label"] or (
            str(CriterionKind(kind).label) if kind in CriterionKind.values else kind
        )
        changes.append(_change(record, "criterion", action, label))
    return changes


def _collapse(changes: list[Change]) -> list[Change]:
    """Drop a plain "changed" that follows another record of the same object by the same
    person within a few seconds: one action, one line. Returns newest first."""
    kept = []
    chronological = sorted(changes, key=lambda c: c.when)  # stable: ties keep table order
    last_seen: dict[tuple[str, int], Change] = {}
    for change in chronological:
        key = (change.subject, change.object_id)
        before = last_seen.get(key)
        last_seen[key] = change
        if (
            before is not None
            and change.action == "changed"
            and change.user_id == before.user_id
            and change.when - before.when <= SAME_ACTION
        ):
            continue
        kept.append(change)
    kept.reverse()
    return kept


def latest_changes(*, rollout: Rollout, limit: int = 15, private: bool = False) -> list[Change]:
    """The newest changes to the rollout's activities, stakeholders, communication items,
    success stories and gate criteria, newest first: 5 queries. `private` (leadership): no
    stakeholder is named, only attitude changes in departments large enough are told."""
    fetch = limit * 2  # room for the records that collapse into the one before them
    changes = [
        *_activity_changes(rollout, fetch),
        *_stakeholder_changes(rollout, fetch, private=private),
        *_communication_changes(rollout, fetch),
        *_success_changes(rollout, fetch),
        *_criterion_changes(rollout, fetch),
    ]
    return _collapse(changes)[:limit]
