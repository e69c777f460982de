"""Writes of content workflows: creating and editing them, proposing a revision to the
department head, the head's answer (or the manager's, on the head's behalf, with a reason),
content deliveries, and one-time sign-in links.

Every transition locks the workflow row (`select_for_update`) and moves the revision with a
conditional update, so a double-submitted confirmation confirms once and records one event.
"""

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import require_manager
from core.signing import (
    LinkPurpose,
    fingerprint,
    fingerprint_matches,
    link_payload,
    link_token,
    secret_token,
)
from rollout.models import (
    ContentDelivery,
    ContentWorkflow,
    Department,
    LoginLink,
    Person,
    Role,
    User,
    WorkflowAction,
    WorkflowEvent,
    WorkflowRevision,
    WorkflowState,
)
from rollout.models.workflows import (
    LOGIN_LINK_HOURS,
    LOGIN_LINK_PASSWORD_SALT,
    login_token_hash,
)

# The terms a revision holds; a new revision copies them from the one before.
TERMS = ("content", "trigger", "turnaround_hours", "channel", "channel_detail", "notes")


class WorkflowStateError(Exception):
    """The workflow is not in a state that allows this step (someone else was quicker)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Terms:
    """What a revision says; the fields of the workflow form."""

    content: str
    trigger: str
    turnaround_hours: int
    channel: str
    channel_detail: str = ""
    notes: str = ""
    suppliers: tuple[Person, ...] = ()
    escalation_contact: Person | None = None


# --- Readiness cache -------------------------------------------------------------------------


def _readiness_changed() -> None:
    """The dashboard's cached heatmap shows workflows and on-time rates: rebuild it."""
    from rollout.selectors.readiness import readiness_changed

    transaction.on_commit(readiness_changed)


# --- Who may do what -------------------------------------------------------------------------


def leads_department(user: User, department: Department) -> bool:
    """Whether the user is the head or deputy of the department (by their directory entry)."""
    person = getattr(user, "person", None) if user.is_authenticated else None
    if person is None:
        return False
    return person.pk in (department.head_id, department.deputy_id)


# --- Creating and editing --------------------------------------------------------------------


def _write_terms(revision: WorkflowRevision, terms: Terms) -> None:
    for name in TERMS:
        value = getattr(terms, name)
        setattr(revision, name, value.strip() if isinstance(value, str) else value)
    revision.escalation_contact = terms.escalation_contact
    revision.full_clean(exclude=["workflow", "suppliers"])
    revision.save()
    revision.suppliers.set(terms.suppliers)


def workflow_create(
    *, department: Department, title: str, terms: Terms, by: User
) -> ContentWorkflow:
    """A new workflow with its first revision as a draft."""
    require_manager(by, action=True)
    with transaction.atomic():
        workflow = ContentWorkflow(department=department, title=title.strip(), created_by=by)
        workflow.full_clean()
        try:
            with transaction.atomic():
                workflow.save()
        except IntegrityError:  # created by someone else a moment ago
            raise ValidationError(
                _("%(department)s already has a workflow for “%(title)s”.")
                % {"department": department.name, "title": workflow.title}
            ) from None
        revision = WorkflowRevision(workflow=workflow, number=1, created_by=by)
        _write_terms(revision, terms)
        workflow.latest_revision = revision
        workflow.save(update_fields=["latest_revision", "updated_at"])
        WorkflowEvent.objects.create(
            workflow=workflow,
            revision=revision,
            action=WorkflowAction.CREATED,
            to_state=WorkflowState.DRAFT,
            by=by,
        )
    return workflow


def _lock(workflow: ContentWorkflow) -> ContentWorkflow:
    return ContentWorkflow.objects.select_for_update().get(pk=workflow.pk)


def workflow_edit(*, workflow: ContentWorkflow, terms: Terms, by: User) -> WorkflowRevision:
    """Change the terms. A draft is edited in place; a confirmed workflow or one with changes
    requested gets a new draft revision (the confirmed one stays in force). A revision waiting
    for the head's answer cannot be changed."""
    require_manager(by, action=True)
    with transaction.atomic():
        locked = _lock(workflow)
        latest = WorkflowRevision.objects.select_for_update().get(pk=locked.latest_revision_id)
        if latest.state == WorkflowState.DRAFT:
            _write_terms(latest, terms)
            WorkflowEvent.objects.create(
                workflow=locked,
                revision=latest,
                action=WorkflowAction.EDITED,
                from_state=WorkflowState.DRAFT,
                to_state=WorkflowState.DRAFT,
                by=by,
            )
            revision = latest
        elif latest.state in (WorkflowState.CONFIRMED, WorkflowState.CHANGES_REQUESTED):
            revision = WorkflowRevision(workflow=locked, number=latest.number + 1, created_by=by)
            _write_terms(revision, terms)
            locked.latest_revision = revision
            locked.save(update_fields=["latest_revision", "updated_at"])
            WorkflowEvent.objects.create(
                workflow=locked,
                revision=revision,
                action=WorkflowAction.REVISED,
                from_state=latest.state,
                to_state=WorkflowState.DRAFT,
                by=by,
            )
        else:
            raise WorkflowStateError(
                _(
                    "This revision is waiting for the department head's answer; "
                    "it cannot be changed."
                )
            )
    workflow.latest_revision = revision
    return revision


def _ensure_account(person: Person) -> User:
    """The head's account, created without a password if they have none (they sign in with a
    one-time link), with the department head role."""
    from rollout.services.core import person_link_user, user_create, user_set_roles

    if person.user_id is not None:
        user = person.user
        if not user.has_role(Role.DEPARTMENT_HEAD):
            user_set_roles(user=user, roles=[*user.roles, Role.DEPARTMENT_HEAD])
        return user
    user = User.objects.filter(email__iexact=person.email).first()
    if user is None:
        user = user_create(
            email=person.email,
            full_name=person.full_name,
            password=None,
            roles=[Role.DEPARTMENT_HEAD],
            language=person.language,
        )
        person.refresh_from_db(fields=["user"])
    else:
        person_link_user(person=person, user=user)
        if not user.has_role(Role.DEPARTMENT_HEAD):
            user_set_roles(user=user, roles=[*user.roles, Role.DEPARTMENT_HEAD])
    return user


def workflow_propose(*, workflow: ContentWorkflow, by: User) -> WorkflowRevision:
    """Ask the department's head (and deputy) to confirm the draft; they get an email."""
    from notifications.services import notification_queue
    from rollout.notices import WORKFLOW_PROPOSED

    require_manager(by, action=True)
    with transaction.atomic():
        locked = _lock(workflow)
        department = Department.objects.select_related("head", "deputy").get(
            pk=locked.department_id
        )
        leaders = [p for p in (department.head, department.deputy) if p is not None]
        if not leaders:
            raise WorkflowStateError(
                _("%(department)s has no head or deputy yet; set one before proposing.")
                % {"department": department.name}
            )
        now = timezone.now()
        updated = WorkflowRevision.objects.filter(
            pk=locked.latest_revision_id, state=WorkflowState.DRAFT
        ).update(state=WorkflowState.PROPOSED, proposed_at=now)
        if not updated:
            raise WorkflowStateError(_("There is no draft to propose."))
        revision = WorkflowRevision.objects.get(pk=locked.latest_revision_id)
        WorkflowEvent.objects.create(
            workflow=locked,
            revision=revision,
            action=WorkflowAction.PROPOSED,
            from_state=WorkflowState.DRAFT,
            to_state=WorkflowState.PROPOSED,
            by=by,
            at=now,
        )
        for person in leaders:
            if person.is_active:
                _ensure_account(person)
                notification_queue(
                    kind=WORKFLOW_PROPOSED,
                    to=Person.objects.select_related("user").get(pk=person.pk),
                    dedup_key=f"workflow_proposed:{revision.pk}:person{person.pk}",
                    about=revision,
                )
        locked.save(update_fields=["updated_at"])
    return revision


def _managers() -> Iterable[User]:
    return User.objects.filter(groups__name=Role.MANAGER.value, is_active=True).distinct()


def _decide(
    *,
    workflow: ContentWorkflow,
    revision_id: int,
    by: User,
    to_state: str,
    comment: str,
    on_behalf_reason: str | None,
) -> tuple[WorkflowRevision, bool]:
    from notifications.services import notification_queue
    from rollout.notices import WORKFLOW_CHANGES_REQUESTED, WORKFLOW_CONFIRMED

    comment = comment.strip()
    with transaction.atomic():
        locked = _lock(workflow)
        department = Department.objects.select_related("head", "deputy").get(
            pk=locked.department_id
        )
        on_behalf_of = None
        if not leads_department(by, department):
            require_manager(by, action=True)
            reason = (on_behalf_reason or "").strip()
            if not reason:
                raise ValidationError(
                    _("Say why you answer for the department head; it is recorded.")
                )
            on_behalf_of = department.head or department.deputy
            if on_behalf_of is None:
                raise WorkflowStateError(_("The department has no head or deputy."))
        else:
            reason = ""
        revision = WorkflowRevision.objects.filter(pk=revision_id, workflow=locked).first()
        if revision is None:
            raise WorkflowStateError(_("This revision does not belong to the workflow."))
        if revision.state == to_state and locked.latest_revision_id == revision.pk:
            return revision, False  # a double submit: already done, record nothing
        if revision.state != WorkflowState.PROPOSED or locked.latest_revision_id != revision.pk:
            raise WorkflowStateError(
                _("This revision is no longer waiting for an answer; please reload the page.")
            )
        now = timezone.now()
        if to_state == WorkflowState.CONFIRMED and locked.confirmed_revision_id:
            WorkflowRevision.objects.filter(
                pk=locked.confirmed_revision_id, state=WorkflowState.CONFIRMED
            ).update(state=WorkflowState.SUPERSEDED)
        updated = WorkflowRevision.objects.filter(
            pk=revision.pk, state=WorkflowState.PROPOSED
        ).update(state=to_state, decided_at=now, decided_by=by, decision_comment=comment)
        if not updated:  # pragma: no cover - the row lock above makes this unreachable
            return revision, False
        revision.refresh_from_db()
        if to_state == WorkflowState.CONFIRMED:
            locked.confirmed_revision = revision
        locked.save(update_fields=["confirmed_revision", "updated_at"])
        event = WorkflowEvent.objects.create(
            workflow=locked,
            revision=revision,
            action=(
                WorkflowAction.CONFIRMED
                if to_state == WorkflowState.CONFIRMED
                else WorkflowAction.CHANGES_REQUESTED
            ),
            from_state=WorkflowState.PROPOSED,
            to_state=to_state,
            by=by,
            on_behalf_of=on_behalf_of,
            reason=reason,
            comment=comment,
            at=now,
        )
        kind = (
            WORKFLOW_CONFIRMED
            if to_state == WorkflowState.CONFIRMED
            else WORKFLOW_CHANGES_REQUESTED
        )
        for manager in _managers():
            if manager.pk == by.pk:
                continue
            notification_queue(
                kind=kind,
                to=manager,
                dedup_key=f"{kind}:{revision.pk}:user{manager.pk}",
                about=revision,
            )
        if on_behalf_of is not None and on_behalf_of.is_active:
            _tell_the_head(event, on_behalf_of)
        if to_state == WorkflowState.CONFIRMED:
            _readiness_changed()
            _tell_suppliers(revision)
    workflow.confirmed_revision_id = locked.confirmed_revision_id
    return revision, True


def _tell_the_head(event: WorkflowEvent, head: Person) -> None:
    """The head (or deputy) the manager answered for learns it, with the reason given."""
    from notifications.services import notification_queue
    from rollout.notices import WORKFLOW_ANSWERED_ON_BEHALF

    notification_queue(
        kind=WORKFLOW_ANSWERED_ON_BEHALF,
        to=Person.objects.select_related("user").get(pk=head.pk),
        dedup_key=f"{WORKFLOW_ANSWERED_ON_BEHALF}:{event.pk}:person{head.pk}",
        about=event,
    )


def _tell_suppliers(revision: WorkflowRevision) -> None:
    """Each supplier of a confirmed revision learns what was agreed and gets their link for
    logging deliveries."""
    from notifications.services import QueuedNotification, notification_queue_many
    from rollout.notices import WORKFLOW_SUPPLIER

    suppliers = revision.suppliers.filter(is_active=True).select_related("user")
    notification_queue_many(
        kind=WORKFLOW_SUPPLIER,
        items=[
            QueuedNotification(
                to=person,
                dedup_key=f"{WORKFLOW_SUPPLIER}:{revision.pk}:person{person.pk}",
                about=revision,
                context={"person_id": person.pk},
            )
            for person in suppliers
        ],
    )


def workflow_confirm(
    *,
    workflow: ContentWorkflow,
    revision_id: int,
    by: User,
    comment: str = "",
    on_behalf_reason: str | None = None,
) -> tuple[WorkflowRevision, bool]:
    """The head (or deputy) confirms the proposed revision; it is in force from now on and the
    one before is superseded. The manager may do so only with `on_behalf_reason`. Returns
    (revision, confirmed now); a second confirmation of the same revision changes nothing."""
    return _decide(
        workflow=workflow,
        revision_id=revision_id,
        by=by,
        to_state=WorkflowState.CONFIRMED,
        comment=comment,
        on_behalf_reason=on_behalf_reason,
    )


def workflow_request_changes(
    *,
    workflow: ContentWorkflow,
    revision_id: int,
    by: User,
    comment: str,
    on_behalf_reason: str | None = None,
) -> tuple[WorkflowRevision, bool]:
    """The head asks for changes, saying which; the manager then revises and proposes again."""
    if not comment.strip():
        raise ValidationError(_("Please say what should change."))
    return _decide(
        workflow=workflow,
        revision_id=revision_id,
        by=by,
        to_state=WorkflowState.CHANGES_REQUESTED,
        comment=comment,
        on_behalf_reason=on_behalf_reason,
    )


# --- Deliveries ------------------------------------------------------------------------------


def _turnaround_in_force(workflow: ContentWorkflow) -> int:
    """The confirmed turnaround, or the latest revision's while nothing is confirmed."""
    revision_id = workflow.confirmed_revision_id or workflow.latest_revision_id
    return WorkflowRevision.objects.values_list("turnaround_hours", flat=True).get(pk=revision_id)


def delivery_log(
    *,
    workflow: ContentWorkflow,
    description: str,
    requested_at: datetime.datetime,
    delivered_at: datetime.datetime | None = None,
    by: User | None = None,
    supplier: Person | None = None,
    submission_key: uuid.UUID | None = None,
) -> tuple[ContentDelivery, bool]:
    """Record a delivery (or an open request). Due is the request time plus the turnaround in
    force. The same `submission_key` twice returns the first delivery: (delivery, created)."""
    if submission_key is not None:
        existing = ContentDelivery.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing, False
    hours = _turnaround_in_force(workflow)
    delivery = ContentDelivery(
        workflow=workflow,
        description=description.strip(),
        requested_at=requested_at,
        due_at=requested_at + datetime.timedelta(hours=hours),
        delivered_at=delivered_at,
        supplier=supplier,
        logged_by=by,
        submission_key=submission_key,
    )
    delivery.full_clean(exclude=["supplier", "logged_by"])
    if delivered_at is not None and delivered_at < requested_at:
        raise ValidationError({"delivered_at": _("Delivered cannot be before requested.")})
    try:
        with transaction.atomic():
            delivery.save()
            _readiness_changed()
    except IntegrityError:
        existing = ContentDelivery.objects.filter(submission_key=submission_key).first()
        if submission_key is None or existing is None:
            raise
        return existing, False
    return delivery, True


def delivery_mark_delivered(
    *, delivery: ContentDelivery, delivered_at: datetime.datetime | None = None, by: User | None
) -> bool:
    """Close an open delivery; a second call changes nothing. Returns whether it changed."""
    delivered_at = delivered_at or timezone.now()
    if delivered_at < delivery.requested_at:
        raise ValidationError({"delivered_at": _("Delivered cannot be before requested.")})
    with transaction.atomic():
        updated = ContentDelivery.objects.filter(pk=delivery.pk, delivered_at__isnull=True).update(
            delivered_at=delivered_at
        )
        if updated:
            _readiness_changed()
    if updated:
        delivery.delivered_at = delivered_at
    return bool(updated)


def delivery_log_by_supplier(
    *,
    workflow: ContentWorkflow,
    supplier: Person,
    description: str,
    requested_at: datetime.datetime,
    delivered_at: datetime.datetime | None = None,
    submission_key: uuid.UUID | None = None,
) -> tuple[ContentDelivery, bool]:
    """A supplier logs content from their page. When it is one of their open requests under
    this workflow (the same name), that request is closed instead of a second row written:
    (delivery, created)."""
    if submission_key is not None:
        existing = ContentDelivery.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing, False
    request = (
        ContentDelivery.objects.filter(
            workflow=workflow,
            supplier=supplier,
            delivered_at__isnull=True,
            description__iexact=description.strip(),
        )
        .order_by("due_at", "pk")
        .first()
    )
    if request is not None:
        arrived = delivered_at or timezone.now()
        delivery_mark_delivered(delivery=request, delivered_at=arrived, by=None)
        return request, False
    return delivery_log(
        workflow=workflow,
        description=description,
        requested_at=requested_at,
        delivered_at=delivered_at,
        supplier=supplier,
        submission_key=submission_key,
    )


# --- One-time sign-in links ------------------------------------------------------------------


def login_link_create(
    *, user: User, next_url: str = "", hours: int = LOGIN_LINK_HOURS
) -> tuple[LoginLink, str]:
    """A new one-time link; returns it and the raw token (only in the email, never stored).
    From now on only this link of the user works (see `login_link_find`)."""
    token, digest = secret_token()
    now = timezone.now()
    link = LoginLink.objects.create(
        user=user,
        token_hash=digest,
        password_fingerprint=fingerprint(LOGIN_LINK_PASSWORD_SALT, user.password),
        next_url=next_url,
        created_at=now,
        expires_at=now + datetime.timedelta(hours=hours),
    )
    return link, token


def login_link_find(*, token: str) -> LoginLink | None:
    """The usable link for a token, else None. Usable: not used, not expired, its user active,
    no newer link made for the same user since, and the user's password unchanged since."""
    newer = LoginLink.objects.filter(user_id=OuterRef("user_id"), pk__gt=OuterRef("pk"))
    link = (
        LoginLink.objects.select_related("user")
        .filter(
            token_hash=login_token_hash(token),
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .exclude(Exists(newer))
        .first()
    )
    if link is None or not fingerprint_matches(
        LOGIN_LINK_PASSWORD_SALT, link.user.password, link.password_fingerprint
    ):
        return None
    return link


def login_link_consume(*, token: str) -> LoginLink | None:
    """Use a link: marks it used in one conditional update, so two clicks sign in once.
    Returns the link, or None when it is unknown, used, expired or its user inactive."""
    link = login_link_find(token=token)
    if link is None:
        return None
    now = timezone.now()
    used = LoginLink.objects.filter(pk=link.pk, used_at__isnull=True, expires_at__gt=now).update(
        used_at=now
    )
    if not used:
        return None
    link.used_at = now
    return link


def login_link_request(*, email: str, next_url: str = "") -> None:
    """Email a one-time sign-in link to the active account with this address, if any; at most
    one per account and minute. Whether the account exists is never revealed, not even by
    the time the request takes (rollout/services/account_links.py)."""
    from rollout.notices import LOGIN_LINK
    from rollout.services.account_links import account_mail_queue

    account_mail_queue(
        kind=LOGIN_LINK,
        email=email,
        users=User.objects.filter(Q(email__iexact=email.strip()), is_active=True),
        key="login_link",
        context={"next_url": next_url},
    )


def new_submission_key() -> uuid.UUID:
    return uuid.uuid4()


# --- Signed links ---------------------------------------------------------------------------

WORKFLOW_LINK_SALT = "rollout.workflow-link"
SUPPLY_LINK_SALT = "rollout.supply-link"
WORKFLOW_LINK_DAYS = 30
SUPPLY_LINK_DAYS = 365
WORKFLOW_LINK = LinkPurpose(
    salt=WORKFLOW_LINK_SALT, max_age=datetime.timedelta(days=WORKFLOW_LINK_DAYS)
)
SUPPLY_LINK = LinkPurpose(salt=SUPPLY_LINK_SALT, max_age=datetime.timedelta(days=SUPPLY_LINK_DAYS))


def workflow_link_path(*, workflow: ContentWorkflow) -> str:
    """A signed path that opens the workflow (valid WORKFLOW_LINK_DAYS): for emails."""
    from django.urls import reverse

    return reverse("rollout:workflow_link", args=[link_token(WORKFLOW_LINK, {"w": workflow.pk})])


def workflow_from_link(*, token: str) -> ContentWorkflow | None:
    data = link_payload(WORKFLOW_LINK, token)
    if not isinstance(data, dict):
        return None
    return ContentWorkflow.objects.select_related("department").filter(pk=data.get("w")).first()


def supply_link_path(*, workflow: ContentWorkflow, person: Person) -> str:
    """A signed path where a supplier logs a delivery without a password."""
    from django.urls import reverse

    token = link_token(SUPPLY_LINK, {"w": workflow.pk, "p": person.pk})
    return reverse("rollout:supply", args=[token])


class SupplyLinkRevoked(Exception):
    """A genuine supplier link of someone who no longer supplies this workflow."""


def supply_from_link(*, token: str) -> tuple[ContentWorkflow, Person] | None:
    """The workflow and supplier of a valid link, or None when it is not ours, expired, or its
    workflow or person is gone. Raises SupplyLinkRevoked when the person is no longer one of
    the workflow's suppliers (those of the revision in force, else of the latest, as the
    workflow's page lists them)."""
    data = link_payload(SUPPLY_LINK, token)
    if not isinstance(data, dict):
        return None
    workflow = ContentWorkflow.objects.select_related("department").filter(pk=data.get("w")).first()
    person = Person.objects.filter(pk=data.get("p"), is_active=True).first()
    if workflow is None or person is None:
        return None
    revision_id = workflow.confirmed_revision_id or workflow.latest_revision_id
    supplies = WorkflowRevision.suppliers.through.objects.filter(
        workflowrevision_id=revision_id, person_id=person.pk
    ).exists()
    if not supplies:
        raise SupplyLinkRevoked(token)
    return workflow, person
