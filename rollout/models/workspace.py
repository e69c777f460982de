"""The manager's workspace: gate decisions, company templates, the internal communication
plan, success stories, thanks to champions, and people imports awaiting confirmation."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import Authored
from rollout.models.core import Department, Person, Phase, Rollout, Stakeholder


class OpenActivities(models.TextChoices):
    """What happens to a phase's open activities (planned, in progress) when it is left."""

    MOVE = "move", _("Move them to the next phase")
    CANCEL = "cancel", _("Cancel them")
    LEAVE = "leave", _("Leave them where they are")


class GateDecision(models.Model):
    """Leaving a phase: who decided, when, the criteria values frozen at that moment, and the
    reason when the phase was left with unmet criteria (an override)."""

    phase = models.OneToOneField(
        Phase, verbose_name=_("phase"), on_delete=models.CASCADE, related_name="gate_decision"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)
    # [{"label": str, "kind": str, "value": int | None, "threshold": int | None, "met": bool}]
    snapshot = models.JSONField(_("criteria at the time"), default=list)
    all_met = models.BooleanField(_("all criteria met"))
    override_reason = models.TextField(_("reason for the override"), blank=True)
    # What the manager chose for the phase's open activities ("" when there were none).
    open_activities = models.CharField(
        _("open activities"), max_length=8, choices=OpenActivities.choices, blank=True
    )
    open_activities_count = models.PositiveIntegerField(_("number of open activities"), default=0)

    class Meta:
        verbose_name = _("gate decision")
        verbose_name_plural = _("gate decisions")
        ordering = ["decided_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(all_met=True) | ~models.Q(override_reason=""),
                name="gate_override_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phase} @ {self.decided_at:%Y-%m-%d}"


class GateExceptionState(models.TextChoices):
    PENDING = "pending", _("Awaiting the sponsor")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    VOID = "void", _("No longer needed")


class GateException(models.Model):
    """The manager asks the sponsor to let a phase be left with unmet criteria; the sponsor
    approves (the phase advances) or declines, in the browser or from the emailed link."""

    phase = models.ForeignKey(
        Phase, verbose_name=_("phase"), on_delete=models.CASCADE, related_name="gate_exceptions"
    )
    reason = models.TextField(_("reason for the override"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    sponsor = models.ForeignKey(
        Person,
        verbose_name=_("sponsor"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=GateExceptionState.choices,
        default=GateExceptionState.PENDING,
    )
    decided_by = models.ForeignKey(
        Person,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_from_link = models.BooleanField(_("decided from the emailed link"), default=False)
    decision = models.OneToOneField(
        GateDecision,
        verbose_name=_("gate decision"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="exception",
    )
    # The manager's choice for the open activities, applied when the sponsor approves.
    open_activities = models.CharField(
        _("open activities"), max_length=8, choices=OpenActivities.choices, blank=True
    )

    class Meta:
        verbose_name = _("gate exception")
        verbose_name_plural = _("gate exceptions")
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["phase"],
                condition=models.Q(state="pending"),
                name="gate_exception_one_pending_per_phase",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phase}: {self.get_state_display()}"


class RolloutTemplate(Authored):
    """A company's own rollout template, saved from a rollout's activities."""

    name = models.CharField(_("name"), max_length=160, unique=True)
    # [{"phase": "unfreeze", "title": str, "description": str, "kind": str}]
    items = models.JSONField(_("activities"), default=list)

    class Meta:
        verbose_name = _("rollout template")
        verbose_name_plural = _("rollout templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    DEPARTMENT_MEETING = "department_meeting", _("Slot in a department meeting")
    NEWSLETTER = "newsletter", _("Newsletter")
    INTRANET = "intranet", _("Intranet")
    MAGAZINE = "magazine", _("Employee magazine")
    INTERNAL_NETWORK = "internal_network", _("Internal social network")
    INFORMAL = "informal", _("Informal")


class CommunicationStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class CommunicationItem(models.Model):
    """An entry of the internal communication plan: what goes out, when, to whom, how."""

    rollout = models.ForeignKey(
        Rollout, verbose_name=_("rollout"), on_delete=models.CASCADE, related_name="communications"
    )
    date = models.DateField(_("date"))
    channel = models.CharField(_("channel"), max_length=32, choices=Channel.choices)
    audience_departments = models.ManyToManyField(
        Department, verbose_name=_("audience: departments"), blank=True, related_name="+"
    )
    audience_note = models.CharField(
        _("audience: other"),
        max_length=200,
        blank=True,
        help_text=_("For example “all team leads” or “the works council”."),
    )
    message = models.TextField(_("message"))
    owner = models.ForeignKey(
        Person,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=CommunicationStatus.choices,
        default=CommunicationStatus.PLANNED,
    )
    social_homework = models.TextField(
        _("social homework"),
        blank=True,
        help_text=_("A small task for the audience, e.g. “update your LinkedIn profile”."),
    )
    history = HistoricalRecords(m2m_fields=[audience_departments])

    class Meta:
        verbose_name = _("communication plan item")
        verbose_name_plural = _("communication plan")
        ordering = ["date", "pk"]
        indexes = [models.Index(fields=["rollout", "date"], name="communication_rollout_date_idx")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_channel_display()}"


class StoryKind(models.TextChoices):
    QUICK_WIN = "quick_win", _("Quick win")
    KPI = "kpi", _("Key figure")


class KpiName(models.TextChoices):
    FOLLOWERS = "followers", _("Followers")
    REACH = "reach", _("Reach")
    APPLICATIONS = "applications", _("Applications via social media")
    CUSTOMER_QUESTIONS = "customer_questions", _("Customer questions answered")
    OTHER = "other", _("Other")


class SuccessStory(models.Model):
    """A success worth showing: a quick win, or a measured key figure."""

    rollout = models.ForeignKey(
        Rollout, verbose_name=_("rollout"), on_delete=models.CASCADE, related_name="success_stories"
    )
    date = models.DateField(_("date"))
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=StoryKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kpi_name = models.CharField(_("key figure"), max_length=32, choices=KpiName.choices, blank=True)
    kpi_value = models.DecimalField(
        _("value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("success story")
        verbose_name_plural = _("success stories")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="kpi")
                | (~models.Q(kpi_name="") & models.Q(kpi_value__isnull=False)),
                name="success_kpi_has_name_and_value",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ChampionThanks(models.Model):
    """A visible thank-you to a champion (praise for early adopters)."""

    stakeholder = models.ForeignKey(
        Stakeholder, verbose_name=_("champion"), on_delete=models.CASCADE, related_name="thanks"
    )
    message = models.TextField(_("message"))
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("from"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    given_at = models.DateTimeField(_("given"), default=timezone.now)

    class Meta:
        verbose_name = _("thank-you")
        verbose_name_plural = _("thank-yous")
        ordering = ["-given_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.stakeholder}: {self.message[:40]}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be read")
    READING = "reading", _("Being read")
    PREVIEW = "preview", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed, waiting to be applied")
    APPLYING = "applying", _("Being applied")
    APPLIED = "applied", _("Applied")
    DISCARDED = "discarded", _("Discarded")
    FAILED = "failed", _("Failed")


# The worker has work to do on these (the beat hands them over again when it stalls).
IMPORT_WAITING = (ImportStatus.QUEUED, ImportStatus.CONFIRMED)
IMPORT_RUNNING = (ImportStatus.READING, ImportStatus.APPLYING)
IMPORT_PENDING = IMPORT_WAITING + IMPORT_RUNNING


class PeopleImport(models.Model):
    """An uploaded HR export, parsed and shown as a preview; written only when confirmed.

    Small files are read and applied in the web request. Larger ones are a row the worker
    works through: queued -> reading -> preview, and after confirmation confirmed -> applying
    -> applied, with `progress_done`/`progress_total` and `progress_at` (the last sign of
    life) shown on the page; the beat hands a stalled one over again (`attempts`) or lets it
    fail with `failure_reason`."""

    filename = models.CharField(_("file"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PREVIEW
    )
    # The parsed rows with their verdict: [{"line": 2, "action": "create"|"update"|"unchanged"|
    # "reject", "data": {...}, "errors": [str]}]
    rows = models.JSONField(_("rows"), default=list)
    summary = models.JSONField(_("summary"), default=dict)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    row_count = models.PositiveIntegerField(
        _("rows"), default=0, validators=[MaxValueValidator(100_000)]
    )
    # Who confirmed it: the worker records the changes in their name.
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The uploaded file while the worker has still to read it (emptied once it is read).
    content = models.BinaryField(_("file content"), blank=True, default=b"", editable=False)
    # The uploader's language: the worker writes the file's and the rows' messages in it.
    language = models.CharField(_("language"), max_length=8, blank=True, default="")
    progress_done = models.PositiveIntegerField(_("rows done"), default=0)
    progress_total = models.PositiveIntegerField(_("rows expected"), default=0)
    progress_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    failure_reason = models.TextField(_("reason for the failure"), blank=True)

    class Meta:
        verbose_name = _("people import")
        verbose_name_plural = _("people imports")
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="applied") | models.Q(applied_at__isnull=False),
                name="people_import_applied_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="failed") | ~models.Q(failure_reason=""),
                name="people_import_failed_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "progress_at"], name="people_import_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        """The worker still has to read or apply it."""
        return self.status in IMPORT_PENDING
