"""The sponsor's answer to a gate exception: in the browser (the sponsor or any member of
leadership, signed in) or from the emailed link (the sponsor, no sign-in; the page in their
language). A GET records nothing (mail scanners open links); a second answer changes nothing."""

import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from rollout.models import GateException, Person
from rollout.services import gates as services

LINK_PAGE = "rollout/plan/gate_exception_link.html"
ANSWERS = {"approve": True, "decline": False}


def _decided_message(exception: GateException) -> str:
    if exception.state == "approved":
        return _("Approved: the phase “%(phase)s” is completed.") % {
            "phase": exception.phase.get_kind_display()
        }
    return _("Declined: the phase “%(phase)s” stays active.") % {
        "phase": exception.phase.get_kind_display()
    }


@require_POST
@login_required
def gate_exception_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The sponsor or a member of leadership approves or declines in the browser."""
    exception = get_object_or_404(
        GateException.objects.select_related("phase__rollout", "sponsor"), pk=pk
    )
    if not services.may_decide(user=request.user, exception=exception):
        raise Http404
    gate_url = reverse("rollout:phase_gate", args=[exception.phase_id])
    answer = request.POST.get("answer", "")
    if answer not in ANSWERS:
        messages.error(request, _("Please approve or decline."))
        return redirect(gate_url + "#gate-exception")
    person = Person.objects.filter(user=request.user).first()
    try:
        decided = services.gate_exception_decide(
            exception=exception, approve=ANSWERS[answer], person=person
        )
    except services.GateExceptionClosed:
        messages.info(request, _("This gate exception has been decided already."))
        return redirect(gate_url + "#gate-log")
    messages.success(request, _decided_message(decided))
    return redirect(gate_url + ("#gate-log" if decided.decision_id else "#gate-exception"))


@never_cache
@require_http_methods(["GET", "POST"])
def gate_exception_link(request: HttpRequest, token: str) -> HttpResponse:
    """The sponsor's emailed link: what is asked, the unmet criteria, two buttons."""
    exception = services.gate_exception_from_link(token=token)
    if exception is None:
        return render(request, "rollout/workflows/link_invalid.html", status=404)
    translation.activate(exception.sponsor.language or translation.get_language())
    request.LANGUAGE_CODE = translation.get_language()
    status = 200
    error = ""
    if request.method == "POST":
        answer = request.POST.get("answer", "")
        if answer not in ANSWERS:
            error = _("Please approve or decline.")
            status = 400
        else:
            # A second answer is refused: the page shows the one recorded first.
            with contextlib.suppress(services.GateExceptionClosed):
                services.gate_exception_decide(
                    exception=exception,
                    approve=ANSWERS[answer],
                    person=exception.sponsor,
                    from_link=True,
                )
            return redirect(request.path)
    exception = services.gate_exception_from_link(token=token)
    states = []
    if exception.state == "pending":
        from rollout.selectors.plan import phase_criteria_states

        states = phase_criteria_states(phase=exception.phase)
    return render(
        request,
        LINK_PAGE,
        {"exception": exception, "states": states, "error": error},
        status=status,
    )


urlpatterns = [
    path("gate/exceptions/<int:pk>/decide/", gate_exception_decide, name="gate_exception_decide"),
    path("gate/exceptions/link/<str:token>/", gate_exception_link, name="gate_exception_link"),
]
