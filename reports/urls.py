from django.urls import path

from reports.views import (
    branding,
    report_create,
    report_download,
    report_export,
    report_list,
    report_schedule,
    report_status,
)

app_name = "reports"

urlpatterns = [
    path("rollouts/<int:pk>/reports/", report_list, name="report_list"),
    path("rollouts/<int:pk>/reports/new/", report_create, name="report_create"),
    path(
        "rollouts/<int:pk>/reports/figures.<str:fmt>",
        report_export,
        name="report_export",
    ),
    path("rollouts/<int:pk>/reports/schedule/", report_schedule, name="report_schedule"),
    path("reports/<int:pk>/status/", report_status, name="report_status"),
    path("reports/<int:pk>/download/", report_download, name="report_download"),
    path("branding/", branding, name="branding"),
]
