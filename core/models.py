from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
