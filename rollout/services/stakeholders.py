"""Writes of the stakeholder map: editing a stakeholder and thanking champions.

Adding a stakeholder and changing an attitude are core services (`stakeholder_add`,
`stakeholder_set_attitude` in rollout.services.core).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rollout.models import Attitude, ChampionThanks, Stakeholder, User

# The same thank-you from the same person within this window is a double submit, not a second
# thank-you.
THANKS_DEDUPE_WINDOW = datetime.timedelta(minutes=1)


def stakeholder_update(
    *, stakeholder: Stakeholder, role: str, influence: int, concerns: str, by: User | None
) -> Stakeholder:
    """Change role, influence and concerns; nothing is written when nothing changed."""
    changes = {"role": role, "influence": influence, "concerns": concerns.strip()}
    with transaction.atomic():
        locked = Stakeholder.objects.select_for_update().get(pk=stakeholder.pk)
        changed = [name for name, value in changes.items() if getattr(locked, name) != value]
        if not changed:
            return locked
        for name in changed:
            setattr(locked, name, changes[name])
        locked.full_clean()
        locked.save(update_fields=[*changed, "updated_at"])
    for name in changed:
        setattr(stakeholder, name, changes[name])
    return locked


def champion_thank(
    *, stakeholder: Stakeholder, message: str, by: User | None
) -> tuple[ChampionThanks, bool]:
    """Record a visible thank-you to a champion. Returns (thanks, created): the same message
    from the same person within a minute is a double submit and returns the first record."""
    message = message.strip()
    now = timezone.now()
    with transaction.atomic():
        locked = Stakeholder.objects.select_for_update().get(pk=stakeholder.pk)
        if locked.attitude != Attitude.CHAMPION:
            raise ValidationError(
                _("Only champions can be thanked here; mark the person as a champion first.")
            )
        previous = (
            ChampionThanks.objects.filter(
                stakeholder=locked,
                given_by=by,
                message=message,
                given_at__gte=now - THANKS_DEDUPE_WINDOW,
            )
            .order_by("-given_at", "-pk")
            .first()
        )
        if previous is not None:
            return previous, False
        thanks = ChampionThanks(stakeholder=locked, message=message, given_by=by, given_at=now)
        thanks.full_clean(exclude=["given_by"] if by is None else None)
        thanks.save()
        _deliver_thanks(thanks, locked)
    return thanks, True


def _deliver_thanks(thanks: ChampionThanks, stakeholder: Stakeholder) -> None:
    """The champion hears it: an email through the outbox, and a post in their department's
    Teams/Slack channel when one is switched on (notifications/webhooks.py)."""
    from notifications.services import notification_queue
    from notifications.webhooks import department_post_queue
    from rollout.models import Person
    from rollout.notices import CHAMPION_THANKS, CHAMPION_THANKS_POST

    person = Person.objects.select_related("user").get(pk=stakeholder.person_id)
    if not person.is_active:
        return
    notification_queue(
        kind=CHAMPION_THANKS,
        to=person,
        dedup_key=f"{CHAMPION_THANKS}:{thanks.pk}",
        about=thanks,
    )
    if person.department_id is not None:
        department_post_queue(
            kind=CHAMPION_THANKS_POST,
            department_id=person.department_id,
            dedup_key=f"webhook:{CHAMPION_THANKS}:{thanks.pk}",
            context={"thanks_id": thanks.pk},
        )
