"""Content workflows that department heads confirm, their revisions and history, content
deliveries against them (the service levels), and one-time sign-in links for heads without a
password."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.signing import secret_digest

# The longest turnaround a workflow can agree: 30 days.
MAX_TURNAROUND_HOURS = 24 * 30


class WorkflowState(models.TextChoices):
    """The state of one revision. Draft revisions are edited; from proposed on they are
    frozen. The confirmed one is in force until a newer revision is confirmed (superseded)."""

    DRAFT = "draft", _("Draft")
    PROPOSED = "proposed", _("Waiting for confirmation")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    CONFIRMED = "confirmed", _("Confirmed")
    SUPERSEDED = "superseded", _("Superseded")


OPEN_REVISION_STATES = (WorkflowState.DRAFT, WorkflowState.PROPOSED)


class SupplyChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SHARED_FOLDER = "shared_folder", _("Shared folder")
    MESSENGER = "messenger", _("Messenger")
    INTRANET = "intranet", _("Intranet form")
    PHONE = "phone", _("Phone")
    IN_PERSON = "in_person", _("In person")
    OTHER = "other", _("Other")


class ContentWorkflow(models.Model):
    """How a department supplies one kind of content (event photos, job ads, ...). Its terms
    live in revisions; `confirmed_revision` is the one in force, `latest_revision` the newest
    (possibly a draft or waiting for the head's answer)."""

    department = models.ForeignKey(
        "rollout.Department",
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        related_name="content_workflows",
    )
    title = models.CharField(
        _("content"), max_length=160, help_text=_("For example “Event photos” or “Job ads”.")
    )
    confirmed_revision = models.ForeignKey(
        "WorkflowRevision",
        verbose_name=_("revision in force"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    latest_revision = models.ForeignKey(
        "WorkflowRevision",
        verbose_name=_("latest revision"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("content workflow")
        verbose_name_plural = _("content workflows")
        ordering = ["department", "title"]
        constraints = [
            models.UniqueConstraint(
                "department", Lower("title"), name="workflow_title_unique_per_department"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class WorkflowRevision(models.Model):
    """One version of a workflow's terms. Immutable once proposed; a change after that is a
    new revision."""

    workflow = models.ForeignKey(
        ContentWorkflow,
        verbose_name=_("content workflow"),
        on_delete=models.CASCADE,
        related_name="revisions",
    )
    number = models.PositiveSmallIntegerField(_("revision"))
    state = models.CharField(
        _("state"), max_length=24, choices=WorkflowState.choices, default=WorkflowState.DRAFT
    )
    content = models.TextField(
        _("what is supplied"),
        help_text=_("What the social media team receives, e.g. “5–10 photos, landscape”."),  # noqa: RUF001
    )
    trigger = models.CharField(
        _("trigger"),
        max_length=200,
        help_text=_("When content is due, e.g. “every trade fair or company event”."),
    )
    suppliers = models.ManyToManyField(
        "rollout.Person",
        verbose_name=_("suppliers"),
        blank=True,
        related_name="supplied_workflow_revisions",
    )
    turnaround_hours = models.PositiveIntegerField(
        _("turnaround (hours)"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TURNAROUND_HOURS)],
        help_text=_("How fast the social media team needs it, e.g. 24 for photos."),
    )
    channel = models.CharField(
        _("channel"), max_length=24, choices=SupplyChannel.choices, default=SupplyChannel.EMAIL
    )
    channel_detail = models.CharField(
        _("channel details"),
        max_length=200,
        blank=True,
        help_text=_("An address or folder, e.g. social@example.com."),
    )
    escalation_contact = models.ForeignKey(
        "rollout.Person",
        verbose_name=_("asked when late"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    proposed_at = models.DateTimeField(_("proposed"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("workflow revision")
        verbose_name_plural = _("workflow revisions")
        ordering = ["workflow", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["workflow", "number"], name="workflow_revision_number_unique"
            ),
            models.UniqueConstraint(
                fields=["workflow"],
                condition=models.Q(state__in=["draft", "proposed"]),
                name="workflow_one_open_revision",
            ),
            models.UniqueConstraint(
                fields=["workflow"],
                condition=models.Q(state="confirmed"),
                name="workflow_one_revision_in_force",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    turnaround_hours__gte=1, turnaround_hours__lte=MAX_TURNAROUND_HOURS
                ),
                name="workflow_turnaround_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(state="draft") | models.Q(proposed_at__isnull=False),
                name="workflow_revision_proposed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workflow} ({self.number})"

    @property
    def is_frozen(self) -> bool:
        return self.state != WorkflowState.DRAFT

    @property
    def turnaround(self) -> datetime.timedelta:
        return datetime.timedelta(hours=self.turnaround_hours)

    @property
    def turnaround_label(self) -> str:
        return turnaround_label(self.turnaround_hours)


def turnaround_label(hours: int) -> str:
    """“24 hours” below two days, “3 days” for whole days, else hours."""
    from django.utils.translation import ngettext

    if hours >= 48 and hours % 24 == 0:
        days = hours // 24
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


class WorkflowAction(models.TextChoices):
    CREATED = "created", _("created")
    EDITED = "edited", _("edited")
    PROPOSED = "proposed", _("proposed")
    CONFIRMED = "confirmed", _("confirmed")
    CHANGES_REQUESTED = "changes_requested", _("requested changes")
    REVISED = "revised", _("started a revision")


class WorkflowEvent(models.Model):
    """One step of a workflow's history: who did what when, from which state to which. When
    the manager confirms for the head, `on_behalf_of` and `reason` say so."""

    workflow = models.ForeignKey(
        ContentWorkflow,
        verbose_name=_("content workflow"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    revision = models.ForeignKey(
        WorkflowRevision,
        verbose_name=_("revision"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    action = models.CharField(_("action"), max_length=24, choices=WorkflowAction.choices)
    from_state = models.CharField(
        _("from"), max_length=24, choices=WorkflowState.choices, blank=True
    )
    to_state = models.CharField(_("to"), max_length=24, choices=WorkflowState.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    on_behalf_of = models.ForeignKey(
        "rollout.Person",
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("workflow event")
        verbose_name_plural = _("workflow events")
        ordering = ["workflow", "-at", "-pk"]
        indexes = [models.Index(fields=["workflow", "-at"], name="workflow_event_when_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(on_behalf_of__isnull=True) | ~models.Q(reason=""),
                name="workflow_event_on_behalf_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workflow}: {self.get_action_display()}"


class ContentDelivery(models.Model):
    """One piece of content asked for under a workflow: when it was requested, when it was due
    (requested + the turnaround then in force), and when it arrived (empty while open)."""

    workflow = models.ForeignKey(
        ContentWorkflow,
        verbose_name=_("content workflow"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    description = models.CharField(
        _("what"), max_length=200, help_text=_("For example “Photos of the summer party”.")
    )
    requested_at = models.DateTimeField(_("requested"))
    due_at = models.DateTimeField(_("due"))
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    supplier = models.ForeignKey(
        "rollout.Person",
        verbose_name=_("supplier"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The form's one-time key: a double submit or a retried request logs one delivery.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(_("logged"), auto_now_add=True)

    class Meta:
        verbose_name = _("content delivery")
        verbose_name_plural = _("content deliveries")
        ordering = ["workflow", "-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["workflow", "requested_at"], name="delivery_workflow_req_idx"),
            models.Index(fields=["requested_at"], name="delivery_requested_idx"),
            models.Index(
                fields=["due_at"],
                condition=models.Q(delivered_at__isnull=True),
                name="delivery_open_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_at__gte=models.F("requested_at")),
                name="delivery_due_after_request",
            ),
            models.CheckConstraint(
                condition=models.Q(delivered_at__isnull=True)
                | models.Q(delivered_at__gte=models.F("requested_at")),
                name="delivery_delivered_after_request",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    def is_late(self, now: datetime.datetime | None = None) -> bool:
        if self.delivered_at is not None:
            return self.delivered_at > self.due_at
        return (now or timezone.now()) > self.due_at

    @property
    def is_open(self) -> bool:
        return self.delivered_at is None


LOGIN_LINK_HOURS = 72
# The salt of LoginLink.password_fingerprint (core.signing.fingerprint of the password hash).
LOGIN_LINK_PASSWORD_SALT = "rollout.login-link.password"  # noqa: S105 (a salt)


def login_token_hash(token: str) -> str:
    return secret_digest(token)


class LoginLink(models.Model):
    """A one-time sign-in link sent by email (many department heads have no password). Only
    the token's hash is stored; the link expires, works once, and only while it is the user's
    newest link and their password has not changed since it was made."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="login_links",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # Of the user's password hash when the link was made: a new password revokes the link.
    password_fingerprint = models.CharField(max_length=64, editable=False, default="")
    next_url = models.CharField(_("then open"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in link")
        verbose_name_plural = _("sign-in links")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="login_link_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d %H:%M})"

    def is_usable(self, now: datetime.datetime | None = None) -> bool:
        return self.used_at is None and (now or timezone.now()) < self.expires_at
