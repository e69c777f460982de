"""Demo trainings for `manage.py seed_demo`: a workshop held three weeks ago with attendance and
feedback, an upcoming full workshop with a waitlist, and an upcoming webinar. Idempotent: a
session whose title exists in the demo rollout is not created again."""

import datetime
import zoneinfo

from django.utils import timezone

from guidelines.models import TrainingKind, TrainingSession
from guidelines.services import trainings as services
from rollout.models import Department, Person, PhaseKind, Rollout, User

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=BERLIN)


def seed_trainings(*, rollout_name: str, departments: dict[str, Department], manager: User) -> int:
    """Create the demo sessions that do not exist yet; returns how many were created."""
    rollout = Rollout.objects.filter(name=rollout_name).first()
    if rollout is None:
        return 0
    phase = rollout.phases.get(kind=PhaseKind.MOVE)
    trainer = Person.objects.filter(user=manager).first()
    today = timezone.localdate()
    existing = set(
        TrainingSession.objects.filter(phase__rollout=rollout).values_list("title", flat=True)
    )
    created = 0

    title = "Social-Media-Guidelines in der Praxis"
    if title not in existing:
        day = today - datetime.timedelta(days=21)
        session = services.training_session_create(
            phase=phase,
            kind=TrainingKind.WORKSHOP,
            title=title,
            description="Was dürfen wir posten, was nicht? Fallbeispiele und Fragen.",
            starts_at=_at(day, 9),
            ends_at=_at(day, 12),
            room="Schulungsraum EG",
            trainer=trainer,
            capacity=15,
            departments=[departments["Vertrieb"]],
            by=manager,
        )
        invitations = list(session.invitations.select_related("person").order_by("pk"))
        for index, invitation in enumerate(invitations):
            if index % 4 == 3:
                continue  # did not come
            invitation, _changed = services.attendance_set(
                invitation=invitation, attended=True, by=manager
            )
            if index % 3 == 0:
                services.feedback_submit(
                    invitation=invitation,
                    rating=(5, 4, 4, 3)[index % 4],
                    comment=("Sehr praxisnah.", "Mehr Beispiele bitte.", "", "Gut erklärt.")[
                        index % 4
                    ],
                )
        created += 1

    title = "LinkedIn-Profil in 30 Minuten"
    if title not in existing:
        day = today + datetime.timedelta(days=8)
        services.training_session_create(
            phase=phase,
            kind=TrainingKind.WEBINAR,
            title=title,
            description="Foto, Überschrift, Info-Text: das Profil als Visitenkarte.",
            starts_at=_at(day, 14),
            ends_at=_at(day, 14, 45),
            online_url="https://meet.example.de/linkedin-profil",
            trainer=trainer,
            departments=[departments["Marketing"], departments["Personal"]],
            by=manager,
        )
        created += 1

    title = "Fotos vom Messestand: schnell und rechtssicher"
    if title not in existing:
        day = today + datetime.timedelta(days=15)
        session = services.training_session_create(
            phase=phase,
            kind=TrainingKind.WORKSHOP,
            title=title,
            description="Bildrechte, Einwilligungen und der Weg vom Handy in den Kanal.",
            starts_at=_at(day, 10),
            ends_at=_at(day, 12),
            room="Besprechungsraum 2.14",
            trainer=trainer,
            capacity=4,
            departments=[departments["Vertrieb"]],
            by=manager,
        )
        for invitation in session.invitations.order_by("pk")[:6]:
            services.invitation_respond(invitation=invitation, answer="accept")
        created += 1
    return created
