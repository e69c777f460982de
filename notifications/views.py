"""The manager's notification pages (log, queue, failed ones with retry, reminder rules) and
the public unsubscribe page that optional mails link to."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import manager_required
from core.http import private_no_store, uncompressed
from core.language import language_of, speak
from notifications import selectors, services
from notifications.emails import unsubscribe_target
from notifications.forms import DepartmentChannelForm, ReminderRuleForm, ReminderSettingsForm
from notifications.kinds import get_kind
from notifications.models import (
    DepartmentChannel,
    FederalState,
    Notification,
    ReminderRule,
    Unsubscription,
)
from notifications.rules import all_rules
from rollout.models import Department, Person, Rollout, User

OUTBOX_TEMPLATE = "notifications/outbox.html"
RULES_TEMPLATE = "notifications/rules.html"
UNSUBSCRIBE_TEMPLATE = "notifications/unsubscribe.html"
CHANNELS_TEMPLATE = "notifications/channels.html"


@require_GET
@manager_required
def outbox(request: HttpRequest) -> HttpResponse:
    """Failed notifications with retry, the queue of what is due next, what was sent (newest
    first) and what was cancelled; with `?person=<id>` only those of one person, with `?q=`
    those whose recipient's name or address contains the text."""
    person = None
    if request.GET.get("person", "").isdigit():
        person = get_object_or_404(Person, pk=int(request.GET["person"]))
    search = request.GET.get("q", "")[:100].strip()
    context = {
        "person": person,
        "search": search,
        **selectors.outbox_overview(person_id=person and person.pk, search=search),
    }
    return render(request, OUTBOX_TEMPLATE, context)


@require_POST
@manager_required(actions_forbidden=True)
def notification_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a failed notification again (a second click changes nothing)."""
    notification = get_object_or_404(Notification, pk=pk)
    if services.notification_retry(notification=notification):
        messages.success(request, _("The notification is queued again."))
    else:
        messages.info(request, _("This notification is not failed (any more)."))
    if request.htmx:
        notification.refresh_from_db()
        return render(request, f"{OUTBOX_TEMPLATE}#retried", {"notification": notification})
    return redirect("notifications:outbox")


@require_POST
@manager_required(actions_forbidden=True)
def notification_send_now(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a waiting notification now, past quiet hours, digest and weekly limit; queued to
    the worker like every send. A second click (or a row sent meanwhile) sends nothing more."""
    notification = get_object_or_404(Notification, pk=pk)
    if services.notification_send_now(notification=notification):
        messages.success(request, _("The notification is being sent now."))
    else:
        messages.info(request, _("This notification is not waiting (any more)."))
    if request.htmx:
        notification.refresh_from_db()
        return render(request, f"{OUTBOX_TEMPLATE}#sent-now", {"notification": notification})
    return redirect("notifications:outbox")


@require_http_methods(["GET", "POST"])
@manager_required(actions_forbidden=True)
def reminder_rules(request: HttpRequest, pk: int) -> HttpResponse:
    """The reminder rules of a rollout, each with its defaults until the manager saves it."""
    from notifications.rules.scan import (
        holiday_state_of,
        reminder_rule_save,
        reminder_settings_save,
    )

    rollout = get_object_or_404(Rollout.objects.select_related("reminder_settings"), pk=pk)
    posted = request.POST.get("rule") if request.method == "POST" else None
    settings_form = ReminderSettingsForm(
        request.POST if posted == "_settings" else None,
        initial={"holiday_state": holiday_state_of(rollout)},
        prefix="settings",
    )
    if posted == "_settings" and settings_form.is_valid():
        reminder_settings_save(
            rollout=rollout, holiday_state=settings_form.cleaned_data["holiday_state"]
        )
        messages.success(request, _("The reminder settings are saved."))
        return redirect("notifications:rules", pk=rollout.pk)
    saved = {row.key: row for row in ReminderRule.objects.filter(rollout=rollout)}
    forms = []
    for source in all_rules():
        instance = saved.get(source.key)
        if instance is None:
            d = source.defaults
            instance = ReminderRule(
                rollout=rollout,
                key=source.key,
                first_after_days=d.first_after_days,
                every_days=d.every_days,
                max_count=d.max_count,
                escalate=d.escalate,
            )
        bound = posted == source.key
        form = ReminderRuleForm(
            request.POST if bound else None, instance=instance, prefix=source.key
        )
        forms.append((source, form))
        if bound and form.is_valid():
            reminder_rule_save(rollout=rollout, key=source.key, values=form.cleaned_data)
            messages.success(request, _("The reminder rule is saved."))
            return redirect("notifications:rules", pk=rollout.pk)
    known = {source.key for source, _form in forms} | {"_settings"}
    if request.method == "POST" and posted not in known:  # a stale or tampered page
        messages.error(request, _("This rule does not exist (any more). Please try again."))
        return redirect("notifications:rules", pk=rollout.pk)
    status = 400 if request.method == "POST" else 200
    context = {
        "rollout": rollout,
        "forms": forms,
        "settings_form": settings_form,
        "default_state": FederalState(settings.NOTIFY_HOLIDAY_STATE).label
        if settings.NOTIFY_HOLIDAY_STATE in FederalState.values
        else "",
    }
    return render(request, RULES_TEMPLATE, context, status=status)


@uncompressed  # the webhook addresses are secrets, shown as they are (BREACH)
@require_http_methods(["GET", "POST"])
@manager_required(actions_forbidden=True)
def department_channels(request: HttpRequest) -> HttpResponse:
    """Each department's Teams/Slack channel for the department-wide summaries (2 queries);
    POST with `department` saves one department's channel."""
    departments = list(Department.objects.order_by("name").only("pk", "name"))
    channels = {c.department_id: c for c in DepartmentChannel.objects.all()}
    posted = request.POST.get("department", "") if request.method == "POST" else ""
    rows = []
    for department in departments:
        instance = channels.get(department.pk) or DepartmentChannel(department=department)
        bound = posted == str(department.pk)
        form = DepartmentChannelForm(
            request.POST if bound else None, instance=instance, prefix=f"d{department.pk}"
        )
        if bound and form.is_valid():
            form.save()
            messages.success(request, _("The chat channel is saved."))
            return redirect("notifications:channels")
        rows.append((department, form))
    if posted and not any(str(d.pk) == posted for d in departments):
        raise Http404
    if request.method == "POST" and not posted:  # a stale or tampered page
        messages.error(request, _("Choose the department whose channel you want to save."))
        return redirect("notifications:channels")
    status = 400 if request.method == "POST" else 200
    return render(request, CHANNELS_TEMPLATE, {"rows": rows}, status=status)


def _language_of_address(email: str) -> str:
    """The language mail to this address is written in (see services.recipient_for): the
    directory entry's (its account's first), else an account's: at most 2 queries."""
    person = Person.objects.select_related("user").filter(email__iexact=email).first()
    if person is not None:
        return language_of(person)
    user = User.objects.filter(email__iexact=email).only("language").first()
    return user.language if user else ""


@private_no_store
@csrf_exempt  # RFC 8058 one-click: mail programs POST without a session or CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Stop one kind of optional mail; a mandatory kind moves to the daily digest instead.
    The signed token is the permission: it names one address and one kind."""
    target = unsubscribe_target(token)
    if target is None:
        raise Http404
    email, key = target
    kind = get_kind(key)
    if kind is None:
        raise Http404
    speak(request, _language_of_address(email))  # the mail's language, not the browser's
    done = Unsubscription.objects.filter(email=email, kind=key).exists()
    if request.method == "POST":
        Unsubscription.objects.get_or_create(email=email, kind=key)
        done = True
    return render(
        request, UNSUBSCRIBE_TEMPLATE, {"kind": kind, "email": email, "done": done, "token": token}
    )


app_name = "notifications"
urlpatterns = [
    path("notifications/", outbox, name="outbox"),
    path("notifications/<int:pk>/retry/", notification_retry, name="retry"),
    path("notifications/<int:pk>/send-now/", notification_send_now, name="send_now"),
    path("notifications/channels/", department_channels, name="channels"),
    path("rollouts/<int:pk>/reminders/", reminder_rules, name="rules"),
    path("notifications/unsubscribe/<str:token>/", unsubscribe, name="unsubscribe"),
]
