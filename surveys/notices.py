"""The notification kind of the surveys app (see notifications.kinds): the invitation to a
wave, with the person's own link."""

from django.utils.translation import gettext_lazy as _

from notifications.kinds import NotificationKind, Pace, register
from notifications.models import Notification

SURVEY_INVITATION = "survey_invitation"


def invitation_context(notification: Notification) -> dict | None:
    """The link is signed when the mail is sent. Nothing is sent when the person answered
    meanwhile, left, or the wave is closed."""
    from surveys.models import SurveyInvitation
    from surveys.services import answer_url

    invitation = (
        SurveyInvitation.objects.select_related("wave__survey", "person")
        .filter(pk=notification.context.get("invitation_id"))
        .first()
    )
    if invitation is None or not invitation.person.is_active:
        return None
    if invitation.answered_on is not None or not invitation.wave.is_open():
        return None
    wave = invitation.wave
    return {
        "invitation": invitation,
        "person": invitation.person,
        "survey": wave.survey,
        "wave": wave,
        "answer_url": answer_url(invitation_id=invitation.pk),
    }


register(
    NotificationKind(
        key=SURVEY_INVITATION,
        label=_("Pulse survey invitation"),
        template=SURVEY_INVITATION,
        context=invitation_context,
        pace=Pace.REMINDER,  # weeks to answer, nobody waits for it: may wait for the digest
    )
)
