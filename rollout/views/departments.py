"""Departments: the list, a department's page, importing people from HR exports, the export."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from core.access import manager_required, require_manager
from core.exports import export_response
from core.http import private_no_store
from rollout import selectors
from rollout.forms.departments import (
    DepartmentFilterForm,
    DepartmentLeadershipForm,
    PeopleImportForm,
)
from rollout.models import Department, ImportStatus, PeopleImport
from rollout.privacy import sees_attitudes
from rollout.selectors import departments as department_selectors
from rollout.services.departments import department_set_leadership
from rollout.services.people_files import PeopleFileError
from rollout.services.people_import import (
    PeopleImportBusy,
    PeopleImportClosed,
    PeopleImportOutdated,
    people_import_discard,
    people_import_is_stale,
)
from rollout.services.people_import_jobs import (
    people_import_confirm as people_import_confirm_service,
)
from rollout.services.people_import_jobs import people_import_progress, people_import_upload

# --- Access helpers: check permission and load with the right joins; deny with 404 -------


def _department_for_viewer(request: HttpRequest, pk: int) -> Department:
    """The manager sees every department; a head or deputy only their own."""
    user = request.user
    if user.is_manager:
        queryset = Department.objects.select_related("head", "deputy", "parent")
    else:
        queryset = selectors.departments_led_by(user=user)
    return get_object_or_404(queryset, pk=pk)


def _department_for_manager(request: HttpRequest, pk: int) -> Department:
    require_manager(request.user)
    return get_object_or_404(Department.objects.select_related("head", "deputy", "parent"), pk=pk)


def _import_for_manager(request: HttpRequest, pk: int) -> PeopleImport:
    require_manager(request.user)
    return get_object_or_404(PeopleImport.objects.select_related("uploaded_by"), pk=pk)


# --- Departments ---------------------------------------------------------------------------


@require_GET
@manager_required
def department_list(request: HttpRequest) -> HttpResponse:
    form = DepartmentFilterForm(request.GET or None)
    name = form.cleaned_data["q"] if form.is_valid() else ""
    return render(
        request,
        "rollout/departments/list.html",
        {
            "form": form,
            "name": name,
            # Read only when the cached page ({% pagecache %}) is missing or outdated.
            "listing": SimpleLazyObject(functools.partial(_department_listing, name)),
        },
    )


def _department_listing(name: str) -> department_selectors.DepartmentList:
    return department_selectors.department_list(
        rollout=department_selectors.rollout_for_departments(), name=name
    )


def _render_detail(
    request: HttpRequest,
    department: Department,
    form: DepartmentLeadershipForm | None = None,
    status: int = 200,
) -> HttpResponse:
    rollout = department_selectors.rollout_for_departments()
    page = department_selectors.department_page(department=department, rollout=rollout)
    can_edit = request.user.is_manager
    # A head sees their people, guideline and training figures, but no colleague's attitude
    # and no attitude figures of a small group (rollout.privacy).
    show_attitudes = sees_attitudes(request.user)
    if not show_attitudes and page.readiness is not None:
        page.readiness.hide_attitudes_if_small()
    if can_edit and form is None:
        form = DepartmentLeadershipForm(department=department)
    return render(
        request,
        "rollout/departments/detail.html",
        {
            "page": page,
            "department": department,
            "rollout": rollout,
            "can_edit": can_edit,
            "show_attitudes": show_attitudes,
            "form": form if can_edit else None,
            "readiness": [page.readiness] if page.readiness else [],
        },
        status=status,
    )


@require_GET
@login_required
def department_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _department_for_viewer(request, pk))


@require_POST
@login_required
def department_leadership(request: HttpRequest, pk: int) -> HttpResponse:
    """The manager sets head and deputy; they get the department head role."""
    department = _department_for_manager(request, pk)
    form = DepartmentLeadershipForm(request.POST, department=department)
    if not form.is_valid():
        return _render_detail(request, department, form=form, status=400)
    department_set_leadership(
        department=department,
        head=form.cleaned_data["head"],
        deputy=form.cleaned_data["deputy"],
        by=request.user,
    )
    messages.success(
        request,
        _("Head and deputy of %(department)s have been saved.") % {"department": department.name},
    )
    return redirect("rollout:department_detail", pk=department.pk)


# --- People import and export ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@manager_required
def people_import(request: HttpRequest) -> HttpResponse:
    """Upload an HR export; it is read and shown as a preview, nothing is written yet. A large
    file is read by the worker: the preview page shows its progress."""
    form = (
        PeopleImportForm(request.POST, request.FILES)
        if request.method == "POST"
        else PeopleImportForm()
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            created = people_import_upload(
                content=upload.read(), filename=upload.name or "", by=request.user
            )
        except PeopleFileError as error:
            form.add_error("file", error.message)
        else:
            return redirect("rollout:people_import_preview", pk=created.pk)
    return render(
        request,
        "rollout/departments/import.html",
        {"form": form, "recent": department_selectors.people_imports_recent()},
        status=400 if form.errors else 200,
    )


@require_GET
@login_required
def people_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    people_import = _import_for_manager(request, pk)
    preview = department_selectors.people_import_preview(
        people_import=people_import,
        show=request.GET.get("show", "all"),
        page_number=request.GET.get("page", 1),
    )
    return render(
        request,
        "rollout/departments/import_preview.html",
        {
            "preview": preview,
            "people_import": people_import,
            "filters": department_selectors.PREVIEW_FILTERS,
            "is_stale": people_import_is_stale(people_import),
            "progress": people_import_progress(people_import) if people_import.is_pending else None,
        },
    )


@require_GET
@login_required
def people_import_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress of an import the worker reads or applies (polled by htmx); once it is
    done, htmx reloads the whole page."""
    people_import = _import_for_manager(request, pk)
    if request.htmx and not people_import.is_pending:
        return HttpResponseClientRefresh()
    return render(
        request,
        "rollout/departments/import_preview.html#import-progress",
        {
            "people_import": people_import,
            "progress": people_import_progress(people_import) if people_import.is_pending else None,
        },
    )


@require_POST
@login_required
def people_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Write the previewed changes; a second confirmation writes nothing."""
    people_import = _import_for_manager(request, pk)
    try:
        applied = people_import_confirm_service(people_import=people_import, by=request.user)
    except PeopleImportClosed as closed:
        if closed.status == ImportStatus.APPLIED:
            messages.info(request, _("This import has already been applied."))
        else:
            messages.error(request, _("This import was discarded; please upload the file again."))
        return redirect("rollout:people_import_preview", pk=people_import.pk)
    except PeopleImportOutdated:
        messages.error(
            request,
            _(
                "Another import was applied after this preview was made. Please upload the "
                "file again to see what it would change now."
            ),
        )
        return redirect("rollout:people_import_preview", pk=people_import.pk)
    except PeopleImportBusy:
        messages.error(
            request,
            _(
                "Another import is being applied right now. Please wait until it is finished, "
                "then upload this file again."
            ),
        )
        return redirect("rollout:people_import_preview", pk=people_import.pk)
    if applied.is_pending:
        messages.info(
            request,
            _("The import is being applied in the background; this page shows how far it has got."),
        )
        return redirect("rollout:people_import_preview", pk=people_import.pk)
    counts = applied.summary.get("counts", {})
    department_counts = applied.summary.get("department_counts", {})
    messages.success(
        request,
        _(
            "Import applied: %(created)s people added, %(updated)s updated; "
            "%(departments)s departments added."
        )
        % {
            "created": counts.get("create", 0),
            "updated": counts.get("update", 0),
            "departments": department_counts.get("create", 0),
        },
    )
    return redirect("rollout:department_list")


@require_POST
@login_required
def people_import_discard_view(request: HttpRequest, pk: int) -> HttpResponse:
    people_import = _import_for_manager(request, pk)
    try:
        people_import_discard(people_import=people_import, by=request.user)
    except PeopleImportClosed:
        messages.info(request, _("This import is already closed."))
        return redirect("rollout:people_import_preview", pk=people_import.pk)
    messages.success(request, _("The import has been discarded; nothing was changed."))
    return redirect("rollout:people_import")


@private_no_store
@require_GET
@manager_required
def people_export(request: HttpRequest, fmt: str = "csv") -> HttpResponse:
    """The directory as CSV in the export dialect (core.exports), or as an Excel workbook, with
    the import's column titles in the user's language, so it imports back unchanged. Written
    row by row, so a large company does not fill the memory."""
    return export_response(
        department_selectors.people_export_rows(),
        stem=f"people-{timezone.localdate():%Y-%m-%d}",
        fmt=fmt,
    )


urlpatterns = [
    path("departments/", department_list, name="department_list"),
    path("departments/<int:pk>/", department_detail, name="department_detail"),
    path("departments/<int:pk>/leadership/", department_leadership, name="department_leadership"),
    path("people/import/", people_import, name="people_import"),
    path("people/import/<int:pk>/", people_import_preview, name="people_import_preview"),
    path("people/import/<int:pk>/status/", people_import_status, name="people_import_status"),
    path("people/import/<int:pk>/confirm/", people_import_confirm, name="people_import_confirm"),
    path(
        "people/import/<int:pk>/discard/",
        people_import_discard_view,
        name="people_import_discard",
    ),
    path("people/export.csv", people_export, name="people_export"),
    path("people/export.<str:fmt>", people_export, name="people_export_as"),
]
