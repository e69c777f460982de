"""Writes of the rollout plan: activities on the phase board, gate criteria, advancing a phase
through its gate, and company templates. Keyword-only, validated, atomic."""

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rollout.lewin import TemplateActivity
from rollout.models import (
    OPEN_ACTIVITY_STATUSES,
    PHASE_ORDER,
    Activity,
    ActivityKind,
    ActivityStatus,
    CriterionKind,
    Department,
    GateCriterion,
    GateDecision,
    OpenActivities,
    Person,
    Phase,
    PhaseKind,
    PhaseStatus,
    Rollout,
    RolloutTemplate,
    User,
)
from rollout.selectors.plan import (
    open_activity_choices,
    phase_criteria_states,
    phase_dates_after_advance,
)
from rollout.services.core import activity_create

# Two identical activities created this close together are one double-submitted form.
DOUBLE_SUBMIT_WINDOW = datetime.timedelta(seconds=10)


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"


# --- Activities ---------------------------------------------------------------------------


def _lock_phase(phase: Phase) -> Phase:
    """Serialise writes that depend on a phase's order of activities (call inside atomic)."""
    return Phase.objects.select_for_update().get(pk=phase.pk)


def activity_add(
    *,
    phase: Phase,
    title: str,
    kind: str,
    by: User | None,
    description: str = "",
    owner: Person | None = None,
    due_date: datetime.date | None = None,
    departments: Iterable[Department] = (),
) -> Activity:
    """Add an activity at the end of a phase. A double-submitted form (the same title, kind and
    due date in the same phase within a few seconds) returns the first activity instead of
    writing a second one."""
    with transaction.atomic():
        _lock_phase(phase)
        recent = (
            phase.activities.filter(
                title=title.strip(),
                kind=kind,
                due_date=due_date,
                created_at__gte=timezone.now() - DOUBLE_SUBMIT_WINDOW,
            )
            .order_by("-pk")
            .first()
        )
        if recent is not None:
            return recent
        return activity_create(
            phase=phase,
            title=title.strip(),
            kind=kind,
            by=by,
            description=description,
            owner=owner,
            due_date=due_date,
            departments=departments,
        )


def activity_update(
    *,
    activity: Activity,
    title: str,
    kind: str,
    by: User | None,
    description: str = "",
    owner: Person | None = None,
    due_date: datetime.date | None = None,
    departments: Iterable[Department] = (),
) -> Activity:
    """Change what an activity is about, who owns it, for whom and by when."""
    activity.title = title.strip()
    activity.kind = kind
    activity.description = description
    activity.owner = owner
    activity.due_date = due_date
    activity.full_clean()
    with transaction.atomic():
        activity.save(
            update_fields=["title", "kind", "description", "owner", "due_date", "updated_at"]
        )
        activity.departments.set(list(departments))  # writes only what changed
    return activity


def activity_set_owner(*, activity: Activity, owner: Person | None, by: User | None) -> Activity:
    """Hand an activity to someone else (or to nobody)."""
    if activity.owner_id == (owner.pk if owner else None):
        return activity
    activity.owner = owner
    activity.full_clean()
    activity.save(update_fields=["owner", "updated_at"])
    return activity


def activity_move(
    *, activity: Activity, direction: Direction, by: User | None, expected_position: int
) -> Activity | None:
    """Swap an activity with its neighbour above or below; returns the neighbour, or None when
    nothing moved (already first or last, or the page was stale: `expected_position` is the
    position the user saw, so a double submit moves only once)."""
    with transaction.atomic():
        phase = _lock_phase(activity.phase)
        current = Activity.objects.get(pk=activity.pk)
        if current.position != expected_position:
            return None
        neighbour = _neighbour(phase, current, before=direction == Direction.UP)
        if neighbour is None:
            return None
        if neighbour.position == current.position:
            # Equal positions (e.g. written by an old version) cannot be swapped: number the
            # phase's activities 0, 1, 2, ... once, then swap.
            _renumber(phase)
            current.refresh_from_db(fields=["position"])
            neighbour.refresh_from_db(fields=["position"])
        current.position, neighbour.position = neighbour.position, current.position
        current.save(update_fields=["position", "updated_at"])
        neighbour.save(update_fields=["position", "updated_at"])
    activity.position = current.position
    return neighbour


def _neighbour(phase: Phase, current: Activity, *, before: bool) -> Activity | None:
    """The activity just above (before) or below `current` in the phase's order."""
    siblings = phase.activities.all()
    if before:
        return (
            siblings.filter(
                Q(position__lt=current.position) | Q(position=current.position, pk__lt=current.pk)
            )
            .order_by("-position", "-pk")
            .first()
        )
    return (
        siblings.filter(
            Q(position__gt=current.position) | Q(position=current.position, pk__gt=current.pk)
        )
        .order_by("position", "pk")
        .first()
    )


def _renumber(phase: Phase) -> None:
    activities = list(phase.activities.order_by("position", "pk").only("pk", "position"))
    changed = []
    for index, item in enumerate(activities):
        if item.position != index:
            item.position = index
            changed.append(item)
    Activity.objects.bulk_update(changed, ["position"])


def activity_remove(*, activity: Activity, by: User | None) -> None:
    """Delete an activity (its history stays in the audit log)."""
    with transaction.atomic():
        Activity.objects.filter(pk=activity.pk).delete()


# --- Gate criteria ------------------------------------------------------------------------


def _ensure_gate_open(phase: Phase) -> None:
    if phase.status == PhaseStatus.COMPLETED:
        raise ValidationError(
            _("This phase is completed; its gate criteria can no longer be changed."),
            code="gate_closed",
        )


def gate_criterion_add(
    *,
    phase: Phase,
    kind: str,
    by: User | None,
    threshold: int | None = None,
    label: str = "",
    dimension: str = "",
    min_score: Decimal | None = None,
) -> GateCriterion:
    """Add a criterion to a phase's gate: a computed one with a threshold (%), or a manual
    checkbox with a label; a survey score names its dimension and lowest mean score (the
    threshold is then the share of departments, 100 % unless given). The same criterion
    twice (a double submit) is refused."""
    label = label.strip()
    if kind == CriterionKind.MANUAL:
        threshold = None
    if kind == CriterionKind.SURVEY_SCORE:
        threshold = 100 if threshold is None else threshold
    else:
        dimension, min_score = "", None
    with transaction.atomic():
        phase = _lock_phase(phase)
        _ensure_gate_open(phase)
        duplicate = phase.criteria.filter(
            kind=kind, threshold=threshold, label=label, dimension=dimension, min_score=min_score
        )
        if duplicate.exists():
            raise ValidationError(
                _("This phase already has this criterion."), code="duplicate_criterion"
            )
        last = phase.criteria.order_by("-position").values_list("position", flat=True).first()
        criterion = GateCriterion(
            phase=phase,
            kind=kind,
            threshold=threshold,
            label=label,
            dimension=dimension,
            min_score=min_score,
            position=(last + 1) if last is not None else 0,
        )
        criterion.full_clean()
        criterion.save()
    return criterion


def gate_criterion_set_checked(
    *, criterion: GateCriterion, checked: bool, by: User | None
) -> GateCriterion:
    """Tick or untick a manual criterion. The wanted state is given, not flipped, so a double
    submit changes nothing more."""
    if criterion.kind != CriterionKind.MANUAL:
        raise ValidationError(_("Only manual criteria are checked by hand."), code="not_manual")
    _ensure_gate_open(criterion.phase)
    if criterion.is_checked != checked:
        criterion.is_checked = checked
        criterion.save(update_fields=["is_checked"])
    return criterion


def gate_criterion_remove(*, criterion: GateCriterion, by: User | None) -> None:
    _ensure_gate_open(criterion.phase)
    GateCriterion.objects.filter(pk=criterion.pk).delete()


# --- Advancing through a gate ---------------------------------------------------------------


def check_open_activities(choice: str, *, count: int, has_next: bool) -> None:
    """A phase with open activities is left only with a choice for them."""
    if count and not choice:
        raise ValidationError(
            _(
                "The phase has open activities: choose whether they move to the next phase, "
                "are cancelled or stay where they are."
            ),
            code="open_activities_required",
        )
    if choice and choice not in dict(open_activity_choices(has_next=has_next)):
        raise ValidationError(
            _("Please choose what happens to the open activities."),
            code="open_activities_required",
        )


def _handle_open_activities(*, current: Phase, following: Phase | None, choice: str) -> int:
    """Move, cancel or leave the phase's open activities (one save each, for their history);
    returns how many there were."""
    open_activities = list(
        Activity.objects.filter(phase=current, status__in=OPEN_ACTIVITY_STATUSES).order_by(
            "position", "pk"
        )
    )
    if choice == OpenActivities.MOVE and following is not None:
        last = (
            Activity.objects.filter(phase=following)
            .order_by("-position")
            .values_list("position", flat=True)
            .first()
        )
        start = (last + 1) if last is not None else 0
        for offset, activity in enumerate(open_activities):
            activity.phase = following
            activity.position = start + offset
            activity.save(update_fields=["phase", "position", "updated_at"])
        if open_activities:
            _renumber(current)
    elif choice == OpenActivities.CANCEL:
        for activity in open_activities:
            activity.status = ActivityStatus.CANCELLED
            activity.save(update_fields=["status", "updated_at"])
    return len(open_activities)


def phase_advance(
    *,
    phase: Phase,
    by: User,
    override: bool = False,
    reason: str = "",
    open_activities: str = "",
    today: datetime.date | None = None,
) -> GateDecision:
    """Leave the active phase: record who decided, when, and a frozen snapshot of every
    criterion; complete the phase and activate the next one (after the last phase, the
    rollout is complete). With unmet criteria this needs `override` and a reason.

    Its open activities (planned, in progress) move to the next phase, are cancelled or
    stay, as `open_activities` says (required when there are any); the choice and their
    number are recorded with the decision. Left early, the phase ends today, the next one
    starts today and the later ones move as much earlier, keeping their planned length.

    The rollout's phases are locked, and the phase must still be active: a double submit or
    a stale page never advances twice (nothing is moved or shifted twice)."""
    reason = reason.strip()
    today = today or timezone.localdate()
    with transaction.atomic():
        phases = list(
            Phase.objects.select_for_update().filter(rollout_id=phase.rollout_id).order_by("order")
        )
        current = next((p for p in phases if p.pk == phase.pk), None)
        if current is None or current.status != PhaseStatus.ACTIVE:
            raise ValidationError(
                _("This phase is not active (any more); it may have been advanced already."),
                code="not_active",
            )
        following = next((p for p in phases if p.order == current.order + 1), None)
        open_count = Activity.objects.filter(
            phase=current, status__in=OPEN_ACTIVITY_STATUSES
        ).count()
        states = phase_criteria_states(phase=current)
        all_met = all(state.is_met for state in states)
        if not all_met and not override:
            raise ValidationError(
                _(
                    "Not all criteria are met. To advance anyway, tick “Advance despite unmet "
                    "criteria” and give a reason."
                ),
                code="override_required",
            )
        if not all_met and not reason:
            raise ValidationError(
                _("Please give a reason for advancing despite unmet criteria."),
                code="reason_required",
            )
        check_open_activities(open_activities, count=open_count, has_next=following is not None)
        decision = GateDecision(
            phase=current,
            decided_by=by,
            decided_at=timezone.now(),
            snapshot=[
                {
                    "label": str(state.criterion),
                    "kind": state.criterion.kind,
                    "value": state.value,
                    "threshold": state.criterion.threshold,
                    "met": state.is_met,
                }
                for state in states
            ],
            all_met=all_met,
            override_reason="" if all_met else reason,
            open_activities=open_activities if open_count else "",
            open_activities_count=open_count,
        )
        # A gate without criteria is passed with an empty snapshot (an empty list is "blank").
        decision.full_clean(exclude=["snapshot"])
        try:
            with transaction.atomic():
                decision.save()
        except IntegrityError as error:  # the phase already has a decision
            raise ValidationError(
                _("This phase is not active (any more); it may have been advanced already."),
                code="not_active",
            ) from error
        if open_count:
            _handle_open_activities(current=current, following=following, choice=open_activities)
        new_dates = {
            change.phase.pk: change
            for change in phase_dates_after_advance(phases=phases, current=current, today=today)
        }
        for changed in phases:
            change = new_dates.get(changed.pk)
            if change is not None:
                changed.start_date, changed.end_date = change.start_date, change.end_date
                changed.save(update_fields=["start_date", "end_date"])
        current.status = PhaseStatus.COMPLETED
        current.save(update_fields=["status"])
        if following is not None and following.status == PhaseStatus.PLANNED:
            following.status = PhaseStatus.ACTIVE
            following.save(update_fields=["status"])
    return decision


# --- Company templates ----------------------------------------------------------------------


def rollout_template_save(*, rollout: Rollout, name: str, by: User | None) -> RolloutTemplate:
    """Save a rollout's activities (not the cancelled ones) as a company template, phase by
    phase in the board's order. Names are unique, so a double submit saves once."""
    activities = (
        Activity.objects.filter(phase__rollout=rollout)
        .exclude(status=ActivityStatus.CANCELLED)
        .select_related("phase")
        .order_by("phase__order", "position", "pk")
    )
    template = RolloutTemplate(
        name=name.strip(),
        created_by=by,
        items=[
            {
                "phase": activity.phase.kind,
                "title": activity.title,
                "description": activity.description,
                "kind": activity.kind,
            }
            for activity in activities
        ],
    )
    template.full_clean()
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError as error:
        raise ValidationError(
            {"name": _("A template with this name already exists.")}, code="unique"
        ) from error
    return template


def rollout_template_plan(
    template: RolloutTemplate,
) -> tuple[tuple[PhaseKind, tuple[TemplateActivity, ...]], ...]:
    """A saved template in the shape `rollout_create(template=...)` takes. Items with an
    unknown phase or an empty title are skipped; an unknown kind becomes a meeting."""
    by_phase: dict[PhaseKind, list[TemplateActivity]] = {kind: [] for kind in PhaseKind}
    items = template.items if isinstance(template.items, list) else []
    for item in items:
        if not isinstance(item, dict):
            continue
        phase = item.get("phase")
        title = str(item.get("title") or "").strip()[:200]
        if phase not in PhaseKind.values or not title:
            continue
        kind = item.get("kind")
        by_phase[PhaseKind(phase)].append(
            TemplateActivity(
                title=title,
                kind=ActivityKind(kind) if kind in ActivityKind.values else ActivityKind.MEETING,
                description=str(item.get("description") or ""),
            )
        )
    return tuple(
        (kind, tuple(by_phase[kind])) for kind in sorted(by_phase, key=PHASE_ORDER.__getitem__)
    )


__all__: Sequence[str] = [
    "DOUBLE_SUBMIT_WINDOW",
    "Direction",
    "activity_add",
    "activity_move",
    "activity_remove",
    "activity_set_owner",
    "activity_update",
    "gate_criterion_add",
    "gate_criterion_remove",
    "gate_criterion_set_checked",
    "phase_advance",
    "rollout_template_plan",
    "rollout_template_save",
]
