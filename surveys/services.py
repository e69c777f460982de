"""Writes of the pulse surveys: a survey from the template, a wave for its audience (one email
with a personal link per person, through the outbox), an answer from that link (once, without
an account), the daily beat that closes waves and starts the next one of a repeating survey,
and the plan activity a result suggests. Keyword-only, validated, atomic."""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.signing import LinkInvalid, LinkPurpose, link_read, link_token
from guidelines.models import SessionStatus, TrainingInvitation
from notifications.models import FanOut
from notifications.services import QueuedNotification
from notifications.services.fanout import FanOutSource, Slice, fanout_start, register_source
from rollout.models import Activity, Department, Person, Phase, PhaseStatus, Rollout, User
from rollout.selectors.readiness import readiness_changed
from rollout.services import activity_create
from surveys.models import (
    DIMENSIONS,
    QUESTION_KEYS,
    SURVEY_LANGUAGES,
    Survey,
    SurveyAnswer,
    SurveyFollowUp,
    SurveyInvitation,
    SurveyWave,
    WaveStatus,
    template_texts,
)
from surveys.notices import SURVEY_INVITATION

# "<invitation id>", signed as plain text. The link needs no expiry of its own: it works while
# its wave is open.
ANSWER_LINK = LinkPurpose(salt="surveys.answer", text=True)
QUEUE_CHUNK = 2000


# --- Surveys -----------------------------------------------------------------------------------


def _clean_texts(texts: Mapping[str, Mapping[str, str]] | None) -> dict[str, dict[str, str]]:
    base = template_texts()
    if texts is None:
        return base
    return {
        language: {
            key: str((texts.get(language) or {}).get(key, "")).strip() for key in QUESTION_KEYS
        }
        for language in SURVEY_LANGUAGES
    }


def survey_create(
    *,
    rollout: Rollout,
    title: str,
    by: User | None,
    texts: Mapping[str, Mapping[str, str]] | None = None,
    audience_all: bool = True,
    departments: Iterable[Department] = (),
    open_days: int = 14,
    repeat_weeks: int | None = None,
    phase: Phase | None = None,
) -> Survey:
    """A new survey of the rollout, with the template's German and English questions unless
    `texts` are given. Without `audience_all` it asks the `departments` and the people invited
    to the trainings of `phase`."""
    survey = Survey(
        rollout=rollout,
        title=title.strip(),
        texts=_clean_texts(texts),
        audience_all=audience_all,
        audience_phase=None if audience_all else phase,
        open_days=open_days,
        repeat_weeks=repeat_weeks or None,
        created_by=by,
    )
    departments = list(departments)
    _check_audience(audience_all, departments, phase)
    survey.full_clean()
    with transaction.atomic():
        survey.save()
        survey.audience_departments.set([] if audience_all else departments)
    return survey


def _check_audience(
    audience_all: bool, departments: list[Department], phase: Phase | None = None
) -> None:
    if not audience_all and not departments and phase is None:
        raise ValidationError(
            {
                "audience_departments": _(
                    "Choose the departments or a phase's trainees, or ask everyone."
                )
            }
        )


def survey_update(
    *,
    survey: Survey,
    title: str,
    texts: Mapping[str, Mapping[str, str]],
    by: User | None,
    audience_all: bool = True,
    departments: Iterable[Department] = (),
    open_days: int = 14,
    repeat_weeks: int | None = None,
    is_active: bool = True,
    phase: Phase | None = None,
) -> Survey:
    """Change the questions, audience and rhythm; waves already started keep their invitations
    (the questions shown are always the survey's current ones)."""
    departments = list(departments)
    _check_audience(audience_all, departments, phase)
    survey.title = title.strip()
    survey.texts = _clean_texts(texts)
    survey.audience_all = audience_all
    survey.audience_phase = None if audience_all else phase
    survey.open_days = open_days
    survey.repeat_weeks = repeat_weeks or None
    survey.is_active = is_active
    survey.full_clean()
    with transaction.atomic():
        survey.save(
            update_fields=[
                "title",
                "texts",
                "audience_all",
                "audience_phase",
                "open_days",
                "repeat_weeks",
                "is_active",
            ]
        )
        survey.audience_departments.set([] if audience_all else departments)
    return survey


# --- Waves -------------------------------------------------------------------------------------


def people_in_audience(*, survey: Survey):
    """The active people a wave of `survey` asks (with their accounts, for the email's
    language): everyone, or those in the chosen departments and those invited to a training
    of the chosen phase that is not cancelled (each once)."""
    people = Person.objects.filter(is_active=True)
    if not survey.audience_all:
        chosen = Q(department__in=survey.audience_departments.values("pk"))
        if survey.audience_phase_id:
            trainees = (
                TrainingInvitation.objects.filter(session__phase_id=survey.audience_phase_id)
                .exclude(session__status=SessionStatus.CANCELLED)
                .values("person_id")
            )
            chosen |= Q(pk__in=trainees)
        people = people.filter(chosen)
    return people.select_related("user").order_by("pk")


def wave_start(
    *,
    survey: Survey,
    by: User | None,
    opens_on: datetime.date | None = None,
    closes_on: datetime.date | None = None,
) -> SurveyWave:
    """Open the next wave of `survey`: one invitation per person in the audience and one
    email each with a personal link (a fan-out job, written in this transaction, that the
    worker turns into outbox rows after the commit). Only one wave of a survey is open at a
    time."""
    opens_on = opens_on or timezone.localdate()
    closes_on = closes_on or opens_on + datetime.timedelta(days=survey.open_days - 1)
    if closes_on < opens_on:
        raise ValidationError({"closes_on": _("The wave must not close before it opens.")})
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if SurveyWave.objects.filter(survey=locked, status=WaveStatus.OPEN).exists():
            raise ValidationError(_("A wave of this survey is still open."))
        number = (locked.waves.aggregate(top=Max("number"))["top"] or 0) + 1
        wave = SurveyWave(survey=locked, number=number, opens_on=opens_on, closes_on=closes_on)
        wave.full_clean()
        wave.save()
        SurveyInvitation.objects.bulk_create(
            [
                SurveyInvitation(wave=wave, person_id=person_id)
                for person_id in people_in_audience(survey=locked).values_list("pk", flat=True)
            ],
            batch_size=QUEUE_CHUNK,
        )
        # The emails are a fan-out job written in this transaction: the worker writes the
        # outbox rows after the commit, and the beat resumes the job if the worker or the
        # broker lost it (as when a guideline is published).
        fanout_start(
            key=fanout_key(wave_id=wave.pk),
            source=FANOUT_SOURCE,
            about=wave,
            label=f"{locked.title} #{wave.number}",
        )
    return wave


FANOUT_SOURCE = "survey_invitations"


def fanout_key(*, wave_id: int) -> str:
    return f"{SURVEY_INVITATION}:w{wave_id}"


def invitation_dedup_key(*, invitation_id: int) -> str:
    return f"{SURVEY_INVITATION}:i{invitation_id}"


def _unanswered(wave_id: int):
    return SurveyInvitation.objects.filter(wave_id=wave_id, answered_on__isnull=True)


def _fanout_total(job: FanOut) -> int:
    return _unanswered(job.object_id).count()


def _fanout_batch(job: FanOut, cursor: int, limit: int) -> Slice:
    """The next `limit` unanswered invitations after `cursor`, as outbox items (a closed
    wave invites nobody)."""
    wave = SurveyWave.objects.filter(pk=job.object_id, status=WaveStatus.OPEN).first()
    if wave is None:
        return Slice(items=[], cursor=cursor, seen=0)
    batch = list(
        _unanswered(wave.pk)
        .filter(pk__gt=cursor)
        .select_related("person__user")
        .order_by("pk")[:limit]
    )
    if not batch:
        return Slice(items=[], cursor=cursor, seen=0)
    return Slice(
        items=[
            QueuedNotification(
                to=invitation.person,
                dedup_key=invitation_dedup_key(invitation_id=invitation.pk),
                about=wave,
                context={"invitation_id": invitation.pk},
            )
            for invitation in batch
            if invitation.person.is_active
        ],
        cursor=batch[-1].pk,
        seen=len(batch),
    )


register_source(
    FanOutSource(
        key=FANOUT_SOURCE, kind=SURVEY_INVITATION, total=_fanout_total, batch=_fanout_batch
    )
)


def wave_close(*, wave: SurveyWave) -> bool:
    """Close a wave (no more answers); closing twice changes nothing."""
    return bool(
        SurveyWave.objects.filter(pk=wave.pk, status=WaveStatus.OPEN).update(
            status=WaveStatus.CLOSED
        )
    )


@dataclass(frozen=True)
class BeatResult:
    closed: int
    started: list[SurveyWave]


def waves_due(*, today: datetime.date | None = None) -> BeatResult:
    """The daily beat: close the waves whose last day has passed, then start the next wave of
    every active repeating survey whose last wave opened `repeat_weeks` weeks ago or more
    (while its rollout runs). Safe to run twice a day: a wave opened today is not due again."""
    today = today or timezone.localdate()
    closed = SurveyWave.objects.filter(status=WaveStatus.OPEN, closes_on__lt=today).update(
        status=WaveStatus.CLOSED
    )
    started = []
    candidates = (
        Survey.objects.filter(
            is_active=True, repeat_weeks__isnull=False, rollout__end_date__gte=today
        )
        .annotate(last_opened=Max("waves__opens_on"))
        .filter(last_opened__isnull=False)
        .order_by("pk")
    )
    for survey in candidates:
        if survey.last_opened + datetime.timedelta(weeks=survey.repeat_weeks) > today:
            continue
        try:
            started.append(wave_start(survey=survey, by=None, opens_on=today))
        except ValidationError:
            continue  # a wave is still open (started by hand meanwhile)
    return BeatResult(closed=closed, started=started)


# --- Personal links and answers ------------------------------------------------------------------


def answer_token(*, invitation_id: int) -> str:
    return link_token(ANSWER_LINK, str(invitation_id))


def answer_url(*, invitation_id: int, absolute: bool = True) -> str:
    path = reverse("surveys:answer", kwargs={"token": answer_token(invitation_id=invitation_id)})
    return f"{settings.SITE_URL}{path}" if absolute else path


def invitation_id_from_token(token: str) -> int | None:
    """The invitation a link is for, or None when we did not make it."""
    try:
        return int(link_read(ANSWER_LINK, token))
    except (LinkInvalid, ValueError):
        return None


class AlreadyAnswered(ValidationError):
    """This invitation has been answered: a second answer is refused."""

    def __init__(self) -> None:
        super().__init__(
            _("You have already answered this survey. Each person answers once: thank you!"),
            code="answered",
        )


class WaveClosed(ValidationError):
    def __init__(self) -> None:
        super().__init__(_("This survey is closed: answers are no longer accepted."), code="closed")


def answer_submit(
    *,
    invitation: SurveyInvitation,
    scores: Mapping[str, int],
    comment: str = "",
    today: datetime.date | None = None,
) -> SurveyAnswer:
    """Record the answer of the invitation's person, once. The invitation is marked answered
    by a conditional UPDATE in the same transaction as the answer's INSERT: of two attempts at
    the same time (a double click, two tabs) exactly one succeeds, the other gets
    AlreadyAnswered. The answer keeps the person's department of today, nothing else of them."""
    today = today or timezone.localdate()
    values = {}
    for dimension in DIMENSIONS:
        score = scores.get(dimension)
        if not isinstance(score, int) or not 1 <= score <= 5:
            raise ValidationError({dimension: _("Choose a value from 1 to 5.")})
        values[dimension] = score
    with transaction.atomic():
        wave = SurveyWave.objects.get(pk=invitation.wave_id)
        # A single-table conditional UPDATE (no join): PostgreSQL re-checks `answered_on`
        # on the row a concurrent attempt has just changed, so only one attempt marks it.
        marked = wave.is_open(today) and SurveyInvitation.objects.filter(
            pk=invitation.pk, answered_on__isnull=True
        ).update(answered_on=today)
        if not marked:
            if SurveyInvitation.objects.filter(
                pk=invitation.pk, answered_on__isnull=False
            ).exists():
                raise AlreadyAnswered
            raise WaveClosed
        department_id = (
            Person.objects.filter(pk=invitation.person_id)
            .values_list("department_id", flat=True)
            .first()
        )
        answer = SurveyAnswer(
            wave_id=invitation.wave_id,
            department_id=department_id,
            comment=comment.strip()[:2000],
            **values,
        )
        answer.full_clean(exclude=["wave", "department"])
        answer.save(force_insert=True)
        # The heatmap on the dashboard shows the survey readiness: rebuild it.
        transaction.on_commit(readiness_changed)
    invitation.answered_on = today
    return answer


# --- Follow-up activities -------------------------------------------------------------------------


def follow_up_create(
    *,
    wave: SurveyWave,
    group: str,
    dimension: str,
    title: str,
    kind: str,
    by: User | None,
    description: str = "",
    departments: Iterable[Department] = (),
) -> tuple[Activity | None, bool]:
    """Create the activity a group's weakest dimension suggests, in the rollout's active
    phase, once per wave and group: a double click or a second POST returns the first
    activity (created=False)."""
    with transaction.atomic():
        locked = SurveyWave.objects.select_for_update().select_related("survey").get(pk=wave.pk)
        existing = SurveyFollowUp.objects.filter(wave=locked, group=group).first()
        if existing is not None:
            return existing.activity, False
        phase = locked.survey.rollout.phases.filter(status=PhaseStatus.ACTIVE).first()
        if phase is None:
            raise ValidationError(_("The rollout has no active phase to plan the activity in."))
        activity = activity_create(
            phase=phase,
            title=title[:200],
            kind=kind,
            by=by,
            description=description,
            departments=departments,
        )
        SurveyFollowUp.objects.create(
            wave=locked, group=group, dimension=dimension, activity=activity
        )
    return activity, True
