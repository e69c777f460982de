"""Social media guidelines: versions agreed with the works council, comprehension questions,
and every person's acknowledgment of the version in force."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Authored, AuthoredAndUpdated
from rollout.models import Department, Person


class Guideline(Authored):
    """A set of rules of the game (e.g. the social media guideline), kept in versions."""

    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("guideline")
        verbose_name_plural = _("guidelines")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(Lower("title"), name="guideline_title_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.title


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In works council review")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


# Statuses in which the text is final: agreed with the works council.
AGREED_STATUSES = (VersionStatus.APPROVED, VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED)
# Statuses of a version that is or was in force.
PUBLISHED_STATUSES = (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED)
# Statuses in which the text and the questions may still change: only a draft. From the
# submission on, the works council's text is frozen (see FROZEN_STATUSES).
EDITABLE_STATUSES = (VersionStatus.DRAFT,)
# With the works council, or approved by it: the text and the questions are exactly the ones
# submitted (their hash is kept); only the effective date may still change. The manager can
# pull the version back to draft, with a reason.
FROZEN_STATUSES = (VersionStatus.REVIEW, VersionStatus.APPROVED)


class GuidelineVersion(AuthoredAndUpdated):
    """One version (Fassung) of a guideline. Status: draft -> works council review ->
    approved (date, works agreement reference) -> published -> superseded by the next one.
    The body is Markdown; its headings are the sections."""

    guideline = models.ForeignKey(
        Guideline, verbose_name=_("guideline"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    body = models.TextField(_("text (Markdown)"))
    body_html = models.TextField(_("text (HTML)"), blank=True, editable=False)
    change_summary = models.TextField(_("change summary"), blank=True)
    # An English text next to the German one, for English-speaking people; the German text is
    # the binding one. Frozen and fingerprinted with it (see services.version_text_hash).
    body_en = models.TextField(
        _("English text (Markdown)"),
        blank=True,
        help_text=_(
            "Optional: shown to English-speaking people instead of the German text, with a "
            "note that the German text is the binding one."
        ),
    )
    body_en_html = models.TextField(_("English text (HTML)"), blank=True, editable=False)
    change_summary_en = models.TextField(_("change summary (English)"), blank=True)
    effective_date = models.DateField(_("effective from"), null=True, blank=True)
    effective_on_publication = models.BooleanField(
        _("in force from publication"),
        default=False,
        help_text=_("The manager chose, when publishing, that it applies from that day."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("sent to the works council"), null=True, blank=True)
    submitted_text_hash = models.CharField(
        _("fingerprint of the submitted text"),
        max_length=64,
        blank=True,
        help_text=_("SHA-256 of the text and the questions as sent to the works council."),
    )
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    works_agreement_reference = models.CharField(
        _("works agreement reference"), max_length=120, blank=True
    )
    scope_all = models.BooleanField(_("everyone"), default=True)
    scope_departments = models.ManyToManyField(
        Department, verbose_name=_("departments"), blank=True, related_name="guideline_versions"
    )
    acknowledge_by = models.DateField(_("acknowledge by"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("supersedes"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="superseded_by",
    )
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)

    class Meta:
        verbose_name = _("guideline version")
        verbose_name_plural = _("guideline versions")
        ordering = ["guideline", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["guideline", "number"], name="guideline_version_number_unique"
            ),
            models.UniqueConstraint(
                fields=["guideline"],
                condition=models.Q(status="published"),
                name="guideline_one_published_version",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["approved", "published", "superseded"])
                | (models.Q(approved_on__isnull=False) & ~models.Q(works_agreement_reference="")),
                name="guideline_version_agreed_has_approval",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["published", "superseded"])
                | models.Q(published_at__isnull=False, acknowledge_by__isnull=False),
                name="guideline_version_published_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="superseded") | models.Q(superseded_at__isnull=False),
                name="guideline_version_superseded_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "guideline"], name="guideline_version_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.guideline} v{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_frozen(self) -> bool:
        return self.status in FROZEN_STATUSES

    @property
    def is_agreed(self) -> bool:
        return self.status in AGREED_STATUSES

    @property
    def has_english(self) -> bool:
        return bool(self.body_en.strip())

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        """The acknowledgment deadline has passed (for the people who have not acknowledged)."""
        today = today or timezone.localdate()
        return self.acknowledge_by is not None and self.acknowledge_by < today


class VersionEventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Sent to the works council")
    PULLED_BACK = "pulled_back", _("Back to draft")
    APPROVED = "approved", _("Approved by the works council")


class VersionEvent(models.Model):
    """A step in a version's history with the works council: sent (with the fingerprint of
    the text sent), pulled back to draft (with the reason), approved (for that fingerprint).
    Append-only."""

    version = models.ForeignKey(
        GuidelineVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("step"), max_length=16, choices=VersionEventKind.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)
    text_hash = models.CharField(_("fingerprint of the text"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("version history entry")
        verbose_name_plural = _("version history")
        ordering = ["version", "at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="pulled_back") | ~models.Q(reason=""),
                name="guideline_event_pull_back_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version}: {self.get_kind_display()}"

    @property
    def short_hash(self) -> str:
        return self.text_hash[:12]


class ComprehensionQuestion(models.Model):
    """A multiple-choice question of a version's comprehension check: `choices` is a list of
    answers, `correct_choice` the index of the right one."""

    version = models.ForeignKey(
        GuidelineVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="questions",
    )
    text = models.CharField(_("question"), max_length=300)
    choices = models.JSONField(_("answers"), default=list)
    correct_choice = models.PositiveSmallIntegerField(_("correct answer"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("comprehension question")
        verbose_name_plural = _("comprehension questions")
        ordering = ["version", "position", "pk"]

    def __str__(self) -> str:
        return self.text

    def clean(self) -> None:
        super().clean()
        choices = self.choices if isinstance(self.choices, list) else []
        if len(choices) < 2 or not all(isinstance(c, str) and c.strip() for c in choices):
            raise ValidationError({"choices": _("Give at least two answers.")})
        if self.correct_choice is not None and self.correct_choice >= len(choices):
            raise ValidationError({"correct_choice": _("Choose one of the answers.")})


class AcknowledgmentRequest(models.Model):
    """The request to one person (in the version's scope) to acknowledge one version: made
    when the version is published. Having a request is what puts a person in scope."""

    version = models.ForeignKey(
        GuidelineVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="requests",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="guideline_requests",
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    # Someone who joined the scope after publication (new, moved in, back again) has the
    # version's acknowledge period from their joining; empty: the version's date.
    due_on = models.DateField(_("acknowledge by"), null=True, blank=True)

    class Meta:
        verbose_name = _("acknowledgment request")
        verbose_name_plural = _("acknowledgment requests")
        ordering = ["version", "person"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "version"], name="guideline_request_once_per_person"
            ),
        ]
        indexes = [models.Index(fields=["version", "person"], name="guideline_request_idx")]

    def __str__(self) -> str:
        return f"{self.person} → {self.version}"

    @property
    def due(self) -> datetime.date | None:
        """The day to acknowledge by: the joiner's own, else the version's."""
        return self.due_on or self.version.acknowledge_by


class AcknowledgmentMethod(models.TextChoices):
    LINK = "link", _("Personal link")
    SIGNED_IN = "signed_in", _("Signed in")
    ON_BEHALF = "on_behalf", _("Recorded on behalf")


class Acknowledgment(models.Model):
    """A person's acknowledgment of a version: who, which version, when, how. Append-only:
    never changed or deleted, at most one per person and version."""

    request = models.OneToOneField(
        AcknowledgmentRequest,
        verbose_name=_("request"),
        on_delete=models.PROTECT,
        related_name="acknowledgment",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="guideline_acknowledgments",
    )
    version = models.ForeignKey(
        GuidelineVersion,
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        related_name="acknowledgments",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), default=timezone.now)
    method = models.CharField(_("method"), max_length=16, choices=AcknowledgmentMethod.choices)
    reason = models.TextField(_("reason"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("acknowledgment")
        verbose_name_plural = _("acknowledgments")
        ordering = ["-acknowledged_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "version"], name="guideline_acknowledged_once"
            ),
            models.CheckConstraint(
                condition=~models.Q(method="on_behalf") | ~models.Q(reason=""),
                name="guideline_on_behalf_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ✓ {self.version}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Acknowledgments are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("Acknowledgments are append-only.")
