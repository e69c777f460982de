"""Training sessions: the manager schedules, edits, cancels and duplicates them; the trainer
or the manager ticks attendance; invited people answer and give feedback from signed links
in their email, without a password."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import require_manager
from core.htmx import render_fragment_or_page
from core.http import private_no_store
from core.language import language_of, speak
from core.signing import LinkInvalid
from guidelines.forms.trainings import (
    AnswerForm,
    CancelForm,
    FeedbackForm,
    SeriesForm,
    SessionForm,
    WalkInForm,
    WalkInSearchForm,
)
from guidelines.models import InvitationStatus, TrainingInvitation, TrainingSession
from guidelines.selectors import trainings as selectors
from guidelines.services import trainings as services
from notifications.waiting import with_sending_note
from rollout.models import Rollout

TEMPLATES = "guidelines/trainings"


# --- Access helpers: check permission and load; deny with 404 -------------------------------


def _rollout_for_manager(request: HttpRequest, pk: int) -> Rollout:
    require_manager(request.user)
    return get_object_or_404(Rollout, pk=pk)


def _session_for_manager(request: HttpRequest, pk: int) -> TrainingSession:
    require_manager(request.user)
    try:
        return selectors.session_for_page(queryset=TrainingSession.objects.all(), pk=pk)
    except TrainingSession.DoesNotExist:
        raise Http404 from None


def _session_for_trainer(request: HttpRequest, pk: int) -> TrainingSession:
    """The manager, or the session's trainer (a person linked to this user)."""
    session = get_object_or_404(
        TrainingSession.objects.select_related("phase__rollout", "trainer"), pk=pk
    )
    is_trainer = session.trainer is not None and session.trainer.user_id == request.user.pk
    if not (is_trainer or request.user.is_manager):
        raise Http404
    return session


# --- Manager pages ----------------------------------------------------------------------------


@require_GET
@login_required
def training_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The rollout's sessions with seats, waitlist and attendance, and coverage per department."""
    rollout = _rollout_for_manager(request, pk)
    return render(
        request,
        f"{TEMPLATES}/list.html",
        {
            "rollout": rollout,
            "sessions": selectors.sessions_of_rollout(rollout=rollout),
            "coverage": selectors.coverage_rows(rollout=rollout),
            "coverage_kinds": selectors.COVERAGE_KINDS,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def training_create(request: HttpRequest, pk: int) -> HttpResponse:
    rollout = _rollout_for_manager(request, pk)
    form = SessionForm(request.POST or None, rollout=rollout)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.training_session_create(
                phase=data["phase"],
                departments=data["departments"],
                roles=data["roles"],
                people=form.people,
                by=request.user,
                **form.service_fields(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            text = _("“%(title)s” is scheduled; the invitations are on their way.") % {
                "title": session.title
            }
            messages.success(
                request, with_sending_note(text, kind=services.KIND_INVITATION, count=2)
            )
            return redirect("guidelines:training_detail", pk=session.pk)
    return render(
        request,
        f"{TEMPLATES}/form.html",
        {"rollout": rollout, "form": form, "session": None},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def training_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_for_manager(request, pk)
    rollout = session.phase.rollout
    if session.is_cancelled:
        messages.info(request, _("A cancelled session cannot be changed."))
        return redirect("guidelines:training_detail", pk=session.pk)
    form = SessionForm(request.POST or None, rollout=rollout, session=session)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _session, changed = services.training_session_update(
                session=session,
                by=request.user,
                departments=data["departments"],
                people=form.people,
                audience_roles=data["roles"],
                to_waitlist=form.waitlist_ids,
                **form.service_fields(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if not changed:
                messages.info(request, _("Nothing was changed."))
            elif any(name in services.EVENT_FIELDS for name in changed):
                text = _("Saved; everyone who has not declined gets the updated invitation.")
                messages.success(
                    request, with_sending_note(text, kind=services.KIND_INVITATION, count=2)
                )
            else:
                messages.success(request, _("Saved."))
            if "capacity" in changed and form.waitlist_ids:
                moved = len(form.waitlist_ids)
                text = ngettext(
                    "%(count)s person moved to the front of the waitlist and is told by email.",
                    "%(count)s people moved to the front of the waitlist and are told by email.",
                    moved,
                ) % {"count": moved}
                messages.info(request, with_sending_note(text, kind=services.KIND_INVITATION))
            return redirect("guidelines:training_detail", pk=session.pk)
        if "to_waitlist" in form.errors and not form.waitlist_missing:
            # The acceptances changed since the form was checked: count them again.
            form.waitlist_missing = max(
                form.fields["to_waitlist"].queryset.count() - (data.get("capacity") or 0), 1
            )
    return render(
        request,
        f"{TEMPLATES}/form.html",
        {"rollout": rollout, "form": form, "session": session},
        status=400 if form.errors else 200,
    )


@require_GET
@login_required
def training_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A session: details, the answers (with the waitlist in order), attendance and feedback."""
    session = _session_for_manager(request, pk)
    return render(
        request,
        f"{TEMPLATES}/detail.html",
        {
            "session": session,
            "rollout": session.phase.rollout,
            "page": selectors.session_page(session=session),
            "cancel_form": CancelForm(auto_id="cancel-%s"),
        },
    )


@require_POST
@login_required
def training_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_for_manager(request, pk)
    form = CancelForm(request.POST, auto_id="cancel-%s")
    if session.is_cancelled:  # a second click, or a stale page: the form is gone from the page
        messages.info(request, _("The session was already cancelled."))
        return redirect("guidelines:training_detail", pk=session.pk)
    if not form.is_valid():
        return render(
            request,
            f"{TEMPLATES}/detail.html",
            {
                "session": session,
                "rollout": session.phase.rollout,
                "page": selectors.session_page(session=session),
                "cancel_form": form,
            },
            status=400,
        )
    _session, changed = services.training_session_cancel(
        session=session, reason=form.cleaned_data["reason"], by=request.user
    )
    if changed:
        text = _("The session is cancelled; everyone invited is told.")
        messages.success(request, with_sending_note(text, kind=services.KIND_CANCELLED, count=2))
    else:
        messages.info(request, _("The session was already cancelled."))
    return redirect("guidelines:training_detail", pk=session.pk)


@require_http_methods(["GET", "POST"])
@login_required
def training_series(request: HttpRequest, pk: int) -> HttpResponse:
    """Duplicate the session for several departments, one copy each."""
    session = _session_for_manager(request, pk)
    form = SeriesForm(request.POST or None, auto_id="series-%s")
    if request.method == "POST" and form.is_valid():
        created = services.training_series_create(
            session=session,
            departments=form.cleaned_data["departments"],
            interval_days=form.cleaned_data["interval_days"],
            by=request.user,
        )
        messages.success(
            request,
            _("%(count)s sessions were added to the series.") % {"count": len(created)},
        )
        return redirect("guidelines:training_list", pk=session.phase.rollout_id)
    return render(
        request,
        f"{TEMPLATES}/series.html",
        {"session": session, "rollout": session.phase.rollout, "form": form},
        status=400 if form.errors else 200,
    )


@require_GET
@login_required
def training_trainers(request: HttpRequest, pk: int) -> HttpResponse:
    """Feedback results per trainer."""
    rollout = _rollout_for_manager(request, pk)
    return render(
        request,
        f"{TEMPLATES}/trainers.html",
        {"rollout": rollout, "results": selectors.trainer_results(rollout=rollout)},
    )


# --- Attendance (trainer or manager) ----------------------------------------------------------


def _attendance_context(session: TrainingSession, **extra: object) -> dict:
    rows = selectors.attendance_list(session=session)
    return {
        "session": session,
        "rows": rows,
        "attended_total": sum(1 for row in rows if row.attended),
        "search_form": WalkInSearchForm(auto_id="walkin-%s"),
        "walk_in_form": WalkInForm(auto_id="new-%s"),
        **extra,
    }


@require_GET
@login_required
def training_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """The attendance list: one tap per person toggles attended."""
    session = _session_for_trainer(request, pk)
    return render(request, f"{TEMPLATES}/attendance.html", _attendance_context(session))


@require_POST
@login_required
def training_attendance_toggle(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    session = _session_for_trainer(request, pk)
    try:
        invitation = selectors.invitation_for_attendance(session=session, pk=invitation_pk)
    except TrainingInvitation.DoesNotExist:
        raise Http404 from None
    attended = request.POST.get("attended") == "1"
    try:
        invitation, _changed = services.attendance_set(
            invitation=invitation, attended=attended, by=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    if request.htmx:
        rows = selectors.attendance_list(session=session)
        row = next((r for r in rows if r.pk == invitation.pk), invitation)
        return render(
            request,
            f"{TEMPLATES}/attendance.html#row-update",
            {
                "session": session,
                "row": row,
                "rows": rows,
                "attended_total": sum(1 for r in rows if r.attended),
            },
        )
    return redirect("guidelines:training_attendance", pk=session.pk)


@require_GET
@login_required
def training_walk_in_search(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_for_trainer(request, pk)
    form = WalkInSearchForm(request.GET, auto_id="walkin-%s")
    search = form.data.get("q", "")
    people = selectors.people_for_walk_in(session=session, search=search)
    context = _attendance_context(session, people=people, search=search)
    context["search_form"] = form
    return render_fragment_or_page(request, f"{TEMPLATES}/attendance.html", "results", context)


@require_POST
@login_required
def training_walk_in(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_for_trainer(request, pk)
    form = WalkInForm(request.POST, auto_id="new-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            invitation, _created = services.attendance_add_walk_in(
                session=session,
                by=request.user,
                person=data["person"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("%(name)s attended (walk-in).") % {"name": invitation.person}
            )
            return redirect("guidelines:training_attendance", pk=session.pk)
    return render(
        request,
        f"{TEMPLATES}/attendance.html",
        _attendance_context(session, walk_in_form=form),
        status=400,
    )


# --- Signed links: answer and feedback, no sign-in ------------------------------------------


def _invitation_from_link(token: str, *, salt: str, max_age) -> TrainingInvitation:
    """The invitation of a valid link; LinkExpired for a genuine old one; 404 otherwise."""
    try:
        pk = services.invitation_id_from_token(token, salt=salt, max_age=max_age)
    except LinkInvalid:
        raise Http404 from None
    invitation = (
        TrainingInvitation.objects.select_related(
            "session", "session__trainer", "person", "person__user"
        )
        .filter(pk=pk)
        .first()
    )
    if invitation is None:
        raise InvitationGone
    return invitation


class InvitationGone(Exception):
    """A genuine link whose invitation was withdrawn (the person left the audience)."""


def _gone(request: HttpRequest) -> HttpResponse:
    return render(request, f"{TEMPLATES}/link_expired.html", {"withdrawn": True}, status=410)


def _person_of(invitation_id: int):
    """The invited person of an (expired) link's invitation, or None when it is gone."""
    invitation = (
        TrainingInvitation.objects.select_related("person", "person__user")
        .filter(pk=invitation_id)
        .first()
    )
    return invitation.person if invitation else None


def _expired(request: HttpRequest, token: str, invitation_id: int) -> HttpResponse:
    person = _person_of(invitation_id)
    if person is not None:
        speak(request, language_of(person))
    return render(
        request,
        f"{TEMPLATES}/link_expired.html",
        {"token": token, "exists": person is not None},
        status=410,
    )


# What an answer from the mail records, to tell whether it is already given.
_ANSWERED = {
    services.Answer.ACCEPT: (InvitationStatus.ACCEPTED, InvitationStatus.WAITLISTED),
    services.Answer.DECLINE: (InvitationStatus.DECLINED,),
    services.Answer.MAYBE: (InvitationStatus.MAYBE,),
}
_DONE = {"saved": "changed", "same": "unchanged"}


@private_no_store
@require_http_methods(["GET", "POST"])
def training_rsvp(request: HttpRequest, token: str) -> HttpResponse:
    """Answer an invitation, in the person's language. The link in the mail carries the
    answer (`?answer=accept`): GET shows that one answer on one button (mail scanners open
    links, so a GET records nothing), its POST records it and redirects to the page that shows
    the recorded answer, so a reload records nothing again and a double click records once.
    Without an answer in the link the page offers all three."""
    try:
        invitation = _invitation_from_link(
            token, salt=services.RSVP_SALT, max_age=services.RSVP_MAX_AGE
        )
    except services.LinkExpired as expired:
        return _expired(request, token, expired.invitation_id)
    except InvitationGone:
        return _gone(request)
    speak(request, language_of(invitation.person))
    session = invitation.session
    proposed = request.GET.get("answer", "")
    if proposed not in services.Answer.ALL or invitation.status in _ANSWERED[proposed]:
        proposed = ""  # unknown, or given already: the page shows the answer as it is
    # Bound on every POST, even an empty one: an answer missing gets its message.
    form = AnswerForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                invitation, changed = services.invitation_respond(
                    invitation=invitation, answer=form.cleaned_data["answer"]
                )
            except ValidationError as error:
                form.add_error(None, error)
                status = 409
            else:
                done = "saved" if changed else "same"
                return redirect(f"{request.path}?done={done}")
        else:
            status = 400
    return render(
        request,
        f"{TEMPLATES}/rsvp.html",
        {
            "invitation": invitation,
            "session": session,
            "proposed": proposed,
            "form": form,
            "outcome": _DONE.get(request.GET.get("done", "")) if request.method == "GET" else None,
            "closed": session.is_cancelled or session.has_started(),
            "waitlist_place": selectors.waitlist_place(invitation=invitation),
            "InvitationStatus": InvitationStatus,
        },
        status=status,
    )


@private_no_store
@require_POST
def training_rsvp_renew(request: HttpRequest, token: str) -> HttpResponse:
    """From an expired link: send the invitation again with fresh links."""
    try:
        invitation = _invitation_from_link(
            token, salt=services.RSVP_SALT, max_age=services.RSVP_MAX_AGE
        )
    except services.LinkExpired as expired:
        invitation = (
            TrainingInvitation.objects.select_related("session", "person", "person__user")
            .filter(pk=expired.invitation_id)
            .first()
        )
        if invitation is None:
            return _gone(request)
    except InvitationGone:
        return _gone(request)
    speak(request, language_of(invitation.person))
    services.rsvp_link_renew(invitation=invitation)
    return render(request, f"{TEMPLATES}/link_sent.html", {"invitation": invitation})


@private_no_store
@require_http_methods(["GET", "POST"])
def training_feedback(request: HttpRequest, token: str) -> HttpResponse:
    """Feedback from an attendee: a rating from 1 to 5 and a comment, once."""
    try:
        invitation = _invitation_from_link(
            token, salt=services.FEEDBACK_SALT, max_age=services.FEEDBACK_MAX_AGE
        )
    except services.LinkExpired as expired:
        person = _person_of(expired.invitation_id)
        if person is not None:
            speak(request, language_of(person))
        return render(request, f"{TEMPLATES}/feedback.html", {"expired": True}, status=410)
    except InvitationGone:
        raise Http404 from None
    if not invitation.attended:
        raise Http404
    speak(request, language_of(invitation.person))
    existing = getattr(invitation, "feedback", None) if hasattr(invitation, "feedback") else None
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and existing is None and form.is_valid():
        existing, _created = services.feedback_submit(
            invitation=invitation,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        )
        messages.success(request, _("Thank you for your feedback!"))
        return redirect("guidelines:training_feedback", token=token)
    return render(
        request,
        f"{TEMPLATES}/feedback.html",
        {
            "invitation": invitation,
            "session": invitation.session,
            "form": form,
            "feedback": existing,
        },
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("rollouts/<int:pk>/trainings/", training_list, name="training_list"),
    path("rollouts/<int:pk>/trainings/new/", training_create, name="training_create"),
    path("rollouts/<int:pk>/trainings/trainers/", training_trainers, name="training_trainers"),
    path("trainings/<int:pk>/", training_detail, name="training_detail"),
    path("trainings/<int:pk>/edit/", training_edit, name="training_edit"),
    path("trainings/<int:pk>/cancel/", training_cancel, name="training_cancel"),
    path("trainings/<int:pk>/series/", training_series, name="training_series"),
    path("trainings/<int:pk>/attendance/", training_attendance, name="training_attendance"),
    path(
        "trainings/<int:pk>/attendance/<int:invitation_pk>/",
        training_attendance_toggle,
        name="training_attendance_toggle",
    ),
    path(
        "trainings/<int:pk>/walk-in/search/",
        training_walk_in_search,
        name="training_walk_in_search",
    ),
    path("trainings/<int:pk>/walk-in/", training_walk_in, name="training_walk_in"),
    path("t/training/<str:token>/", training_rsvp, name="training_rsvp"),
    path("t/training/<str:token>/renew/", training_rsvp_renew, name="training_rsvp_renew"),
    path("t/training-feedback/<str:token>/", training_feedback, name="training_feedback"),
]
