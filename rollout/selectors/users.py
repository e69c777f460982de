"""Reads for the manager's user administration: the list of logins and one login's page, each
in a fixed number of queries whatever the number of users, roles and changes."""

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet

from rollout.models import AccountEvent, Department, Person, Role, User

USERS_PER_PAGE = 50
HISTORY_LIMIT = 200

ROLE_ORDER = {value: index for index, value in enumerate(Role.values)}


def role_labels(groups: list[Group]) -> list[str]:
    """The labels of the user's roles (groups that are not roles are left out), in Role order."""
    values = sorted(
        (group.name for group in groups if group.name in ROLE_ORDER), key=ROLE_ORDER.__getitem__
    )
    return [str(Role(value).label) for value in values]


def _with_roles(queryset: QuerySet[User]) -> QuerySet[User]:
    return queryset.select_related("person").prefetch_related(
        Prefetch("groups", queryset=Group.objects.order_by("name"), to_attr="role_groups")
    )


def user_list(*, q: str = "", status: str = "", role: str = "") -> QuerySet[User]:
    """Logins matching the search (name or email contains `q`), status ("active"/"inactive")
    and role, by name; each with `role_groups` and its directory entry."""
    queryset = User.objects.all()
    if q:
        queryset = queryset.filter(Q(full_name__icontains=q) | Q(email__icontains=q))
    if status == "active":
        queryset = queryset.filter(is_active=True)
    elif status == "inactive":
        queryset = queryset.filter(is_active=False)
    if role:
        queryset = queryset.filter(groups__name=role)
    return _with_roles(queryset.order_by("full_name", "email", "pk"))


def user_list_page(*, q: str = "", status: str = "", role: str = "", page: object = 1) -> Page:
    """One page of `user_list`: three queries (count, rows, their roles)."""
    return Paginator(user_list(q=q, status=status, role=role), USERS_PER_PAGE).get_page(page)


@dataclass
class UserPage:
    user: User
    roles: list[str]
    role_values: set[str]
    events: list[AccountEvent]
    headed: list[Department]
    deputised: list[Department]
    never_used: bool


def user_page(*, user_id: int) -> UserPage | None:
    """One login with its roles, its directory entry's departments and its history."""
    user = (
        _with_roles(User.objects.filter(pk=user_id))
        .prefetch_related("person__headed_departments", "person__deputised_departments")
        .first()
    )
    if user is None:
        return None
    events = list(AccountEvent.objects.filter(user_id=user.pk).select_related("by")[:HISTORY_LIMIT])
    person: Person | None = getattr(user, "person", None)
    return UserPage(
        user=user,
        roles=role_labels(user.role_groups),
        role_values={group.name for group in user.role_groups},
        events=events,
        headed=list(person.headed_departments.all()) if person else [],
        deputised=list(person.deputised_departments.all()) if person else [],
        never_used=user.last_login is None and not user.has_usable_password(),
    )


PEOPLE_OFFERED = 100


def people_without_login(*, search: str = "") -> QuerySet[Person]:
    """The active directory entries that have no login yet (whose name or email address
    contains `search`), for the invitation form."""
    queryset = Person.objects.filter(user__isnull=True, is_active=True)
    for word in search.split():
        queryset = queryset.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        )
    return queryset.select_related("department").order_by("last_name", "first_name", "pk")


@dataclass
class PeopleOffered:
    people: QuerySet[Person]  # the first PEOPLE_OFFERED, read when the form is shown
    total: int

    @property
    def more(self) -> int:
        return max(0, self.total - PEOPLE_OFFERED)


def people_offered(*, search: str = "") -> PeopleOffered:
    """At most PEOPLE_OFFERED of them, and how many there are: two queries."""
    queryset = people_without_login(search=search)
    return PeopleOffered(people=queryset[:PEOPLE_OFFERED], total=queryset.count())


def people_invitable() -> QuerySet[Person]:
    """Who the invitation form accepts: the people without a login, and those whose login was
    invited and never used (a repeated invitation, answered without sending again)."""
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX

    never_used = Q(
        user__last_login__isnull=True, user__password__startswith=UNUSABLE_PASSWORD_PREFIX
    )
    return Person.objects.filter(Q(user__isnull=True) | never_used, is_active=True)
