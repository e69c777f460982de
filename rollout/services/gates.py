"""Gate exceptions: leaving a phase with unmet criteria needs the sponsor's approval. The
manager asks, the sponsor (or another member of leadership) approves or declines in the
browser, or the sponsor does so from the emailed link without signing in."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import require_manager
from core.signing import LinkPurpose, link_payload, link_token
from rollout.models import (
    OPEN_ACTIVITY_STATUSES,
    GateDecision,
    GateException,
    GateExceptionState,
    OpenActivities,
    Person,
    Phase,
    PhaseStatus,
    User,
)
from rollout.selectors.plan import phase_criteria_states

GATE_EXCEPTION_LINK_DAYS = 30
GATE_EXCEPTION_LINK = LinkPurpose(
    salt="rollout.gate-exception", max_age=datetime.timedelta(days=GATE_EXCEPTION_LINK_DAYS)
)


class GateExceptionClosed(Exception):
    """The exception was decided already (or is no longer needed): nothing happens twice."""


def sponsor_of(phase: Phase) -> Person | None:
    """The rollout's sponsor when they can be asked (active, with an email address)."""
    sponsor = phase.rollout.sponsor
    if sponsor is None or not sponsor.is_active or not sponsor.email:
        return None
    return sponsor


def gate_exception_request(
    *, phase: Phase, reason: str, by: User, open_activities: str = ""
) -> GateException:
    """Ask the sponsor to approve leaving `phase` with unmet criteria; they get an email with
    a signed link. The manager's choice for the open activities is kept and applied when the
    sponsor approves. A second request while one is pending returns the pending one."""
    from notifications.services import notification_queue
    from rollout.notices import GATE_EXCEPTION_REQUESTED
    from rollout.services.plan import check_open_activities

    require_manager(by, action=True)
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            _("Please give a reason for advancing despite unmet criteria."),
            code="reason_required",
        )
    sponsor = sponsor_of(phase)
    if sponsor is None:
        raise ValidationError(_("The rollout has no sponsor to ask."), code="no_sponsor")
    with transaction.atomic():
        locked = Phase.objects.select_for_update().get(pk=phase.pk)
        if locked.status != PhaseStatus.ACTIVE:
            raise ValidationError(
                _("This phase is not active (any more); it may have been advanced already."),
                code="not_active",
            )
        pending = GateException.objects.filter(
            phase=locked, state=GateExceptionState.PENDING
        ).first()
        if pending is not None:
            return pending
        check_open_activities(
            open_activities,
            count=locked.activities.filter(status__in=OPEN_ACTIVITY_STATUSES).count(),
            has_next=Phase.objects.filter(
                rollout_id=locked.rollout_id, order=locked.order + 1
            ).exists(),
        )
        exception = GateException.objects.create(
            phase=locked,
            reason=reason,
            requested_by=by,
            sponsor=sponsor,
            open_activities=open_activities,
        )
        notification_queue(
            kind=GATE_EXCEPTION_REQUESTED,
            to=Person.objects.select_related("user").get(pk=sponsor.pk),
            dedup_key=f"gate_exception:{exception.pk}",
            about=exception,
        )
    return exception


def pending_exception(*, phase: Phase) -> GateException | None:
    return GateException.objects.filter(phase=phase, state=GateExceptionState.PENDING).first()


def gate_exceptions_void(*, phase: Phase) -> int:
    """The phase was left without the sponsor (its criteria got met): nothing waits for them."""
    return GateException.objects.filter(phase=phase, state=GateExceptionState.PENDING).update(
        state=GateExceptionState.VOID
    )


def gate_exception_link_path(*, exception: GateException) -> str:
    """The signed path of the sponsor's link (valid GATE_EXCEPTION_LINK_DAYS)."""
    token = link_token(GATE_EXCEPTION_LINK, {"e": exception.pk, "p": exception.sponsor_id})
    return reverse("rollout:gate_exception_link", args=[token])


def gate_exception_from_link(*, token: str) -> GateException | None:
    """The exception of a valid link whose sponsor is still the one asked, else None."""
    data = link_payload(GATE_EXCEPTION_LINK, token)
    if not isinstance(data, dict):
        return None
    exception = (
        GateException.objects.select_related(
            "phase__rollout", "sponsor", "requested_by", "decided_by"
        )
        .filter(pk=data.get("e"), sponsor_id=data.get("p"))
        .first()
    )
    if exception is None or exception.sponsor is None or not exception.sponsor.is_active:
        return None
    return exception


def may_decide(*, user: User, exception: GateException) -> bool:
    """In the browser: the sponsor, or any member of leadership."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_leadership or (
        exception.sponsor is not None and exception.sponsor.user_id == user.pk
    )


def gate_exception_decide(
    *,
    exception: GateException,
    approve: bool,
    person: Person | None,
    from_link: bool = False,
) -> GateException:
    """Record the sponsor's answer; an approval advances the phase (with the manager's
    reason, as an override) and ties the gate decision to this exception. A second answer,
    or an answer after the phase moved on, raises GateExceptionClosed."""
    from rollout.services.plan import phase_advance

    with transaction.atomic():
        locked = GateException.objects.select_for_update().get(pk=exception.pk)
        if locked.state != GateExceptionState.PENDING:
            raise GateExceptionClosed(locked.state)
        phase = Phase.objects.select_related("rollout").get(pk=locked.phase_id)
        decision: GateDecision | None = None
        if phase.status != PhaseStatus.ACTIVE:
            locked.state = GateExceptionState.VOID  # recorded, then refused below
        else:
            if approve:
                all_met = all(state.is_met for state in phase_criteria_states(phase=phase))
                decision = phase_advance(
                    phase=phase,
                    by=locked.requested_by,
                    override=not all_met,
                    reason=locked.reason,
                    # The manager's choice; activities opened since then stay where they are.
                    open_activities=locked.open_activities or OpenActivities.LEAVE,
                )
            locked.state = GateExceptionState.APPROVED if approve else GateExceptionState.DECLINED
            locked.decided_by = person
            locked.decided_at = timezone.now()
            locked.decided_from_link = from_link
            locked.decision = decision
        locked.save(
            update_fields=["state", "decided_by", "decided_at", "decided_from_link", "decision"]
        )
    if locked.state == GateExceptionState.VOID:
        raise GateExceptionClosed(locked.state)
    return locked
