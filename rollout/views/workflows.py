"""Content workflows: the manager's overview and editing, a workflow's page, the head's answer
(inline on "My department"), deliveries (also from a supplier's signed link), the signed
link in the head's email and one-time sign-in links.

Pages deny with 404, actions with 403; nothing is written for someone who may not act."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import manager_required, require_manager
from core.language import language_of, speak
from core.throttle import throttled
from notifications.waiting import with_sending_note
from rollout.forms.workflows import (
    ChangesForm,
    DecisionForm,
    DeliveredForm,
    DeliveryForm,
    LoginLinkRequestForm,
    WorkflowForm,
)
from rollout.models import (
    ContentDelivery,
    ContentWorkflow,
    Department,
    WorkflowRevision,
    WorkflowState,
)
from rollout.notices import WORKFLOW_CHANGES_REQUESTED, WORKFLOW_PROPOSED
from rollout.selectors import workflows as selectors
from rollout.services import workflows as services

LIST_TEMPLATE = "rollout/workflows/list.html"
FORM_TEMPLATE = "rollout/workflows/form.html"
DETAIL_TEMPLATE = "rollout/workflows/detail.html"
MINE_TEMPLATE = "rollout/workflows/my_department.html"

# --- Access helpers -------------------------------------------------------------------------


def _workflow_for_viewer(request: HttpRequest, pk: int) -> ContentWorkflow:
    """The manager sees every workflow, a head or deputy their departments'; else 404."""
    queryset = selectors.workflows_visible_to(user=request.user).select_related(
        "department", "department__head", "department__deputy", "latest_revision"
    )
    return get_object_or_404(queryset, pk=pk)


def _workflow_for_manager_action(request: HttpRequest, pk: int) -> ContentWorkflow:
    require_manager(request.user, action=True)
    return get_object_or_404(
        ContentWorkflow.objects.select_related("department", "latest_revision"), pk=pk
    )


def _workflow_for_decision(request: HttpRequest, pk: int) -> ContentWorkflow:
    """Head or deputy of the workflow's department, or the manager (on behalf); else 403,
    whether the workflow exists or not."""
    workflow = (
        selectors.workflows_visible_to(user=request.user)
        .select_related("department", "latest_revision")
        .filter(pk=pk)
        .first()
    )
    if workflow is None:
        raise PermissionDenied
    return workflow


def _safe_next(request: HttpRequest, candidate: str | None, default: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


# --- The manager's overview and editing ------------------------------------------------------


@require_GET
@manager_required
def workflow_list(request: HttpRequest) -> HttpResponse:
    departments = Department.objects.only("id", "name").order_by("name")
    return render(
        request,
        LIST_TEMPLATE,
        {"overview": selectors.workflow_overview(), "all_departments": departments},
    )


@require_http_methods(["GET", "POST"])
@manager_required
def workflow_create(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("department") or request.GET.get("department") or ""
    department = get_object_or_404(Department, pk=int(raw) if raw.isdigit() else 0)
    form = WorkflowForm(request.POST or None, creating=True, department=department)
    if request.method == "POST" and form.is_valid():
        try:
            workflow = services.workflow_create(
                department=department,
                title=form.cleaned_data["title"],
                terms=form.terms(),
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The workflow “%(title)s” has been saved as a draft.") % {"title": workflow},
            )
            return redirect("rollout:workflow_detail", pk=workflow.pk)
    return render(
        request,
        FORM_TEMPLATE,
        {"form": form, "department": department, "workflow": None},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@manager_required
def workflow_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit the draft, or start a new revision of a confirmed workflow (or one sent back)."""
    workflow = get_object_or_404(
        ContentWorkflow.objects.select_related("department", "latest_revision"), pk=pk
    )
    latest = workflow.latest_revision
    if latest.state == WorkflowState.PROPOSED:
        messages.info(
            request,
            _("This revision is waiting for the department head's answer; it cannot be changed."),
        )
        return redirect("rollout:workflow_detail", pk=workflow.pk)
    if request.method == "POST":
        form = WorkflowForm(request.POST, department=workflow.department)
    else:
        form = WorkflowForm(initial=WorkflowForm.initial_from(latest))
    if request.method == "POST" and form.is_valid():
        try:
            revision = services.workflow_edit(
                workflow=workflow, terms=form.terms(), by=request.user
            )
        except services.WorkflowStateError as error:
            messages.error(request, error.message)
            return redirect("rollout:workflow_detail", pk=workflow.pk)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Revision %(number)s is saved as a draft.") % {"number": revision.number},
            )
            return redirect("rollout:workflow_detail", pk=workflow.pk)
    return render(
        request,
        FORM_TEMPLATE,
        {"form": form, "department": workflow.department, "workflow": workflow},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def workflow_propose(request: HttpRequest, pk: int) -> HttpResponse:
    workflow = _workflow_for_manager_action(request, pk)
    try:
        revision = services.workflow_propose(workflow=workflow, by=request.user)
    except services.WorkflowStateError as error:
        latest = WorkflowRevision.objects.get(pk=workflow.latest_revision_id)
        if latest.state == WorkflowState.PROPOSED:  # a double click: sent once
            messages.info(
                request,
                _("Revision %(number)s is already waiting for the department head.")
                % {"number": latest.number},
            )
        else:
            messages.error(request, error.message)
    else:
        text = _("Revision %(number)s has been sent to the department head for confirmation.") % {
            "number": revision.number
        }
        messages.success(request, with_sending_note(text, kind=WORKFLOW_PROPOSED))
    return redirect("rollout:workflow_detail", pk=workflow.pk)


# --- A workflow's page -----------------------------------------------------------------------


def _supply_links(request: HttpRequest, page: selectors.WorkflowPage) -> list[tuple]:
    workflow = page.workflow
    return [
        (
            person,
            request.build_absolute_uri(services.supply_link_path(workflow=workflow, person=person)),
        )
        for person in page.suppliers
    ]


def _render_detail(
    request: HttpRequest,
    workflow: ContentWorkflow,
    *,
    status: int = 200,
    **forms: object,
) -> HttpResponse:
    page = selectors.workflow_page(workflow=workflow)
    is_manager = request.user.is_manager
    may_answer = services.leads_department(request.user, workflow.department)
    pending = page.pending
    waiting = pending is not None and pending.state == WorkflowState.PROPOSED
    context = {
        "page": page,
        "workflow": workflow,
        "is_manager": is_manager,
        "may_answer": may_answer,
        "waiting": waiting,
        "confirm_form": forms.get("confirm_form")
        or DecisionForm(
            initial={"revision": pending.pk if waiting else None}, auto_id="confirm-%s"
        ),
        "changes_form": forms.get("changes_form")
        or ChangesForm(initial={"revision": pending.pk if waiting else None}, auto_id="changes-%s"),
        "delivery_form": forms.get("delivery_form")
        or DeliveryForm(
            initial={"submission_key": services.new_submission_key()},
            suppliers=page.suppliers if is_manager else None,
        ),
        "supply_links": _supply_links(request, page) if is_manager else [],
    }
    return render(request, DETAIL_TEMPLATE, context, status=status)


@require_GET
@login_required
def workflow_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _workflow_for_viewer(request, pk))


# --- The head's answer -----------------------------------------------------------------------


def _after_decision(
    request: HttpRequest, workflow: ContentWorkflow, text: str | None
) -> HttpResponse:
    if text:
        messages.success(request, text)
    if request.htmx and request.POST.get("from") == "mine":
        card = selectors.my_workflow_card(user=request.user, pk=workflow.pk)
        return render(request, f"{MINE_TEMPLATE}#workflow-answered", {"workflow": card})
    if request.POST.get("from") == "mine":
        return redirect("rollout:my_department")
    return redirect("rollout:workflow_detail", pk=workflow.pk)


def _decision_error(
    request: HttpRequest, workflow: ContentWorkflow, *, status: int, **forms: object
) -> HttpResponse:
    if request.POST.get("from") == "mine":
        if request.htmx:
            card = selectors.my_workflow_card(user=request.user, pk=workflow.pk)
            return render(
                request,
                f"{MINE_TEMPLATE}#workflow-card",
                {"workflow": card, "error_for": workflow.pk, **forms},
                status=status,
            )
        for form in forms.values():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        return redirect("rollout:my_department")
    return _render_detail(request, workflow, status=status, **forms)


def _decide(request: HttpRequest, pk: int, *, confirm: bool) -> HttpResponse:
    workflow = _workflow_for_decision(request, pk)
    may_answer = services.leads_department(request.user, workflow.department)
    if not may_answer and not request.user.is_manager:
        raise PermissionDenied
    form_class = DecisionForm if confirm else ChangesForm
    prefix = "confirm" if confirm else "changes"
    form = form_class(request.POST, auto_id=f"{prefix}-%s")
    key = f"{prefix}_form"
    if form.is_valid() and not may_answer and not form.cleaned_data["on_behalf_reason"].strip():
        form.add_error(
            "on_behalf_reason", _("Say why you answer for the department head; it is recorded.")
        )
    if not form.is_valid():
        return _decision_error(request, workflow, status=400, **{key: form})
    data = form.cleaned_data
    service = services.workflow_confirm if confirm else services.workflow_request_changes
    try:
        _revision, changed = service(
            workflow=workflow,
            revision_id=data["revision"],
            by=request.user,
            comment=data["comment"],
            on_behalf_reason=None if may_answer else data["on_behalf_reason"],
        )
    except services.WorkflowStateError as error:
        messages.error(request, error.message)
        return _after_decision(request, workflow, None)
    except ValidationError as error:
        form.add_error(None, error)
        return _decision_error(request, workflow, status=400, **{key: form})
    if confirm:
        text = (
            _("You confirmed “%(title)s”. It is in force now.")
            if changed
            else _("“%(title)s” was already confirmed.")
        )
    else:
        text = (
            _("Your change request for “%(title)s” has been sent to the social media team.")
            if changed
            else _("Changes to “%(title)s” were already requested.")
        )
    text = text % {"title": workflow.title}
    if changed and not confirm:  # the manager is told by email: say when, if it waits
        text = with_sending_note(text, kind=WORKFLOW_CHANGES_REQUESTED)
    return _after_decision(request, workflow, text)


@require_POST
@login_required
def workflow_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, confirm=True)


@require_POST
@login_required
def workflow_request_changes(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, confirm=False)


# --- Deliveries ------------------------------------------------------------------------------


@require_POST
@login_required
def delivery_create(request: HttpRequest, pk: int) -> HttpResponse:
    workflow = _workflow_for_manager_action(request, pk)
    form = DeliveryForm(request.POST, suppliers=selectors.workflow_suppliers(workflow=workflow))
    if not form.is_valid():
        return _render_detail(request, workflow, status=400, delivery_form=form)
    data = form.cleaned_data
    try:
        _delivery, created = services.delivery_log(
            workflow=workflow,
            description=data["description"],
            requested_at=data["requested_at"],
            delivered_at=data["delivered_at"],
            by=request.user,
            supplier=data.get("supplier"),
            submission_key=data["submission_key"],
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _render_detail(request, workflow, status=400, delivery_form=form)
    if created:
        messages.success(request, _("The delivery has been logged."))
    return redirect(f"{reverse('rollout:workflow_detail', args=[workflow.pk])}#deliveries")


@require_POST
@manager_required(actions_forbidden=True)
def delivery_delivered(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(ContentDelivery, pk=pk)
    form = DeliveredForm(request.POST)
    delivered_at = form.cleaned_data["delivered_at"] if form.is_valid() else None
    try:
        changed = services.delivery_mark_delivered(
            delivery=delivery, delivered_at=delivered_at, by=request.user
        )
    except ValidationError:
        messages.error(request, _("Delivered cannot be before requested."))
    else:
        if changed:
            messages.success(request, _("“%(what)s” is marked as delivered.") % {"what": delivery})
    return redirect(f"{reverse('rollout:workflow_detail', args=[delivery.workflow_id])}#deliveries")


@never_cache
@require_http_methods(["GET", "POST"])
def supply(request: HttpRequest, token: str) -> HttpResponse:
    """A supplier's page from the signed link, without a password: their open requests (under
    every workflow they supply), each closed with one button, and a form for content nobody
    asked for yet. A supplier who was removed from the workflow is told that the link is no
    longer valid. Closing redirects back (a reload sends nothing again); closing twice, or
    logging what is already open under the same name, writes no second row."""
    try:
        found = services.supply_from_link(token=token)
    except services.SupplyLinkRevoked:
        return render(request, "rollout/workflows/supply_revoked.html", status=410)
    if found is None:
        return render(request, "rollout/workflows/link_invalid.html", status=404)
    workflow, person = found
    speak(request, language_of(person))  # the mail's language, not the browser's
    if request.method == "POST" and "close" in request.POST:
        return _supply_close(request, person, request.POST["close"])
    form = DeliveryForm(
        request.POST or None, initial={"submission_key": services.new_submission_key()}
    )
    done = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done, _created = services.delivery_log_by_supplier(
                workflow=workflow,
                supplier=person,
                description=data["description"],
                requested_at=data["requested_at"],
                delivered_at=data["delivered_at"],
                submission_key=data["submission_key"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = DeliveryForm(initial={"submission_key": services.new_submission_key()})
    context = {
        "workflow": workflow,
        "person": person,
        "form": form,
        "done": done,
        "open_requests": selectors.supplier_open_requests(person=person),
    }
    return render(
        request, "rollout/workflows/supply.html", context, status=400 if form.errors else 200
    )


def _supply_close(request: HttpRequest, person, raw: str) -> HttpResponse:
    """Close one of the person's own requests (another's is 404), then back to the page."""
    delivery = get_object_or_404(
        ContentDelivery.objects.select_related("workflow"),
        pk=int(raw) if raw.isdigit() else 0,
        supplier=person,
    )
    try:
        changed = services.delivery_mark_delivered(delivery=delivery, by=None)
    except ValidationError:  # requested in the future: it cannot have arrived yet
        messages.error(request, _("Delivered cannot be before requested."))
        return redirect(request.path)
    if changed:
        messages.success(
            request, _("Thank you! “%(what)s” is marked as delivered.") % {"what": delivery}
        )
    else:
        messages.info(
            request, _("“%(what)s” was already marked as delivered.") % {"what": delivery}
        )
    return redirect(request.path)


# --- The head's page -------------------------------------------------------------------------


@require_GET
@login_required
def my_department(request: HttpRequest) -> HttpResponse:
    """Workflows waiting for me, confirmed ones, changes I requested; the department's people."""
    departments = selectors.my_departments(user=request.user)
    if not departments and not request.user.is_department_head:
        raise Http404
    return render(request, MINE_TEMPLATE, {"departments": departments})


# --- Links from emails -----------------------------------------------------------------------


@never_cache
@require_GET
def workflow_link(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link in the head's email: signed in, it opens the workflow; otherwise it
    offers to sign in with a password or with a one-time link by email."""
    workflow = services.workflow_from_link(token=token)
    if workflow is None:
        return render(request, "rollout/workflows/link_invalid.html", status=404)
    target = reverse("rollout:workflow_detail", args=[workflow.pk])
    if request.user.is_authenticated:
        return redirect(target)
    form = LoginLinkRequestForm(initial={"next": target})
    return render(
        request,
        "rollout/workflows/link_landing.html",
        {"workflow": workflow, "form": form, "next": target},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@throttled("account-mail")
def login_link_request(request: HttpRequest) -> HttpResponse:
    """“Send me a sign-in link”: the same answer, in the same time, whether the address has an
    account or not; limited per client address (core/throttle.py)."""
    form = LoginLinkRequestForm(request.POST or None, initial={"next": request.GET.get("next")})
    if request.method == "POST" and form.is_valid():
        next_url = _safe_next(request, form.cleaned_data["next"], "")
        services.login_link_request(email=form.cleaned_data["email"], next_url=next_url)
        return render(request, "rollout/workflows/login_link_sent.html")
    return render(
        request,
        "rollout/workflows/login_link_request.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def login_link(request: HttpRequest, token: str) -> HttpResponse:
    """A one-time sign-in link. GET only shows a button (mail scanners open links); the POST
    uses the link, once."""
    if request.method == "GET":
        link = services.login_link_find(token=token)
        if link is None:
            return render(request, "rollout/workflows/link_invalid.html", status=404)
        return render(request, "rollout/workflows/login_link_confirm.html", {"link": link})
    link = services.login_link_consume(token=token)
    if link is None:
        return render(request, "rollout/workflows/link_invalid.html", status=404)
    login(request, link.user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(_safe_next(request, link.next_url, reverse("rollout:home")))


urlpatterns = [
    path("workflows/", workflow_list, name="workflow_list"),
    path("workflows/new/", workflow_create, name="workflow_create"),
    path("workflows/<int:pk>/", workflow_detail, name="workflow_detail"),
    path("workflows/<int:pk>/edit/", workflow_edit, name="workflow_edit"),
    path("workflows/<int:pk>/propose/", workflow_propose, name="workflow_propose"),
    path("workflows/<int:pk>/confirm/", workflow_confirm, name="workflow_confirm"),
    path(
        "workflows/<int:pk>/request-changes/",
        workflow_request_changes,
        name="workflow_request_changes",
    ),
    path("workflows/<int:pk>/deliveries/", delivery_create, name="delivery_create"),
    path("deliveries/<int:pk>/delivered/", delivery_delivered, name="delivery_delivered"),
    path("workflows/link/<str:token>/", workflow_link, name="workflow_link"),
    path("supply/<str:token>/", supply, name="supply"),
    path("my-department/", my_department, name="my_department"),
    path("accounts/sign-in-link/", login_link_request, name="login_link_request"),
    path("accounts/sign-in-link/<str:token>/", login_link, name="login_link"),
]
