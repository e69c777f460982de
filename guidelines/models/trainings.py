"""Training sessions: a session of a rollout phase with its audience, the invitations (one per
person and session, with the answer and attendance) and the attendees' feedback."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import AuthoredAndUpdated
from rollout.models import Department, Person, Phase, StakeholderRole


class TrainingKind(models.TextChoices):
    WORKSHOP = "workshop", _("Workshop")
    WEBINAR = "webinar", _("Webinar")
    COACHING = "coaching", _("Coaching")
    ELEARNING = "elearning", _("E-learning")


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class TrainingSession(AuthoredAndUpdated):
    """A training session (Schulung) in a rollout phase: when, where, who trains, how many
    seats, and for whom. `sequence` is the calendar revision: raised on every change, so that
    calendar programs replace the event they have; `uid` is the event's stable identity."""

    phase = models.ForeignKey(
        Phase, verbose_name=_("phase"), on_delete=models.CASCADE, related_name="training_sessions"
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=TrainingKind.choices, default=TrainingKind.WORKSHOP
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    guideline_version = models.ForeignKey(
        "guidelines.GuidelineVersion",
        verbose_name=_("guideline version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_sessions",
        help_text=_("The guideline version the session explains, if any."),
    )
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"))
    room = models.CharField(_("room"), max_length=200, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    trainer = models.ForeignKey(
        Person,
        verbose_name=_("trainer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trainings_given",
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Seats; leave empty for no limit. Further acceptances go to a waitlist."),
    )
    audience_departments = models.ManyToManyField(
        Department, verbose_name=_("audience: departments"), blank=True, related_name="+"
    )
    # StakeholderRole values: the rollout's stakeholders with one of these roles are invited.
    audience_roles = models.JSONField(_("audience: roles"), default=list, blank=True)
    audience_people = models.ManyToManyField(
        Person, verbose_name=_("audience: people"), blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    cancel_reason = models.TextField(_("reason for the cancellation"), blank=True)
    uid = models.UUIDField(_("calendar identity"), default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(_("calendar revision"), default=0)
    series = models.UUIDField(_("series"), null=True, blank=True, db_index=True)
    history = HistoricalRecords(m2m_fields=[audience_departments, audience_people])

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="training_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True) | models.Q(capacity__gte=1),
                name="training_capacity_positive",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="cancelled") | ~models.Q(cancel_reason=""),
                name="training_cancel_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["phase", "starts_at"], name="training_phase_start_idx"),
            models.Index(fields=["trainer", "starts_at"], name="training_trainer_start_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must be after the start.")})
        unknown = set(self.audience_roles or []) - set(StakeholderRole.values)
        if unknown:
            raise ValidationError({"audience_roles": _("Unknown role.")})

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    def has_started(self, now=None) -> bool:
        return self.starts_at <= (now or timezone.now())

    def has_ended(self, now=None) -> bool:
        return self.ends_at <= (now or timezone.now())

    @property
    def where(self) -> str:
        return self.room or self.online_url

    @property
    def audience_role_labels(self) -> list[str]:
        labels = dict(StakeholderRole.choices)
        return [str(labels.get(role, role)) for role in self.audience_roles or []]


class InvitationStatus(models.TextChoices):
    INVITED = "invited", _("No answer yet")
    ACCEPTED = "accepted", _("Accepted")
    WAITLISTED = "waitlisted", _("On the waitlist")
    MAYBE = "maybe", _("Maybe")
    DECLINED = "declined", _("Declined")


class TrainingInvitation(models.Model):
    """One person's place in one session: the answer (with the waitlist order), and whether
    the person attended. Walk-ins get a row when their attendance is ticked."""

    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("training session"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="training_invitations",
    )
    status = models.CharField(
        _("answer"),
        max_length=16,
        choices=InvitationStatus.choices,
        default=InvitationStatus.INVITED,
    )
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    waitlisted_at = models.DateTimeField(_("on the waitlist since"), null=True, blank=True)
    attended = models.BooleanField(_("attended"), default=False)
    attendance_marked_at = models.DateTimeField(_("attendance ticked"), null=True, blank=True)
    attendance_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("attendance ticked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_walk_in = models.BooleanField(_("walk-in"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("training invitation")
        verbose_name_plural = _("training invitations")
        ordering = ["session", "person__last_name", "person__first_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="training_invite_once"),
            models.CheckConstraint(
                condition=~models.Q(status="waitlisted") | models.Q(waitlisted_at__isnull=False),
                name="training_waitlist_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "status"], name="training_invite_status_idx"),
            models.Index(fields=["person", "attended"], name="training_invite_attended_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.session}"


class TrainingFeedback(models.Model):
    """An attendee's feedback on a session: a rating from 1 to 5 and a comment, once."""

    invitation = models.OneToOneField(
        TrainingInvitation,
        verbose_name=_("invitation"),
        on_delete=models.CASCADE,
        related_name="feedback",
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True, max_length=4000)
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)

    class Meta:
        verbose_name = _("training feedback")
        verbose_name_plural = _("training feedback")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="training_rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 {self.invitation}"
