"""Leadership progress reports: a PDF rendered by the worker, with its status and file."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rollout.models.core import Language, Rollout


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RENDERING = "rendering", _("Rendering")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


PENDING_REPORT_STATUSES = (ReportStatus.QUEUED, ReportStatus.RENDERING)
# Stored in English; shown translated (`Report.error_display`).
TIMEOUT_REASON = "The report took too long to render."
STALLED_REASON = "The worker stopped while rendering the report, every time it was tried."
UNCLAIMED_REASON = "No worker started the report in time."
_KNOWN_REASONS = {
    TIMEOUT_REASON: _("The report took too long to render."),
    STALLED_REASON: _("The worker stopped while rendering the report, every time it was tried."),
    UNCLAIMED_REASON: _("No worker started the report in time."),
}


class Report(models.Model):
    """One leadership progress report of a rollout: asked for in the browser, by the monthly
    schedule or on the command line, rendered to PDF by the worker. `summary` keeps the key
    figures at render time, so the next report can say what changed."""

    rollout = models.ForeignKey(
        Rollout, verbose_name=_("rollout"), on_delete=models.CASCADE, related_name="reports"
    )
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.GERMAN
    )
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    progress = models.CharField(_("progress"), max_length=200, blank=True)
    error = models.TextField(_("reason of the failure"), blank=True)
    file = models.FileField(_("file"), upload_to="reports/%Y/%m/", blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    summary = models.JSONField(_("key figures"), default=dict, blank=True)
    # Set for the monthly leadership pack ("monthly:<rollout>:<YYYY-MM>"), so it runs once.
    schedule_key = models.CharField(_("schedule key"), max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    # When the render task was last handed to the broker (empty: the broker did not take it,
    # the beat hands it over at its next run) and how many renders were started.
    enqueued_at = models.DateTimeField(_("handed to the worker"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        # Moved here from the rollout app; the table keeps its name (no data moves).
        db_table = "rollout_report"
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["rollout", "-created_at"], name="report_rollout_created")]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule_key"],
                condition=~models.Q(schedule_key=""),
                name="report_schedule_key_unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="ready") | ~models.Q(file=""),
                name="report_ready_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rollout_id} {self.created_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_REPORT_STATUSES

    @property
    def error_display(self) -> str:
        return str(_KNOWN_REASONS.get(self.error, self.error))

    @property
    def filename(self) -> str:
        # German and English files get distinct names (both may be downloaded the same day).
        stem = "fortschrittsbericht" if self.language == "de" else "progress-report"
        return f"{stem}-{self.rollout_id}-{timezone.localtime(self.created_at):%Y-%m-%d}.pdf"


class Frequency(models.TextChoices):
    OFF = "off", _("Not sent automatically")
    MONTHLY = "monthly", _("Monthly")
    WEEKLY = "weekly", _("Weekly")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")


class PackLanguages(models.TextChoices):
    GERMAN = "de", _("German")
    ENGLISH = "en", _("English")
    EACH = "each", _("Each recipient's own language")


class ReportSchedule(models.Model):
    """When the leadership pack of a rollout goes out by itself, in which languages and to
    whom. A rollout without a row has the default: monthly on REPORT_MONTHLY_DAY, in German,
    to every leadership user (`ReportSchedule.default_for`). No recipients chosen: every
    leadership user."""

    rollout = models.OneToOneField(
        Rollout, verbose_name=_("rollout"), on_delete=models.CASCADE, related_name="report_schedule"
    )
    frequency = models.CharField(
        _("how often"), max_length=8, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    day_of_month = models.PositiveSmallIntegerField(
        _("day of the month"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("1 to 28, so that every month has the day."),
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), choices=Weekday.choices, default=Weekday.MONDAY
    )
    languages = models.CharField(
        _("language of the pack"),
        max_length=4,
        choices=PackLanguages.choices,
        default=PackLanguages.GERMAN,
    )
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipients"),
        blank=True,
        related_name="+",
        help_text=_("None chosen: everyone in leadership."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(day_of_month__gte=1, day_of_month__lte=28),
                name="report_schedule_day_in_every_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rollout_id}: {self.get_frequency_display()}"

    @classmethod
    def default_for(cls, rollout: Rollout) -> "ReportSchedule":
        """The schedule a rollout has before anyone chose one (not saved)."""
        return cls(
            rollout=rollout,
            frequency=Frequency.MONTHLY,
            day_of_month=settings.REPORT_MONTHLY_DAY,
            languages=PackLanguages.GERMAN,
        )

    def language_of(self, user) -> str:
        """The language of the pack this recipient gets."""
        if self.languages == PackLanguages.EACH:
            return user.language if user.language in ("de", "en") else "de"
        return self.languages

    def is_due(self, today) -> bool:
        if self.frequency == Frequency.MONTHLY:
            return today.day == self.day_of_month
        if self.frequency == Frequency.WEEKLY:
            return today.weekday() == self.weekday
        return False

    def period_key(self, today) -> str:
        """The part of `Report.schedule_key` that makes one pack per period."""
        if self.frequency == Frequency.WEEKLY:
            year, week, _day = today.isocalendar()
            return f"weekly:{self.rollout_id}:{year}-W{week:02d}"
        return f"monthly:{self.rollout_id}:{today:%Y-%m}"


HEX_COLOUR = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("A colour like #1f5fbf."))


class Branding(models.Model):
    """The company's logo and colours on the board pack (one row, pk 1). The logo is a small
    PNG or JPEG kept in the database, checked on upload (reports.branding)."""

    logo = models.BinaryField(_("logo"), blank=True, default=b"", editable=False)
    logo_type = models.CharField(_("logo type"), max_length=16, blank=True)
    colour = models.CharField(
        _("main colour"), max_length=7, default="#1f4e79", validators=[HEX_COLOUR]
    )
    accent = models.CharField(
        _("accent colour"), max_length=7, default="#b3261e", validators=[HEX_COLOUR]
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("company branding")
        verbose_name_plural = _("company branding")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="branding_single_row"),
            models.CheckConstraint(
                condition=models.Q(logo_type__in=["", "image/png", "image/jpeg"]),
                name="branding_logo_png_or_jpeg",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.colour} / {self.accent}"
