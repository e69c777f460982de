"""Pulse survey pages: the manager writes a survey and starts waves; the manager and
leadership read the results (heads: their own departments only; free texts: the manager
only); people answer from the personal link in their email, without an account.

Deny by default: pages answer 404 and the manager's actions 403 to anyone who may not use
them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import is_manager_or_leadership, manager_or_leadership_required, manager_required
from core.htmx import is_fragment_request, render_fragment_or_page
from core.http import private_no_store
from rollout.models import Department, Rollout
from rollout.selectors.core import departments_led_by, rollout_visible_cached
from rollout.selectors.departments import rollout_for_departments
from surveys import selectors, services
from surveys.forms import AnswerForm, FollowUpForm, SurveyForm, WaveStartForm
from surveys.models import Survey, SurveyInvitation, SurveyWave, WaveStatus, template_texts

RESULTS_TEMPLATE = "surveys/results.html"
ANSWER_TEMPLATE = "surveys/answer.html"


def _rollout_for_viewer(request: HttpRequest, pk: int) -> Rollout:
    rollout = rollout_visible_cached(user=request.user, pk=pk, request=request)
    if rollout is None:
        raise Http404
    return rollout


def _survey(pk: int) -> Survey:
    return get_object_or_404(Survey.objects.select_related("rollout"), pk=pk)


def _reader_scope(request: HttpRequest) -> list[int] | None:
    """Whose results the user may see: all (None) for the manager and leadership, their own
    departments' for a department head; anyone else gets a 404."""
    if is_manager_or_leadership(request.user):
        return None
    if request.user.is_department_head:
        ids = list(departments_led_by(user=request.user).values_list("pk", flat=True))
        if ids:
            return ids
    raise Http404


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- The manager's and leadership's pages -------------------------------------------------------


@require_GET
@manager_or_leadership_required
def survey_list(request: HttpRequest, pk: int) -> HttpResponse:
    rollout = _rollout_for_viewer(request, pk)
    surveys = (
        Survey.objects.filter(rollout=rollout)
        .annotate(wave_count=Count("waves"), last_opened=Max("waves__opens_on"))
        .order_by("-created_at", "-pk")
    )
    return render(
        request,
        "surveys/list.html",
        {"rollout": rollout, "surveys": surveys, "can_edit": request.user.is_manager},
    )


def _survey_form_page(
    request: HttpRequest, form: SurveyForm, rollout: Rollout, survey: Survey | None
) -> HttpResponse:
    return render(
        request,
        "surveys/survey_form.html",
        {"form": form, "rollout": rollout, "survey": survey},
        status=400 if form.errors else 200,
    )


def _save(request: HttpRequest, form: SurveyForm, rollout: Rollout, survey: Survey | None):
    data = form.cleaned_data
    values = {
        "title": data["title"],
        "texts": form.texts(),
        "audience_all": data["audience_all"],
        "departments": data["audience_departments"],
        "phase": data.get("audience_phase"),
        "open_days": data["open_days"],
        "repeat_weeks": data["repeat_weeks"],
        "by": request.user,
    }
    if survey is None:
        return services.survey_create(rollout=rollout, **values)
    return services.survey_update(survey=survey, is_active=data["is_active"], **values)


@require_http_methods(["GET", "POST"])
@manager_required(actions_forbidden=True)
def survey_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A new survey, starting from the German and English template."""
    rollout = _rollout_for_viewer(request, pk)
    form = SurveyForm(
        request.POST if request.method == "POST" else None,
        instance=Survey(rollout=rollout, texts=template_texts(), title=_("Readiness pulse")),
    )
    if request.method == "POST" and form.is_valid():
        try:
            survey = _save(request, form, rollout, None)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The survey is saved. Start a wave to send it."))
            return redirect("surveys:results", survey.pk)
    return _survey_form_page(request, form, rollout, None)


@require_http_methods(["GET", "POST"])
@manager_required(actions_forbidden=True)
def survey_edit(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(pk)
    form = SurveyForm(request.POST if request.method == "POST" else None, instance=survey)
    if request.method == "POST" and form.is_valid():
        try:
            _save(request, form, survey.rollout, survey)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The survey is saved."))
            return redirect("surveys:results", survey.pk)
    return _survey_form_page(request, form, survey.rollout, survey)


@require_POST
@manager_required(actions_forbidden=True)
def wave_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the survey now: one email with a personal link to everyone in its audience."""
    survey = _survey(pk)
    form = WaveStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a valid closing date."))
        return redirect("surveys:results", survey.pk)
    try:
        wave = services.wave_start(
            survey=survey, by=request.user, closes_on=form.cleaned_data["closes_on"]
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("Wave %(number)s is open: %(count)s people are invited by email.")
            % {"number": wave.number, "count": wave.invitations.count()},
        )
    return redirect("surveys:results", survey.pk)


@require_GET
@login_required
def survey_results(request: HttpRequest, pk: int) -> HttpResponse:
    """Per department and dimension, for groups of five answers or more, with the trend;
    heads see their own departments, the manager also the free texts."""
    scope = _reader_scope(request)
    survey = _survey(pk)
    try:
        wave_id = int(request.GET.get("wave", "") or 0) or None
    except ValueError:
        wave_id = None
    is_manager = request.user.is_manager and scope is None
    results = selectors.survey_results(
        survey=survey, wave_id=wave_id, scope=scope, show_comments=is_manager
    )
    return render(
        request,
        RESULTS_TEMPLATE,
        {
            "survey": survey,
            "rollout": survey.rollout,
            "results": results,
            "selected": results.selected,
            "is_manager": is_manager,
            "open_wave": next(
                (r.wave for r in results.waves if r.wave.status == WaveStatus.OPEN), None
            ),
            "wave_form": WaveStartForm(),
            "min_group": selectors.MIN_GROUP,
        },
    )


@require_POST
@manager_required(actions_forbidden=True)
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    """Put the activity a group's weakest dimension suggests into the plan's active phase
    (once per wave and group: a double click creates one)."""
    wave = get_object_or_404(SurveyWave.objects.select_related("survey__rollout"), pk=pk)
    form = FollowUpForm(request.POST)
    results = selectors.survey_results(survey=wave.survey, wave_id=wave.pk)
    selected = results.selected
    group = None
    if form.is_valid() and selected is not None and selected.wave.pk == wave.pk:
        key = form.cleaned_data["group"]
        candidates = ([selected.company] if selected.company else []) + selected.groups
        group = next((g for g in candidates if g.key == key), None)
    if group is None or group.suggestion is None:
        return HttpResponse(_("No suggestion for this group."), status=400)
    suggestion = group.suggestion
    score = group.means[suggestion.dimension]
    try:
        activity, created = services.follow_up_create(
            wave=wave,
            group=group.key,
            dimension=suggestion.dimension,
            title=f"{suggestion.title} ({group.label})",
            kind=suggestion.kind,
            description=_("%(reason)s Survey “%(survey)s”, wave %(number)s: %(score)s of 5.")
            % {
                "reason": suggestion.description,
                "survey": wave.survey.title,
                "number": wave.number,
                "score": score,
            },
            departments=_departments(group),
            by=request.user,
        )
    except ValidationError as error:
        if is_fragment_request(request):
            return HttpResponse(_error_text(error), status=400)
        messages.error(request, _error_text(error))
        return redirect(f"{reverse('surveys:results', args=[wave.survey_id])}?wave={wave.pk}")
    if not is_fragment_request(request):
        if created:
            messages.success(request, _("The activity is in the plan."))
        return redirect(f"{reverse('surveys:results', args=[wave.survey_id])}?wave={wave.pk}")
    group.has_follow_up, group.follow_up_id = True, activity.pk if activity else None
    return render_fragment_or_page(
        request,
        RESULTS_TEMPLATE,
        "follow-up",
        {"group": group, "selected": selected, "rollout": wave.survey.rollout},
    )


@require_GET
@login_required
def department_results(request: HttpRequest, pk: int) -> HttpResponse:
    """A department's results for its head (or deputy) and the manager: per survey of the
    rollout the department pages speak about, the trend of each ADKAR dimension in the
    waves where the department had five answers or more. Nothing merged, nothing
    company-wide, never a free text. Anyone else gets a 404."""
    user = request.user
    queryset = Department.objects.all() if user.is_manager else departments_led_by(user=user)
    department = get_object_or_404(queryset, pk=pk)
    rollout = rollout_for_departments()
    trends = (
        selectors.survey_trends(rollout_id=rollout.pk, scope=[department.pk]) if rollout else []
    )
    return render(
        request,
        "surveys/department.html",
        {
            "department": department,
            "rollout": rollout,
            "trends": trends,
            "min_group": selectors.MIN_GROUP,
        },
    )


def _departments(group: selectors.GroupScores) -> list[Department]:
    return list(Department.objects.filter(pk__in=group.department_ids))


# --- People: the personal link --------------------------------------------------------------------


def _language_of(invitation: SurveyInvitation) -> str:
    person = invitation.person
    if person.user_id and person.user.language:
        return person.user.language
    return person.language or translation.get_language()


def _refused(request: HttpRequest, context: dict, refused: ValidationError) -> HttpResponse:
    return render(
        request,
        ANSWER_TEMPLATE,
        {**context, "state": "refused", "message": refused.messages[0]},
        status=409,
    )


@private_no_store
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """The page behind the personal link: the five questions and the open one, in the
    person's language. GET only shows them (mail scanners open links); the answer is a POST,
    accepted once. A second attempt is refused with a clear message."""
    invitation_id = services.invitation_id_from_token(token)
    invitation = (
        SurveyInvitation.objects.select_related("wave__survey", "person__user")
        .filter(pk=invitation_id)
        .first()
        if invitation_id
        else None
    )
    if invitation is None or not invitation.person.is_active:
        return render(request, ANSWER_TEMPLATE, {"state": "invalid"}, status=404)
    translation.activate(_language_of(invitation))
    request.LANGUAGE_CODE = translation.get_language()
    wave, survey = invitation.wave, invitation.wave.survey
    context = {"survey": survey, "wave": wave, "action": request.path}
    if invitation.answered_on is not None:
        if request.method == "GET":
            return render(request, ANSWER_TEMPLATE, {**context, "state": "answered"})
        return _refused(request, context, services.AlreadyAnswered())
    if not wave.is_open() and invitation.answered_on is None:
        return render(request, ANSWER_TEMPLATE, {**context, "state": "closed"}, status=410)
    form = AnswerForm(
        request.POST if request.method == "POST" else None,
        survey=survey,
        language=translation.get_language(),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.answer_submit(
                    invitation=invitation,
                    scores=form.scores(),
                    comment=form.cleaned_data["comment"],
                )
            except services.AlreadyAnswered as refused:
                return _refused(request, context, refused)
            except ValidationError as error:
                form.add_error(None, error)
                status = 400
            else:
                messages.success(request, _("Thank you: your answer has been recorded."))
                return redirect(request.path)
        else:
            status = 400
    return render(
        request, ANSWER_TEMPLATE, {**context, "state": "form", "form": form}, status=status
    )


urlpatterns = [
    path("rollouts/<int:pk>/surveys/", survey_list, name="list"),
    path("rollouts/<int:pk>/surveys/new/", survey_create, name="create"),
    path("surveys/<int:pk>/", survey_results, name="results"),
    path("surveys/<int:pk>/edit/", survey_edit, name="edit"),
    path("surveys/<int:pk>/waves/", wave_start, name="wave_start"),
    path("surveys/waves/<int:pk>/follow-up/", follow_up, name="follow_up"),
    path("departments/<int:pk>/survey-results/", department_results, name="department"),
    path("survey/<str:token>/", answer, name="answer"),
]
