"""User and role administration in the product: inviting, roles, the last-manager guard,
deactivation (sessions end), the history, the pages and who may see them."""

import datetime
import re
from email.utils import parseaddr

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from rollout.models import AccountEvent, AccountEventKind, Person, Role, User
from rollout.services import users as user_services
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "Neues-Passwort-2026!"


def german(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    return client


def sign_in(client: Client, email: str, password: str = PASSWORD) -> bool:
    """Through the login form (Axes wants a request): whether it signed in."""
    response = client.post("/accounts/login/", {"username": email, "password": password})
    return response.status_code == 302 and "_auth_user_id" in client.session


def events(user: User) -> list[tuple[str, str, int | None]]:
    return list(
        AccountEvent.objects.filter(user=user).order_by("pk").values_list("kind", "role", "by")
    )


# --- Services ----------------------------------------------------------------------------


def test_inviting_a_directory_person_creates_a_linked_login_and_mails_a_password_link(
    cast, django_capture_on_commit_callbacks
):
    person = factories.PersonFactory(
        first_name="Nora", last_name="Neumann", email="nora.neumann@example.de", language="en"
    )
    with django_capture_on_commit_callbacks(execute=True):
        user, created = user_services.user_invite(
            by=cast.manager, person=person, roles=[Role.LEADERSHIP]
        )
    assert created
    person.refresh_from_db()
    assert person.user == user
    assert user.full_name == "Nora Neumann"
    assert user.language == "en"
    assert not user.has_usable_password()
    assert user.roles == {Role.LEADERSHIP.value}
    assert events(user) == [
        (AccountEventKind.INVITED, "", cast.manager.pk),
        (AccountEventKind.ROLE_GRANTED, Role.LEADERSHIP.value, cast.manager.pk),
    ]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert parseaddr(message.to[0])[1] == "nora.neumann@example.de"
    assert message.subject == "ChangeHub: your login is ready"
    assert "Mara Manager has set up a ChangeHub login for you" in message.body
    assert re.search(r"https?://\S+/accounts/reset/\S+/", message.body)


def test_the_invitation_link_sets_the_password_and_the_person_can_sign_in(
    cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user, _ = user_services.user_invite(
            by=cast.manager, full_name="Ida Ideal", email="Ida.Ideal@Example.de", language="de"
        )
    message = mail.outbox[0]
    assert message.subject == "ChangeHub: Ihr Login ist eingerichtet"
    assert "Passwort zu wählen" in message.body
    link = re.search(r"https?://\S+/accounts/reset/\S+/", message.body).group(0)
    client = german(Client())
    form_page = client.get("/" + link.split("://", 1)[1].split("/", 1)[1], follow=True)
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.email == "ida.ideal@example.de"
    assert user.check_password(PASSWORD)
    assert sign_in(Client(), "ida.ideal@example.de")


def test_inviting_twice_creates_one_login_and_sends_one_mail(
    cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first, created = user_services.user_invite(
            by=cast.manager, full_name="Ida Ideal", email="ida@example.de"
        )
        again, created_again = user_services.user_invite(
            by=cast.manager, full_name="Ida Ideal", email="IDA@example.de"
        )
    assert created and not created_again
    assert first == again
    assert User.objects.filter(email="ida@example.de").count() == 1
    assert len(mail.outbox) == 1
    assert [kind for kind, _, _ in events(first)] == [AccountEventKind.INVITED]


def test_inviting_an_address_whose_login_is_in_use_is_refused(cast):
    with pytest.raises(user_services.AlreadyHasLoginError):
        user_services.user_invite(by=cast.manager, full_name="X", email=cast.head_a.email)
    person_with_login = cast.employee.person
    with pytest.raises(ValidationError):
        user_services.user_invite(by=cast.manager, person=person_with_login)


def test_resending_the_invitation_mails_again_but_a_double_click_once(
    cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user, _ = user_services.user_invite(by=cast.manager, full_name="Ida I", email="i@ex.de")
    AccountEvent.objects.filter(user=user).update(at=timezone.now() - datetime.timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert user_services.user_invitation_resend(user=user, by=cast.manager)
        assert user_services.user_invitation_resend(user=user, by=cast.manager)
    assert len(mail.outbox) == 2
    assert Notification.objects.filter(kind="account_invitation").count() == 2
    # A login in use gets no invitation.
    assert not user_services.user_invitation_resend(user=cast.head_a, by=cast.manager)


def test_roles_given_and_taken_are_recorded_once(cast):
    user = cast.employee
    changed = user_services.user_roles_update(
        user=user, roles=[Role.EMPLOYEE, Role.DEPARTMENT_HEAD], by=cast.manager
    )
    assert changed == {Role.DEPARTMENT_HEAD.value}
    assert user.is_department_head
    assert (
        user_services.user_roles_update(
            user=user, roles=[Role.EMPLOYEE, Role.DEPARTMENT_HEAD], by=cast.manager
        )
        == set()
    )
    user_services.user_roles_update(user=user, roles=[Role.LEADERSHIP], by=cast.manager)
    assert User.objects.get(pk=user.pk).roles == {Role.LEADERSHIP.value}
    assert events(user) == [
        (AccountEventKind.ROLE_GRANTED, Role.DEPARTMENT_HEAD.value, cast.manager.pk),
        (AccountEventKind.ROLE_GRANTED, Role.LEADERSHIP.value, cast.manager.pk),
        (AccountEventKind.ROLE_REVOKED, Role.DEPARTMENT_HEAD.value, cast.manager.pk),
        (AccountEventKind.ROLE_REVOKED, Role.EMPLOYEE.value, cast.manager.pk),
    ]


def test_the_last_active_manager_keeps_the_role_and_stays_active(cast):
    manager = cast.manager
    with pytest.raises(user_services.LastManagerError) as error:
        user_services.user_roles_update(user=manager, roles=[Role.LEADERSHIP], by=manager)
    assert "einzige aktive Social-Media-Manager:in" in error.value.messages[0]
    with pytest.raises(user_services.LastManagerError):
        user_services.user_deactivate(user=manager, by=manager)
    manager = User.objects.get(pk=manager.pk)
    assert manager.is_active and manager.is_manager
    assert not AccountEvent.objects.filter(user=manager).exists()


def test_a_deactivated_second_manager_does_not_count(cast):
    other = factories.UserFactory(roles=[Role.MANAGER], is_active=False)
    with pytest.raises(user_services.LastManagerError):
        user_services.user_deactivate(user=cast.manager, by=cast.manager)
    user_services.user_reactivate(user=other, by=cast.manager)
    # With a second active manager, the first may give up the role.
    user_services.user_roles_update(user=cast.manager, roles=[], by=cast.manager)
    assert not User.objects.get(pk=cast.manager.pk).is_manager
    # Now the other one is the last.
    with pytest.raises(user_services.LastManagerError):
        user_services.user_roles_update(user=other, roles=[], by=cast.manager)


def test_deactivating_ends_the_sessions_and_blocks_sign_in(cast):
    employee = cast.employee
    employee.set_password(PASSWORD)
    employee.save(update_fields=["password"])
    signed_in = Client()
    assert sign_in(signed_in, employee.email)
    other = cast.client("head_a")
    assert signed_in.get(reverse("rollout:me")).status_code == 200
    assert Session.objects.count() == 2

    assert user_services.user_deactivate(user=employee, by=cast.manager)
    assert not user_services.user_deactivate(user=employee, by=cast.manager)  # once

    assert Session.objects.count() == 1  # only head_a's is left
    response = signed_in.get(reverse("rollout:me"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert other.get(reverse("rollout:me")).status_code == 200
    assert not sign_in(Client(), employee.email)
    assert [kind for kind, _, _ in events(employee)] == [AccountEventKind.DEACTIVATED]

    assert user_services.user_reactivate(user=employee, by=cast.manager)
    assert not user_services.user_reactivate(user=employee, by=cast.manager)
    assert sign_in(Client(), employee.email)
    assert User.objects.get(pk=employee.pk).roles == {Role.EMPLOYEE.value}  # roles kept


def test_a_deactivated_login_gets_no_invitation_mail(cast, django_capture_on_commit_callbacks):
    user, _ = user_services.user_invite(by=cast.manager, full_name="Ida I", email="i@ex.de")
    user_services.user_deactivate(user=user, by=cast.manager)
    from notifications.services.sending import notifications_send

    notification = Notification.objects.get(kind="account_invitation")
    notifications_send(ids=[notification.pk])
    assert mail.outbox == []


# --- Pages -------------------------------------------------------------------------------


USER_PAGES = ("rollout:user_list", "rollout:user_invite")


@pytest.mark.parametrize("who", ["employee", "head_a", "leadership"])
def test_only_the_manager_sees_the_user_pages(cast, who):
    client = cast.client(who)
    for name in USER_PAGES:
        assert client.get(reverse(name)).status_code == 404
    target = cast.employee.pk
    assert client.get(reverse("rollout:user_detail", args=[target])).status_code == 404
    for name in ("user_roles", "user_deactivate", "user_reactivate", "user_invitation_resend"):
        response = client.post(
            reverse(f"rollout:{name}", args=[target]), {"roles": [Role.MANAGER.value]}
        )
        assert response.status_code == 404
    assert not User.objects.get(pk=cast.employee.pk).is_manager
    assert User.objects.get(pk=cast.employee.pk).is_active
    assert not AccountEvent.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(cast):
    response = Client().get(reverse("rollout:user_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_list_in_german_with_roles_status_search_and_navigation(cast):
    client = german(cast.client("manager"))
    user_services.user_deactivate(user=cast.head_b, by=cast.manager)
    response = client.get(reverse("rollout:user_list"))
    assert response.status_code == 200
    text = response.text
    assert "<h1>Benutzer</h1>" in text
    assert 'href="/users/"' in text  # the navigation link
    assert "Mara Manager" in text and "Social-Media-Manager:in" in text
    assert "Abteilungsleitung" in text
    assert "Deaktiviert" in text
    assert "Person einladen" in text

    found = client.get(reverse("rollout:user_list"), {"q": "anton"})
    assert "Anton A" in found.text and "Berta B" not in found.text
    inactive = client.get(reverse("rollout:user_list"), {"status": "inactive"})
    assert "Berta B" in inactive.text and "Anton A" not in inactive.text
    leaders = client.get(reverse("rollout:user_list"), {"role": Role.LEADERSHIP.value})
    assert "Lena Leitung" in leaders.text and "Anton A" not in leaders.text


def test_the_list_pages_through_many_logins(cast):
    from rollout.selectors.users import USERS_PER_PAGE

    factories.UserFactory.create_batch(USERS_PER_PAGE + 1, roles=[Role.EMPLOYEE])
    client = german(cast.client("manager"))
    first = client.get(reverse("rollout:user_list"), {"status": "active"})
    assert "Seite 1 von 2" in first.text
    assert "status=active&amp;page=2" in first.text
    second = client.get(reverse("rollout:user_list"), {"status": "active", "page": 2})
    assert second.status_code == 200 and "Seite 2 von 2" in second.text


# The signed-in user and their roles, then the page's own: count, rows, their roles.
LIST_QUERIES = 5
# The signed-in user and their roles, then the login with its directory entry, its roles,
# the departments it heads and deputises, and its history.
DETAIL_QUERIES = 7


def _assert_queries(client, url, django_assert_num_queries, expected: int) -> None:
    """A first request refills what any change makes stale (the navigation's cached rollout);
    the second is measured."""
    client.get(url)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


def test_the_list_costs_the_same_queries_for_few_and_many_users(cast, django_assert_num_queries):
    client = cast.client("manager")
    url = reverse("rollout:user_list")
    _assert_queries(client, url, django_assert_num_queries, LIST_QUERIES)
    for index in range(60):
        user = factories.UserFactory(roles=[Role.EMPLOYEE, Role.DEPARTMENT_HEAD])
        factories.PersonFactory(user=user, email=user.email)
        if index % 3 == 0:
            user_services.user_deactivate(user=user, by=cast.manager)
    _assert_queries(client, url, django_assert_num_queries, LIST_QUERIES)
    _assert_queries(client, f"{url}?q=a&status=active", django_assert_num_queries, LIST_QUERIES)
    _assert_queries(client, f"{url}?page=2", django_assert_num_queries, LIST_QUERIES)


def test_the_user_page_costs_the_same_queries_with_a_long_history(cast, django_assert_num_queries):
    client = cast.client("manager")
    url = reverse("rollout:user_detail", args=[cast.head_a.pk])
    _assert_queries(client, url, django_assert_num_queries, DETAIL_QUERIES)
    for _ in range(15):
        user_services.user_roles_update(user=cast.head_a, roles=[Role.LEADERSHIP], by=cast.manager)
        user_services.user_roles_update(
            user=cast.head_a, roles=[Role.DEPARTMENT_HEAD], by=cast.leadership
        )
    cast.department_b.deputy = cast.head_a.person
    cast.department_b.save(update_fields=["deputy"])
    _assert_queries(client, url, django_assert_num_queries, DETAIL_QUERIES)
    page = client.get(url)
    assert page.text.count('data-kind="role_granted"') == 30


def test_inviting_through_the_page_in_german(cast, django_capture_on_commit_callbacks):
    person = factories.PersonFactory(first_name="Nora", last_name="Neumann", user=None)
    client = german(cast.client("manager"))
    page = client.get(reverse("rollout:user_invite"))
    assert "Person aus dem Verzeichnis" in page.text
    assert f'value="{person.pk}"' in page.text
    assert f'value="{cast.employee.person.pk}"' not in page.text  # has a login already
    assert "<fieldset" in page.text and "<legend>Rollen</legend>" in page.text
    data = {"person": person.pk, "language": "de", "roles": [Role.LEADERSHIP.value]}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("rollout:user_invite"), data)
        again = client.post(reverse("rollout:user_invite"), data)  # double submit
    user = User.objects.get(email=person.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("rollout:user_detail", args=[user.pk])
    # The second submit finds the invitation of a moment ago: the same page, nothing new.
    assert again.status_code == 302 and again["Location"] == response["Location"]
    assert User.objects.filter(email=person.email).count() == 1
    assert len(mail.outbox) == 1
    detail = client.get(response["Location"])
    assert "hat jetzt ein Login" in detail.text
    assert "ist bereits eingeladen; es wurde nichts erneut gesendet" in detail.text
    assert "Eingeladen, hat noch kein Passwort gewählt" in detail.text
    assert "Rolle vergeben: Geschäftsführung" in detail.text
    assert "von Mara Manager" in detail.text


def test_the_invitation_form_keeps_the_input_on_errors(cast):
    client = german(cast.client("manager"))
    response = client.post(
        reverse("rollout:user_invite"),
        {
            "full_name": "Ida Ideal",
            "email": "keine-adresse",
            "language": "en",
            "roles": [Role.LEADERSHIP.value],
        },
    )
    assert response.status_code == 400
    assert 'value="Ida Ideal"' in response.text
    assert 'value="keine-adresse"' in response.text
    assert re.search(r'value="leadership"[^>]*checked', response.text)
    assert "Bitte korrigieren" in response.text
    empty = client.post(reverse("rollout:user_invite"), {"language": "de"})
    assert empty.status_code == 400
    assert "Wählen Sie eine Person aus dem Verzeichnis" in empty.text
    taken = client.post(
        reverse("rollout:user_invite"),
        {"full_name": "Anton", "email": cast.head_a.email, "language": "de"},
    )
    assert taken.status_code == 400
    assert "hat bereits ein Login" in taken.text
    assert not User.objects.filter(email="keine-adresse").exists()


def test_roles_and_deactivation_through_the_page_in_german(cast):
    client = german(cast.client("manager"))
    url = reverse("rollout:user_detail", args=[cast.employee.pk])
    response = client.post(
        reverse("rollout:user_roles", args=[cast.employee.pk]),
        {"roles": [Role.LEADERSHIP.value, Role.EMPLOYEE.value]},
    )
    assert response.status_code == 302 and response["Location"] == url
    again = client.post(
        reverse("rollout:user_roles", args=[cast.employee.pk]),
        {"roles": [Role.LEADERSHIP.value, Role.EMPLOYEE.value]},
    )
    assert again.status_code == 302
    assert AccountEvent.objects.filter(user=cast.employee).count() == 1
    page = client.get(url)
    assert "Rolle vergeben: Geschäftsführung" in page.text
    assert re.search(r'value="leadership"[^>]*checked', page.text)
    assert "nichts wurde geändert" in page.text

    client.post(reverse("rollout:user_deactivate", args=[cast.employee.pk]))
    client.post(reverse("rollout:user_deactivate", args=[cast.employee.pk]))
    assert (
        AccountEvent.objects.filter(user=cast.employee, kind=AccountEventKind.DEACTIVATED).count()
        == 1
    )
    page = client.get(url)
    assert "Deaktiviert: kann sich nicht anmelden" in page.text
    assert "Login reaktivieren" in page.text
    client.post(reverse("rollout:user_reactivate", args=[cast.employee.pk]))
    assert User.objects.get(pk=cast.employee.pk).is_active


def test_the_last_manager_gets_a_clear_message_in_german(cast):
    client = german(cast.client("manager"))
    response = client.post(
        reverse("rollout:user_roles", args=[cast.manager.pk]), {"roles": [Role.LEADERSHIP.value]}
    )
    assert response.status_code == 400
    assert "einzige aktive Social-Media-Manager:in" in response.text
    assert 'role="alert"' in response.text
    deactivate = client.post(reverse("rollout:user_deactivate", args=[cast.manager.pk]))
    assert deactivate.status_code == 400
    assert "einzige aktive Social-Media-Manager:in" in deactivate.text
    assert User.objects.get(pk=cast.manager.pk).is_manager


def test_a_manager_who_gives_up_the_role_goes_to_the_start_page(cast):
    factories.UserFactory(roles=[Role.MANAGER])
    client = cast.client("manager")
    response = client.post(
        reverse("rollout:user_roles", args=[cast.manager.pk]), {"roles": [Role.LEADERSHIP.value]}
    )
    assert response.status_code == 302 and response["Location"] == reverse("rollout:home")
    assert client.get(reverse("rollout:user_list")).status_code == 404


def test_an_unknown_role_is_a_form_error(cast):
    client = german(cast.client("manager"))
    response = client.post(
        reverse("rollout:user_roles", args=[cast.employee.pk]), {"roles": ["superuser"]}
    )
    assert response.status_code == 400
    assert User.objects.get(pk=cast.employee.pk).roles == {Role.EMPLOYEE.value}


def test_an_unknown_user_is_404(cast):
    client = cast.client("manager")
    assert client.get(reverse("rollout:user_detail", args=[999999])).status_code == 404
    assert client.post(reverse("rollout:user_deactivate", args=[999999])).status_code == 404


def test_the_admin_link_shows_only_to_superusers(cast):
    staff = factories.UserFactory(roles=[Role.MANAGER], is_staff=True)
    superuser = factories.UserFactory(roles=[Role.MANAGER], is_staff=True, is_superuser=True)
    admin_link = 'href="/admin/"'
    for user, shown in ((cast.manager, False), (staff, False), (superuser, True)):
        client = german(Client())
        client.force_login(user)
        text = client.get(reverse("rollout:user_list")).text
        assert (admin_link in text) is shown, user
        if shown:
            assert ">Verwaltung</a>" in text


def test_the_user_page_shows_the_departments_led(cast):
    client = german(cast.client("manager"))
    page = client.get(reverse("rollout:user_detail", args=[cast.head_a.pk]))
    link = f'<a href="{reverse("rollout:department_detail", args=[cast.department_a.pk])}">'
    assert f"Leitung von {link}Vertrieb</a>" in page.text


def test_the_pages_work_with_debug_off(cast, settings):
    settings.DEBUG = False
    client = german(cast.client("manager"))
    assert client.get(reverse("rollout:user_list")).status_code == 200
    assert client.get(reverse("rollout:user_invite")).status_code == 200
    assert client.get(reverse("rollout:user_detail", args=[cast.employee.pk])).status_code == 200


def test_an_english_manager_reads_english(cast):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    cast.manager.language = "en"
    cast.manager.save(update_fields=["language"])
    client.force_login(cast.manager)
    text = client.get(reverse("rollout:user_list")).text
    assert "<h1>Users</h1>" in text and "Invite a person" in text


def test_person_without_login_stays_in_the_directory_when_invited_by_email(cast):
    person = factories.PersonFactory(email="olaf@example.de", user=None)
    user, _ = user_services.user_invite(
        by=cast.manager, full_name="Olaf O", email="OLAF@example.de"
    )
    assert Person.objects.get(pk=person.pk).user == user


def person_options(response) -> int:
    select = re.search(r'<select name="person".*?</select>', response.text, re.S).group(0)
    return select.count("<option")


def test_a_large_directory_is_searched_not_listed_whole(cast, django_assert_num_queries):
    from rollout.selectors.users import PEOPLE_OFFERED

    department = factories.DepartmentFactory(name="Lager")
    factories.PersonFactory.create_batch(PEOPLE_OFFERED + 5, department=department)
    nora = factories.PersonFactory(first_name="Nora", last_name="Zyx", email="nora.zyx@ex.de")
    client = german(cast.client("manager"))
    url = reverse("rollout:user_invite")
    page = client.get(url)
    assert person_options(page) == PEOPLE_OFFERED + 1  # and the empty choice
    assert "6 weitere Personen ohne Login sind nicht aufgeführt" in page.text
    found = client.get(url, {"wer": "nora zyx"})
    assert f'value="{nora.pk}"' in found.text and person_options(found) == 2
    nobody = client.get(url, {"wer": "gibt-es-nicht"})
    assert "Niemand ohne Login passt zu dieser Suche." in nobody.text
    # Picking someone beyond the first hundred (after a search) works.
    response = client.post(f"{url}?wer=nora", {"person": nora.pk, "language": "de"})
    assert response.status_code == 302
    assert User.objects.get(email="nora.zyx@ex.de").person == nora
    # The signed-in user and their roles, how many people, the hundred offered.
    client.get(url)
    with django_assert_num_queries(4):
        client.get(url)


def test_a_new_head_or_deputy_gets_the_role_in_their_history(cast):
    from rollout.services.departments import department_set_leadership

    user_services.user_roles_update(user=cast.employee, roles=[Role.EMPLOYEE], by=cast.manager)
    department_set_leadership(
        department=cast.department_a,
        head=cast.head_a.person,  # has the role already: nothing recorded
        deputy=cast.employee.person,
        by=cast.manager,
    )
    assert User.objects.get(pk=cast.employee.pk).is_department_head
    assert events(cast.employee) == [
        (AccountEventKind.ROLE_GRANTED, Role.DEPARTMENT_HEAD.value, cast.manager.pk)
    ]
    assert not AccountEvent.objects.filter(user=cast.head_a).exists()
    page = german(cast.client("manager")).get(
        reverse("rollout:user_detail", args=[cast.employee.pk])
    )
    assert "Rolle vergeben: Abteilungsleitung" in page.text
    assert re.search(
        r"Stellvertretende Leitung von <a href=\"/departments/\d+/\">Vertrieb</a>", page.text
    )
