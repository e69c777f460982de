"""The rollout plan: the phase board with inline work on activities, the phase gates with
their log, and company templates.

The manager edits; leadership reads the board and the gates; everyone else gets 404. Every
htmx endpoint is a real form or link that also works as a full page without JavaScript.
htmx does not swap 4xx responses (its default), so an invalid inline form comes back to htmx
with status 200 and its errors; without htmx the same form answers 400.
"""

import copy
import functools
from collections.abc import Callable, Iterable
from urllib.parse import parse_qs, urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, path, resolve, reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import manager_required, require_manager, require_manager_or_leadership
from core.exports import export_response
from core.htmx import is_fragment_request, render_fragment_or_page, vary_on_htmx
from core.http import private_no_store
from rollout import services
from rollout.forms import ActivityStatusForm
from rollout.forms.plan import (
    ActivityCreateForm,
    ActivityEditForm,
    ActivityMoveForm,
    ActivityOwnerForm,
    BoardFilterForm,
    CriterionCheckForm,
    CriterionForm,
    GateAdvanceForm,
    TemplateSaveForm,
)
from rollout.models import (
    OPEN_ACTIVITY_STATUSES,
    Activity,
    ActivityKind,
    ActivityStatus,
    GateCriterion,
    Phase,
    PhaseStatus,
    Rollout,
)
from rollout.selectors import plan as plan_selectors
from rollout.selectors.core import rollout_visible_cached
from rollout.services import gates as gate_services
from rollout.services import plan as plan_services

BOARD = "rollout/plan/board.html"
GATE = "rollout/plan/gate.html"
ACTIVITY_PAGE = "rollout/plan/activity.html"

# --- Access helpers: check permission and load with the right joins; deny with 404 -------


def _rollout_for_viewer(request: HttpRequest, pk: int) -> Rollout:
    """The manager and leadership see every rollout's plan; nobody else sees any."""
    rollout = rollout_visible_cached(user=request.user, pk=pk, request=request)
    if rollout is None:
        raise Http404
    return rollout


def _rollout_for_manager(request: HttpRequest, pk: int) -> Rollout:
    require_manager(request.user)
    return get_object_or_404(Rollout, pk=pk)


def _phase_for_viewer(request: HttpRequest, pk: int) -> Phase:
    require_manager_or_leadership(request.user)
    return get_object_or_404(Phase.objects.select_related("rollout"), pk=pk)


def _phase_for_manager(request: HttpRequest, pk: int) -> Phase:
    require_manager(request.user)
    return get_object_or_404(Phase.objects.select_related("rollout"), pk=pk)


def _activity_for_manager(request: HttpRequest, pk: int) -> Activity:
    require_manager(request.user)
    return get_object_or_404(Activity.objects.select_related("phase__rollout", "owner"), pk=pk)


def _criterion_for_manager(request: HttpRequest, pk: int) -> GateCriterion:
    require_manager(request.user)
    return get_object_or_404(GateCriterion.objects.select_related("phase__rollout"), pk=pk)


# --- Helpers ------------------------------------------------------------------------------


def _plan_url(rollout_id: int) -> str:
    return reverse("rollout:plan", args=[rollout_id])


def _board_url(candidate: str | None, rollout_id: int | None) -> str | None:
    """`candidate` if it is a local URL of a rollout's board (that of `rollout_id` if given),
    so that a form's `next` cannot send anyone elsewhere."""
    if not candidate or not candidate.startswith("/") or candidate.startswith("//"):
        return None
    if "\\" in candidate or any(ord(char) < 32 for char in candidate):
        return None
    try:
        match = resolve(urlsplit(candidate).path)
    except Resolver404:
        return None
    if match.view_name != "rollout:plan":
        return None
    if rollout_id is not None and match.kwargs.get("pk") != rollout_id:
        return None
    return candidate


def _return_to(request: HttpRequest, rollout_id: int) -> str:
    """Where the board is: the page htmx was called from, or the `next` field of a full-page
    form, as long as it is this rollout's board (so filters survive); else the plain board."""
    candidates = [request.POST.get("next"), request.GET.get("next")]
    if request.htmx:
        candidates.insert(0, request.htmx.current_url_abs_path)
    for candidate in candidates:
        if url := _board_url(candidate, rollout_id):
            return url
    return _plan_url(rollout_id)


def _to_row(request: HttpRequest, activity: Activity) -> HttpResponse:
    return redirect(f"{_return_to(request, activity.phase.rollout_id)}#activity-{activity.pk}")


@functools.cache
def _link_patterns() -> dict[str, str]:
    """The URLs of a row's actions as patterns, reversed once: a board of many rows then
    formats strings instead of reversing five URLs per row."""
    names = {
        "status": "plan_activity_status",
        "edit": "plan_activity_edit",
        "owner": "plan_activity_owner",
        "move": "plan_activity_move",
        "remove": "plan_activity_remove",
    }
    marker = "2147483647"
    return {
        key: reverse(f"rollout:{name}", args=[int(marker)]).replace(marker, "{}")
        for key, name in names.items()
    }


def _decorate(activities: Iterable[Activity]) -> None:
    """What a board row shows, computed once per row in Python: links and labels."""
    patterns = _link_patterns()
    kinds = {value: str(label) for value, label in ActivityKind.choices}
    statuses = {value: str(label) for value, label in ActivityStatus.choices}
    for activity in activities:
        # Ids as strings: the template would localise each integer it prints (every row
        # prints its id a dozen times).
        activity.key = str(activity.pk)
        activity.position_key = str(activity.position)
        activity.links = {key: pattern.format(activity.key) for key, pattern in patterns.items()}
        activity.kind_label = kinds.get(activity.kind, activity.kind)
        activity.status_label = statuses.get(activity.status, activity.status)


def _limit(value: str | None) -> int:
    try:
        return max(1, min(int(value or plan_selectors.BOARD_LIMIT), plan_selectors.BOARD_MAX_LIMIT))
    except ValueError:
        return plan_selectors.BOARD_LIMIT


def _row_context(request: HttpRequest, activity: Activity, **extra: object) -> dict:
    _decorate([activity, *extra.get("rows", [])])
    return {
        "activity": activity,
        "rollout": activity.phase.rollout,
        "can_edit": True,
        "return_to": _return_to(request, activity.phase.rollout_id),
        "filters_active": _filters_active(request),
        "today": timezone.localdate(),
        **extra,
    }


def _row_update(request: HttpRequest, activity: Activity) -> HttpResponse:
    """The re-rendered row and, out of band, its phase's counters."""
    row = plan_selectors.plan_activity_row(pk=activity.pk)
    if row is None:  # removed meanwhile
        return HttpResponse("")
    row.phase.rollout = activity.phase.rollout
    panel = plan_selectors.phase_panel(phase=row.phase)
    context = _row_context(request, row, panel=panel)
    return render(request, f"{BOARD}#row-update", context)


def _filters_active(request: HttpRequest) -> bool:
    """Whether the board an htmx request came from is filtered (it then offers no moving)."""
    current = request.htmx.current_url if request.htmx else None
    if not current:
        return False
    query = parse_qs(urlsplit(current).query)
    names = ("department", "owner", "unowned", "status", "kind")
    return any(query.get(name, [""])[0].strip() for name in names)


# --- The phase board ----------------------------------------------------------------------


def _board(
    request: HttpRequest,
    rollout: Rollout,
    *,
    status: int = 200,
    create_forms: dict[int, ActivityCreateForm] | None = None,
    template_form: TemplateSaveForm | None = None,
) -> HttpResponse:
    can_edit = request.user.is_manager

    @functools.cache
    def page() -> dict[str, object]:
        """The board's data: read only when the cached board is missing or outdated."""
        filter_form = BoardFilterForm(request.GET, departments=plan_selectors.department_choices())
        filter_form.is_valid()
        board = plan_selectors.plan_board(
            rollout=rollout, filters=filter_form.filters(), limit=_limit(request.GET.get("limit"))
        )
        _decorate(activity for panel in board.phases for activity in panel.activities)
        if can_edit:
            for panel in board.phases:
                form = (create_forms or {}).get(panel.phase.pk)
                panel.create_form = form or ActivityCreateForm(phase_pk=panel.phase.pk)
        more = request.GET.copy()
        more["limit"] = str(board.next_limit)
        return {
            "board": board,
            "filter_form": filter_form,
            "filters_active": board.filters.active,
            "more_url": f"{_plan_url(rollout.pk)}?{more.urlencode()}",
        }

    context = {
        "rollout": rollout,
        **{name: SimpleLazyObject(functools.partial(_item, page, name)) for name in _BOARD_DATA},
        "can_edit": can_edit,
        "return_to": request.get_full_path() if request.method == "GET" else _plan_url(rollout.pk),
        "template_form": template_form or TemplateSaveForm(),
        "default_limit": plan_selectors.BOARD_LIMIT,
        "today": timezone.localdate(),
        # The board is cached ({% pagecache %}, fresh after any change), except with errors.
        "pagecache_off": status != 200 or bool(create_forms) or template_form is not None,
    }
    # A POST that fails (with its errors) always answers the whole page.
    fragment = "board" if request.method == "GET" else None
    return render_fragment_or_page(request, BOARD, fragment, context, status=status)


_BOARD_DATA = ("board", "filter_form", "filters_active", "more_url")


def _item(page: Callable[[], dict[str, object]], name: str) -> object:
    return page()[name]


@require_GET
@login_required
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The phase board: filters as a GET form; with htmx only the board is swapped."""
    return _board(request, _rollout_for_viewer(request, pk))


@require_POST
@login_required
def activity_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The small form per phase: adds the activity at the end of the phase."""
    phase = _phase_for_manager(request, pk)
    form = ActivityCreateForm(request.POST, phase_pk=phase.pk)
    if form.is_valid():
        activity = plan_services.activity_add(phase=phase, by=request.user, **form.cleaned_data)
        if not request.htmx:
            messages.success(request, _("“%(title)s” has been added.") % {"title": activity.title})
            return _to_row(request, activity)
        row = plan_selectors.plan_activity_row(pk=activity.pk)
        row.phase = phase
        context = _row_context(
            request,
            row,
            panel=plan_selectors.phase_panel(phase=phase),
            form=_fresh_create_form(phase),
            phase=phase,
            added=True,
        )
        return render(request, f"{BOARD}#create-update", context)
    if request.htmx:
        context = {
            "form": form,
            "phase": phase,
            "rollout": phase.rollout,
            "return_to": _return_to(request, phase.rollout_id),
        }
        return render(request, f"{BOARD}#create-form", context)
    return _board(request, phase.rollout, status=400, create_forms={phase.pk: form})


def _fresh_create_form(phase: Phase) -> ActivityCreateForm:
    """An empty create form with the cursor in it, ready for the next activity."""
    form = ActivityCreateForm(phase_pk=phase.pk)
    form.fields["title"].widget.attrs["autofocus"] = True
    return form


@require_GET
@login_required
@vary_on_htmx
def activity_row(request: HttpRequest, pk: int) -> HttpResponse:
    """One board row (for "cancel" in an inline form); without htmx, the board at that row."""
    activity = _activity_for_manager(request, pk)
    if not request.htmx:
        return _to_row(request, activity)
    row = plan_selectors.plan_activity_row(pk=activity.pk)
    row.phase.rollout = activity.phase.rollout
    context = _row_context(request, row)
    return render(request, f"{BOARD}#activity-row", context)


def _activity_form(
    request: HttpRequest,
    activity: Activity,
    mode: str,
    form: forms.BaseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """An activity's inline form (edit, owner, remove): a row for htmx, a page without. The
    cursor goes to the form's first field, so that keyboard users can go on typing."""
    if form is not None and form.fields:
        first = next(iter(form.fields.values()))
        first.widget.attrs["autofocus"] = True
    inline = is_fragment_request(request)
    context = _row_context(request, activity, form=form, mode=mode, inline=inline)
    return render_fragment_or_page(
        request,
        BOARD,
        "activity-form-row",
        context,
        status=status,
        page=ACTIVITY_PAGE,
        fragment_status=200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity_for_manager(request, pk)
    rollout = activity.phase.rollout
    # The form gets a copy: a ModelForm writes its input onto its instance while validating.
    data = request.POST if request.method == "POST" else None
    form = ActivityEditForm(data, instance=copy.copy(activity), rollout=rollout)
    if request.method == "POST":
        if form.is_valid():
            plan_services.activity_update(activity=activity, by=request.user, **form.cleaned_data)
            if not request.htmx:
                messages.success(
                    request, _("“%(title)s” has been saved.") % {"title": activity.title}
                )
                return _to_row(request, activity)
            return _row_update(request, activity)
        return _activity_form(request, activity, "edit", form, status=400)
    return _activity_form(request, activity, "edit", form)


@require_http_methods(["GET", "POST"])
@login_required
def activity_owner(request: HttpRequest, pk: int) -> HttpResponse:
    """Reassign an activity to someone from the short list of possible owners."""
    activity = _activity_for_manager(request, pk)
    data = request.POST if request.method == "POST" else None
    form = ActivityOwnerForm(data, instance=copy.copy(activity), rollout=activity.phase.rollout)
    if request.method == "POST":
        if form.is_valid():
            plan_services.activity_set_owner(
                activity=activity, owner=form.cleaned_data["owner"], by=request.user
            )
            if not request.htmx:
                messages.success(
                    request, _("“%(title)s” has a new owner.") % {"title": activity.title}
                )
                return _to_row(request, activity)
            return _row_update(request, activity)
        return _activity_form(request, activity, "owner", form, status=400)
    return _activity_form(request, activity, "owner", form)


@require_POST
@login_required
def activity_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Complete or reopen an activity; htmx gets the row and, out of band, the counters."""
    activity = _activity_for_manager(request, pk)
    form = ActivityStatusForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return _row_update(request, activity)
        messages.error(request, _("Unknown status."))
        return _to_row(request, activity)
    services.activity_set_status(
        activity=activity, status=form.cleaned_data["status"], by=request.user
    )
    if request.htmx:
        return _row_update(request, activity)
    messages.success(request, _("“%(title)s” has been updated.") % {"title": activity.title})
    return _to_row(request, activity)


@require_POST
@login_required
def activity_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move an activity one place up or down in its phase; htmx gets both rows in their new
    order (and the neighbour's old row is removed out of band)."""
    activity = _activity_for_manager(request, pk)
    form = ActivityMoveForm(request.POST)
    neighbour = None
    if form.is_valid():
        neighbour = plan_services.activity_move(
            activity=activity,
            direction=plan_services.Direction(form.cleaned_data["direction"]),
            expected_position=form.cleaned_data["position"],
            by=request.user,
        )
    if not request.htmx:
        if neighbour is None:
            messages.info(request, _("Nothing was moved; the plan may have changed meanwhile."))
        return _to_row(request, activity)
    if neighbour is None:
        return _row_update(request, activity)
    moved = plan_selectors.plan_activity_row(pk=activity.pk)
    other = plan_selectors.plan_activity_row(pk=neighbour.pk)
    for row in (moved, other):
        row.phase.rollout = activity.phase.rollout
    rows = [moved, other] if form.cleaned_data["direction"] == "up" else [other, moved]
    context = _row_context(request, moved, rows=rows, neighbour=other)
    return render(request, f"{BOARD}#move-update", context)


@require_http_methods(["GET", "POST"])
@manager_required
def activity_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation (a row for htmx, a page without); POST removes. Removing
    what is already gone just returns to the board."""
    activity = Activity.objects.select_related("phase__rollout", "owner").filter(pk=pk).first()
    if activity is None:
        if request.method == "POST":
            if request.htmx:
                return HttpResponse("")
            messages.info(request, _("This activity has already been removed."))
            return redirect(
                _board_url(request.POST.get("next"), None) or reverse("rollout:rollout_list")
            )
        raise Http404
    if request.method == "GET":
        return _activity_form(request, activity, "remove")
    plan_services.activity_remove(activity=activity, by=request.user)
    if not request.htmx:
        messages.success(request, _("“%(title)s” has been removed.") % {"title": activity.title})
        return redirect(_return_to(request, activity.phase.rollout_id))
    panel = plan_selectors.phase_panel(phase=activity.phase)
    return render(
        request, f"{BOARD}#row-removed", {"panel": panel, "rollout": activity.phase.rollout}
    )


@require_POST
@login_required
def template_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save this rollout's activities as a company template."""
    rollout = _rollout_for_manager(request, pk)
    form = TemplateSaveForm(request.POST)
    if form.is_valid():
        try:
            template = plan_services.rollout_template_save(
                rollout=rollout, name=form.cleaned_data["name"], by=request.user
            )
        except ValidationError as error:
            by_field = error.message_dict if hasattr(error, "error_dict") else {}
            form.add_error("name", by_field.get("name") or error.messages)
        else:
            messages.success(
                request,
                _("The template “%(name)s” has been saved with %(count)s activities.")
                % {"name": template.name, "count": len(template.items)},
            )
            return redirect("rollout:plan", pk=rollout.pk)
    return _board(request, rollout, status=400, template_form=form)


# --- Phase gates --------------------------------------------------------------------------


def _advance_form(gate: plan_selectors.GateOverview) -> GateAdvanceForm:
    """Asks about the open activities only when the phase has some."""
    return GateAdvanceForm(open_count=gate.open_activities, has_next=not gate.is_last)


def _gate(
    request: HttpRequest,
    phase: Phase,
    *,
    status: int = 200,
    criterion_form: CriterionForm | None = None,
    advance_form: GateAdvanceForm | None = None,
) -> HttpResponse:
    gate = plan_selectors.gate_overview(phase=phase)
    context = {
        "gate": gate,
        "phase": phase,
        "rollout": phase.rollout,
        "can_edit": request.user.is_manager,
        "gate_open": phase.status != PhaseStatus.COMPLETED,
        "criterion_form": criterion_form or CriterionForm(),
        "advance_form": advance_form or _advance_form(gate),
        "can_decide": gate.exception_pending
        and gate_services.may_decide(user=request.user, exception=gate.exception),
    }
    return render(request, GATE, context, status=status)


def _gate_update(
    request: HttpRequest, phase: Phase, criterion: GateCriterion | None
) -> HttpResponse:
    """After an htmx change to a criterion: its row (or nothing, when removed) and, out of
    band, the gate's summary and the advance form."""
    gate = plan_selectors.gate_overview(phase=phase)
    state = next(
        (s for s in gate.panel.criteria if criterion and s.criterion.pk == criterion.pk), None
    )
    context = {
        "gate": gate,
        "phase": phase,
        "rollout": phase.rollout,
        "can_edit": True,
        "gate_open": phase.status != PhaseStatus.COMPLETED,
        "state": state,
        "advance_form": _advance_form(gate),
    }
    return render(request, f"{GATE}#criterion-update", context)


@require_GET
@login_required
def phase_gate(request: HttpRequest, pk: int) -> HttpResponse:
    """A phase's gate: criteria with live values; the manager adds, ticks, removes them and
    advances; leadership reads. The rollout's gate log is at the bottom."""
    return _gate(request, _phase_for_viewer(request, pk))


@require_POST
@login_required
def criterion_add(request: HttpRequest, pk: int) -> HttpResponse:
    phase = _phase_for_manager(request, pk)
    form = CriterionForm(request.POST)
    if form.is_valid():
        try:
            plan_services.gate_criterion_add(phase=phase, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The criterion has been added."))
            return redirect(reverse("rollout:phase_gate", args=[phase.pk]) + "#criteria")
    return _gate(request, phase, status=400, criterion_form=form)


@require_POST
@login_required
def criterion_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Tick or untick a manual criterion."""
    criterion = _criterion_for_manager(request, pk)
    phase = criterion.phase
    form = CriterionCheckForm(request.POST)
    error = None
    if form.is_valid():
        try:
            plan_services.gate_criterion_set_checked(
                criterion=criterion, checked=form.cleaned_data["checked"], by=request.user
            )
        except ValidationError as refused:
            error = refused.messages[0]
    else:
        error = _("Please choose met or not met.")
    if error:  # shown by the page, or out of band with the htmx update
        messages.error(request, error)
    if request.htmx:
        return _gate_update(request, phase, criterion)
    return redirect(reverse("rollout:phase_gate", args=[phase.pk]) + f"#criterion-{criterion.pk}")


@require_POST
@login_required
def criterion_remove(request: HttpRequest, pk: int) -> HttpResponse:
    criterion = _criterion_for_manager(request, pk)
    phase = criterion.phase
    try:
        plan_services.gate_criterion_remove(criterion=criterion, by=request.user)
    except ValidationError as refused:
        messages.error(request, refused.messages[0])
        if request.htmx:
            return _gate_update(request, phase, criterion)
    else:
        if request.htmx:
            return _gate_update(request, phase, None)
        messages.success(request, _("The criterion has been removed."))
    return redirect(reverse("rollout:phase_gate", args=[phase.pk]) + "#criteria")


def _all_met(phase: Phase) -> bool:
    return all(state.is_met for state in plan_selectors.phase_criteria_states(phase=phase))


@require_POST
@login_required
def phase_advance(request: HttpRequest, pk: int) -> HttpResponse:
    """Leave the active phase through its gate (with an override and a reason when criteria
    are unmet); a stale page or a second click changes nothing."""
    phase = _phase_for_manager(request, pk)
    gate_url = reverse("rollout:phase_gate", args=[phase.pk])
    following = Phase.objects.filter(rollout_id=phase.rollout_id, order=phase.order + 1).first()
    form = GateAdvanceForm(
        request.POST,
        open_count=phase.activities.filter(status__in=OPEN_ACTIVITY_STATUSES).count(),
        has_next=following is not None,
    )
    if gate_services.pending_exception(phase=phase) is not None and not _all_met(phase):
        # The sponsor decides; a second click (or a stale page) asks nothing more.
        messages.info(
            request, _("The sponsor has been asked; the phase advances once they approve.")
        )
        return redirect(gate_url + "#gate-exception")
    if form.is_valid():
        override = form.cleaned_data["override"]
        open_activities = form.cleaned_data.get("open_activities") or ""
        # With a sponsor, unmet criteria are the sponsor's call: the manager asks.
        ask_sponsor = override and gate_services.sponsor_of(phase) is not None
        try:
            decision = plan_services.phase_advance(
                phase=phase,
                by=request.user,
                override=override and not ask_sponsor,
                reason=form.cleaned_data["reason"],
                open_activities=open_activities,
            )
        except ValidationError as error:
            if error.code == "not_active":
                messages.info(request, error.messages[0])
                return redirect(gate_url + "#gate-log")
            if error.code == "override_required" and ask_sponsor:
                try:
                    gate_services.gate_exception_request(
                        phase=phase,
                        reason=form.cleaned_data["reason"],
                        by=request.user,
                        open_activities=open_activities,
                    )
                except ValidationError as refused:
                    form.add_service_error(refused)
                else:
                    messages.success(
                        request,
                        _("%(sponsor)s, the sponsor, is asked by email to approve.")
                        % {"sponsor": phase.rollout.sponsor},
                    )
                    return redirect(gate_url + "#gate-exception")
            else:
                form.add_service_error(error)
        else:
            gate_services.gate_exceptions_void(phase=phase)  # met after all: nothing to approve
            if following is None:
                text = _("The rollout is complete. The decision is in the gate log.")
            else:
                text = _("“%(phase)s” is completed; “%(next)s” is now active.") % {
                    "phase": phase.get_kind_display(),
                    "next": following.get_kind_display(),
                }
            outcome = plan_selectors.open_activities_outcome(decision)
            messages.success(request, f"{text} {outcome}" if outcome else text)
            return redirect(f"{gate_url}#decision-{decision.pk}")
    phase.refresh_from_db(fields=["status"])
    if phase.status != PhaseStatus.ACTIVE:  # the form is gone from the page: say why
        messages.info(
            request, _("This phase is not active (any more); it may have been advanced already.")
        )
        return redirect(gate_url + "#gate-log")
    return _gate(request, phase, status=400, advance_form=form)


@private_no_store
@require_GET
@login_required
def plan_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The plan's activities as CSV or Excel, for the manager and leadership."""
    rollout = _rollout_for_viewer(request, pk)
    return export_response(
        plan_selectors.activity_export_rows(rollout=rollout),
        stem=f"activities-{rollout.pk}-{timezone.localdate():%Y-%m-%d}",
        fmt=fmt,
    )


urlpatterns = [
    path("rollouts/<int:pk>/plan/", plan, name="plan"),
    path("rollouts/<int:pk>/plan/template/", template_save, name="plan_template_save"),
    path("rollouts/<int:pk>/plan/activities.<str:fmt>", plan_export, name="plan_export"),
    path("phases/<int:pk>/activities/new/", activity_create, name="plan_activity_create"),
    path("plan/activities/<int:pk>/", activity_row, name="plan_activity_row"),
    path("plan/activities/<int:pk>/edit/", activity_edit, name="plan_activity_edit"),
    path("plan/activities/<int:pk>/owner/", activity_owner, name="plan_activity_owner"),
    path("plan/activities/<int:pk>/status/", activity_status, name="plan_activity_status"),
    path("plan/activities/<int:pk>/move/", activity_move, name="plan_activity_move"),
    path("plan/activities/<int:pk>/remove/", activity_remove, name="plan_activity_remove"),
    path("phases/<int:pk>/gate/", phase_gate, name="phase_gate"),
    path("phases/<int:pk>/gate/criteria/", criterion_add, name="gate_criterion_add"),
    path("gate/criteria/<int:pk>/check/", criterion_check, name="gate_criterion_check"),
    path("gate/criteria/<int:pk>/remove/", criterion_remove, name="gate_criterion_remove"),
    path("phases/<int:pk>/gate/advance/", phase_advance, name="phase_advance"),
]
