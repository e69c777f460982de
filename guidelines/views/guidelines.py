"""Guideline pages: the manager writes versions, takes them through works council review and
publishes them; leadership reads along; the compliance report shows who has acknowledged.
Employees acknowledge from the personal link in their email (no account needed), or signed in.

Department heads (and deputies) see the versions in force and the compliance of their own
departments only. Deny by default: pages answer 404 and actions 403 to anyone who may not use
them.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import is_manager_or_leadership, manager_required, require_manager
from core.exports import export_response
from core.http import private_no_store
from core.language import language_of, speak
from guidelines.forms.guidelines import (
    AcknowledgeForm,
    ApproveForm,
    GuidelineForm,
    OnBehalfForm,
    PublishForm,
    QuestionForm,
    ReturnToDraftForm,
    VersionForm,
)
from guidelines.models import (
    PUBLISHED_STATUSES,
    AcknowledgmentMethod,
    AcknowledgmentRequest,
    ComprehensionQuestion,
    Guideline,
    GuidelineVersion,
    VersionStatus,
)
from guidelines.selectors import guidelines as selectors
from guidelines.services import guidelines as services
from notifications.waiting import with_sending_note
from rollout.privacy import MIN_GROUP, small

LIST_TEMPLATE = "guidelines/list.html"
VERSION_TEMPLATE = "guidelines/version.html"
EDIT_TEMPLATE = "guidelines/version_edit.html"
CREATE_TEMPLATE = "guidelines/guideline_form.html"
PUBLISH_TEMPLATE = "guidelines/publish.html"
DIFF_TEMPLATE = "guidelines/diff.html"
COMPLIANCE_TEMPLATE = "guidelines/compliance.html"
ON_BEHALF_TEMPLATE = "guidelines/on_behalf.html"
ACK_TEMPLATE = "guidelines/acknowledge.html"
LINK_TEMPLATE = "guidelines/link.html"

# --- Access helpers ---------------------------------------------------------------------------


def _reader_departments(request: HttpRequest) -> list[int] | None:
    """Whose compliance the user may see: everyone's (None) for the manager and leadership,
    their own departments' for a department head; anyone else gets a 404."""
    if is_manager_or_leadership(request.user):
        return None
    if request.user.is_department_head:
        from rollout.selectors.core import departments_led_by

        ids = list(departments_led_by(user=request.user).values_list("pk", flat=True))
        if ids:
            return ids
    raise Http404


def _published_for_heads(version: GuidelineVersion, scope: list[int] | None) -> None:
    """A department head sees versions once they are in force (or were), not drafts."""
    if scope is not None and version.status not in PUBLISHED_STATUSES:
        raise Http404


def _version(pk: int, *, detail: bool = False) -> GuidelineVersion:
    if detail:
        try:
            return selectors.version_detail(queryset=GuidelineVersion.objects.all(), pk=pk)
        except GuidelineVersion.DoesNotExist:
            raise Http404 from None
    return get_object_or_404(GuidelineVersion.objects.select_related("guideline"), pk=pk)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- The manager's and leadership's pages -----------------------------------------------------


@require_GET
@login_required
def guideline_list(request: HttpRequest) -> HttpResponse:
    """Every guideline with its versions and their status (department heads: the versions
    in force or superseded)."""
    scope = _reader_departments(request)
    return render(
        request,
        LIST_TEMPLATE,
        {
            "guidelines": selectors.guideline_list(in_force_only=scope is not None),
            "may_edit": request.user.is_manager,
            "all_versions": scope is None,
        },
    )


@require_http_methods(["GET", "POST"])
@manager_required(actions_forbidden=True)
def guideline_create(request: HttpRequest) -> HttpResponse:
    """A new guideline with its first version as a draft."""
    form = GuidelineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            guideline = services.guideline_create(
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                body=form.cleaned_data["body"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The guideline has been created as a draft."))
            return redirect("guidelines:version", pk=guideline.versions.get().pk)
    return render(request, CREATE_TEMPLATE, {"form": form}, status=400 if form.errors else 200)


def _submitted_on(version: GuidelineVersion):
    return timezone.localdate(version.submitted_at) if version.submitted_at else None


def _version_context(request: HttpRequest, version: GuidelineVersion, **forms) -> dict:
    context = {
        "version": version,
        "guideline": version.guideline,
        "questions": list(version.questions.all()),
        "events": list(version.events.select_related("by")),
        "may_edit": request.user.is_manager,
        "approve_form": ApproveForm(initial={"approved_on": timezone.localdate()}),
        "question_form": QuestionForm(),
        "return_form": ReturnToDraftForm(),
        "frozen_message": services.frozen_message(version) if version.is_frozen else "",
    }
    context.update(forms)
    return context


@require_GET
@login_required
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A version: its status, text, questions and the next step."""
    scope = _reader_departments(request)
    version = _version(pk, detail=True)
    _published_for_heads(version, scope)
    return render(request, VERSION_TEMPLATE, _version_context(request, version))


@require_POST
@manager_required(actions_forbidden=True)
def version_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the next version of a guideline from the latest text (or open the one in the
    works)."""
    guideline = get_object_or_404(Guideline, pk=pk)
    version, created = services.version_create(guideline=guideline, by=request.user)
    if created:
        messages.success(
            request,
            _("Version %(number)s has been started as a draft.") % {"number": version.number},
        )
    else:
        messages.info(
            request, _("Version %(number)s is already in the works.") % {"number": version.number}
        )
    return redirect("guidelines:version_edit", pk=version.pk)


@require_http_methods(["GET", "POST"])
@manager_required(actions_forbidden=True)
def version_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit the text of a draft. With the works council or approved, the text is frozen: the
    page says why, keeps the effective date editable and offers to go back to draft. A text
    sent from a page opened before the submission is refused and shown again (not lost)."""
    version = _version(pk)
    if not version.is_editable and not version.is_frozen:
        messages.info(request, _("This version can no longer be changed."))
        return redirect("guidelines:version", pk=version.pk)
    frozen = version.is_frozen and "body" not in request.POST
    form = VersionForm(
        request.POST or None,
        frozen=frozen,
        initial={
            "body": version.body,
            "change_summary": version.change_summary,
            "effective_date": version.effective_date,
            "body_en": version.body_en,
            "change_summary_en": version.change_summary_en,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = {
            "body": version.body,
            "change_summary": version.change_summary,
            **form.cleaned_data,
        }
        try:
            services.version_update(version=version, by=request.user, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            saved = _("The effective date has been saved.") if frozen else None
            messages.success(request, saved or _("The text has been saved."))
            return redirect("guidelines:version", pk=version.pk)
    return render(
        request,
        EDIT_TEMPLATE,
        {
            "version": version,
            "guideline": version.guideline,
            "form": form,
            "frozen": version.is_frozen,
            "frozen_message": services.frozen_message(version) if version.is_frozen else "",
            "return_form": ReturnToDraftForm(),
        },
        status=400 if form.errors else 200,
    )


def _step(request: HttpRequest, pk: int, step, success: str) -> HttpResponse:
    require_manager(request.user, action=True)
    version = _version(pk)
    try:
        step(version=version, by=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, success)
    return redirect("guidelines:version", pk=version.pk)


@require_POST
@login_required
def version_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the draft to the works council."""
    return _step(
        request, pk, services.version_submit, _("The version is now in works council review.")
    )


@require_POST
@manager_required(actions_forbidden=True)
def version_return(request: HttpRequest, pk: int) -> HttpResponse:
    """Back to draft (the works council asked for changes, or the manager wants to change the
    text), with a reason that goes into the version's history."""
    version = _version(pk)
    if version.status == VersionStatus.DRAFT:
        messages.info(request, _("The version is a draft again."))
        return redirect("guidelines:version", pk=version.pk)
    form = ReturnToDraftForm(request.POST)
    if form.is_valid():
        try:
            services.version_return_to_draft(
                version=version, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as error:
            form.add_error(None, _error_text(error))
    if form.errors:
        version = _version(pk, detail=True)
        return render(
            request,
            VERSION_TEMPLATE,
            _version_context(request, version, return_form=form),
            status=400,
        )
    messages.success(request, _("The version is a draft again."))
    return redirect("guidelines:version", pk=version.pk)


@require_POST
@manager_required(actions_forbidden=True)
def version_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the works council's approval."""
    version = _version(pk)
    form = ApproveForm(request.POST, submitted_on=_submitted_on(version))
    if form.is_valid():
        try:
            services.version_approve(version=version, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
    if form.errors:
        version = _version(pk, detail=True)
        return render(
            request,
            VERSION_TEMPLATE,
            _version_context(request, version, approve_form=form),
            status=400,
        )
    messages.success(request, _("The approval has been recorded."))
    return redirect("guidelines:version", pk=version.pk)


@require_http_methods(["GET", "POST"])
@manager_required(actions_forbidden=True)
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish an approved version: everyone in scope is asked to acknowledge it by email."""
    version = _version(pk)
    if version.status != VersionStatus.APPROVED:
        if request.method == "POST" and version.status == VersionStatus.PUBLISHED:
            messages.info(request, _("This version is already published."))
        elif request.method == "GET":
            messages.info(request, _("Only an approved version can be published."))
        return redirect("guidelines:version", pk=version.pk)
    form = PublishForm(request.POST or None, needs_effective_date=version.effective_date is None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.version_publish(
                version=version,
                by=request.user,
                scope_all=data["scope"] == "all",
                departments=data["departments"] or [],
                acknowledge_by=data["acknowledge_by"],
                effective_date=data.get("effective_date"),
                effective_on_publication=data.get("effective_on_publication", False),
            )
        except ValidationError as error:
            form.add_error(None, _error_text(error))
        else:
            text = _(
                "Version %(number)s is published; %(count)s people are asked to acknowledge it."
            ) % {"number": version.number, "count": result.requests_created}
            messages.success(
                request,
                with_sending_note(
                    text, kind=services.KIND_ACK_REQUEST, count=result.requests_created
                ),
            )
            return redirect("guidelines:compliance", pk=version.pk)
    previous = selectors.version_current(guideline_id=version.guideline_id)
    return render(
        request,
        PUBLISH_TEMPLATE,
        {"version": version, "guideline": version.guideline, "form": form, "previous": previous},
        status=400 if form.errors else 200,
    )


@require_POST
@manager_required(actions_forbidden=True)
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a comprehension question."""
    version = _version(pk)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.question_add(
                version=version,
                text=form.cleaned_data["text"],
                choices=form.cleaned_data["choice_list"],
                correct_choice=form.cleaned_data["correct_choice"] - 1,
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
    if form.errors:
        version = _version(pk, detail=True)
        return render(
            request,
            VERSION_TEMPLATE,
            _version_context(request, version, question_form=form),
            status=400,
        )
    messages.success(request, _("The question has been added."))
    return redirect(reverse("guidelines:version", args=[version.pk]) + "#questions")


@require_POST
@manager_required(actions_forbidden=True)
def question_delete(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(ComprehensionQuestion.objects.select_related("version"), pk=pk)
    try:
        services.question_delete(question=question, by=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The question has been removed."))
    return redirect(reverse("guidelines:version", args=[question.version_id]) + "#questions")


@require_GET
@login_required
def version_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """What changed, section by section, against the previous version in force (or
    `?against=<version id>` of the same guideline)."""
    scope = _reader_departments(request)
    version = _version(pk)
    _published_for_heads(version, scope)
    against = request.GET.get("against", "")
    if against.isdigit():
        old = get_object_or_404(
            GuidelineVersion, pk=int(against), guideline_id=version.guideline_id
        )
        _published_for_heads(old, scope)
    else:
        old = selectors.version_previous(version=version)
    changes = selectors.version_diff(old=old, new=version) if old else []
    others = [
        v
        for v in version.guideline.versions.order_by("-number")
        if v.pk != version.pk and (scope is None or v.status in PUBLISHED_STATUSES)
    ]
    return render(
        request,
        DIFF_TEMPLATE,
        {
            "version": version,
            "guideline": version.guideline,
            "old": old,
            "changes": changes,
            "others": others,
            "has_changes": any(change.is_change for change in changes),
        },
    )


@require_GET
@login_required
def compliance(request: HttpRequest, pk: int) -> HttpResponse:
    """Acknowledged / pending / overdue per department and overall, with the people missing
    (a department head: their own departments only)."""
    scope = _reader_departments(request)
    version = _version(pk)
    _published_for_heads(version, scope)
    private = _figures_only(request)
    department = "" if private else request.GET.get("department", "")
    department_id = int(department) if department.isdigit() else None
    if department_id is not None and scope is not None and department_id not in scope:
        raise Http404
    report = selectors.compliance_report(
        version=version, department_id=department_id, department_ids=scope
    )
    if private:
        report.departments = _merge_small_groups(report.departments)
        report.missing = []
    return render(
        request,
        COMPLIANCE_TEMPLATE,
        {
            "version": version,
            "guideline": version.guideline,
            "report": report,
            "may_edit": request.user.is_manager,
            "own_departments_only": scope is not None,
            "private": private,
        },
    )


def _figures_only(request: HttpRequest) -> bool:
    """Leadership (who is not also the manager) sees figures, never a person: the rule of
    the leadership report (rollout.privacy) holds on the compliance page too."""
    return request.user.is_leadership and not request.user.is_manager


def _merge_small_groups(rows: list) -> list:
    """Departments with fewer than MIN_GROUP people asked are merged into one row ("smaller
    departments"), which is hidden itself when it is still under MIN_GROUP."""
    shown, merged = (
        [],
        selectors.ComplianceRow(
            department_id=None,
            name=_("Smaller departments (under %(n)s people)") % {"n": MIN_GROUP},
        ),
    )
    for row in rows:
        if small(row.total):
            for name in ("total", "acknowledged", "pending", "overdue", "left"):
                setattr(merged, name, getattr(merged, name) + getattr(row, name))
        else:
            if row.department_id is None:
                row.name = _("No department")
            shown.append(row)
    if merged.total >= MIN_GROUP:
        shown.append(merged)
    return shown


@private_no_store
@require_GET
@login_required
def compliance_csv(request: HttpRequest, pk: int, fmt: str = "csv") -> HttpResponse:
    """Everyone asked (a department head: of their departments), with department, status and
    how they acknowledged."""
    scope = _reader_departments(request)
    if _figures_only(request):
        raise Http404  # one row per person: not for leadership (the page has the figures)
    version = _version(pk)
    _published_for_heads(version, scope)
    today = timezone.localdate()
    labels = {
        "acknowledged": _("acknowledged"),
        "overdue": _("overdue"),
        "pending": _("pending"),
        "left": _("left"),
    }

    def rows():
        yield [
            _("Last name"),
            _("First name"),
            _("Email address"),
            _("Department"),
            _("Status"),
            _("Acknowledged"),
            _("Method"),
            _("Reason"),
            _("Acknowledge by"),
        ]
        for item in selectors.compliance_csv_rows(version=version, department_ids=scope):
            ack = getattr(item, "acknowledgment", None)
            status = labels[selectors.request_status(item, today)]
            yield [
                item.person.last_name,
                item.person.first_name,
                item.person.email,
                item.person.department.name if item.person.department else "",
                status,
                ack.acknowledged_at if ack else "",
                ack.get_method_display() if ack else "",
                ack.reason if ack else "",
                item.due or "",
            ]

    return export_response(
        rows(), stem=f"acknowledgments-{version.guideline_id}-v{version.number}", fmt=fmt
    )


@require_http_methods(["GET", "POST"])
@manager_required(actions_forbidden=True)
def on_behalf(request: HttpRequest, pk: int) -> HttpResponse:
    """Record someone's acknowledgment on their behalf (paper form), with a reason."""
    ack_request = get_object_or_404(
        AcknowledgmentRequest.objects.select_related("version__guideline", "person__department"),
        pk=pk,
    )
    form = OnBehalfForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _ack, created = services.acknowledgment_record(
                request=ack_request,
                method=AcknowledgmentMethod.ON_BEHALF,
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if created:
                messages.success(
                    request,
                    _("The acknowledgment of %(name)s has been recorded.")
                    % {"name": ack_request.person},
                )
            else:
                messages.info(
                    request,
                    _("%(name)s had already acknowledged this version.")
                    % {"name": ack_request.person},
                )
            return redirect("guidelines:compliance", pk=ack_request.version_id)
    return render(
        request,
        ON_BEHALF_TEMPLATE,
        {"ack_request": ack_request, "version": ack_request.version, "form": form},
        status=400 if form.errors else 200,
    )


# --- Employees: the personal link and the signed-in page ---------------------------------------


def _acknowledge_page(
    request: HttpRequest,
    ack_request: AcknowledgmentRequest,
    *,
    method: str,
    action: str,
) -> HttpResponse:
    """The version with (for an update) the changed sections first, the comprehension check
    and the button; a POST records the acknowledgment once and shows the page again."""
    page = selectors.acknowledgment_page(request=ack_request)
    form = AcknowledgeForm(
        request.POST if request.method == "POST" else None, questions=page.questions
    )
    status = 200
    if request.method == "POST" and page.acknowledgment is None:
        if form.is_valid():
            try:
                services.acknowledgment_record(
                    request=ack_request,
                    method=method,
                    by=request.user if request.user.is_authenticated else None,
                    answers=form.answers(),
                    questions=page.questions,
                )
            except services.WrongAnswers as error:
                form.mark_wrong(error.questions)
                form.add_error(None, error.messages[0])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Thank you: your acknowledgment has been recorded."))
                return redirect(action)
        status = 400
    english = translation.get_language() == "en" and page.version.has_english
    return render(
        request,
        ACK_TEMPLATE,
        {
            "page": page,
            "version": page.version,
            "form": form,
            "action": action,
            "english": english,
        },
        status=status,
    )


def _link_page(request: HttpRequest, state: str, *, status: int, **context) -> HttpResponse:
    return render(request, LINK_TEMPLATE, {"state": state, **context}, status=status)


@private_no_store
@require_http_methods(["GET", "POST"])
def acknowledge(request: HttpRequest, token: str) -> HttpResponse:
    """The page behind the personal link in the email. No password: the signed link is the
    key. An expired link offers a fresh one by email (never a way around the expiry); a
    superseded version's link leads to the current version; a person outside the version's
    scope is refused."""
    reading = services.ack_token_read(token)
    if reading is None:
        return _link_page(request, "invalid", status=404)
    ack_request = selectors.acknowledgment_request_for(
        person_id=reading.person_id, version_id=reading.version_id
    )
    if ack_request is None:
        return _link_page(request, "not_in_scope", status=404)
    if not ack_request.person.is_active:
        return _link_page(request, "invalid", status=404)
    speak(request, language_of(ack_request.person))  # the mail's language, not the browser's
    version = ack_request.version
    if version.status not in PUBLISHED_STATUSES:
        return _link_page(request, "invalid", status=404)
    if reading.expired:
        return _link_page(
            request,
            "expired",
            status=200,
            version=version,
            resend_url=reverse("guidelines:acknowledge_resend", kwargs={"token": token}),
        )
    if version.status == VersionStatus.SUPERSEDED:
        current = _current_request(ack_request)
        if current is not None:
            return redirect(
                services.ack_url(
                    person_id=current.person_id, version_id=current.version_id, absolute=False
                )
            )
        return _link_page(request, "superseded", status=200, version=version)
    return _acknowledge_page(
        request,
        ack_request,
        method=AcknowledgmentMethod.LINK,
        action=reverse("guidelines:acknowledge", kwargs={"token": token}),
    )


def _current_request(ack_request: AcknowledgmentRequest) -> AcknowledgmentRequest | None:
    """For a superseded version's request: the same person's request for the version in
    force, if they are asked for it (2 queries)."""
    current = selectors.version_current(guideline_id=ack_request.version.guideline_id)
    if current is None:
        return None
    return selectors.acknowledgment_request_for(
        person_id=ack_request.person_id, version_id=current.pk
    )


@private_no_store
@require_POST
def acknowledge_resend(request: HttpRequest, token: str) -> HttpResponse:
    """From an expired link: email a fresh one (for the version in force) to the person's own
    address."""
    reading = services.ack_token_read(token)
    if reading is None:
        return _link_page(request, "invalid", status=404)
    ack_request = selectors.acknowledgment_request_for(
        person_id=reading.person_id, version_id=reading.version_id
    )
    if ack_request is None or not ack_request.person.is_active:
        return _link_page(request, "not_in_scope", status=404)
    speak(request, language_of(ack_request.person))
    if ack_request.version.status == VersionStatus.SUPERSEDED:
        superseded = ack_request.version
        ack_request = _current_request(ack_request)
        if ack_request is None:
            return _link_page(request, "superseded", status=200, version=superseded)
    elif ack_request.version.status != VersionStatus.PUBLISHED:
        return _link_page(request, "invalid", status=404)
    services.ack_link_resend(request=ack_request)
    return _link_page(request, "resent", status=200, version=ack_request.version)


@require_http_methods(["GET", "POST"])
@login_required
def acknowledge_signed_in(request: HttpRequest, pk: int) -> HttpResponse:
    """The same page for a signed-in employee: version `pk`, for their own directory entry."""
    person = getattr(request.user, "person", None)
    if person is None:
        raise Http404
    ack_request = selectors.acknowledgment_request_for(person_id=person.pk, version_id=pk)
    if ack_request is None or ack_request.version.status != VersionStatus.PUBLISHED:
        raise Http404
    return _acknowledge_page(
        request,
        ack_request,
        method=AcknowledgmentMethod.SIGNED_IN,
        action=reverse("guidelines:acknowledge_signed_in", args=[pk]),
    )


@require_GET
@login_required
def my_guidelines(request: HttpRequest) -> HttpResponse:
    """The signed-in person's guidelines still to acknowledge."""
    person = getattr(request.user, "person", None)
    pending = selectors.pending_for_person(person_id=person.pk) if person else []
    return render(request, "guidelines/mine.html", {"pending": pending})


urlpatterns = [
    path("guidelines/", guideline_list, name="list"),
    path("guidelines/new/", guideline_create, name="create"),
    path("guidelines/mine/", my_guidelines, name="mine"),
    path("guidelines/<int:pk>/versions/new/", version_new, name="version_new"),
    path("guidelines/versions/<int:pk>/", version_detail, name="version"),
    path("guidelines/versions/<int:pk>/edit/", version_edit, name="version_edit"),
    path("guidelines/versions/<int:pk>/submit/", version_submit, name="version_submit"),
    path("guidelines/versions/<int:pk>/return/", version_return, name="version_return"),
    path("guidelines/versions/<int:pk>/approve/", version_approve, name="version_approve"),
    path("guidelines/versions/<int:pk>/publish/", version_publish, name="version_publish"),
    path("guidelines/versions/<int:pk>/questions/", question_add, name="question_add"),
    path("guidelines/questions/<int:pk>/delete/", question_delete, name="question_delete"),
    path("guidelines/versions/<int:pk>/diff/", version_diff, name="version_diff"),
    path("guidelines/versions/<int:pk>/compliance/", compliance, name="compliance"),
    path("guidelines/versions/<int:pk>/compliance.csv", compliance_csv, name="compliance_csv"),
    path(
        "guidelines/versions/<int:pk>/compliance.<str:fmt>",
        compliance_csv,
        name="compliance_export",
    ),
    path("guidelines/requests/<int:pk>/on-behalf/", on_behalf, name="on_behalf"),
    path(
        "guidelines/versions/<int:pk>/acknowledge/",
        acknowledge_signed_in,
        name="acknowledge_signed_in",
    ),
    path("g/<str:token>/", acknowledge, name="acknowledge"),
    path("g/<str:token>/new-link/", acknowledge_resend, name="acknowledge_resend"),
]
