"""Writes of training sessions: schedule, change, cancel, duplicate as a series; invitations
and answers (with capacity and waitlist); attendance with walk-ins; feedback.

Every email goes through the outbox, queued in the transaction of the change. Answers and
walk-ins lock the session row (`select_for_update`), so two people taking the last seat at
the same moment cannot both get it, and a repeated request changes nothing.
"""

import datetime
import uuid
import zoneinfo
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.signing import LinkExpired as SignedLinkExpired
from core.signing import LinkInvalid, LinkPurpose, link_read, link_token
from guidelines.models.trainings import (
    InvitationStatus,
    SessionStatus,
    TrainingFeedback,
    TrainingInvitation,
    TrainingSession,
)
from notifications.models import Notification
from notifications.services import (
    QueuedNotification,
    notification_queue,
    notification_queue_many,
    notifications_cancel,
)
from rollout.joiners import people_joined
from rollout.models import Department, Person, Phase, User

# Notification kinds (registered in guidelines.notices).
KIND_INVITATION = "training_invitation"
KIND_CANCELLED = "training_cancelled"
KIND_PROMOTED = "training_promoted"
KIND_FEEDBACK = "training_feedback"
KIND_TRAINER = "training_trainer"  # older notices; the trainer now gets KIND_INVITATION

# Signed links: how long they work. An expired link offers a fresh one by email.
RSVP_SALT = "guidelines.training.rsvp"
FEEDBACK_SALT = "guidelines.training.feedback"
RSVP_MAX_AGE = datetime.timedelta(days=60)
FEEDBACK_MAX_AGE = datetime.timedelta(days=30)
# The invitation's id, signed as plain text (the format of the links already sent).
RSVP_LINK = LinkPurpose(salt=RSVP_SALT, max_age=RSVP_MAX_AGE, text=True)
FEEDBACK_LINK = LinkPurpose(salt=FEEDBACK_SALT, max_age=FEEDBACK_MAX_AGE, text=True)
_PURPOSES = {RSVP_SALT: RSVP_LINK, FEEDBACK_SALT: FEEDBACK_LINK}

# The fields that make up the calendar event: changing one raises the sequence and re-sends.
EVENT_FIELDS = ("title", "description", "starts_at", "ends_at", "room", "online_url")
OTHER_FIELDS = ("kind", "trainer", "capacity", "guideline_version", "audience_roles")
# Whoever has not declined keeps the event in their calendar and gets changes.
HOLDING_STATUSES = (
    InvitationStatus.INVITED,
    InvitationStatus.ACCEPTED,
    InvitationStatus.MAYBE,
    InvitationStatus.WAITLISTED,
)


class Answer:
    ACCEPT = "accept"
    DECLINE = "decline"
    MAYBE = "maybe"
    ALL = ("accept", "decline", "maybe")


# --- Signed links --------------------------------------------------------------------------


def rsvp_token(invitation: TrainingInvitation) -> str:
    return link_token(RSVP_LINK, str(invitation.pk))


def feedback_token(invitation: TrainingInvitation) -> str:
    return link_token(FEEDBACK_LINK, str(invitation.pk))


class LinkExpired(Exception):
    """The link is genuine but too old; `invitation_id` says whose it was."""

    def __init__(self, invitation_id: int) -> None:
        super().__init__(invitation_id)
        self.invitation_id = invitation_id


def invitation_id_from_token(token: str, *, salt: str, max_age: datetime.timedelta) -> int:
    """The invitation id a link was made for. Raises LinkExpired for a genuine but old link,
    core.signing.LinkInvalid for anything else."""
    purpose = _PURPOSES.get(salt) or LinkPurpose(salt=salt, text=True)
    try:
        return int(link_read(purpose, token, max_age=max_age))
    except SignedLinkExpired as expired:
        try:
            invitation_id = int(expired.payload)
        except ValueError:
            raise LinkInvalid(salt) from None
        raise LinkExpired(invitation_id) from None
    except ValueError:
        raise LinkInvalid(salt) from None


# --- Audience and invitations --------------------------------------------------------------


def _audience(session: TrainingSession):
    from guidelines.selectors.trainings import session_audience

    return session_audience(session=session)


def _queue_invitations(
    session: TrainingSession, invitations: Iterable[TrainingInvitation], *, reason: str
) -> int:
    """One invitation email (with the .ics of the current revision) per invitation."""
    items = [
        QueuedNotification(
            to=invitation.person,
            dedup_key=f"{KIND_INVITATION}:{invitation.pk}:seq{session.sequence}",
            about=invitation,
            context={"sequence": session.sequence, "reason": reason},
        )
        for invitation in invitations
    ]
    return notification_queue_many(kind=KIND_INVITATION, items=items)


def training_invite_audience(*, session: TrainingSession) -> int:
    """Invite everyone of the audience who has no invitation yet (one per person and session,
    whatever happens twice). Returns how many were invited."""
    if session.is_cancelled:
        return 0
    with transaction.atomic():
        people = list(
            _audience(session)
            .exclude(training_invitations__session=session)
            .values_list("pk", flat=True)
        )
        if not people:
            return 0
        TrainingInvitation.objects.bulk_create(
            [TrainingInvitation(session=session, person_id=pk) for pk in people],
            ignore_conflicts=True,
            batch_size=1000,
        )
        new = TrainingInvitation.objects.filter(
            session=session, person_id__in=people
        ).select_related("person", "person__user")
        _queue_invitations(session, new, reason="new")
    return len(people)


def _trainer_invitation_key(session: TrainingSession, trainer_id: int, stamp: str) -> str:
    return f"{KIND_INVITATION}:session{session.pk}:trainer{trainer_id}:{stamp}"


def _tell_trainer(session: TrainingSession, *, reason: str, stamp: str = "") -> None:
    """The trainer is part of the session: they get the invitation (reused, with the .ics that
    lists them as CHAIR and, with an account, the link to the attendance list) and every
    change of the event. `stamp` tells a new trainer apart from an earlier turn."""
    trainer = session.trainer
    if trainer is None or not trainer.is_active:
        return
    notification_queue(
        kind=KIND_INVITATION,
        to=trainer,
        dedup_key=_trainer_invitation_key(session, trainer.pk, f"seq{session.sequence}{stamp}"),
        about=session,
        context={"sequence": session.sequence, "reason": reason, "trainer": True},
    )


def _tell_former_trainer(session: TrainingSession, trainer_id: int, *, stamp: str) -> None:
    """A replaced trainer: the session leaves their calendar (METHOD:CANCEL for them)."""
    former = Person.objects.filter(pk=trainer_id, is_active=True).first()
    if former is None:
        return
    notifications_cancel(
        queryset=Notification.objects.filter(
            kind=KIND_INVITATION,
            person_id=trainer_id,
            content_type__app_label="guidelines",
            content_type__model="trainingsession",
            object_id=session.pk,
        )
    )
    notification_queue(
        kind=KIND_CANCELLED,
        to=former,
        dedup_key=f"{KIND_CANCELLED}:session{session.pk}:trainer{trainer_id}:{stamp}",
        about=session,
        context={"sequence": session.sequence, "trainer": True, "trainer_replaced": True},
    )


def _day(moment: datetime.datetime) -> datetime.date:
    from guidelines.ics import CALENDAR_ZONE

    return moment.astimezone(zoneinfo.ZoneInfo(CALENDAR_ZONE)).date()


def _set_audience(
    session: TrainingSession,
    *,
    departments: Iterable[Department],
    people: Iterable[Person],
) -> None:
    session.audience_departments.set(list(departments))
    session.audience_people.set(list(people))


def training_session_create(
    *,
    phase: Phase,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    kind: str = "workshop",
    description: str = "",
    room: str = "",
    online_url: str = "",
    trainer: Person | None = None,
    capacity: int | None = None,
    guideline_version=None,
    departments: Iterable[Department] = (),
    roles: Iterable[str] = (),
    people: Iterable[Person] = (),
    series: uuid.UUID | None = None,
    by: User | None = None,
) -> TrainingSession:
    """Schedule a session and invite its audience (emails queued after commit)."""
    session = TrainingSession(
        phase=phase,
        kind=kind,
        title=title.strip(),
        description=description.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        room=room.strip(),
        online_url=online_url.strip(),
        trainer=trainer,
        capacity=capacity,
        guideline_version=guideline_version,
        audience_roles=sorted(set(roles)),
        series=series,
        created_by=by,
    )
    session.full_clean(exclude=["created_by"] if by is None else None)
    with transaction.atomic():
        session.save()
        _set_audience(session, departments=departments, people=people)
        training_invite_audience(session=session)
        _tell_trainer(session, reason="new")
    return session


def training_session_update(
    *,
    session: TrainingSession,
    by: User | None,
    departments: Iterable[Department] | None = None,
    people: Iterable[Person] | None = None,
    to_waitlist: Iterable[int] = (),
    **fields: object,
) -> tuple[TrainingSession, list[str]]:
    """Change a session. A change of the event (time, place, title, description) raises the
    calendar sequence and re-sends the updated invitation to everyone who has not declined;
    new audience members are invited, people no longer in it get a cancellation; more seats
    promote from the waitlist. Fewer seats than acceptances need the manager's choice of who
    moves to the waitlist (`to_waitlist`: invitation ids, exactly as many as the seats
    missing; otherwise a ValidationError on "to_waitlist" and nothing is written). Returns
    the session and the names of the changed fields (none: nothing written)."""
    unknown = set(fields) - set(EVENT_FIELDS) - set(OTHER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    for name in ("title", "description", "room", "online_url"):
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].strip()
    if "audience_roles" in fields:
        fields["audience_roles"] = sorted(set(fields["audience_roles"]))
    with transaction.atomic():
        locked = TrainingSession.objects.select_for_update().get(pk=session.pk)
        if locked.is_cancelled:
            raise ValidationError(_("A cancelled session cannot be changed."))
        starts_before, trainer_before = locked.starts_at, locked.trainer_id
        changed = [name for name, value in fields.items() if getattr(locked, name) != value]
        for name in changed:
            setattr(locked, name, fields[name])
        event_changed = any(name in EVENT_FIELDS for name in changed)
        audience_changed = False
        if departments is not None:
            departments = list(departments)
            before = set(locked.audience_departments.values_list("pk", flat=True))
            audience_changed |= before != {d.pk for d in departments}
        if people is not None:
            people = list(people)
            before = set(locked.audience_people.values_list("pk", flat=True))
            audience_changed |= before != {p.pk for p in people}
        if not changed and not audience_changed:
            return locked, []
        date_moved = "starts_at" in changed and _day(locked.starts_at) != _day(starts_before)
        if event_changed:
            locked.sequence += 1
        locked.full_clean()
        locked.save(update_fields=[*changed, "sequence", "updated_at"])
        if date_moved:
            # An answer was given for a day: on another day everyone who had not declined
            # answers again (a later time on the same day keeps the answers).
            TrainingInvitation.objects.filter(
                session=locked,
                status__in=[s for s in HOLDING_STATUSES if s != InvitationStatus.INVITED],
            ).update(status=InvitationStatus.INVITED, waitlisted_at=None, responded_at=None)
        stamp = f"at{int(locked.updated_at.timestamp() * 1000)}"
        if audience_changed:
            if departments is not None:
                locked.audience_departments.set(departments)
            if people is not None:
                locked.audience_people.set(people)
            changed.append("audience")
        freed = 0
        if audience_changed or "audience_roles" in changed:
            freed = _withdraw_removed(locked, stamp=stamp)
        moved = _move_to_waitlist(locked, to_waitlist) if "capacity" in changed else []
        if event_changed:
            holding = TrainingInvitation.objects.filter(
                session=locked, status__in=HOLDING_STATUSES
            ).select_related("person", "person__user")
            _queue_invitations(locked, holding, reason="date_moved" if date_moved else "changed")
        elif moved:
            _queue_waitlisted(locked, moved)
        if "capacity" in changed or freed:
            _promote_from_waitlist(locked)
        if "trainer" in changed:
            if trainer_before is not None:
                _tell_former_trainer(locked, trainer_before, stamp=stamp)
            _tell_trainer(locked, reason="new", stamp=stamp)
        elif event_changed:
            _tell_trainer(locked, reason="changed")
        training_invite_audience(session=locked)
    return locked, changed


def _withdraw_removed(session: TrainingSession, *, stamp: str) -> int:
    """People no longer in the audience lose their invitation; whoever still held the event
    (had not declined) gets a cancellation with METHOD:CANCEL for their calendar. Attendees,
    walk-ins and people who left the company keep theirs. Returns the seats freed."""
    gone = list(
        TrainingInvitation.objects.filter(
            session=session, attended=False, is_walk_in=False, person__is_active=True
        )
        .exclude(person__in=_audience(session).values("pk"))
        .exclude(person_id=session.trainer_id)
        .select_related("person", "person__user")
    )
    if not gone:
        return 0
    notifications_cancel(
        queryset=Notification.objects.filter(
            kind__in=[KIND_INVITATION, KIND_PROMOTED, KIND_FEEDBACK],
            content_type__app_label="guidelines",
            content_type__model="traininginvitation",
            object_id__in=[invitation.pk for invitation in gone],
        )
    )
    notification_queue_many(
        kind=KIND_CANCELLED,
        items=[
            QueuedNotification(
                to=invitation.person,
                dedup_key=(
                    f"{KIND_CANCELLED}:session{session.pk}:removed{invitation.person_id}:{stamp}"
                ),
                about=session,
                context={"sequence": session.sequence, "removed": True},
            )
            for invitation in gone
            if invitation.status in HOLDING_STATUSES
        ],
    )
    TrainingInvitation.objects.filter(pk__in=[invitation.pk for invitation in gone]).delete()
    return sum(1 for invitation in gone if invitation.status == InvitationStatus.ACCEPTED)


def _move_to_waitlist(session: TrainingSession, chosen: Iterable[int]) -> list[TrainingInvitation]:
    """Fewer seats than acceptances: the chosen accepted people move to the front of the
    waitlist (in the order they had accepted). Refused unless exactly as many are chosen as
    seats are missing. The caller holds the session's lock."""
    if session.capacity is None:
        return []
    accepted = list(
        TrainingInvitation.objects.select_for_update(of=("self",))
        .filter(session=session, status=InvitationStatus.ACCEPTED)
        .select_related("person", "person__user")
        .order_by("responded_at", "pk")
    )
    excess = len(accepted) - session.capacity
    if excess <= 0:
        return []
    chosen = {int(pk) for pk in chosen}
    moving = [invitation for invitation in accepted if invitation.pk in chosen]
    if len(moving) != excess:
        raise ValidationError(
            {"to_waitlist": waitlist_choice_message(excess)}, code="waitlist_choice"
        )
    first = (
        TrainingInvitation.objects.filter(session=session, status=InvitationStatus.WAITLISTED)
        .order_by("waitlisted_at")
        .values_list("waitlisted_at", flat=True)
        .first()
    )
    front = min(first, timezone.now()) if first else timezone.now()
    for index, invitation in enumerate(moving):
        invitation.status = InvitationStatus.WAITLISTED
        invitation.waitlisted_at = front - datetime.timedelta(milliseconds=len(moving) - index)
        invitation.save(update_fields=["status", "waitlisted_at"])
    return moving


def waitlist_choice_message(count: int) -> str:
    return ngettext(
        "There are fewer seats than acceptances: choose %(count)s person who moves to the "
        "waitlist.",
        "There are fewer seats than acceptances: choose %(count)s people who move to the waitlist.",
        count,
    ) % {"count": count}


def _queue_waitlisted(session: TrainingSession, moved: list[TrainingInvitation]) -> None:
    """Tell the people moved to the waitlist (their place, with the .ics as TENTATIVE)."""
    notification_queue_many(
        kind=KIND_INVITATION,
        items=[
            QueuedNotification(
                to=invitation.person,
                dedup_key=(
                    f"{KIND_INVITATION}:{invitation.pk}:waitlisted"
                    f"{int(invitation.waitlisted_at.timestamp() * 1000)}"
                ),
                about=invitation,
                context={"sequence": session.sequence, "reason": "waitlisted"},
            )
            for invitation in moved
        ],
    )


def training_session_cancel(
    *, session: TrainingSession, reason: str, by: User | None
) -> tuple[TrainingSession, bool]:
    """Cancel a session: everyone who has not declined gets METHOD:CANCEL; pending invitations
    are withdrawn. Cancelling twice does nothing the second time. Returns (session, changed)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"cancel_reason": _("Please give a reason.")})
    with transaction.atomic():
        locked = TrainingSession.objects.select_for_update().get(pk=session.pk)
        if locked.is_cancelled:
            return locked, False
        locked.status = SessionStatus.CANCELLED
        locked.cancel_reason = reason
        locked.sequence += 1
        locked.save(update_fields=["status", "cancel_reason", "sequence", "updated_at"])
        invitations = list(
            TrainingInvitation.objects.filter(
                session=locked, status__in=HOLDING_STATUSES
            ).select_related("person", "person__user")
        )
        notifications_cancel(
            queryset=Notification.objects.filter(
                kind__in=[KIND_INVITATION, KIND_PROMOTED, KIND_FEEDBACK],
                content_type__app_label="guidelines",
                content_type__model="traininginvitation",
                object_id__in=TrainingInvitation.objects.filter(session=locked).values("pk"),
            )
        )
        notifications_cancel(
            queryset=Notification.objects.filter(
                kind__in=[KIND_INVITATION, KIND_TRAINER],
                content_type__app_label="guidelines",
                content_type__model="trainingsession",
                object_id=locked.pk,
            )
        )
        if locked.trainer_id is not None:
            notification_queue(
                kind=KIND_CANCELLED,
                to=locked.trainer,
                dedup_key=f"{KIND_CANCELLED}:session{locked.pk}:trainer{locked.trainer_id}",
                about=locked,
                context={"sequence": locked.sequence, "trainer": True},
            )
        notification_queue_many(
            kind=KIND_CANCELLED,
            items=[
                QueuedNotification(
                    to=invitation.person,
                    dedup_key=f"{KIND_CANCELLED}:{invitation.pk}",
                    about=invitation,
                    context={"sequence": locked.sequence},
                )
                for invitation in invitations
            ],
        )
    session.status, session.cancel_reason = locked.status, locked.cancel_reason
    session.sequence = locked.sequence
    return locked, True


def training_series_create(
    *,
    session: TrainingSession,
    departments: Iterable[Department],
    interval_days: int = 7,
    by: User | None,
) -> list[TrainingSession]:
    """Duplicate a session as a series: one copy per department (that department is its
    audience), each `interval_days` after the previous one. A department that already has a
    copy in the series gets none, so a double submit creates nothing twice."""
    departments = sorted(departments, key=lambda d: d.name.lower())
    created = []
    with transaction.atomic():
        locked = TrainingSession.objects.select_for_update().get(pk=session.pk)
        if locked.series is None:
            locked.series = uuid.uuid4()
            locked.save(update_fields=["series", "updated_at"])
        copies = TrainingSession.objects.filter(series=locked.series).exclude(pk=locked.pk)
        covered = set(
            TrainingSession.audience_departments.through.objects.filter(
                trainingsession__in=copies
            ).values_list("department_id", flat=True)
        )
        step = datetime.timedelta(days=interval_days)
        offset = copies.count()
        for department in departments:
            if department.pk in covered:
                continue
            offset += 1
            created.append(
                training_session_create(
                    phase=locked.phase,
                    kind=locked.kind,
                    title=locked.title,
                    description=locked.description,
                    starts_at=locked.starts_at + step * offset,
                    ends_at=locked.ends_at + step * offset,
                    room=locked.room,
                    online_url=locked.online_url,
                    trainer=locked.trainer,
                    capacity=locked.capacity,
                    guideline_version=locked.guideline_version,
                    departments=[department],
                    series=locked.series,
                    by=by,
                )
            )
    return created


# --- Answers, capacity and waitlist --------------------------------------------------------


def _taken_seats(session: TrainingSession) -> int:
    return TrainingInvitation.objects.filter(
        session=session, status=InvitationStatus.ACCEPTED
    ).count()


def _promote_from_waitlist(session: TrainingSession) -> list[TrainingInvitation]:
    """Fill free seats from the waitlist, first come first served; each promoted person is
    told. The caller holds the session's lock."""
    promoted = []
    while session.capacity is None or _taken_seats(session) < session.capacity:
        first = (
            TrainingInvitation.objects.select_for_update(of=("self",))
            .filter(session=session, status=InvitationStatus.WAITLISTED)
            .order_by("waitlisted_at", "pk")
            .select_related("person", "person__user")
            .first()
        )
        if first is None:
            break
        stamp = int(first.waitlisted_at.timestamp() * 1000)
        first.status = InvitationStatus.ACCEPTED
        first.waitlisted_at = None
        first.save(update_fields=["status", "waitlisted_at"])
        notification_queue(
            kind=KIND_PROMOTED,
            to=first.person,
            dedup_key=f"{KIND_PROMOTED}:{first.pk}:{stamp}",
            about=first,
            context={"sequence": session.sequence},
        )
        promoted.append(first)
    return promoted


def invitation_respond(
    *, invitation: TrainingInvitation, answer: str, now: datetime.datetime | None = None
) -> tuple[TrainingInvitation, bool]:
    """Record an answer from the signed link. Accepting a full session puts the person on the
    waitlist; leaving a seat (decline, maybe) promotes the first on the waitlist. The same
    answer again changes nothing. Returns (invitation, changed)."""
    if answer not in Answer.ALL:
        raise ValueError(answer)
    now = now or timezone.now()
    with transaction.atomic():
        session = TrainingSession.objects.select_for_update().get(pk=invitation.session_id)
        if session.is_cancelled:
            raise ValidationError(_("This session has been cancelled."))
        if session.has_started(now):
            raise ValidationError(_("This session has already started; answers are closed."))
        locked = (
            TrainingInvitation.objects.select_for_update(of=("self",))
            .select_related("person", "session")
            .get(pk=invitation.pk)
        )
        before = locked.status
        if answer == Answer.ACCEPT:
            if before in (InvitationStatus.ACCEPTED, InvitationStatus.WAITLISTED):
                return locked, False
            if session.capacity is None or _taken_seats(session) < session.capacity:
                locked.status, locked.waitlisted_at = InvitationStatus.ACCEPTED, None
            else:
                locked.status, locked.waitlisted_at = InvitationStatus.WAITLISTED, now
        else:
            target = (
                InvitationStatus.DECLINED if answer == Answer.DECLINE else InvitationStatus.MAYBE
            )
            if before == target:
                return locked, False
            locked.status, locked.waitlisted_at = target, None
        locked.responded_at = now
        locked.save(update_fields=["status", "waitlisted_at", "responded_at"])
        if before == InvitationStatus.ACCEPTED and locked.status != InvitationStatus.ACCEPTED:
            _promote_from_waitlist(session)
    return locked, True


def rsvp_link_renew(*, invitation: TrainingInvitation, now: datetime.datetime | None = None):
    """Send the invitation again with fresh links (asked for from an expired link). At most
    one per hour and invitation, however often the button is pressed."""
    now = now or timezone.now()
    session = invitation.session
    if session.is_cancelled:
        return None
    bucket = now.strftime("%Y%m%d%H")
    return notification_queue(
        kind=KIND_INVITATION,
        to=invitation.person,
        dedup_key=f"{KIND_INVITATION}:{invitation.pk}:renew{bucket}",
        about=invitation,
        context={"sequence": session.sequence, "reason": "renew"},
        asked_for=True,  # the person waits for it: at once, also at night
    )


# --- Attendance, walk-ins, feedback --------------------------------------------------------


def _queue_feedback(invitation: TrainingInvitation, session: TrainingSession) -> None:
    notification_queue(
        kind=KIND_FEEDBACK,
        to=invitation.person,
        dedup_key=f"{KIND_FEEDBACK}:{invitation.pk}",
        about=invitation,
        due_at=max(session.ends_at, timezone.now()),
    )


def attendance_set(
    *, invitation: TrainingInvitation, attended: bool, by: User | None
) -> tuple[TrainingInvitation, bool]:
    """Tick or untick attendance. Ticking queues the feedback request for the end of the
    session (it is withdrawn at send time if the tick is gone). Returns (invitation, changed)."""
    with transaction.atomic():
        locked = (
            TrainingInvitation.objects.select_for_update(of=("self",))
            .select_related("person", "person__user", "session")
            .get(pk=invitation.pk)
        )
        if locked.session.is_cancelled:
            raise ValidationError(_("This session has been cancelled."))
        if locked.attended == attended:
            return locked, False
        locked.attended = attended
        locked.attendance_marked_at = timezone.now()
        locked.attendance_marked_by = by
        locked.save(update_fields=["attended", "attendance_marked_at", "attendance_marked_by"])
        if attended:
            _queue_feedback(locked, locked.session)
    invitation.attended = attended
    return locked, True


def attendance_add_walk_in(
    *,
    session: TrainingSession,
    by: User | None,
    person: Person | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> tuple[TrainingInvitation, bool]:
    """A walk-in: someone from the directory, or a new directory entry made from name and
    email. Their attendance is ticked. Returns (invitation, created)."""
    with transaction.atomic():
        locked = TrainingSession.objects.select_for_update().get(pk=session.pk)
        if locked.is_cancelled:
            raise ValidationError(_("This session has been cancelled."))
        if person is None:
            email = email.strip().lower()
            person = Person.objects.filter(email__iexact=email).first()
            if person is None:
                person = Person(
                    first_name=first_name.strip(), last_name=last_name.strip(), email=email
                )
                person.full_clean()
                try:
                    with transaction.atomic():
                        person.save()
                except IntegrityError:  # created by someone else a moment ago
                    person = Person.objects.get(email__iexact=email)
                else:  # new in the directory: the guidelines in force ask them too
                    people_joined(person_ids=[person.pk])
        invitation, created = TrainingInvitation.objects.get_or_create(
            session=locked,
            person=person,
            defaults={"status": InvitationStatus.ACCEPTED, "is_walk_in": True},
        )
    if not invitation.attended:
        invitation, _changed = attendance_set(invitation=invitation, attended=True, by=by)
    return invitation, created


def feedback_submit(
    *, invitation: TrainingInvitation, rating: int, comment: str
) -> tuple[TrainingFeedback, bool]:
    """An attendee's feedback, once: a second submit returns the first. (feedback, created)"""
    if not invitation.attended:
        raise ValidationError(_("Only attendees can give feedback."))
    feedback = TrainingFeedback(invitation=invitation, rating=rating, comment=comment.strip())
    feedback.full_clean(exclude=["invitation"])
    try:
        with transaction.atomic():
            feedback.save()
    except IntegrityError:
        return TrainingFeedback.objects.get(invitation=invitation), False
    return feedback, True
