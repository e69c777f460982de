"""Writes of the guidelines: versions through their status machine, publishing to everyone in
scope, comprehension questions, and acknowledgments (append-only).

Status machine of a version: draft -> review (works council) -> approved (date, works
agreement reference) -> published -> superseded (when the next version is published). Every
transition is a conditional update, so a double click or a retry changes nothing twice.
"""

import datetime
import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.signing import LinkExpired, LinkInvalid, LinkPurpose, link_read, link_token
from guidelines.markdown import render
from guidelines.models import (
    Acknowledgment,
    AcknowledgmentMethod,
    AcknowledgmentRequest,
    ComprehensionQuestion,
    Guideline,
    GuidelineVersion,
    VersionEvent,
    VersionEventKind,
    VersionStatus,
)
from guidelines.notices import (
    COUNCIL_DECISION,
    COUNCIL_REVIEW,
    GUIDELINE_ACK_LINK,
    GUIDELINE_ACK_REQUEST,
)
from notifications.models import FanOut, Notification
from notifications.services import (
    QueuedNotification,
    notification_queue,
    notification_queue_many,
    notifications_cancel,
)
from notifications.services.fanout import FanOutSource, Slice, fanout_start, register_source
from rollout.models import Department, Person, Role, User
from rollout.selectors.readiness import readiness_changed

logger = logging.getLogger(__name__)

KIND_ACK_REQUEST = GUIDELINE_ACK_REQUEST
KIND_ACK_LINK = GUIDELINE_ACK_LINK

DEFAULT_ACKNOWLEDGE_DAYS = 14
LINK_SALT = "guidelines.acknowledge"
# "<person id>.<version id>", signed as plain text (the format of the links already sent).
ACK_LINK = LinkPurpose(salt=LINK_SALT, text=True)
# A fresh link asked for from an expired one: at most one email per person and version in
# this window, however often the button is pressed.
RESEND_WINDOW_SECONDS = 15 * 60


def link_max_age() -> datetime.timedelta:
    return datetime.timedelta(days=getattr(settings, "GUIDELINE_LINK_MAX_AGE_DAYS", 30))


# --- Guidelines and versions --------------------------------------------------------------------


def guideline_create(
    *,
    title: str,
    description: str = "",
    body: str,
    change_summary: str = "",
    effective_date: datetime.date | None = None,
    by: User | None,
) -> Guideline:
    """A new guideline with its first version as a draft."""
    with transaction.atomic():
        guideline = Guideline(title=title.strip(), description=description.strip(), created_by=by)
        guideline.full_clean()
        guideline.save()
        _version_new(
            guideline=guideline,
            number=1,
            body=body,
            change_summary=change_summary,
            effective_date=effective_date,
            by=by,
        )
    return guideline


def _version_new(
    *,
    guideline: Guideline,
    number: int,
    body: str,
    change_summary: str,
    effective_date: datetime.date | None,
    by: User | None,
) -> GuidelineVersion:
    version = GuidelineVersion(
        guideline=guideline,
        number=number,
        body=body,
        body_html=render(body),
        change_summary=change_summary.strip(),
        effective_date=effective_date,
        created_by=by,
    )
    version.full_clean()
    version.save()
    return version


def version_create(*, guideline: Guideline, by: User | None) -> tuple[GuidelineVersion, bool]:
    """The next version as a draft, starting from the latest text and questions. A guideline
    has at most one version in the works: when there is one, it is returned (created=False)."""
    with transaction.atomic():
        Guideline.objects.select_for_update().get(pk=guideline.pk)
        open_version = (
            GuidelineVersion.objects.filter(
                guideline=guideline,
                status__in=[VersionStatus.DRAFT, VersionStatus.REVIEW, VersionStatus.APPROVED],
            )
            .order_by("-number")
            .first()
        )
        if open_version is not None:
            return open_version, False
        latest = GuidelineVersion.objects.filter(guideline=guideline).order_by("-number").first()
        number = (latest.number if latest else 0) + 1
        version = _version_new(
            guideline=guideline,
            number=number,
            body=latest.body if latest else "",
            change_summary="",
            effective_date=None,
            by=by,
        )
        if latest is not None and latest.body_en:
            version.body_en, version.body_en_html = latest.body_en, render(latest.body_en)
            version.save(update_fields=["body_en", "body_en_html"])
        if latest is not None:
            ComprehensionQuestion.objects.bulk_create(
                ComprehensionQuestion(
                    version=version,
                    text=question.text,
                    choices=question.choices,
                    correct_choice=question.correct_choice,
                    position=question.position,
                )
                for question in latest.questions.all()
            )
    return version, True


def _locked_in(version: GuidelineVersion, statuses: Sequence[str]) -> GuidelineVersion:
    locked = GuidelineVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status not in statuses:
        raise ValidationError(
            _("This version is “%(status)s”; that step is not possible now.")
            % {"status": locked.get_status_display()}
        )
    return locked


def version_text_hash(version: GuidelineVersion) -> str:
    """SHA-256 (hex) of what the works council agrees to: the text, the change summary and the
    comprehension questions (in order, with their answers and the right one), and the English
    text and summary when there are any (a version without them keeps its fingerprint)."""
    questions = [
        [question.text, question.choices, question.correct_choice]
        for question in ComprehensionQuestion.objects.filter(version_id=version.pk).order_by(
            "position", "pk"
        )
    ]
    agreed = {"body": version.body, "change_summary": version.change_summary}
    if version.body_en or version.change_summary_en:
        agreed |= {"body_en": version.body_en, "change_summary_en": version.change_summary_en}
    text = json.dumps(
        {**agreed, "questions": questions},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def frozen_message(version: GuidelineVersion) -> str:
    """Why the text of a version cannot be changed now."""
    if version.status == VersionStatus.REVIEW:
        return _(
            "The works council is reviewing exactly this text: it and the questions cannot "
            "be changed now. To change them, take the version back to draft (with a reason)."
        )
    if version.status == VersionStatus.APPROVED:
        return _(
            "The works council approved exactly this text: it and the questions cannot be "
            "changed any more. To change them, take the version back to draft (with a reason); "
            "it then needs a new approval."
        )
    return _("This version can no longer be changed.")


def _event(
    version: GuidelineVersion, kind: str, *, by: User | None, reason: str = "", text_hash: str = ""
) -> VersionEvent:
    return VersionEvent.objects.create(
        version=version,
        kind=kind,
        by=by if by is not None and by.pk else None,
        reason=reason,
        text_hash=text_hash,
    )


def version_update(
    *,
    version: GuidelineVersion,
    body: str,
    change_summary: str,
    effective_date: datetime.date | None,
    by: User | None,
    body_en: str | None = None,
    change_summary_en: str | None = None,
) -> GuidelineVersion:
    """Change the text of a draft. With the works council (review) or approved, the text is
    frozen: only the effective date may change (the same text is accepted, any other refused).
    The English text and summary (None: left as they are) are frozen with the German ones."""
    with transaction.atomic():
        locked = _locked_in(
            version, [VersionStatus.DRAFT, VersionStatus.REVIEW, VersionStatus.APPROVED]
        )
        body_en = locked.body_en if body_en is None else body_en
        summary_en = (
            locked.change_summary_en if change_summary_en is None else change_summary_en.strip()
        )
        fields = ["effective_date", "updated_at"]
        if locked.status == VersionStatus.DRAFT:
            locked.body = body
            locked.body_html = render(body)
            locked.change_summary = change_summary.strip()
            locked.body_en = body_en
            locked.body_en_html = render(body_en) if body_en.strip() else ""
            locked.change_summary_en = summary_en
            fields += ["body", "body_html", "change_summary"]
            fields += ["body_en", "body_en_html", "change_summary_en"]
        elif (
            body != locked.body
            or change_summary.strip() != locked.change_summary
            or body_en != locked.body_en
            or summary_en != locked.change_summary_en
        ):
            raise ValidationError(frozen_message(locked), code="frozen")
        locked.effective_date = effective_date
        locked.full_clean()
        locked.save(update_fields=fields)
    return locked


def version_submit(*, version: GuidelineVersion, by: User | None) -> GuidelineVersion:
    """Send a draft to the works council for review, with the fingerprint (SHA-256) of its
    text and questions, recorded in its history. Submitting twice changes nothing."""
    with transaction.atomic():
        locked = GuidelineVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status == VersionStatus.REVIEW:
            return locked
        locked = _locked_in(locked, [VersionStatus.DRAFT])
        if not locked.body.strip():
            raise ValidationError(_("The version has no text yet."))
        locked.status = VersionStatus.REVIEW
        locked.submitted_at = timezone.now()
        locked.submitted_text_hash = version_text_hash(locked)
        locked.save(update_fields=["status", "submitted_at", "submitted_text_hash", "updated_at"])
        event = _event(
            locked, VersionEventKind.SUBMITTED, by=by, text_hash=locked.submitted_text_hash
        )
        # Every member of the works council hears of it (a version sent again is a new event).
        for member in works_council_members():
            notification_queue(
                kind=COUNCIL_REVIEW,
                to=member,
                dedup_key=f"{COUNCIL_REVIEW}:e{event.pk}:u{member.pk}",
                about=locked,
                context={"version_id": locked.pk},
            )
    return locked


def works_council_members() -> list[User]:
    """The active users holding the works council role."""
    return list(
        User.objects.filter(groups__name=Role.WORKS_COUNCIL.value, is_active=True)
        .distinct()
        .order_by("pk")
    )


def _tell_the_managers(version: GuidelineVersion, event: VersionEvent, by: User | None) -> None:
    """The works council decided (from its own login): the social media managers hear of it."""
    if by is None or not by.is_works_council or by.is_manager:
        return
    managers = User.objects.filter(groups__name=Role.MANAGER.value, is_active=True).distinct()
    for manager in managers.order_by("pk"):
        notification_queue(
            kind=COUNCIL_DECISION,
            to=manager,
            dedup_key=f"{COUNCIL_DECISION}:e{event.pk}:u{manager.pk}",
            about=version,
            context={"version_id": version.pk, "event_id": event.pk},
        )


def version_return_to_draft(
    *, version: GuidelineVersion, reason: str, by: User | None
) -> GuidelineVersion:
    """Take a version with the works council (or approved by it, not yet published) back to
    draft, for changes: the reason goes into its history; an approval no longer applies."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the version goes back to draft.")})
    with transaction.atomic():
        locked = GuidelineVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status == VersionStatus.DRAFT:
            return locked
        locked = _locked_in(locked, [VersionStatus.REVIEW, VersionStatus.APPROVED])
        locked.status = VersionStatus.DRAFT
        locked.approved_on = None
        locked.works_agreement_reference = ""
        locked.save(
            update_fields=["status", "approved_on", "works_agreement_reference", "updated_at"]
        )
        event = _event(
            locked,
            VersionEventKind.PULLED_BACK,
            by=by,
            reason=reason,
            text_hash=locked.submitted_text_hash,
        )
        _tell_the_managers(locked, event, by)
    return locked


def version_approve(
    *,
    version: GuidelineVersion,
    approved_on: datetime.date,
    works_agreement_reference: str,
    by: User | None,
    on_paper: str = "",
) -> GuidelineVersion:
    """Record the works council's approval (date and works agreement reference) of exactly
    the text that was submitted: refused when its fingerprint no longer matches, or when the
    date is before the submission. A member of the works council approves from their own
    login; the social media manager records an approval given on paper and says how it was
    given (`on_paper`, which the manager's form asks for; kept in the history)."""
    reference = works_agreement_reference.strip()
    if not reference:
        raise ValidationError(
            {"works_agreement_reference": _("Give the works agreement reference.")}
        )
    on_paper = on_paper.strip()
    if approved_on > timezone.localdate():
        raise ValidationError({"approved_on": _("The approval cannot be in the future.")})
    with transaction.atomic():
        locked = GuidelineVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status == VersionStatus.APPROVED:
            return locked
        locked = _locked_in(locked, [VersionStatus.REVIEW])
        submitted_on = timezone.localdate(locked.submitted_at) if locked.submitted_at else None
        if submitted_on is not None and approved_on < submitted_on:
            raise ValidationError(
                {
                    "approved_on": _(
                        "The approval cannot be before the version was sent to the works "
                        "council (%(date)s)."
                    )
                    % {"date": formats.date_format(submitted_on, "SHORT_DATE_FORMAT")}
                }
            )
        text_hash = version_text_hash(locked)
        if text_hash != locked.submitted_text_hash:
            raise ValidationError(
                _(
                    "The text or the questions are no longer the ones sent to the works "
                    "council, so this approval cannot apply to them. Take the version back to "
                    "draft and send it again."
                ),
                code="changed",
            )
        locked.status = VersionStatus.APPROVED
        locked.approved_on = approved_on
        locked.works_agreement_reference = reference
        locked.full_clean()
        locked.save(
            update_fields=["status", "approved_on", "works_agreement_reference", "updated_at"]
        )
        reason = f"{reference}\n{_('On paper')}: {on_paper}" if on_paper else reference
        event = _event(locked, VersionEventKind.APPROVED, by=by, reason=reason, text_hash=text_hash)
        _tell_the_managers(locked, event, by)
    return locked


# --- Publishing ---------------------------------------------------------------------------------


NO_EFFECTIVE_DATE = gettext_noop(
    "Give the date from which this version applies, or choose “from publication”."
)


@dataclass(frozen=True)
class PublishResult:
    version: GuidelineVersion
    requests_created: int
    superseded: GuidelineVersion | None


def people_in_scope(*, scope_all: bool, departments: Iterable[Department]):
    """The active people a version with this scope asks (with their accounts, for the
    language of the email)."""
    people = Person.objects.filter(is_active=True)
    if not scope_all:
        people = people.filter(department__in=list(departments))
    return people.select_related("user").order_by("pk")


def version_publish(
    *,
    version: GuidelineVersion,
    by: User | None,
    scope_all: bool | None = None,
    departments: Iterable[Department] = (),
    acknowledge_by: datetime.date | None = None,
    effective_date: datetime.date | None = None,
    effective_on_publication: bool = False,
    notify: bool = True,
) -> PublishResult:
    """Put an approved version in force: the version it replaces is superseded, and everyone
    in scope (all people, or the chosen departments) gets one acknowledgment request and an
    email with a personal link, sent by the worker after the commit.

    Calling it again for a published version asks only the people in scope who have no request
    yet (new colleagues); nobody is asked twice (unique person and version). `notify=False`
    leaves the emails out (the benchmark).

    A version needs its effective date (its own, or `effective_date`); without one it is
    published only when the manager says so explicitly (`effective_on_publication`): it then
    applies from the day of publication."""
    now = timezone.now()
    superseded = None
    with transaction.atomic():
        locked = GuidelineVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status != VersionStatus.PUBLISHED:
            locked = _locked_in(locked, [VersionStatus.APPROVED])
            departments = list(departments)
            scope_all = True if scope_all is None else scope_all
            if not scope_all and not departments:
                raise ValidationError(_("Choose the departments, or publish to everyone."))
            if effective_date is not None:
                locked.effective_date = effective_date
                locked.effective_on_publication = False
            elif locked.effective_date is None:
                if not effective_on_publication:
                    raise ValidationError({"effective_date": _(NO_EFFECTIVE_DATE)})
                locked.effective_date = timezone.localdate(now)
                locked.effective_on_publication = True
            previous = (
                GuidelineVersion.objects.select_for_update()
                .filter(guideline_id=locked.guideline_id, status=VersionStatus.PUBLISHED)
                .first()
            )
            if previous is not None:
                previous.status = VersionStatus.SUPERSEDED
                previous.superseded_at = now
                previous.save(update_fields=["status", "superseded_at", "updated_at"])
                notifications_cancel(queryset=_notifications_about(previous))
                superseded = previous
            locked.status = VersionStatus.PUBLISHED
            locked.published_at = now
            locked.published_by = by
            locked.supersedes = previous
            locked.scope_all = scope_all
            locked.acknowledge_by = acknowledge_by or (
                timezone.localdate() + datetime.timedelta(days=DEFAULT_ACKNOWLEDGE_DAYS)
            )
            locked.save(
                update_fields=[
                    "status",
                    "published_at",
                    "published_by",
                    "supersedes",
                    "scope_all",
                    "acknowledge_by",
                    "effective_date",
                    "effective_on_publication",
                    "updated_at",
                ]
            )
            locked.scope_departments.set([] if scope_all else departments)
        else:
            departments = list(locked.scope_departments.all())
        created = _requests_create(version=locked, departments=departments, now=now)
        if notify:
            # The emails are a fan-out job written here, in the publishing transaction: the
            # worker writes the outbox rows after the commit, and the beat resumes the job
            # whenever the worker or the broker lost it (nothing is lost with a task).
            fanout_start(
                key=fanout_key(version_id=locked.pk),
                source=FANOUT_SOURCE,
                about=locked,
                label=f"{locked.guideline.title} (v{locked.number})",
            )
    readiness_changed()
    return PublishResult(version=locked, requests_created=created, superseded=superseded)


def _notifications_about(version: GuidelineVersion):
    from django.contrib.contenttypes.models import ContentType

    return Notification.objects.filter(
        content_type=ContentType.objects.get_for_model(GuidelineVersion),
        object_id=version.pk,
        kind__in=[KIND_ACK_REQUEST, KIND_ACK_LINK],
    )


def request_dedup_key(*, version_id: int, person_id: int) -> str:
    return f"{KIND_ACK_REQUEST}:v{version_id}:p{person_id}"


def _requests_create(
    *,
    version: GuidelineVersion,
    departments: list[Department],
    now: datetime.datetime,
    person_ids: list[int] | None = None,
    due_on: datetime.date | None = None,
) -> int:
    """One request per person in scope who has none yet (of `person_ids` only, when given):
    a single INSERT ... SELECT in the database (20,000 people in a fraction of a second),
    duplicates skipped by the unique constraint. `due_on`: the joiners' own date."""
    people = people_in_scope(scope_all=version.scope_all, departments=departments)
    if person_ids is not None:
        people = people.filter(pk__in=person_ids)
    people_sql, people_params = (
        people.select_related(None).order_by().values(scope_person=F("pk")).query.sql_with_params()
    )
    table = connection.ops.quote_name(AcknowledgmentRequest._meta.db_table)
    # "WHERE 1 = 1": SQLite needs a WHERE before ON CONFLICT in an INSERT ... SELECT.
    sql = (
        f"INSERT INTO {table} (version_id, person_id, created_at, due_on) "  # noqa: S608
        f"SELECT %s, scope.scope_person, %s, %s FROM ({people_sql}) AS scope WHERE 1 = 1 "
        "ON CONFLICT DO NOTHING"
    )
    params = [
        version.pk,
        connection.ops.adapt_datetimefield_value(now),
        connection.ops.adapt_datefield_value(due_on),
        *people_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        created = max(cursor.rowcount, 0)
    return created


def acknowledge_days(version: GuidelineVersion) -> int:
    """The version's acknowledge period: the days from its publication to its date (at
    least one day; DEFAULT_ACKNOWLEDGE_DAYS when it cannot be told)."""
    if version.acknowledge_by is None or version.published_at is None:
        return DEFAULT_ACKNOWLEDGE_DAYS
    days = (version.acknowledge_by - timezone.localdate(version.published_at)).days
    return days if days > 0 else DEFAULT_ACKNOWLEDGE_DAYS


# The joiners are asked in slices of this many people (an IN list SQLite takes).
JOINERS_CHUNK = 2000


def acknowledgment_requests_for_joiners(person_ids: list[int], on: datetime.date) -> int:
    """People who joined on `on` (new, moved into another department, active again: see
    rollout.joiners) are asked to acknowledge every version in force whose scope they are
    now in and that has not asked them yet, due the version's acknowledge period after
    `on`; their request emails go into the outbox in the caller's transaction (sent after
    the commit). Nobody is asked twice: a person with a request is skipped by the unique
    constraint, an email by its dedup key. Per slice of JOINERS_CHUNK people: one INSERT ...
    SELECT per version in force, one query for the new requests and the outbox's few.
    Returns how many requests were new."""
    versions = list(
        GuidelineVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .select_related("guideline")
        .prefetch_related("scope_departments")
        .order_by("pk")
    )
    if not versions or not person_ids:
        return 0
    now = timezone.now()
    by_pk = {version.pk: version for version in versions}
    created = 0
    for start in range(0, len(person_ids), JOINERS_CHUNK):
        chunk = person_ids[start : start + JOINERS_CHUNK]
        made = 0
        for version in versions:
            made += _requests_create(
                version=version,
                departments=list(version.scope_departments.all()),
                now=now,
                person_ids=chunk,
                due_on=on + datetime.timedelta(days=acknowledge_days(version)),
            )
        if not made:
            continue
        created += made
        new = (
            AcknowledgmentRequest.objects.filter(
                version_id__in=list(by_pk),
                person_id__in=chunk,
                created_at=now,
                acknowledgment__isnull=True,
            )
            .select_related("person", "person__user")
            .order_by("pk")
        )
        notification_queue_many(
            kind=KIND_ACK_REQUEST,
            items=[
                _request_item(by_pk[item.version_id], item) for item in new if item.person.is_active
            ],
        )
    if created:
        readiness_changed()
    return created


FANOUT_SOURCE = "guideline_ack_requests"


def fanout_key(*, version_id: int) -> str:
    return f"{KIND_ACK_REQUEST}:v{version_id}"


def _open_requests(version_id: int):
    return AcknowledgmentRequest.objects.filter(version_id=version_id, acknowledgment__isnull=True)


def _fanout_total(job: FanOut) -> int:
    return _open_requests(job.object_id).count()


def _fanout_batch(job: FanOut, cursor: int, limit: int) -> Slice:
    """The next `limit` requests after `cursor` not yet acknowledged, as outbox items (a
    version no longer in force asks nobody)."""
    version = GuidelineVersion.objects.filter(
        pk=job.object_id, status=VersionStatus.PUBLISHED
    ).first()
    if version is None:
        return Slice(items=[], cursor=cursor, seen=0)
    batch = list(
        _open_requests(version.pk)
        .filter(pk__gt=cursor)
        .select_related("person", "person__user")
        .order_by("pk")[:limit]
    )
    if not batch:
        return Slice(items=[], cursor=cursor, seen=0)
    return Slice(
        items=[_request_item(version, item) for item in batch if item.person.is_active],
        cursor=batch[-1].pk,
        seen=len(batch),
    )


def _request_item(version: GuidelineVersion, item: AcknowledgmentRequest) -> QueuedNotification:
    return QueuedNotification(
        to=item.person,
        dedup_key=request_dedup_key(version_id=version.pk, person_id=item.person_id),
        about=version,
        context={"version_id": version.pk, "person_id": item.person_id},
    )


register_source(
    FanOutSource(key=FANOUT_SOURCE, kind=KIND_ACK_REQUEST, total=_fanout_total, batch=_fanout_batch)
)


NOTIFY_CHUNK = 2000


def acknowledgment_requests_notify(*, version_id: int, chunk: int = NOTIFY_CHUNK) -> int:
    """Queue the request email of everyone asked to acknowledge a published version who has
    not acknowledged yet, here and now (the fan-out job does the same in the worker), in
    chunks of `chunk` (one transaction each). Safe to run twice: the outbox skips the dedup
    keys it has. Returns how many emails were new."""
    version = GuidelineVersion.objects.filter(pk=version_id, status=VersionStatus.PUBLISHED).first()
    if version is None:
        return 0
    last_pk, queued = 0, 0
    while True:
        with transaction.atomic():
            batch = list(
                AcknowledgmentRequest.objects.filter(
                    version=version, pk__gt=last_pk, acknowledgment__isnull=True
                )
                .select_related("person", "person__user")
                .order_by("pk")[:chunk]
            )
            if not batch:
                return queued
            queued += notification_queue_many(
                kind=KIND_ACK_REQUEST,
                items=[_request_item(version, item) for item in batch if item.person.is_active],
            )
        last_pk = batch[-1].pk


# --- Comprehension questions -----------------------------------------------------------------


def _locked_draft(version: GuidelineVersion) -> GuidelineVersion:
    """The version, locked, if its questions may change (a draft); otherwise why not."""
    locked = GuidelineVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status in (VersionStatus.REVIEW, VersionStatus.APPROVED):
        raise ValidationError(frozen_message(locked), code="frozen")
    return _locked_in(locked, [VersionStatus.DRAFT])


def question_add(
    *,
    version: GuidelineVersion,
    text: str,
    choices: list[str],
    correct_choice: int,
    by: User | None,
) -> ComprehensionQuestion:
    """Add a multiple-choice question to a draft (the works council's questions are frozen)."""
    with transaction.atomic():
        locked = _locked_draft(version)
        position = (locked.questions.aggregate(top=Max("position"))["top"] or 0) + 1
        question = ComprehensionQuestion(
            version=locked,
            text=text.strip(),
            choices=[choice.strip() for choice in choices if choice.strip()],
            correct_choice=correct_choice,
            position=position,
        )
        question.full_clean()
        question.save()
    return question


def question_delete(*, question: ComprehensionQuestion, by: User | None) -> None:
    with transaction.atomic():
        _locked_draft(question.version)
        ComprehensionQuestion.objects.filter(pk=question.pk).delete()


def answers_check(
    *, questions: Sequence[ComprehensionQuestion], answers: dict[int, int | None]
) -> list[ComprehensionQuestion]:
    """The questions answered wrongly or not at all (`answers`: question id -> choice index)."""
    return [q for q in questions if answers.get(q.pk) != q.correct_choice]


# --- Acknowledgments ------------------------------------------------------------------------


class WrongAnswers(ValidationError):
    """The comprehension check was not passed; `questions` are the ones to answer again."""

    def __init__(self, questions: list[ComprehensionQuestion]) -> None:
        super().__init__(_("Some answers are not right yet. Read the section again and retry."))
        self.questions = questions


def acknowledgment_record(
    *,
    request: AcknowledgmentRequest,
    method: str,
    by: User | None = None,
    reason: str = "",
    answers: dict[int, int | None] | None = None,
    questions: Sequence[ComprehensionQuestion] | None = None,
) -> tuple[Acknowledgment, bool]:
    """Record that the person of `request` has read and understood its version. Returns
    (acknowledgment, created): a double click, a reload or an old link returns the first one.

    Only a published version can be acknowledged. With the personal link or signed in, the
    comprehension check must be passed (checked here, on the server); the manager recording it
    on someone's behalf (paper form) gives a reason instead."""
    reason = reason.strip()
    if method == AcknowledgmentMethod.ON_BEHALF and not reason:
        raise ValidationError({"reason": _("Say why you record it on their behalf.")})
    try:
        existing = request.acknowledgment  # loaded with the request, or 1 query
    except Acknowledgment.DoesNotExist:
        existing = None
    if existing is not None:
        return existing, False
    version = request.version
    if version.status != VersionStatus.PUBLISHED:
        raise ValidationError(_("This version is no longer in force."))
    if method != AcknowledgmentMethod.ON_BEHALF:
        if questions is None:
            questions = list(version.questions.all())
        wrong = answers_check(questions=questions, answers=answers or {})
        if wrong:
            raise WrongAnswers(wrong)
    acknowledgment = Acknowledgment(
        request=request,
        person_id=request.person_id,
        version_id=request.version_id,
        acknowledged_at=timezone.now(),
        method=method,
        reason=reason if method == AcknowledgmentMethod.ON_BEHALF else "",
        recorded_by=by,
    )
    try:
        with transaction.atomic():
            acknowledgment.save(force_insert=True)
            # The request email, if still waiting in the outbox, is no longer needed.
            notifications_cancel(
                queryset=Notification.objects.filter(
                    dedup_key=request_dedup_key(version_id=version.pk, person_id=request.person_id)
                )
            )
    except IntegrityError:
        existing = Acknowledgment.objects.filter(request=request).first()
        if existing is None:
            raise
        return existing, False
    readiness_changed()  # the dashboard's heatmap shows the share
    return acknowledgment, True


# --- Personal links ---------------------------------------------------------------------------


def ack_token(*, person_id: int, version_id: int) -> str:
    """A signed, timestamped token for one person and one version (no password needed)."""
    return link_token(ACK_LINK, f"{person_id}.{version_id}")


@dataclass(frozen=True)
class LinkReading:
    person_id: int
    version_id: int
    expired: bool


def ack_token_read(token: str) -> LinkReading | None:
    """What a token says, or None when it was not made by us (tampered, truncated). A genuine
    but old token reads with `expired=True`."""
    try:
        value, expired = link_read(ACK_LINK, token, max_age=link_max_age()), False
    except LinkExpired as old:
        value, expired = old.payload, True
    except LinkInvalid:
        return None
    try:
        person_id, version_id = (int(part) for part in value.split("."))
    except ValueError:
        return None
    return LinkReading(person_id, version_id, expired=expired)


def ack_url(*, person_id: int, version_id: int, absolute: bool = True) -> str:
    path = reverse(
        "guidelines:acknowledge",
        kwargs={"token": ack_token(person_id=person_id, version_id=version_id)},
    )
    return f"{settings.SITE_URL}{path}" if absolute else path


def ack_link_resend(*, request: AcknowledgmentRequest) -> Notification:
    """Email a fresh personal link (asked for from an expired one). Pressing the button again
    within RESEND_WINDOW_SECONDS sends nothing more."""
    window = int(timezone.now().timestamp()) // RESEND_WINDOW_SECONDS
    with transaction.atomic():
        return notification_queue(
            kind=KIND_ACK_LINK,
            to=request.person,
            dedup_key=f"{KIND_ACK_LINK}:v{request.version_id}:p{request.person_id}:w{window}",
            about=request.version,
            context={"version_id": request.version_id, "person_id": request.person_id},
        )
