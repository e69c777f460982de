"""Pages of goals: the list, a goal's page with its chart, the forms, the import of an
analytics export, and leadership's start page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import (
    manager_or_leadership_required,
    manager_required,
    require_manager,
    require_manager_or_leadership,
)
from goals import selectors, services
from goals.analytics_files import (
    AnalyticsFileError,
    AnalyticsTable,
    map_values,
    read_analytics_file,
)
from goals.charts import line_chart
from goals.forms import (
    AnalyticsUploadForm,
    ColumnMappingForm,
    GoalForm,
    GoalValueForm,
    StoryLinkForm,
)
from goals.models import Goal, ValueSource
from goals.selectors import GoalRow
from rollout.models import Rollout
from rollout.selectors.core import rollout_current_cached, rollout_visible_cached
from surveys.selectors import survey_trends

PREVIEW_ROWS = 10


def _rollout_for_viewer(request: HttpRequest, pk: int) -> Rollout:
    rollout = rollout_visible_cached(user=request.user, pk=pk, request=request)
    if rollout is None:
        raise Http404
    return rollout


def _goal_for_manager(request: HttpRequest, pk: int) -> Goal:
    require_manager(request.user, action=request.method == "POST")
    return get_object_or_404(Goal.objects.select_related("rollout"), pk=pk)


def _chart(row: GoalRow):
    goal = row.goal
    return line_chart(
        points=row.points,
        status=row.status,
        baseline=goal.baseline,
        target=goal.target,
        start=goal.start_date,
        due=goal.due_date,
    )


@require_GET
@manager_or_leadership_required
def goal_list(request: HttpRequest, pk: int) -> HttpResponse:
    rollout = _rollout_for_viewer(request, pk)
    today = timezone.localdate()
    rows = selectors.goal_rows(rollout=rollout, today=today)
    return render(
        request,
        "goals/goal_list.html",
        {
            "rollout": rollout,
            "rows": rows,
            "verdict": selectors.rollout_verdict(rollout=rollout, rows=rows, today=today),
            "can_edit": request.user.is_manager,
        },
    )


@require_GET
@manager_or_leadership_required
def goal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.goal_row(goal_id=pk, today=timezone.localdate())
    if row is None:
        raise Http404
    return _detail_page(request, row, GoalValueForm(initial={"date": timezone.localdate()}))


def _detail_page(
    request: HttpRequest,
    row: GoalRow,
    value_form: GoalValueForm,
    status: int = 200,
    story_form: StoryLinkForm | None = None,
) -> HttpResponse:
    return render(
        request,
        "goals/goal_detail.html",
        {
            "row": row,
            "goal": row.goal,
            "rollout": row.goal.rollout,
            "chart": _chart(row),
            "values": list(reversed(row.points))[:20],
            "value_form": value_form,
            "can_edit": request.user.is_manager,
            "stories": selectors.goal_stories(goal=row.goal),
            "story_form": story_form or StoryLinkForm(goal=row.goal),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@manager_required(actions_forbidden=True)
def goal_create(request: HttpRequest, pk: int) -> HttpResponse:
    rollout = _rollout_for_viewer(request, pk)
    goal = Goal(rollout=rollout, start_date=timezone.localdate())
    form = GoalForm(request.POST or None, instance=goal)
    if request.method == "POST" and form.is_valid():
        services.goal_save(goal=form.save(commit=False), by=request.user)
        messages.success(request, _("The goal is saved."))
        return redirect("goals:detail", goal.pk)
    return render(request, "goals/goal_form.html", {"form": form, "rollout": rollout, "goal": None})


@require_http_methods(["GET", "POST"])
@manager_required(actions_forbidden=True)
def goal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    goal = _goal_for_manager(request, pk)
    form = GoalForm(request.POST or None, instance=goal)
    if request.method == "POST" and form.is_valid():
        services.goal_save(goal=form.save(commit=False), by=request.user)
        messages.success(request, _("The goal is saved."))
        return redirect("goals:detail", goal.pk)
    return render(
        request, "goals/goal_form.html", {"form": form, "rollout": goal.rollout, "goal": goal}
    )


@require_POST
@manager_required(actions_forbidden=True)
def goal_value_add(request: HttpRequest, pk: int) -> HttpResponse:
    goal = _goal_for_manager(request, pk)
    form = GoalValueForm(request.POST)
    if form.is_valid():
        services.goal_value_record(
            goal=goal, date=form.cleaned_data["date"], value=form.cleaned_data["value"]
        )
        messages.success(request, _("The value is saved."))
        return redirect("goals:detail", goal.pk)
    row = selectors.goal_row(goal_id=goal.pk, today=timezone.localdate())
    return _detail_page(request, row, form, status=422)


def _session_key(goal: Goal) -> str:
    return f"goals-import-{goal.pk}"


@require_http_methods(["GET", "POST"])
@manager_required(actions_forbidden=True)
def goal_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 1: upload the export; step 2: map the columns, see the preview and import."""
    goal = _goal_for_manager(request, pk)
    key = _session_key(goal)
    upload = AnalyticsUploadForm()
    context: dict[str, object] = {"goal": goal, "rollout": goal.rollout}
    if request.method == "POST" and "file" in request.FILES:
        upload = AnalyticsUploadForm(request.POST, request.FILES)
        if upload.is_valid():
            file = upload.cleaned_data["file"]
            try:
                table = read_analytics_file(name=file.name, content=file.read())
            except AnalyticsFileError as error:
                upload.add_error("file", str(error))
            else:
                request.session[key] = {"headers": table.headers, "rows": table.rows}
                date_column, value_column = table.guess_columns()
                mapping = ColumnMappingForm(
                    headers=table.headers,
                    initial={"date_column": date_column, "value_column": value_column},
                )
                return _mapping_page(request, context, table, mapping, preview=None)
    elif request.method == "POST" and key in request.session:
        stored = request.session[key]
        table = AnalyticsTable(
            headers=stored["headers"], rows=[(line, cells) for line, cells in stored["rows"]]
        )
        mapping = ColumnMappingForm(request.POST, headers=table.headers)
        if not mapping.is_valid():
            return _mapping_page(request, context, table, mapping, preview=None, status=422)
        mapped = map_values(
            table,
            date_column=mapping.cleaned_data["date_column"],
            value_column=mapping.cleaned_data["value_column"],
        )
        if "confirm" in request.POST and not mapped.errors and mapped.values:
            new, replaced = services.goal_values_import(
                goal=goal, values=mapped.values, by=request.user
            )
            del request.session[key]
            messages.success(
                request,
                _("%(new)s values imported, %(replaced)s replaced.")
                % {"new": new, "replaced": replaced},
            )
            return redirect("goals:detail", goal.pk)
        return _mapping_page(
            request, context, table, mapping, preview=mapped, status=422 if mapped.errors else 200
        )
    context["upload"] = upload
    return render(request, "goals/goal_import.html", context, status=422 if upload.errors else 200)


def _mapping_page(request, context, table, mapping, *, preview, status=200) -> HttpResponse:
    values = sorted(preview.values.items()) if preview else []
    return render(
        request,
        "goals/goal_import.html",
        {
            **context,
            "table": table,
            "sample": table.rows[:PREVIEW_ROWS],
            "mapping": mapping,
            "preview": preview,
            "preview_values": values[:PREVIEW_ROWS],
            "preview_count": len(values),
            "can_import": bool(preview and not preview.errors and preview.values),
        },
        status=status,
    )


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Leadership's own start page; every other role keeps the rollout's start page."""
    if request.user.is_leadership and not request.user.is_manager:
        return leadership(request)
    from rollout.views.core import home as rollout_home

    return rollout_home(request)


@require_GET
@manager_or_leadership_required
def leadership(request: HttpRequest) -> HttpResponse:
    """What leadership needs to know, read only, nothing about individuals."""
    require_manager_or_leadership(request.user)
    rollout = rollout_current_cached(user=request.user, request=request)
    if rollout is None:
        return render(request, "rollout/no_rollout.html")
    today = timezone.localdate()
    overview = selectors.leadership_overview(rollout=rollout, today=today)
    charts = [(row, _chart(row)) for row in overview.rows]
    return render(
        request,
        "goals/leadership.html",
        {
            "rollout": rollout,
            "overview": overview,
            "charts": charts,
            "today": today,
            # The pulse surveys' trend: the company and groups of five or more, no free text.
            "survey_trends": survey_trends(rollout_id=rollout.pk),
        },
    )


@require_POST
@manager_required(actions_forbidden=True)
def goal_value_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Email the goal's owner a link to enter the current value (once a day)."""
    goal = _goal_for_manager(request, pk)
    try:
        queued = services.goal_value_request(goal=goal, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        if queued:
            messages.success(request, _("%(owner)s is asked by email.") % {"owner": goal.owner})
        else:
            messages.info(request, _("%(owner)s was asked today already.") % {"owner": goal.owner})
    return redirect("goals:detail", goal.pk)


@never_cache
@require_http_methods(["GET", "POST"])
def goal_value_link(request: HttpRequest, token: str) -> HttpResponse:
    """The owner enters a value from the emailed link, without an account, in their language.
    A value for a date given twice replaces the first (a double submit saves once)."""
    goal = services.goal_from_value_link(token=token)
    if goal is None:
        return render(request, "rollout/workflows/link_invalid.html", status=404)
    translation.activate(goal.owner.language or translation.get_language())
    request.LANGUAGE_CODE = translation.get_language()
    # Bound on every POST, even an empty one: a missing value gets its message.
    form = GoalValueForm(
        request.POST if request.method == "POST" else None,
        initial={"date": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        services.goal_value_record(
            goal=goal,
            date=form.cleaned_data["date"],
            value=form.cleaned_data["value"],
            source=ValueSource.OWNER_LINK,
        )
        messages.success(request, _("Thank you, the value is saved."))
        return redirect(request.path)
    values = list(goal.values.order_by("-date").only("date", "value")[:5])
    return render(
        request,
        "goals/goal_value_link.html",
        {"goal": goal, "form": form, "values": values},
        status=400 if form.errors else 200,
    )


@require_POST
@manager_required(actions_forbidden=True)
def goal_story_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Tie a success story to the goal it moves, or untie it (`unlink` carries its id)."""
    goal = _goal_for_manager(request, pk)
    if request.POST.get("unlink", "").isdigit():
        services.goal_story_unlink(goal=goal, story_id=int(request.POST["unlink"]), by=request.user)
        messages.success(request, _("The success story no longer counts for this goal."))
        return redirect(reverse("goals:detail", args=[goal.pk]) + "#goal-stories")
    form = StoryLinkForm(request.POST, goal=goal)
    if form.is_valid():
        services.goal_story_link(goal=goal, story=form.cleaned_data["story"], by=request.user)
        messages.success(request, _("The success story now counts for this goal."))
        return redirect(reverse("goals:detail", args=[goal.pk]) + "#goal-stories")
    row = selectors.goal_row(goal_id=goal.pk, today=timezone.localdate())
    return _detail_page(request, row, GoalValueForm(), status=400, story_form=form)
