from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Authored(models.Model):
    """Who created a row and when: the two fields many models share (abstract: no table of
    its own, the columns stay in each model's table). The author may be deleted; the row
    stays, without one."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class AuthoredAndUpdated(Authored):
    """`Authored`, and when the row last changed."""

    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Heartbeat(models.Model):
    """When a background component last proved it runs (written by a beat-scheduled task)."""

    name = models.CharField(max_length=40, unique=True)
    seen_at = models.DateTimeField()

    class Meta:
        # Moved here from the rollout app; the table keeps its name (no data moves).
        db_table = "rollout_heartbeat"
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


def heartbeat_record(*, name: str) -> Heartbeat:
    """Record that the component `name` runs now."""
    heartbeat, _ = Heartbeat.objects.update_or_create(
        name=name, defaults={"seen_at": timezone.now()}
    )
    return heartbeat
