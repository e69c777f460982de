"""The stakeholder map of a rollout, the stakeholder card and its actions. Manager only:
individual attitudes are personal data (works council), so nobody else sees them."""

import functools
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, path, resolve, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import require_manager
from core.htmx import is_fragment_request, render_fragment_or_page
from rollout import services
from rollout.forms.stakeholders import (
    AttitudeForm,
    ChampionForm,
    StakeholderAddForm,
    StakeholderFilterForm,
    StakeholderUpdateForm,
    ThanksForm,
)
from rollout.models import Attitude, Rollout, Stakeholder
from rollout.selectors import stakeholders as selectors
from rollout.selectors.core import rollout_visible_cached
from rollout.services import stakeholders as stakeholder_services

MAP_TEMPLATE = "rollout/stakeholders/map.html"
CARD_TEMPLATE = "rollout/stakeholders/card.html"
ADD_TEMPLATE = "rollout/stakeholders/add.html"

# --- Access helpers: check permission and load; deny with 404 -------------------------------


def _rollout_for_manager(request: HttpRequest, pk: int) -> Rollout:
    require_manager(request.user)
    rollout = rollout_visible_cached(user=request.user, pk=pk, request=request)
    if rollout is None:
        raise Http404
    return rollout


def _stakeholder_for_manager(request: HttpRequest, pk: int, *, card: bool = False) -> Stakeholder:
    """The stakeholder with person, department and rollout (1 query), or with everything the
    card shows (`card=True`, 3 queries)."""
    require_manager(request.user)
    if card:
        try:
            return selectors.stakeholder_for_card(queryset=Stakeholder.objects.all(), pk=pk)
        except Stakeholder.DoesNotExist:
            raise Http404 from None
    return get_object_or_404(
        Stakeholder.objects.select_related("person", "person__department", "rollout"), pk=pk
    )


# --- Rendering helpers ------------------------------------------------------------------------


def _filters_of_map_page(request: HttpRequest, rollout_id: int) -> dict[str, object] | None:
    """When an htmx request comes from this rollout's map page, the grid filters shown there
    (read from the page's address, which the filter form keeps up to date); otherwise None."""
    if not is_fragment_request(request) or not request.htmx.current_url:
        return None
    address = urlsplit(request.htmx.current_url)
    try:
        match = resolve(address.path)
    except Resolver404:
        return None
    if match.view_name != "rollout:stakeholder_map" or match.kwargs.get("pk") != rollout_id:
        return None
    query = QueryDict(address.query)
    return {**StakeholderFilterForm(query).filters(), "cell": _chosen_cell(query)}


def _chosen_cell(query: QueryDict) -> tuple[int, int] | None:
    """The grid cell (influence, attitude) the map shows in full, from `?influence=&attitude=`;
    None when not given or not valid."""
    try:
        influence, attitude = int(query.get("influence", "")), int(query.get("attitude", ""))
    except ValueError:
        return None
    if influence in selectors.INFLUENCE_LEVELS and attitude in Attitude.values:
        return influence, attitude
    return None


def _card_forms(stakeholder: Stakeholder, **bound: object) -> dict[str, object]:
    """The card's action forms; a bound (invalid) form replaces its fresh version."""
    forms = {
        "attitude_form": AttitudeForm(
            auto_id="attitude-%s", initial={"attitude": stakeholder.attitude}
        ),
        "champion_form": ChampionForm(auto_id="champion-%s"),
        "update_form": StakeholderUpdateForm(instance=stakeholder, auto_id="edit-%s"),
        "thanks_form": ThanksForm(auto_id="thanks-%s"),
    }
    forms.update(bound)
    return forms


def _render_card(
    request: HttpRequest, stakeholder: Stakeholder, *, status: int = 200, **bound: object
) -> HttpResponse:
    """The card: a full page, or for htmx the card fragment, plus (when the request comes from
    the map page) the map's grid, flags and champions out of band, and the messages."""
    if not hasattr(stakeholder, "attitude_history"):
        stakeholder = _stakeholder_for_manager(request, stakeholder.pk, card=True)
    context: dict[str, object] = {
        "stakeholder": stakeholder,
        "rollout": stakeholder.rollout,
        **_card_forms(stakeholder, **bound),
    }
    if not is_fragment_request(request):
        return render_fragment_or_page(request, CARD_TEMPLATE, None, context, status=status)
    filters = _filters_of_map_page(request, stakeholder.rollout_id)
    context["panel"] = filters is not None or request.method == "GET"
    if request.method == "POST" and filters is not None and status == 200:
        stakeholder_map = selectors.stakeholder_map(rollout=stakeholder.rollout)
        context["map"] = stakeholder_map
        context["grid"] = stakeholder_map.grid(**filters)
    partial = "card" if request.method == "GET" else "card-update"
    return render_fragment_or_page(request, CARD_TEMPLATE, partial, context, status=status)


def _after_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Reply to a successful card action: the refreshed card (htmx) or a redirect to it."""
    if is_fragment_request(request):
        return _render_card(request, _stakeholder_for_manager(request, pk, card=True))
    return redirect("rollout:stakeholder_card", pk=pk)


# --- Pages ------------------------------------------------------------------------------------


@require_GET
@login_required
def stakeholder_map(request: HttpRequest, pk: int) -> HttpResponse:
    """The influence x attitude grid, filterable by department and role, with flags and
    champions. htmx filter requests get only the grid."""
    rollout = _rollout_for_manager(request, pk)

    @functools.cache
    def page() -> dict[str, object]:
        """The map's data: read only when the cached page is missing or outdated."""
        data = selectors.stakeholder_map(rollout=rollout)
        data.all_champions = request.GET.get("champions") == "all"
        form = StakeholderFilterForm(
            request.GET or None, departments=data.departments, auto_id="filter-%s"
        )
        grid = data.grid(**form.filters(), cell=_chosen_cell(request.GET))
        return {"map": data, "grid": grid, "filter_form": form}

    context: dict[str, object] = {
        "rollout": rollout,
        **{
            key: SimpleLazyObject(functools.partial(lambda key: page()[key], key))
            for key in ("map", "grid", "filter_form")
        },
    }
    grid_only = is_fragment_request(request) and request.htmx.target == "stakeholder-grid"
    return render_fragment_or_page(request, MAP_TEMPLATE, "grid" if grid_only else None, context)


@require_GET
@login_required
def stakeholder_card(request: HttpRequest, pk: int) -> HttpResponse:
    """A stakeholder's card: a page of its own, or (htmx) the map's side panel."""
    return _render_card(request, _stakeholder_for_manager(request, pk, card=True))


@require_POST
@login_required
def stakeholder_attitude(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the attitude with a note (also: mark as champion); the change is recorded."""
    stakeholder = _stakeholder_for_manager(request, pk)
    form = AttitudeForm(request.POST, auto_id="attitude-%s")
    if not form.is_valid():
        is_champion_form = request.POST.get("attitude") == str(Attitude.CHAMPION.value)
        if is_champion_form and "note" in form.errors:
            bound = {"champion_form": ChampionForm(request.POST, auto_id="champion-%s")}
        else:
            bound = {"attitude_form": form}
        return _render_card(request, stakeholder, status=400, **bound)
    attitude = Attitude(form.cleaned_data["attitude"])
    name = stakeholder.person.full_name
    if attitude == stakeholder.attitude:
        messages.info(
            request,
            _("The attitude of %(name)s is already “%(attitude)s”; nothing was recorded.")
            % {"name": name, "attitude": attitude.label},
        )
    else:
        services.stakeholder_set_attitude(
            stakeholder=stakeholder,
            attitude=attitude,
            note=form.cleaned_data["note"],
            by=request.user,
        )
        if attitude == Attitude.CHAMPION:
            text = _("%(name)s is now a champion.") % {"name": name}
        else:
            text = _("The attitude of %(name)s is now “%(attitude)s”.") % {
                "name": name,
                "attitude": attitude.label,
            }
        messages.success(request, text)
    return _after_action(request, stakeholder.pk)


@require_POST
@login_required
def stakeholder_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit role, influence (the row on the map) and concerns."""
    stakeholder = _stakeholder_for_manager(request, pk)
    # The form works on a copy, so that an invalid post does not change the card's header.
    form = StakeholderUpdateForm(
        request.POST,
        instance=Stakeholder(pk=stakeholder.pk, rollout_id=stakeholder.rollout_id),
        auto_id="edit-%s",
    )
    if not form.is_valid():
        return _render_card(request, stakeholder, status=400, update_form=form)
    stakeholder_services.stakeholder_update(
        stakeholder=stakeholder,
        role=form.cleaned_data["role"],
        influence=form.cleaned_data["influence"],
        concerns=form.cleaned_data["concerns"],
        by=request.user,
    )
    messages.success(
        request, _("The details of %(name)s have been saved.") % {"name": stakeholder.person}
    )
    return _after_action(request, stakeholder.pk)


@require_POST
@login_required
def champion_thank(request: HttpRequest, pk: int) -> HttpResponse:
    """A visible thank-you to a champion; a double submit records it once."""
    stakeholder = _stakeholder_for_manager(request, pk)
    form = ThanksForm(request.POST, auto_id="thanks-%s")
    if form.is_valid():
        try:
            stakeholder_services.champion_thank(
                stakeholder=stakeholder, message=form.cleaned_data["message"], by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
    if not form.is_valid():
        return _render_card(request, stakeholder, status=400, thanks_form=form)
    from notifications.waiting import with_sending_note
    from rollout.notices import CHAMPION_THANKS

    text = _("Your thank-you to %(name)s has been recorded and is emailed to them.") % {
        "name": stakeholder.person
    }
    messages.success(request, with_sending_note(text, kind=CHAMPION_THANKS))
    return _after_action(request, stakeholder.pk)


@require_http_methods(["GET", "POST"])
@login_required
def stakeholder_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a person, chosen by email address, to the rollout's stakeholders."""
    rollout = _rollout_for_manager(request, pk)
    form = StakeholderAddForm(
        request.POST or None,
        rollout=rollout,
        suggest_url=reverse("rollout:stakeholder_person_options", args=[rollout.pk]),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            stakeholder = services.stakeholder_add(
                rollout=rollout,
                person=form.person,
                role=data["role"],
                influence=data["influence"],
                attitude=data["attitude"],
                concerns=data["concerns"],
                by=request.user,
            )
        except ValidationError as error:  # e.g. added by someone else a moment ago
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s has been added to the stakeholder map.") % {"name": form.person},
            )
            return redirect("rollout:stakeholder_card", pk=stakeholder.pk)
    return render(
        request,
        ADD_TEMPLATE,
        {"rollout": rollout, "form": form},
        status=400 if form.errors else 200,
    )


@require_GET
@login_required
def stakeholder_person_options(request: HttpRequest, pk: int) -> HttpResponse:
    """Suggestions for the add form's email field: at most 20 matching people."""
    rollout = _rollout_for_manager(request, pk)
    people = selectors.people_for_stakeholder_choice(
        rollout=rollout, search=request.GET.get("email", "")
    )
    return render(request, f"{ADD_TEMPLATE}#person-options", {"people": people})


urlpatterns = [
    path("rollouts/<int:pk>/stakeholders/", stakeholder_map, name="stakeholder_map"),
    path("rollouts/<int:pk>/stakeholders/add/", stakeholder_add, name="stakeholder_add"),
    path(
        "rollouts/<int:pk>/stakeholders/people/",
        stakeholder_person_options,
        name="stakeholder_person_options",
    ),
    path("stakeholders/<int:pk>/", stakeholder_card, name="stakeholder_card"),
    path("stakeholders/<int:pk>/attitude/", stakeholder_attitude, name="stakeholder_attitude"),
    path("stakeholders/<int:pk>/edit/", stakeholder_update, name="stakeholder_update"),
    path("stakeholders/<int:pk>/thanks/", champion_thank, name="champion_thank"),
]
