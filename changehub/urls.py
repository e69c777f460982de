from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from core.throttle import throttled
from rollout.forms import LoginForm, QueuedPasswordResetForm
from rollout.views import core as rollout_views

# A database outage answers 503 "temporarily unavailable" (rollout/unavailable.py).
handler500 = "core.unavailable.server_error"

admin.site.site_header = _("ChangeHub administration")
admin.site.site_title = "ChangeHub"

urlpatterns = [
    path("health/", rollout_views.health, name="health"),
    path("language/", rollout_views.set_language, name="set_language"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password-reset/",
        throttled("account-mail")(
            auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm)
        ),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    path("", include("notifications.urls")),
    path("", include("guidelines.urls")),
    path("", include("reports.urls")),
    path("", include("surveys.urls")),
    # Before rollout: leadership's own start page at "/" (goals.views.home).
    path("", include("goals.urls")),
    path("", include("rollout.urls")),
]
