"""Views of the communication area: the internal communication plan and the success stories.

The manager plans and changes everything; leadership reads; heads of department and employees
get 404. Item actions on the plan work inline with htmx (one item re-renders, the message
region updates out of band) and as plain forms with a redirect.
"""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh, reswap, retarget

from core.access import require_manager, require_manager_or_leadership
from core.htmx import render_fragment_or_page, vary_on_htmx
from rollout.forms.communication import (
    CommunicationFilterForm,
    CommunicationItemForm,
    SuccessStoryForm,
)
from rollout.models import CommunicationItem, CommunicationStatus, Rollout, SuccessStory
from rollout.selectors import communication as selectors
from rollout.selectors import rollouts_visible_to
from rollout.services import communication as services

PAGE_SIZE = 50
PLAN = "rollout/communication/plan.html"

# --- Access helpers: check permission and load; deny with 404 --------------------------------


def _rollout_for_viewer(request: HttpRequest, pk: int) -> Rollout:
    """The manager and leadership see a rollout's plan and successes."""
    return get_object_or_404(rollouts_visible_to(user=request.user), pk=pk)


def _rollout_for_manager(request: HttpRequest, pk: int) -> Rollout:
    require_manager(request.user)
    return get_object_or_404(Rollout, pk=pk)


def _item_for_viewer(request: HttpRequest, pk: int) -> CommunicationItem:
    require_manager_or_leadership(request.user)
    try:
        return selectors.communication_item_detail(pk=pk)
    except CommunicationItem.DoesNotExist:
        raise Http404 from None


def _item_for_manager(request: HttpRequest, pk: int) -> CommunicationItem:
    require_manager(request.user)
    return _item_for_viewer(request, pk)


def _story_for_manager(request: HttpRequest, pk: int) -> SuccessStory:
    require_manager(request.user)
    return get_object_or_404(SuccessStory.objects.select_related("rollout", "department"), pk=pk)


# --- Helpers -------------------------------------------------------------------------------


def _plan_url(rollout_id: int) -> str:
    return reverse("rollout:communication_plan", args=[rollout_id])


def _back_url(request: HttpRequest, rollout_id: int) -> str:
    """Where to return after an action: the plan view the user came from (its period and
    filters), or the plan itself. Only the plan's own URL is accepted."""
    plan = _plan_url(rollout_id)
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if (
        candidate.startswith(plan)
        and "#" not in candidate
        and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()})
    ):
        return candidate
    return plan


def _month_shift(month: datetime.date, delta: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + delta
    return datetime.date(index // 12, index % 12 + 1, 1)


def _item_label(item: CommunicationItem) -> str:
    return _("%(channel)s on %(date)s") % {
        "channel": item.get_channel_display(),
        "date": date_format(item.date, "SHORT_DATE_FORMAT"),
    }


def _plan_context(
    request: HttpRequest, rollout: Rollout, *, form: CommunicationItemForm | None = None
) -> dict[str, object]:
    """Everything the plan page and its list fragment show, for the period and filters of the
    query string: a fixed number of queries."""
    today = timezone.localdate()
    filters = CommunicationFilterForm(request.GET, auto_id="filter_%s")
    values = filters.values()
    items = selectors.communication_items(rollout=rollout, today=today, **values)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    weeks = selectors.group_by_week(page.object_list, today=today)
    filter_params = {
        key: value
        for key, value in (
            ("channel", values["channel"]),
            ("status", values["status"]),
            ("department", values["department"].pk if values["department"] else ""),
        )
        if value
    }
    period_params = {"when": values["when"]}
    if values["month"]:
        period_params = {"month": values["month"].strftime("%Y-%m")}
    plan_url = _plan_url(rollout.pk)
    current_query = urlencode({**period_params, **filter_params})
    can_edit = request.user.is_manager
    if can_edit and form is None:
        form = CommunicationItemForm(initial={"date": today})
    month = values["month"]
    this_month = today.replace(day=1)
    return {
        "rollout": rollout,
        "today": today,
        "weeks": weeks,
        "page": page,
        "filters": filters,
        "when": values["when"],
        "month": month,
        "this_month": this_month,
        "previous_month": _month_shift(month, -1) if month else None,
        "next_month": _month_shift(month, 1) if month else None,
        "filter_query": urlencode(filter_params),
        "current_query": current_query,
        "back_url": f"{plan_url}?{current_query}",
        "create_url": f"{reverse('rollout:communication_create', args=[rollout.pk])}"
        f"?{current_query}",
        "can_edit": can_edit,
        "form": form,
    }


def _item_response(
    request: HttpRequest, item: CommunicationItem, text: str, *, status: int = 200
) -> HttpResponse:
    """The re-rendered item with the message out of band (htmx)."""
    return render(
        request,
        f"{PLAN}#item-update",
        {
            "item": item,
            "rollout": item.rollout,
            "can_edit": request.user.is_manager,
            "back_url": _back_url(request, item.rollout_id),
            "message_text": text,
            "focus": True,
        },
        status=status,
    )


def _item_form_data(form: CommunicationItemForm) -> dict[str, object]:
    data = form.cleaned_data
    return {
        "date": data["date"],
        "channel": data["channel"],
        "message": data["message"],
        "audience_departments": data["audience_departments"],
        "audience_note": data["audience_note"],
        "owner": data["owner"],
        "social_homework": data["social_homework"],
    }


# --- Communication plan ----------------------------------------------------------------------


@require_GET
@login_required
def communication_plan(request: HttpRequest, pk: int) -> HttpResponse:
    rollout = _rollout_for_viewer(request, pk)
    return render(request, PLAN, _plan_context(request, rollout))


@require_http_methods(["GET", "POST"])
@login_required
def communication_create(request: HttpRequest, pk: int) -> HttpResponse:
    rollout = _rollout_for_manager(request, pk)
    if request.method == "POST":
        form = CommunicationItemForm(request.POST)
        if form.is_valid():
            item = services.communication_item_create(
                rollout=rollout, by=request.user, **_item_form_data(form)
            )
            text = _("“%(item)s” has been added to the plan.") % {"item": _item_label(item)}
            if request.htmx:
                context = _plan_context(request, rollout)
                context.update({"message_text": text, "oob": True})
                return render(request, f"{PLAN}#item-created", context)
            messages.success(request, text)
            return redirect(
                f"{_plan_url(rollout.pk)}?month={item.date:%Y-%m}#communication-{item.pk}"
            )
        if request.htmx:
            context = _plan_context(request, rollout, form=form)
            response = render(request, f"{PLAN}#create-form", context, status=400)
            return reswap(retarget(response, "#communication-form"), "outerHTML")
    else:
        form = CommunicationItemForm(initial={"date": timezone.localdate()})
    return render(
        request,
        "rollout/communication/item_form.html",
        {"form": form, "rollout": rollout, "back_url": _plan_url(rollout.pk), "item": None},
        status=400 if form.errors else 200,
    )


@require_GET
@login_required
@vary_on_htmx
def communication_item(request: HttpRequest, pk: int) -> HttpResponse:
    """One item of the plan (htmx: to leave the inline form); otherwise back to the plan."""
    item = _item_for_viewer(request, pk)
    if not request.htmx:
        return redirect(f"{_back_url(request, item.rollout_id)}#communication-{item.pk}")
    return render(
        request,
        f"{PLAN}#item",
        {
            "item": item,
            "rollout": item.rollout,
            "can_edit": request.user.is_manager,
            "back_url": _back_url(request, item.rollout_id),
            "focus": True,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def communication_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item_for_manager(request, pk)
    back_url = _back_url(request, item.rollout_id)
    prefix = f"item-{item.pk}"
    old_week = item.date.isocalendar()[:2]  # before the form writes its input into `item`
    if request.method == "POST":
        form = CommunicationItemForm(request.POST, instance=item, prefix=prefix, with_status=True)
        if form.is_valid():
            updated = services.communication_item_update(
                item=item,
                by=request.user,
                status=form.cleaned_data["status"],
                **_item_form_data(form),
            )
            text = _("“%(item)s” has been saved.") % {"item": _item_label(updated)}
            if request.htmx:
                if updated.date.isocalendar()[:2] != old_week:
                    # The item moved to another week: the whole plan shows it in its new place.
                    messages.success(request, text)
                    return HttpResponseClientRefresh()
                fresh = selectors.communication_item_detail(pk=item.pk)
                return _item_response(request, fresh, text)
            messages.success(request, text)
            return redirect(f"{back_url}#communication-{item.pk}")
        status = 400
    else:
        form = CommunicationItemForm(instance=item, prefix=prefix, with_status=True)
        status = 200
    context = {"form": form, "item": item, "rollout": item.rollout, "back_url": back_url}
    return render_fragment_or_page(
        request,
        PLAN,
        "item-edit",
        context,
        status=status,
        page="rollout/communication/item_form.html",
    )


def _set_status(request: HttpRequest, pk: int, status: CommunicationStatus) -> HttpResponse:
    item = _item_for_manager(request, pk)
    services.communication_item_set_status(item=item, status=status, by=request.user)
    if status == CommunicationStatus.DONE:
        text = _("“%(item)s” has been marked as sent.")
    else:
        text = _("“%(item)s” has been cancelled.")
    text = text % {"item": _item_label(item)}
    if request.htmx:
        return _item_response(request, item, text)
    messages.success(request, text)
    return redirect(f"{_back_url(request, item.rollout_id)}#communication-{item.pk}")


@require_POST
@login_required
def communication_mark_sent(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_status(request, pk, CommunicationStatus.DONE)


@require_POST
@login_required
def communication_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_status(request, pk, CommunicationStatus.CANCELLED)


@require_POST
@login_required
def communication_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item_for_manager(request, pk)
    back_url = _back_url(request, item.rollout_id)
    text = _("“%(item)s” has been deleted.") % {"item": _item_label(item)}
    services.communication_item_delete(item=item, by=request.user)
    if request.htmx:
        return render(request, f"{PLAN}#oob-message", {"message_text": text})
    messages.success(request, text)
    return redirect(back_url)


# --- Success stories ---------------------------------------------------------------------------


def _story_data(form: SuccessStoryForm) -> dict[str, object]:
    data = form.cleaned_data
    return {
        "kind": data["kind"],
        "title": data["title"],
        "date": data["date"],
        "department": data["department"],
        "description": data["description"],
        "kpi_name": data["kpi_name"],
        "kpi_value": data["kpi_value"],
    }


@require_GET
@login_required
def success_list(request: HttpRequest, pk: int) -> HttpResponse:
    rollout = _rollout_for_viewer(request, pk)
    can_edit = request.user.is_manager
    page = Paginator(selectors.success_stories(rollout=rollout), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "rollout/communication/success_list.html",
        {
            "rollout": rollout,
            "summary": selectors.kpi_summary(rollout=rollout),
            "page": page,
            "can_edit": can_edit,
            "form": SuccessStoryForm(initial={"date": timezone.localdate()}) if can_edit else None,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def success_create(request: HttpRequest, pk: int) -> HttpResponse:
    rollout = _rollout_for_manager(request, pk)
    if request.method == "POST":
        form = SuccessStoryForm(request.POST)
        if form.is_valid():
            story = services.success_story_create(
                rollout=rollout, by=request.user, **_story_data(form)
            )
            messages.success(
                request, _("The success “%(title)s” has been recorded.") % {"title": story.title}
            )
            return redirect(
                f"{reverse('rollout:success_list', args=[rollout.pk])}#story-{story.pk}"
            )
    else:
        form = SuccessStoryForm(initial={"date": timezone.localdate()})
    return render(
        request,
        "rollout/communication/success_form.html",
        {"form": form, "rollout": rollout, "story": None},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def success_edit(request: HttpRequest, pk: int) -> HttpResponse:
    story = _story_for_manager(request, pk)
    if request.method == "POST":
        form = SuccessStoryForm(request.POST, instance=story)
        if form.is_valid():
            story = services.success_story_update(story=story, by=request.user, **_story_data(form))
            messages.success(
                request, _("The success “%(title)s” has been saved.") % {"title": story.title}
            )
            return redirect(
                f"{reverse('rollout:success_list', args=[story.rollout_id])}#story-{story.pk}"
            )
    else:
        form = SuccessStoryForm(instance=story)
    return render(
        request,
        "rollout/communication/success_form.html",
        {"form": form, "rollout": story.rollout, "story": story},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def success_delete(request: HttpRequest, pk: int) -> HttpResponse:
    story = _story_for_manager(request, pk)
    services.success_story_delete(story=story, by=request.user)
    messages.success(
        request, _("The success “%(title)s” has been deleted.") % {"title": story.title}
    )
    return redirect("rollout:success_list", pk=story.rollout_id)


urlpatterns = [
    path("rollouts/<int:pk>/communication/", communication_plan, name="communication_plan"),
    path("rollouts/<int:pk>/communication/new/", communication_create, name="communication_create"),
    path("communication/<int:pk>/", communication_item, name="communication_item"),
    path("communication/<int:pk>/edit/", communication_edit, name="communication_edit"),
    path("communication/<int:pk>/sent/", communication_mark_sent, name="communication_mark_sent"),
    path("communication/<int:pk>/cancel/", communication_cancel, name="communication_cancel"),
    path("communication/<int:pk>/delete/", communication_delete, name="communication_delete"),
    path("rollouts/<int:pk>/successes/", success_list, name="success_list"),
    path("rollouts/<int:pk>/successes/new/", success_create, name="success_create"),
    path("successes/<int:pk>/edit/", success_edit, name="success_edit"),
    path("successes/<int:pk>/delete/", success_delete, name="success_delete"),
]
