"""The outbox: every notification is a row written in the same transaction as the change that
causes it, and sent by the worker when it is due."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationState(models.TextChoices):
    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")
    DIGESTED = "digested", _("sent in the digest")


class WaitReason(models.TextChoices):
    """Why a pending row waits past the moment it was queued for (set by the policy)."""

    NONE = "", _("scheduled")
    QUIET_HOURS = "quiet_hours", _("quiet hours")
    WEEKEND = "weekend", _("weekend")
    HOLIDAY = "holiday", _("public holiday")
    DIGEST = "digest", _("daily digest")
    CAP = "cap", _("weekly limit reached")
    DIGEST_ONLY = "digest_only", _("recipient asked for the digest")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Chat channel")


class Notification(models.Model):
    """One message to one recipient about one object. `dedup_key` is unique: queueing the same
    notification twice (a double click, a retried request, two beats) finds the first row."""

    kind = models.CharField(_("kind"), max_length=64)
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.EMAIL
    )
    dedup_key = models.CharField(_("deduplication key"), max_length=255, unique=True)
    recipient_email = models.EmailField(_("recipient"))
    recipient_name = models.CharField(_("recipient name"), max_length=170, blank=True)
    person = models.ForeignKey(
        "rollout.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    language = models.CharField(_("language"), max_length=8, default="de")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Berlin")
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("content_type", "object_id")
    context = models.JSONField(_("context"), default=dict, blank=True)
    due_at = models.DateTimeField(_("due"), default=timezone.now)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=NotificationState.choices,
        default=NotificationState.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    claimed_at = models.DateTimeField(_("handed to the worker"), null=True, blank=True)
    # The token of the send task holding the row in `sending` (renewed in `claimed_at` while
    # it runs); a row whose token changed is no longer that task's to send.
    claim = models.CharField(_("claim"), max_length=32, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    via_digest = models.BooleanField(
        _("in the daily digest"),
        default=False,
        help_text=_("Delivered as part of the recipient's daily digest, not on its own."),
    )
    wait_reason = models.CharField(
        _("reason for waiting"),
        max_length=16,
        choices=WaitReason.choices,
        default=WaitReason.NONE,
        blank=True,
        help_text=_("Why the notification was held back (quiet hours, digest, weekly limit)."),
    )
    send_now = models.BooleanField(
        _("sent at once"),
        default=False,
        help_text=_(
            "Not held back for quiet hours, digest or limit: the manager released it, or the "
            "person just asked for it."
        ),
    )
    digest = models.ForeignKey(
        "self",
        verbose_name=_("digest"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="items",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-due_at", "-pk"]
        indexes = [
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(state="pending"),
                name="notification_pending_due",
            ),
            models.Index(fields=["content_type", "object_id"], name="notification_about"),
            models.Index(fields=["person", "-due_at"], name="notification_person"),
            models.Index(fields=["state", "-due_at"], name="notification_state"),
            models.Index(
                fields=["recipient_email", "sent_at"],
                condition=models.Q(state="sent"),
                name="notification_sent_to",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state="sent") | models.Q(sent_at__isnull=False),
                name="notification_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_email}"

    @property
    def message_id(self) -> str:
        """The same Message-ID every time this row is sent, so duplicates are recognisable."""
        return f"<notification-{self.pk}@changehub>"


class Unsubscription(models.Model):
    """A recipient's wish not to get one kind of mail any more. For a mandatory kind it means
    "only in my daily digest" instead: those mails cannot be switched off."""

    email = models.EmailField(_("email address"))
    kind = models.CharField(_("kind"), max_length=64)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("unsubscription")
        verbose_name_plural = _("unsubscriptions")
        constraints = [
            models.UniqueConstraint(fields=["email", "kind"], name="unsubscription_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.email} ✕ {self.kind}"


class ReminderRule(models.Model):
    """A rollout's settings for one reminder rule (see notifications.rules). Without a row the
    rule's defaults apply."""

    rollout = models.ForeignKey(
        "rollout.Rollout",
        verbose_name=_("rollout"),
        on_delete=models.CASCADE,
        related_name="reminder_rules",
    )
    key = models.CharField(_("rule"), max_length=64)
    enabled = models.BooleanField(_("active"), default=True)
    first_after_days = models.PositiveSmallIntegerField(_("first reminder after (days)"))
    every_days = models.PositiveSmallIntegerField(_("then every (days)"))
    max_count = models.PositiveSmallIntegerField(_("at most (reminders)"))
    escalate = models.BooleanField(_("escalate after the last reminder"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reminder rule")
        verbose_name_plural = _("reminder rules")
        constraints = [
            models.UniqueConstraint(fields=["rollout", "key"], name="reminder_rule_unique"),
            models.CheckConstraint(
                condition=models.Q(every_days__gte=1), name="reminder_rule_every_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(max_count__gte=1), name="reminder_rule_max_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rollout_id}: {self.key}"


class FederalState(models.TextChoices):
    """German federal states, for their public holidays (codes of the `holidays` package)."""

    BW = "BW", "Baden-Württemberg"
    BY = "BY", "Bayern"
    BE = "BE", "Berlin"
    BB = "BB", "Brandenburg"
    HB = "HB", "Bremen"
    HH = "HH", "Hamburg"
    HE = "HE", "Hessen"
    MV = "MV", "Mecklenburg-Vorpommern"
    NI = "NI", "Niedersachsen"
    NW = "NW", "Nordrhein-Westfalen"
    RP = "RP", "Rheinland-Pfalz"
    SL = "SL", "Saarland"
    SN = "SN", "Sachsen"
    ST = "ST", "Sachsen-Anhalt"
    SH = "SH", "Schleswig-Holstein"
    TH = "TH", "Thüringen"


class ReminderSettings(models.Model):
    """Settings of a rollout that hold for all its reminders: whose public holidays are quiet
    days (empty: NOTIFY_HOLIDAY_STATE)."""

    rollout = models.OneToOneField(
        "rollout.Rollout",
        verbose_name=_("rollout"),
        on_delete=models.CASCADE,
        related_name="reminder_settings",
    )
    holiday_state = models.CharField(
        _("public holidays of"),
        max_length=2,
        choices=FederalState.choices,
        blank=True,
        help_text=_("No reminders go out on this federal state's public holidays."),
    )

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")

    def __str__(self) -> str:
        return f"{self.rollout_id}: {self.holiday_state or '-'}"


class WebhookKind(models.TextChoices):
    TEAMS = "teams", _("Microsoft Teams")
    SLACK = "slack", _("Slack")


class DepartmentChannel(models.Model):
    """A department's chat channel (Teams or Slack incoming webhook) for department-wide
    summaries. Off until the manager switches it on."""

    department = models.OneToOneField(
        "rollout.Department",
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        related_name="chat_channel",
    )
    kind = models.CharField(_("service"), max_length=16, choices=WebhookKind.choices)
    url = models.URLField(_("incoming webhook address"), max_length=500)
    enabled = models.BooleanField(_("active"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("department chat channel")
        verbose_name_plural = _("department chat channels")

    def __str__(self) -> str:
        return f"{self.department_id}: {self.get_kind_display()}"


class FanOutState(models.TextChoices):
    PENDING = "pending", _("waiting for the worker")
    RUNNING = "running", _("in progress")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class FanOut(models.Model):
    """A mass mailing being written into the outbox: one job row, written in the transaction
    of the change (publishing a guideline), that the worker turns into one outbox row per
    recipient in batches and the beat resumes until it is done. `cursor` is the last source
    row handled; each batch moves it in the transaction that writes its outbox rows, and the
    rows' unique `dedup_key` makes a resumed or doubled run write nothing twice. `claim` and
    `heartbeat_at` are the lease of the run in progress."""

    key = models.CharField(_("key"), max_length=120, unique=True)
    source = models.CharField(_("source"), max_length=64)
    label = models.CharField(_("mailing"), max_length=255, blank=True)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("content_type", "object_id")
    state = models.CharField(
        _("state"), max_length=16, choices=FanOutState.choices, default=FanOutState.PENDING
    )
    total = models.PositiveIntegerField(_("recipients"), default=0)
    done = models.PositiveIntegerField(_("handled"), default=0)
    queued = models.PositiveIntegerField(_("emails queued"), default=0)
    cursor = models.PositiveBigIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claim = models.CharField(max_length=32, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("mass mailing")
        verbose_name_plural = _("mass mailings")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["state", "heartbeat_at"],
                condition=models.Q(state__in=["pending", "running"]),
                name="fanout_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.state} {self.done}/{self.total})"

    @property
    def is_open(self) -> bool:
        return self.state in (FanOutState.PENDING, FanOutState.RUNNING)

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.state == FanOutState.DONE else 0
        return min(100, round(100 * self.done / self.total))
