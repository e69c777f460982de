"""Logins and their roles, managed by the social media manager in the product: invite a person,
give or take roles, deactivate and reactivate. Every change is recorded as an AccountEvent
(who, when); a call that changes nothing records nothing, so a repeated request is harmless.

The company always keeps one active manager: the last one can neither lose the role nor be
deactivated (`LastManagerError`)."""

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.sessions import sessions_end_for_user
from rollout.models import AccountEvent, AccountEventKind, Person, Role, User
from rollout.services.core import person_link_user, user_create

RESEND_PAUSE_SECONDS = 60


class LastManagerError(ValidationError):
    """The change would leave the company without an active manager."""


class AlreadyHasLoginError(ValidationError):
    """The email address (or the person) already has a login that has been in use."""


def _record(*, user: User, kind: str, by: User | None, role: str = "") -> AccountEvent:
    event = AccountEvent(user=user, kind=kind, role=role, by=by)
    event.full_clean()
    event.save()
    return event


def _lock_active_managers() -> list[int]:
    """The ids of the active managers, their rows locked until the end of the transaction
    (two managers demoting each other at once cannot both succeed)."""
    return list(
        User.objects.select_for_update()
        .filter(is_active=True, groups__name=Role.MANAGER.value)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _guard_last_manager(*, user: User, by: User | None) -> None:
    managers = _lock_active_managers()
    if managers == [user.pk]:
        if by is not None and by.pk == user.pk:
            raise LastManagerError(
                _(
                    "You are the only active social media manager: give another login the "
                    "manager role first, then you can change your own."
                ),
                code="last_manager",
            )
        raise LastManagerError(
            _("This is the only active social media manager: give another login the role first."),
            code="last_manager",
        )


def _invitation_queue(*, user: User, event: AccountEvent) -> None:
    """The invitation email with a link to set a password (made when the mail is sent, so it
    is valid for its full time); one per invitation event, however often it is queued."""
    from notifications.services import notification_queue
    from rollout.notices import ACCOUNT_INVITATION

    notification_queue(
        kind=ACCOUNT_INVITATION,
        to=user,
        about=user,
        dedup_key=f"account_invitation:{user.pk}:{event.pk}",
        context={"invited_by": event.by.full_name if event.by else ""},
    )


def _never_used(user: User) -> bool:
    return user.last_login is None and not user.has_usable_password()


def user_invite(
    *,
    by: User | None,
    person: Person | None = None,
    full_name: str = "",
    email: str = "",
    language: str = "",
    roles: Iterable[Role] = (),
) -> tuple[User, bool]:
    """Give a person a login and email them a link to set their password.

    Either a directory entry (`person`, without a login) or a name and email address (linked
    to the directory entry of the same address, if there is one). Returns the user and whether
    it was created now. Inviting an address whose login was invited but never used returns
    that login unchanged (a second click on "invite"); a login in use is an error."""
    if person is not None:
        full_name, email = person.full_name, person.email
        language = language or person.language
    email = User.normalized_email(email)
    full_name = full_name.strip()
    if not email:
        raise ValidationError({"email": _("Enter an email address.")})
    with transaction.atomic():
        existing = User.objects.select_for_update().filter(email__iexact=email).first()
        if existing is not None:
            if (
                _never_used(existing)
                and existing.account_events.filter(kind=AccountEventKind.INVITED).exists()
            ):
                return existing, False
            raise AlreadyHasLoginError(
                _("%(email)s already has a login.") % {"email": email}, code="exists"
            )
        if person is not None:
            locked = Person.objects.select_for_update().get(pk=person.pk)
            if locked.user_id is not None:
                raise AlreadyHasLoginError(
                    _("%(name)s already has a login.") % {"name": locked.full_name},
                    code="exists",
                )
        if not full_name:
            raise ValidationError({"full_name": _("Enter the person's name.")})
        roles = [Role(role) for role in roles]
        user = user_create(
            email=email,
            full_name=full_name,
            password=None,
            roles=roles,
            language=language or "de",
        )
        if person is not None and not Person.objects.filter(user=user).exists():
            person_link_user(person=locked, user=user)
        event = _record(user=user, kind=AccountEventKind.INVITED, by=by)
        for role in roles:
            _record(user=user, kind=AccountEventKind.ROLE_GRANTED, role=role.value, by=by)
        _invitation_queue(user=user, event=event)
    return user, True


def user_invitation_resend(*, user: User, by: User | None) -> bool:
    """Send the invitation again to a login that has never been used, at most once a minute
    (a double click sends one). Returns False (and sends nothing) for a login in use or
    deactivated."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active or not _never_used(locked):
            return False
        recent = timezone.now() - datetime.timedelta(seconds=RESEND_PAUSE_SECONDS)
        if locked.account_events.filter(
            kind__in=[AccountEventKind.INVITED, AccountEventKind.INVITATION_SENT], at__gte=recent
        ).exists():
            return True  # a double click: the mail of a moment ago is the one
        event = _record(user=locked, kind=AccountEventKind.INVITATION_SENT, by=by)
        _invitation_queue(user=locked, event=event)
    return True


def user_roles_update(*, user: User, roles: Iterable[Role], by: User | None) -> set[str]:
    """Set the user's roles to exactly `roles`, recording each role given or taken. Taking
    the manager role from the last active manager raises LastManagerError. Returns the role
    values that changed (none when the roles were already these)."""
    wanted = {Role(role).value for role in roles}
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        current = set(locked.groups.values_list("name", flat=True))
        granted, revoked = wanted - current, (current - wanted) & set(Role.values)
        if Role.MANAGER.value in revoked and locked.is_active:
            _guard_last_manager(user=locked, by=by)
        for value in sorted(granted):
            locked.groups.add(Group.objects.get_or_create(name=value)[0])
            _record(user=locked, kind=AccountEventKind.ROLE_GRANTED, role=value, by=by)
        if revoked:
            locked.groups.remove(*Group.objects.filter(name__in=revoked))
            for value in sorted(revoked):
                _record(user=locked, kind=AccountEventKind.ROLE_REVOKED, role=value, by=by)
    user.__dict__.pop("roles", None)
    return granted | revoked


def user_deactivate(*, user: User, by: User | None) -> bool:
    """The login can no longer sign in and is signed out everywhere; its roles stay for a
    later reactivation. Deactivating the last active manager raises LastManagerError.
    Returns False when it was already deactivated."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active:
            return False
        if locked.is_manager:
            _guard_last_manager(user=locked, by=by)
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        _record(user=locked, kind=AccountEventKind.DEACTIVATED, by=by)
        sessions_end_for_user(locked.pk)
    user.is_active = False
    return True


def user_reactivate(*, user: User, by: User | None) -> bool:
    """The login may sign in again (with its password, or a new one through the reset link).
    Returns False when it was already active."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active:
            return False
        locked.is_active = True
        locked.save(update_fields=["is_active"])
        _record(user=locked, kind=AccountEventKind.REACTIVATED, by=by)
    user.is_active = True
    return True


def department_head_role_grant(*, user_ids: Iterable[int], by: User | None) -> int:
    """Give these logins the department head role (a head or deputy of a department), each
    recorded in its history when the role is new to it. Four queries whatever the number.
    Returns how many got it now."""
    user_ids = set(user_ids)
    if not user_ids:
        return 0
    group, _ = Group.objects.get_or_create(name=Role.DEPARTMENT_HEAD.value)
    having = set(group.user_set.filter(pk__in=user_ids).values_list("pk", flat=True))
    new = sorted(user_ids - having)
    if new:
        group.user_set.add(*new)
        AccountEvent.objects.bulk_create(
            AccountEvent(
                user_id=user_id,
                kind=AccountEventKind.ROLE_GRANTED,
                role=Role.DEPARTMENT_HEAD.value,
                by=by,
            )
            for user_id in new
        )
    return len(new)
