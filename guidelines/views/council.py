"""The works council's pages (Betriebsrat): the versions sent to it, each with its text, its
questions and what changed, and the council's decision from its own login: approve (date and
works agreement reference) or send back to draft with a comment. The social media manager
may read these pages too, and records a paper approval on the version's own page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.access import deny
from guidelines.forms.guidelines import ApproveForm, SendBackForm
from guidelines.models import GuidelineVersion, VersionEvent, VersionEventKind, VersionStatus
from guidelines.selectors import guidelines as selectors
from guidelines.services import guidelines as services

LIST_TEMPLATE = "guidelines/council_list.html"
VERSION_TEMPLATE = "guidelines/council_version.html"
# Versions the council has seen: every status but the draft never sent.
SEEN_STATUSES = [
    VersionStatus.REVIEW,
    VersionStatus.APPROVED,
    VersionStatus.PUBLISHED,
    VersionStatus.SUPERSEDED,
]
RECENT_DECISIONS = 10


def _council_reader(request: HttpRequest) -> None:
    """Members of the works council and the social media manager; anyone else gets a 404."""
    if not (request.user.is_works_council or request.user.is_manager):
        raise Http404


def _council_member(request: HttpRequest) -> None:
    """Deciding is the council's own act (the manager records a paper approval on the
    version's page): anyone else is refused with a 403."""
    if not request.user.is_works_council:
        deny(action=True)


def _seen_version(pk: int) -> GuidelineVersion:
    try:
        version = selectors.version_detail(queryset=GuidelineVersion.objects.all(), pk=pk)
    except GuidelineVersion.DoesNotExist:
        raise Http404 from None
    if version.status not in SEEN_STATUSES and not version.submitted_at:
        raise Http404  # a draft never sent is the manager's business
    return version


@require_GET
@login_required
def council_list(request: HttpRequest) -> HttpResponse:
    """What waits for the council, oldest first, and its latest decisions: 2 queries."""
    _council_reader(request)
    waiting = list(
        GuidelineVersion.objects.filter(status=VersionStatus.REVIEW)
        .select_related("guideline")
        .order_by("submitted_at", "pk")
    )
    decided = list(
        VersionEvent.objects.filter(
            kind__in=[VersionEventKind.APPROVED, VersionEventKind.PULLED_BACK],
            version__submitted_at__isnull=False,
        )
        .select_related("version__guideline", "by")
        .order_by("-at", "-pk")[:RECENT_DECISIONS]
    )
    return render(
        request,
        LIST_TEMPLATE,
        {"waiting": waiting, "decided": decided, "is_member": request.user.is_works_council},
    )


def _context(request: HttpRequest, version: GuidelineVersion, **forms) -> dict:
    old = selectors.version_previous(version=version)
    changes = selectors.version_diff(old=old, new=version) if old else []
    context = {
        "version": version,
        "guideline": version.guideline,
        "questions": list(version.questions.all()),
        "events": list(version.events.select_related("by")),
        "old": old,
        "changes": changes,
        "has_changes": any(change.is_change for change in changes),
        "is_member": request.user.is_works_council,
        "approve_form": ApproveForm(initial={"approved_on": timezone.localdate()}, on_paper=False),
        "send_back_form": SendBackForm(),
    }
    context.update(forms)
    return context


@require_GET
@login_required
def council_version(request: HttpRequest, pk: int) -> HttpResponse:
    """A version as the council reads it: the text, the questions, what changed against the
    version in force, the fingerprint of the text sent, the history, and the decision."""
    _council_reader(request)
    version = _seen_version(pk)
    return render(request, VERSION_TEMPLATE, _context(request, version))


@require_POST
@login_required
def council_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """The council approves exactly the text it was sent. Twice changes nothing."""
    _council_member(request)
    version = _seen_version(pk)
    if version.status != VersionStatus.REVIEW:
        messages.info(request, _("The works council has already decided on this version."))
        return redirect("guidelines:council_version", pk=version.pk)
    form = ApproveForm(
        request.POST,
        submitted_on=timezone.localdate(version.submitted_at) if version.submitted_at else None,
        on_paper=False,
    )
    if form.is_valid():
        try:
            services.version_approve(version=version, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
    if form.errors:
        return render(
            request,
            VERSION_TEMPLATE,
            _context(request, _seen_version(pk), approve_form=form),
            status=400,
        )
    messages.success(
        request, _("Approved. The social media manager has been told and can publish it.")
    )
    return redirect("guidelines:council_version", pk=version.pk)


@require_POST
@login_required
def council_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    """The council sends the version back to draft with what it asks for."""
    _council_member(request)
    version = _seen_version(pk)
    if version.status != VersionStatus.REVIEW:
        messages.info(request, _("The works council has already decided on this version."))
        return redirect("guidelines:council_version", pk=version.pk)
    form = SendBackForm(request.POST)
    if form.is_valid():
        try:
            services.version_return_to_draft(
                version=version, reason=form.cleaned_data["comment"], by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
    if form.errors:
        return render(
            request,
            VERSION_TEMPLATE,
            _context(request, _seen_version(pk), send_back_form=form),
            status=400,
        )
    messages.success(
        request, _("Sent back. The social media manager has been told what should change.")
    )
    return redirect("guidelines:council_list")


urlpatterns = [
    path("works-council/", council_list, name="council_list"),
    path("works-council/versions/<int:pk>/", council_version, name="council_version"),
    path("works-council/versions/<int:pk>/approve/", council_approve, name="council_approve"),
    path("works-council/versions/<int:pk>/send-back/", council_send_back, name="council_send_back"),
]
