"""Leadership progress reports: the history with downloads, "Create report", the status
fragment polled with htmx while a report renders, the download, and the CSV/XLSX export of
the same figures. Manager and leadership only; anyone else gets 404."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from core.access import (
    manager_or_leadership_required,
    manager_required,
    require_manager_or_leadership,
)
from core.exports import FORMATS, export_response
from core.http import private_no_store
from reports import branding as branding_services
from reports import selectors, services
from reports.export import figures_csv_rows
from reports.forms import BrandingForm, ReportForm, ReportScheduleForm
from reports.models import Report, ReportStatus
from rollout.models import Rollout
from rollout.selectors.core import rollouts_visible_to

LIST_TEMPLATE = "reports/list.html"


def _rollout_for_reader(request: HttpRequest, pk: int) -> Rollout:
    require_manager_or_leadership(request.user)
    return get_object_or_404(rollouts_visible_to(user=request.user), pk=pk)


def _report_for_reader(request: HttpRequest, pk: int) -> Report:
    require_manager_or_leadership(request.user)
    report = selectors.report_for(queryset=Report.objects.all(), pk=pk)
    if report is None:
        raise Http404
    return report


@require_GET
@login_required
def report_list(request: HttpRequest, pk: int) -> HttpResponse:
    rollout = _rollout_for_reader(request, pk)
    language = (get_language() or "de")[:2]
    return render(
        request,
        LIST_TEMPLATE,
        {
            "rollout": rollout,
            "reports": selectors.reports_of_rollout(rollout=rollout),
            "schedule_summary": selectors.schedule_summary(schedule=services.schedule_of(rollout)),
            "form": ReportForm(
                initial={"language": language if language in ("de", "en") else "de"}
            ),
        },
    )


@require_POST
@manager_or_leadership_required(actions_forbidden=True)
def report_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    rollout = get_object_or_404(rollouts_visible_to(user=user), pk=pk)
    form = ReportForm(request.POST)
    if not form.is_valid():  # only a tampered form gets here: show the page with the message
        context = {"rollout": rollout, "reports": selectors.reports_of_rollout(rollout=rollout)}
        response = render(request, LIST_TEMPLATE, {**context, "form": form}, status=400)
        return reswap(retarget(response, "body"), "innerHTML") if request.htmx else response
    report = services.report_request(
        rollout=rollout, language=form.cleaned_data["language"], by=user
    )
    if request.htmx:
        report.refresh_from_db()
        return render(
            request, f"{LIST_TEMPLATE}#report-row", {"report": report, "rollout": rollout}
        )
    return redirect("reports:report_list", pk=rollout.pk)


@require_GET
@login_required
def report_status(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_for_reader(request, pk)
    return render(
        request, f"{LIST_TEMPLATE}#report-row", {"report": report, "rollout": report.rollout}
    )


@private_no_store
@require_GET
@login_required
def report_download(request: HttpRequest, pk: int) -> FileResponse:
    report = _report_for_reader(request, pk)
    if report.status != ReportStatus.READY or not report.file:
        raise Http404
    return FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=report.filename,
        content_type="application/pdf",
    )


@private_no_store
@require_GET
@login_required
def report_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The report's figures as CSV or XLSX (rendered in the request: a few small tables)."""

    rollout = _rollout_for_reader(request, pk)
    if fmt not in FORMATS:
        raise Http404
    figures = selectors.report_figures(rollout=rollout)
    return export_response(figures_csv_rows(figures), stem=f"report-figures-{rollout.pk}", fmt=fmt)


@manager_required(actions_forbidden=True)
def report_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    """The manager sets when the leadership pack goes out by itself, in which language and to
    whom; leadership reads the result on the reports page."""
    rollout = get_object_or_404(rollouts_visible_to(user=request.user), pk=pk)
    schedule = services.schedule_of(rollout)
    if request.method == "POST":
        form = ReportScheduleForm(request.POST, instance=schedule)
        if form.is_valid():
            services.schedule_save(form=form, rollout=rollout, by=request.user)
            messages.success(request, _("The schedule of the leadership pack is saved."))
            return redirect("reports:report_list", pk=rollout.pk)
        status = 400
    else:
        initial = {"day_of_month": min(schedule.day_of_month, 28)}
        form = ReportScheduleForm(instance=schedule, initial=initial)
        status = 200
    return render(
        request,
        "reports/schedule.html",
        {"rollout": rollout, "form": form, "hour": f"{settings.REPORT_MONTHLY_HOUR:02d}:00"},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@manager_required(actions_forbidden=True)
def branding(request: HttpRequest) -> HttpResponse:
    """The company's logo and colours for the board pack (the manager only)."""
    current = branding_services.branding_get()
    form = BrandingForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial={"colour": current.colour, "accent": current.accent},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            branding_services.branding_save(
                by=request.user,
                colour=data["colour"],
                accent=data["accent"],
                logo=data["logo"],
                remove_logo=data["remove_logo"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The logo and colours are saved; the next report uses them.")
            )
            return redirect("reports:branding")
    return render(
        request,
        "reports/branding.html",
        {
            "form": form,
            "branding": current,
            "logo_uri": branding_services.logo_data_uri(current),
        },
        status=400 if form.errors else 200,
    )
