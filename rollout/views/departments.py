"""Departments: the list, a department's page, and importing people from HR exports."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.views.decorators.http import require_GET

from rollout import selectors
from rollout.models import Department


def _department_for_viewer(request: HttpRequest, pk: int) -> Department:
    """The manager sees every department; a head or deputy only their own."""
    user = request.user
    if user.is_manager:
        queryset = Department.objects.select_related("head", "deputy", "parent")
    else:
        queryset = selectors.departments_led_by(user=user)
    return get_object_or_404(queryset, pk=pk)


@require_GET
@login_required
def department_detail(request: HttpRequest, pk: int) -> HttpResponse:
    department = _department_for_viewer(request, pk)
    overview = selectors.department_overview(department=department)
    return render(
        request, "rollout/department_detail.html", {"overview": overview, "department": department}
    )


urlpatterns = [
    path("departments/<int:pk>/", department_detail, name="department_detail"),
]
