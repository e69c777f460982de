"""The manager's user administration ("Benutzer"): the list of logins, inviting a person, a
login's page with its roles, status and history. Manager only; everyone else gets 404.

Every change is a POST that redirects (POST-redirect-GET), and the services change nothing
when the state is already the wanted one, so a double submit or a reload does nothing twice."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import manager_required
from rollout.forms.users import (
    PersonSearchForm,
    UserFilterForm,
    UserInviteForm,
    UserRolesForm,
    user_roles_form,
)
from rollout.models import Role, User
from rollout.selectors import users as user_selectors
from rollout.services import users as user_services


def _user_page(pk: int) -> user_selectors.UserPage:
    page = user_selectors.user_page(user_id=pk)
    if page is None:
        raise Http404
    return page


def _render_detail(
    request: HttpRequest,
    page: user_selectors.UserPage,
    *,
    roles_form: UserRolesForm | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "rollout/users/detail.html",
        {
            "page": page,
            "account": page.user,
            "roles_form": roles_form or user_roles_form(page.role_values),
            "errors": errors or [],
            "is_self": page.user.pk == request.user.pk,
        },
        status=status,
    )


@require_GET
@manager_required
def user_list(request: HttpRequest) -> HttpResponse:
    form = UserFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    users = user_selectors.user_list_page(
        q=(filters.get("q") or "").strip(),
        status=filters.get("status") or "",
        role=filters.get("role") or "",
        page=request.GET.get("page") or 1,
    )
    for account in users.object_list:
        account.role_labels = user_selectors.role_labels(account.role_groups)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "rollout/users/list.html",
        {
            "form": form,
            "users": users,
            "filtered": bool(filters and any(filters.values())),
            "query": query.urlencode(),
        },
    )


@require_http_methods(["GET", "POST"])
@manager_required
def user_invite(request: HttpRequest) -> HttpResponse:
    search_form = PersonSearchForm(request.GET or None)
    search = (search_form.cleaned_data["wer"] or "").strip() if search_form.is_valid() else ""
    offered = user_selectors.people_offered(search=search)
    form = UserInviteForm(request.POST or None, people=offered.people)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                user, created = user_services.user_invite(
                    by=request.user,
                    person=data["person"],
                    full_name=data["full_name"],
                    email=data["email"],
                    language=data["language"],
                    roles=form.cleaned_roles(),
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, field_errors in error.error_dict.items():
                        form.add_error(field if field in form.fields else None, field_errors)
                else:
                    form.add_error(None, error)
            else:
                if created:
                    messages.success(
                        request,
                        _("%(name)s has a login now and gets an email to choose a password.")
                        % {"name": user.full_name},
                    )
                else:
                    messages.info(
                        request,
                        _("%(name)s has already been invited; nothing was sent again.")
                        % {"name": user.full_name},
                    )
                return redirect("rollout:user_detail", pk=user.pk)
        status = 400
    return render(
        request,
        "rollout/users/invite.html",
        {"form": form, "search_form": search_form, "search": search, "offered": offered},
        status=status,
    )


@require_GET
@manager_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _user_page(pk))


def _account(pk: int) -> User:
    account = User.objects.filter(pk=pk).first()
    if account is None:
        raise Http404
    return account


def _after_roles_change(request: HttpRequest, account: User, roles: list[Role]) -> HttpResponse:
    """Back to the login's page, or to the start page when the manager gave up their own
    manager role (the user pages are no longer theirs)."""
    if account.pk == request.user.pk and Role.MANAGER not in roles:
        return redirect("rollout:home")
    return redirect("rollout:user_detail", pk=account.pk)


@require_POST
@manager_required
def user_roles(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(pk)
    form = UserRolesForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, _user_page(pk), roles_form=form, status=400)
    try:
        changed = user_services.user_roles_update(
            user=account, roles=form.cleaned_data["roles"], by=request.user
        )
    except user_services.LastManagerError as error:
        return _render_detail(
            request, _user_page(pk), roles_form=form, errors=error.messages, status=400
        )
    if changed:
        messages.success(
            request, _("The roles of %(name)s have been saved.") % {"name": account.full_name}
        )
    else:
        messages.info(request, _("The roles were already these; nothing changed."))
    return _after_roles_change(request, account, form.cleaned_data["roles"])


@require_POST
@manager_required
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(pk)
    try:
        changed = user_services.user_deactivate(user=account, by=request.user)
    except user_services.LastManagerError as error:
        return _render_detail(request, _user_page(pk), errors=error.messages, status=400)
    if changed:
        messages.success(
            request,
            _("%(name)s is deactivated: they can no longer sign in and have been signed out.")
            % {"name": account.full_name},
        )
    else:
        messages.info(request, _("This login was already deactivated."))
    if account.pk == request.user.pk:
        return redirect("login")
    return redirect("rollout:user_detail", pk=account.pk)


@require_POST
@manager_required
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(pk)
    if user_services.user_reactivate(user=account, by=request.user):
        messages.success(
            request,
            _("%(name)s is active again and can sign in.") % {"name": account.full_name},
        )
    else:
        messages.info(request, _("This login was already active."))
    return redirect("rollout:user_detail", pk=account.pk)


@require_POST
@manager_required
def user_invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(pk)
    if user_services.user_invitation_resend(user=account, by=request.user):
        messages.success(
            request,
            _("The invitation has been sent to %(email)s again.") % {"email": account.email},
        )
    else:
        messages.info(
            request,
            _("No invitation was sent: this login is in use or deactivated."),
        )
    return redirect("rollout:user_detail", pk=account.pk)


urlpatterns = [
    path("users/", user_list, name="user_list"),
    path("users/invite/", user_invite, name="user_invite"),
    path("users/<int:pk>/", user_detail, name="user_detail"),
    path("users/<int:pk>/roles/", user_roles, name="user_roles"),
    path("users/<int:pk>/deactivate/", user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", user_reactivate, name="user_reactivate"),
    path("users/<int:pk>/invitation/", user_invitation_resend, name="user_invitation_resend"),
]
