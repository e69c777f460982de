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


class Notification(models.Model):
    """One message to one recipient about one object. `dedup_key` is unique: queueing the same
    notification twice (a double click, a retried request, two beats) finds the first row."""

    kind = models.CharField(_("kind"), max_length=64)
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
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
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
