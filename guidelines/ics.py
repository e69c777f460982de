"""Calendar files (.ics, RFC 5545 / iTIP) for training sessions, built with icalendar.

One event per session with a stable UID; SEQUENCE is the session's `sequence`, raised on every
change, so a calendar program replaces the event it already has. Times are written with
TZID=Europe/Berlin and a VTIMEZONE, so daylight saving is right on both sides of a change.

Nobody reads mail sent to the organizer (DEFAULT_FROM_EMAIL), so the file never asks for a
calendar reply: it is METHOD:PUBLISH (an event to put in the calendar, no Accept/Decline
buttons that would mail the organizer), or METHOD:CANCEL when it is withdrawn, and every
ATTENDEE carries RSVP=FALSE. The personal RSVP link in the mail is the only way to answer.
The trainer's copy lists the trainer as ATTENDEE with ROLE=CHAIR.
"""

import datetime
import zoneinfo
from email.utils import parseaddr

import icalendar
from django.conf import settings
from django.utils import timezone

from guidelines.models.trainings import InvitationStatus, TrainingInvitation, TrainingSession
from rollout.models import Person

CALENDAR_ZONE = "Europe/Berlin"
PRODID = "-//ChangeHub//Trainings//EN"
# No METHOD:REQUEST: it asks calendar programs to send a reply to the organizer.
PUBLISH = "PUBLISH"
CANCEL = "CANCEL"

_PARTSTAT = {
    InvitationStatus.INVITED: "NEEDS-ACTION",
    InvitationStatus.ACCEPTED: "ACCEPTED",
    InvitationStatus.WAITLISTED: "TENTATIVE",
    InvitationStatus.MAYBE: "TENTATIVE",
    InvitationStatus.DECLINED: "DECLINED",
}


def session_uid(session: TrainingSession) -> str:
    return f"training-{session.uid}@changehub"


def _address(email: str, name: str, **params: str) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{email}")
    if name:
        address.params["cn"] = icalendar.vText(name)
    for key, value in params.items():
        address.params[key] = icalendar.vText(value)
    return address


def _organizer(session: TrainingSession) -> icalendar.vCalAddress:
    name, email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return _address(email or "changehub@localhost", name or "ChangeHub")


def session_calendar(
    session: TrainingSession,
    *,
    invitation: TrainingInvitation | None = None,
    trainer: Person | None = None,
    method: str | None = None,
    url: str = "",
    now: datetime.datetime | None = None,
) -> bytes:
    """The .ics for `session` as sent to the invitation's person (or, with `trainer`, to the
    trainer as CHAIR): METHOD:PUBLISH, or METHOD:CANCEL when the session is cancelled (or
    `method="CANCEL"`). Never asks for a reply (RSVP=FALSE, see the module docstring)."""
    method = method or (CANCEL if session.is_cancelled else PUBLISH)
    zone = zoneinfo.ZoneInfo(CALENDAR_ZONE)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = icalendar.Event()
    event.add("uid", session_uid(session))
    event.add("sequence", session.sequence)
    event.add("dtstamp", (now or timezone.now()).astimezone(datetime.UTC))
    event.add("dtstart", session.starts_at.astimezone(zone))
    event.add("dtend", session.ends_at.astimezone(zone))
    event.add("summary", session.title)
    description = session.description
    if url:
        description = f"{description}\n\n{url}".strip()
    if description:
        event.add("description", description)
    if session.room or session.online_url:
        event.add("location", session.room or session.online_url)
    if session.online_url:
        event.add("url", session.online_url)
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    event.add("organizer", _organizer(session))
    if trainer is not None:
        event.add(
            "attendee",
            _address(
                trainer.email,
                trainer.full_name,
                role="CHAIR",
                partstat="DECLINED" if method == CANCEL else "ACCEPTED",
                rsvp="FALSE",
            ),
        )
    if invitation is not None:
        person = invitation.person
        partstat = _PARTSTAT.get(invitation.status, "NEEDS-ACTION")
        event.add(
            "attendee",
            _address(
                person.email,
                person.full_name,
                role="REQ-PARTICIPANT",
                partstat=partstat,
                rsvp="FALSE",
            ),
        )
    calendar.add_component(event)
    first = session.starts_at.date().replace(month=1, day=1) - datetime.timedelta(days=366)
    calendar.add_missing_timezones(first_date=first, last_date=first.replace(year=first.year + 3))
    return calendar.to_ical()


def session_attachment(
    session: TrainingSession,
    *,
    invitation: TrainingInvitation | None = None,
    trainer: Person | None = None,
    cancel: bool = False,
    url: str = "",
) -> tuple[str, bytes, str]:
    """(file name, content, MIME type) for an email attachment. `cancel` withdraws the event
    from this recipient's calendar although the session goes on (a trainer replaced)."""
    method = CANCEL if session.is_cancelled or cancel else PUBLISH
    content = session_calendar(
        session, invitation=invitation, trainer=trainer, method=method, url=url
    )
    return "invite.ics", content, f"text/calendar; charset=utf-8; method={method}"
