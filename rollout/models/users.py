"""The history of logins: who invited whom, gave or took which role, deactivated or
reactivated an account, and when (the user's page shows it)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccountEventKind(models.TextChoices):
    INVITED = "invited", _("Invited")
    INVITATION_SENT = "invitation_sent", _("Invitation sent again")
    ROLE_GRANTED = "role_granted", _("Role given")
    ROLE_REVOKED = "role_revoked", _("Role taken")
    DEACTIVATED = "deactivated", _("Deactivated")
    REACTIVATED = "reactivated", _("Reactivated")


class AccountEvent(models.Model):
    """One change to a login made in the product, with who made it and when. Roles are Django
    groups (a many-to-many without its own history), so the changes are recorded here."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="account_events",
    )
    kind = models.CharField(_("change"), max_length=24, choices=AccountEventKind.choices)
    # The role's value (Role) for role_granted / role_revoked, else empty.
    role = models.CharField(_("role"), max_length=64, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("account change")
        verbose_name_plural = _("account changes")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "-at"], name="account_event_user_at_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind__in=["role_granted", "role_revoked"]) & ~models.Q(role=""))
                | (~models.Q(kind__in=["role_granted", "role_revoked"]) & models.Q(role="")),
                name="account_event_role_iff_role_change",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.role}".strip()

    @property
    def role_label(self) -> str:
        from rollout.models.core import Role

        try:
            return str(Role(self.role).label)
        except ValueError:
            return self.role
