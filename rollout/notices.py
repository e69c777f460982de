"""The notification kinds of the rollout core (see notifications.kinds)."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from notifications.kinds import NotificationKind, Pace, register
from notifications.models import Notification

PASSWORD_RESET = "password_reset"  # noqa: S105 (a kind, not a password)


def _password_reset_context(notification: Notification) -> dict | None:
    """The reset link is made when the mail is sent, so it is valid for its full time."""
    user = notification.user
    if user is None or not user.is_active:
        return None
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return {
        "user": user,
        "reset_url": f"{settings.SITE_URL}{path}",
        "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }


register(
    NotificationKind(
        key=PASSWORD_RESET,
        label=_("Password reset"),
        template="password_reset",
        context=_password_reset_context,
        immediate=True,  # the person is waiting for it
        pace=Pace.TRANSACTIONAL,
    )
)


ACCOUNT_INVITATION = "account_invitation"


def _account_invitation_context(notification: Notification) -> dict | None:
    """A login the manager created: the link to choose a password (Django's reset link, made
    when the mail is sent). Nothing once the login is deactivated or has a password."""
    user = notification.user
    if user is None or not user.is_active or user.has_usable_password():
        return None
    context = _password_reset_context(notification)
    if context is not None:
        context["invited_by"] = str(notification.context.get("invited_by") or "")
    return context


register(
    NotificationKind(
        key=ACCOUNT_INVITATION,
        label=_("Invitation to ChangeHub"),
        template="account_invitation",
        context=_account_invitation_context,
        immediate=True,  # the manager just invited them
        pace=Pace.TRANSACTIONAL,
    )
)


# --- Content workflows -----------------------------------------------------------------------

WORKFLOW_PROPOSED = "workflow_proposed"
WORKFLOW_CONFIRMED = "workflow_confirmed"
WORKFLOW_CHANGES_REQUESTED = "workflow_changes_requested"
LOGIN_LINK = "login_link"
WORKFLOW_SUPPLIER = "workflow_supplier"


def workflow_revision_for(notification: Notification):
    from rollout.models import WorkflowRevision

    if notification.object_id is None:
        return None
    return (
        WorkflowRevision.objects.select_related(
            "workflow", "workflow__department", "decided_by", "workflow__latest_revision"
        )
        .filter(pk=notification.object_id)
        .first()
    )


def workflow_proposed_context(notification: Notification) -> dict | None:
    """Still waiting for an answer? Then a signed link to the workflow, and a one-time sign-in
    link for a head without a usable password."""
    from rollout.models import WorkflowState
    from rollout.services.workflows import login_link_create, workflow_link_path

    revision = workflow_revision_for(notification)
    if revision is None or revision.state != WorkflowState.PROPOSED:
        return None
    from rollout.selectors.workflows import revision_changes

    workflow = revision.workflow
    previous, changes = revision_changes(revision=revision)
    context = {
        "revision": revision,
        "workflow": workflow,
        "department": workflow.department,
        "workflow_url": f"{settings.SITE_URL}{workflow_link_path(workflow=workflow)}",
        # A revised proposal says which revision it is and what changed since the one before.
        "previous": previous,
        "changes": changes,
    }
    user = notification.user
    if user is not None and user.is_active and not user.has_usable_password():
        _, token = login_link_create(
            user=user, next_url=reverse("rollout:workflow_detail", args=[workflow.pk])
        )
        context["login_url"] = f"{settings.SITE_URL}{reverse('rollout:login_link', args=[token])}"
        from rollout.models.workflows import LOGIN_LINK_HOURS

        context["login_hours"] = LOGIN_LINK_HOURS
    return context


def _workflow_decision_context(notification: Notification) -> dict | None:
    revision = workflow_revision_for(notification)
    if revision is None:
        return None
    workflow = revision.workflow
    path = reverse("rollout:workflow_detail", args=[workflow.pk])
    return {
        "revision": revision,
        "workflow": workflow,
        "department": workflow.department,
        "decided_by": revision.decided_by,
        "workflow_url": f"{settings.SITE_URL}{path}",
    }


def _login_link_context(notification: Notification) -> dict | None:
    from rollout.models.workflows import LOGIN_LINK_HOURS
    from rollout.services.workflows import login_link_create

    user = notification.user
    if user is None or not user.is_active:
        return None
    next_url = str(notification.context.get("next_url") or "")
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = ""
    _, token = login_link_create(user=user, next_url=next_url)
    return {
        "user": user,
        "login_url": f"{settings.SITE_URL}{reverse('rollout:login_link', args=[token])}",
        "login_hours": LOGIN_LINK_HOURS,
    }


register(
    NotificationKind(
        key=WORKFLOW_PROPOSED,
        label=_("A content workflow waits for your confirmation"),
        template="workflow_proposed",
        context=workflow_proposed_context,
        pace=Pace.TRANSACTIONAL,  # the manager just sent it; the rollout waits for the answer
    )
)
register(
    NotificationKind(
        key=WORKFLOW_CONFIRMED,
        label=_("A department head confirmed a content workflow"),
        template="workflow_confirmed",
        context=_workflow_decision_context,
        pace=Pace.TRANSACTIONAL,  # the head's answer to the manager
    )
)
register(
    NotificationKind(
        key=WORKFLOW_CHANGES_REQUESTED,
        label=_("A department head requested changes to a content workflow"),
        template="workflow_changes_requested",
        context=_workflow_decision_context,
        pace=Pace.TRANSACTIONAL,  # the head's answer to the manager
    )
)


def _workflow_supplier_context(notification: Notification) -> dict | None:
    """Only while the revision is in force; with the supplier's link for logging deliveries."""
    from rollout.models import Person, WorkflowState
    from rollout.services.workflows import supply_link_path

    revision = workflow_revision_for(notification)
    person = Person.objects.filter(pk=notification.context.get("person_id"), is_active=True).first()
    if revision is None or person is None or revision.state != WorkflowState.CONFIRMED:
        return None
    workflow = revision.workflow
    return {
        "revision": revision,
        "workflow": workflow,
        "department": workflow.department,
        "supply_url": f"{settings.SITE_URL}{supply_link_path(workflow=workflow, person=person)}",
    }


register(
    NotificationKind(
        key=WORKFLOW_SUPPLIER,
        label=_("You supply content under a confirmed workflow"),
        template="workflow_supplier",
        context=_workflow_supplier_context,
        pace=Pace.REMINDER,  # a notice of a new duty, no deadline today
    )
)
register(
    NotificationKind(
        key=LOGIN_LINK,
        label=_("One-time sign-in link"),
        template="workflow_login_link",
        context=_login_link_context,
        immediate=True,  # the person is waiting for it
        pace=Pace.TRANSACTIONAL,
    )
)


WORKFLOW_ANSWERED_ON_BEHALF = "workflow_answered_on_behalf"


def _answered_on_behalf_context(notification: Notification) -> dict | None:
    """The event of the manager's answer for the head: who, what, why, and the signed link to
    the workflow."""
    from rollout.models import WorkflowEvent
    from rollout.services.workflows import workflow_link_path

    event = (
        WorkflowEvent.objects.select_related("workflow__department", "revision", "by")
        .filter(pk=notification.object_id, on_behalf_of__isnull=False)
        .first()
    )
    if event is None:
        return None
    workflow = event.workflow
    return {
        "event": event,
        "revision": event.revision,
        "workflow": workflow,
        "department": workflow.department,
        "confirmed": event.action == "confirmed",
        "by_name": event.by.full_name if event.by else "",
        "workflow_url": f"{settings.SITE_URL}{workflow_link_path(workflow=workflow)}",
    }


register(
    NotificationKind(
        key=WORKFLOW_ANSWERED_ON_BEHALF,
        label=_("The social media manager answered a content workflow for you"),
        template="workflow_answered_on_behalf",
        context=_answered_on_behalf_context,
        pace=Pace.TRANSACTIONAL,  # something just happened in the head's name
    )
)


# --- Thanks to champions ---------------------------------------------------------------------

CHAMPION_THANKS = "champion_thanks"
CHAMPION_THANKS_POST = "champion_thanks_post"


def _champion_thanks(notification: Notification):
    from rollout.models import ChampionThanks

    if notification.kind == CHAMPION_THANKS:
        pk = notification.object_id
    else:
        pk = notification.context.get("thanks_id")
    return (
        ChampionThanks.objects.select_related(
            "stakeholder__person", "stakeholder__rollout", "given_by"
        )
        .filter(pk=pk)
        .first()
    )


def _champion_thanks_context(notification: Notification) -> dict | None:
    """The thank-you as it was given, who gave it, and the person's own page when they can
    sign in (it lists every thank-you they received)."""
    thanks = _champion_thanks(notification)
    if thanks is None:
        return None
    user = notification.user
    has_login = user is not None and user.is_active
    return {
        "thanks": thanks,
        "rollout": thanks.stakeholder.rollout,
        "given_by": thanks.given_by.full_name if thanks.given_by else "",
        "me_url": f"{settings.SITE_URL}{reverse('rollout:me')}" if has_login else "",
    }


def _champion_thanks_post(notification: Notification) -> dict | None:
    """The post in the department's chat channel: who is thanked, by whom, and what for."""
    from django.utils.translation import gettext

    thanks = _champion_thanks(notification)
    if thanks is None:
        return None
    name = thanks.stakeholder.person.full_name
    giver = thanks.given_by.full_name if thanks.given_by else gettext("The social media team")
    return {
        "headline": gettext("%(giver)s thanks %(name)s") % {"giver": giver, "name": name},
        "lines": [thanks.message],
    }


register(
    NotificationKind(
        key=CHAMPION_THANKS,
        label=_("A thank-you for your support"),
        template="champion_thanks",
        mandatory=False,  # a champion may do without the mail; the thanks stays on their page
        context=_champion_thanks_context,
        pace=Pace.TRANSACTIONAL,  # praise counts while it is fresh, never in a digest
    )
)
register(
    NotificationKind(
        key=CHAMPION_THANKS_POST,
        label=_("A thank-you in the department's chat channel"),
        template="",
        context=_champion_thanks_post,
        pace=Pace.TRANSACTIONAL,  # a chat post; the email policy does not apply
    )
)


# --- Gate exceptions -------------------------------------------------------------------------

GATE_EXCEPTION_REQUESTED = "gate_exception_requested"


def _gate_exception_context(notification: Notification) -> dict | None:
    """Only while the exception waits for an answer: the criteria not met and the sponsor's
    signed link (no sign-in needed)."""
    from rollout.models import GateException, GateExceptionState
    from rollout.selectors.plan import phase_criteria_states
    from rollout.services.gates import gate_exception_link_path

    exception = (
        GateException.objects.select_related("phase__rollout", "requested_by")
        .filter(pk=notification.object_id, state=GateExceptionState.PENDING)
        .first()
    )
    if exception is None:
        return None
    unmet = [
        str(state.criterion)
        for state in phase_criteria_states(phase=exception.phase)
        if not state.is_met
    ]
    return {
        "exception": exception,
        "phase": exception.phase,
        "rollout": exception.phase.rollout,
        "unmet": unmet,
        "requested_by": str(exception.requested_by or ""),
        "decide_url": f"{settings.SITE_URL}{gate_exception_link_path(exception=exception)}",
    }


register(
    NotificationKind(
        key=GATE_EXCEPTION_REQUESTED,
        label=_("A phase waits for the sponsor's approval"),
        template="gate_exception_requested",
        context=_gate_exception_context,
        pace=Pace.TRANSACTIONAL,  # the manager just asked; the rollout waits for the answer
    )
)
