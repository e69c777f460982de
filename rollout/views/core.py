from collections.abc import Sequence
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap

from core import mytasks
from core.access import manager_or_leadership_required, manager_required, require_manager
from core.health import health_report
from core.htmx import is_fragment_request, patch_vary_on_htmx, render_fragment_or_page
from core.http import private_no_store, uncompressed
from core.mailbox import mail_for_reader, mailbox_enabled, mailbox_get, mailbox_list
from rollout import selectors, services
from rollout.forms import TEMPLATE_EMPTY, ActivityStatusForm, RolloutForm
from rollout.lewin import LEWIN_TEMPLATE
from rollout.models import Activity, Department, Language, Rollout
from rollout.privacy import sees_attitudes
from rollout.selectors.activity_feed import latest_changes
from rollout.selectors.communication import recent_successes, upcoming_events
from rollout.selectors.core import rollout_current_cached, rollout_visible_cached
from rollout.selectors.readiness import (
    ReadinessGroup,
    ReadinessRows,
    department_readiness,
    descendants,
)
from rollout.services.plan import rollout_template_plan

# --- Access helpers: check permission and load with the right joins; deny with 404 -------


def _rollout_for_viewer(request: HttpRequest, pk: int) -> Rollout:
    rollout = rollout_visible_cached(user=request.user, pk=pk, request=request)
    if rollout is None:
        raise Http404
    return rollout


def _dashboard_readiness(*, rollout: Rollout, today, private: bool) -> ReadinessRows:
    """The heatmap's rows; for leadership (`private`) without the attitude figures of small
    groups (rollout.privacy)."""
    rows = department_readiness(rollout=rollout, today=today)
    return rows.hide_small_groups() if private else rows


def _activity_for_manager(request: HttpRequest, pk: int) -> Activity:
    require_manager(request.user)
    return get_object_or_404(Activity.objects.select_related("phase"), pk=pk)


# --- Pages -------------------------------------------------------------------------------


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role's own start page, rendered here without a redirect: the current rollout's
    dashboard, the head's department page, the employee's own page."""
    from rollout.views.workflows import my_department

    user = request.user
    if user.is_manager or user.is_leadership:
        # The navigation's cached lookup: usually no query.
        rollout = rollout_current_cached(user=user, request=request)
        if rollout is not None:
            return dashboard(request, pk=rollout.pk)
        return render(request, "rollout/no_rollout.html")
    if user.is_department_head:
        # Workflows waiting for them, their department's figures and people.
        return my_department(request)
    if user.is_works_council:
        # The guideline versions waiting for the council (the guidelines app's page).
        return redirect("guidelines:council_list")
    return me(request)


@require_GET
@manager_or_leadership_required
def rollout_list(request: HttpRequest) -> HttpResponse:
    rollouts = selectors.rollout_list(user=request.user)
    return render(request, "rollout/rollout_list.html", {"rollouts": rollouts})


@require_GET
@login_required
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    rollout = _rollout_for_viewer(request, pk)
    today = timezone.localdate()
    # Leadership sees no individual attitude and no attitude figures of small groups
    # (rollout.privacy); the cached page is kept apart (`private`).
    private = not sees_attitudes(request.user)
    # The page is cached (`{% pagecache %}`, fresh after any change): its data is read only
    # when the cached page is missing or outdated.
    return render(
        request,
        "rollout/dashboard.html",
        {
            "dashboard": SimpleLazyObject(
                partial(selectors.rollout_dashboard, rollout=rollout, today=today)
            ),
            "rollout": rollout,
            "can_edit": request.user.is_manager,
            "private": private,
            "readiness": partial(
                _dashboard_readiness, rollout=rollout, today=today, private=private
            ),
            "upcoming": SimpleLazyObject(partial(upcoming_events, rollout=rollout, today=today)),
            "latest_changes": SimpleLazyObject(
                partial(latest_changes, rollout=rollout, private=private)
            ),
            "recent_successes": SimpleLazyObject(partial(recent_successes, rollout=rollout)),
        },
    )


@require_GET
@login_required
def readiness_group(request: HttpRequest, pk: int, unit: int) -> HttpResponse:
    """One division of the grouped heatmap: for htmx its `<tbody>`, open or (`?collapsed=1`)
    closed; without JavaScript a page of its own with the division's departments. The same
    readers and the same privacy as the dashboard."""
    rollout = _rollout_for_viewer(request, pk)
    division = get_object_or_404(Department.objects.only("id", "name", "parent_id"), pk=unit)
    private = not sees_attitudes(request.user)
    collapsed = request.GET.get("collapsed") == "1"
    if collapsed and not is_fragment_request(request):
        return patch_vary_on_htmx(
            request,
            redirect(reverse("rollout:dashboard", args=[rollout.pk]) + f"#heat-group-{unit}"),
        )
    rows = department_readiness(rollout=rollout, departments=descendants(division))
    if private:
        rows.hide_small_groups()
    ordered = sorted(rows, key=lambda row: (row.department.pk != division.pk, row.department.name))
    group = ReadinessGroup(unit=division, rows=ordered)
    return render_fragment_or_page(
        request,
        "rollout/readiness_group.html",
        "group",
        {"rollout": rollout, "group": group, "readiness": rows, "open": not collapsed},
    )


@require_http_methods(["GET", "POST"])
@manager_required
def rollout_create(request: HttpRequest) -> HttpResponse:
    form = RolloutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        rollout = services.rollout_create(
            name=data["name"],
            goal=data["goal"],
            sponsor=data["sponsor"],
            approach=data["approach"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            by=request.user,
            template=_rollout_template(form),
        )
        messages.success(
            request, _("The rollout “%(name)s” has been created.") % {"name": rollout.name}
        )
        return redirect("rollout:dashboard", pk=rollout.pk)
    return render(
        request, "rollout/rollout_form.html", {"form": form}, status=400 if form.errors else 200
    )


def _rollout_template(form: RolloutForm) -> Sequence | None:
    """What the new rollout starts with: the Lewin template, nothing, or a company template."""
    choice = form.cleaned_data["template"]
    if choice == TEMPLATE_EMPTY:
        return None
    saved = form.saved_template()
    if saved is not None:
        return rollout_template_plan(saved)
    return LEWIN_TEMPLATE


@require_POST
@login_required
def activity_set_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Complete or reopen an activity; htmx gets the re-rendered row and phase counters."""
    activity = _activity_for_manager(request, pk)
    form = ActivityStatusForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            # Keep the row as it is; the message goes to the messages region.
            response = HttpResponse(
                f'<div id="messages" class="messages" data-hx-swap-oob="true" role="status">'
                f'<p class="message error">{escape(_("Unknown status."))}</p></div>',
                status=400,
            )
            return reswap(response, "none")
        messages.error(request, _("Unknown status."))
        return redirect("rollout:dashboard", pk=activity.phase.rollout_id)
    services.activity_set_status(
        activity=activity, status=form.cleaned_data["status"], by=request.user
    )
    if request.htmx:
        rollout = activity.phase.rollout
        data = selectors.rollout_dashboard(rollout=rollout)
        summary = next(s for s in data.phases if s.phase.pk == activity.phase_id)
        row = selectors.dashboard_activity(activity_id=activity.pk)
        return render(
            request,
            "rollout/dashboard.html#activity-row-update",
            {"activity": row, "summary": summary, "dashboard": data, "can_edit": True},
        )
    messages.success(request, _("“%(title)s” has been updated.") % {"title": activity.title})
    return redirect("rollout:dashboard", pk=activity.phase.rollout_id)


@require_GET
@login_required
def me(request: HttpRequest) -> HttpResponse:
    """The start page of an employee: their directory entry, the activities they own, and
    the thank-yous they received as a champion."""
    from rollout.selectors.stakeholders import thanks_for_person

    person = getattr(request.user, "person", None)
    tasks = mytasks.tasks_for(person) if person else []
    thanks = thanks_for_person(person=person) if person else []
    return render(
        request,
        "rollout/me.html",
        {"person": person, "tasks": tasks, "thanks": thanks, "today": timezone.localdate()},
    )


# --- Demo mailbox --------------------------------------------------------------------------


@uncompressed  # the mails show personal links as they are (BREACH)
@private_no_store
@require_GET
@manager_required
def mailbox(request: HttpRequest) -> HttpResponse:
    if not mailbox_enabled():
        raise Http404
    return render(request, "rollout/mailbox.html", {"mails": mailbox_list()})


@uncompressed
@private_no_store
@require_GET
@manager_required
def mailbox_message(request: HttpRequest, key: str) -> HttpResponse:
    """One message; personal links in someone else's mail are hidden (core.mailbox)."""
    if not mailbox_enabled():
        raise Http404
    mail = mailbox_get(key)
    if mail is None:
        raise Http404
    mail = mail_for_reader(mail, email=request.user.email)
    return render(request, "rollout/mailbox_message.html", {"mail": mail})


# --- Language, health ---------------------------------------------------------------------


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; remembered on the account and in a cookie."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or reverse("rollout:home")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("rollout:home")
    response = HttpResponseRedirect(next_url)
    if language not in Language.values:
        return response
    translation.activate(language)
    if request.user.is_authenticated and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Database, cache, broker and scheduler state as JSON, within about 1.5 s; `down` names
    what does not answer. 503 when the database or the broker is down (core/health.py)."""
    report = health_report()
    return JsonResponse(report, status=503 if report["status"] == "error" else 200)
