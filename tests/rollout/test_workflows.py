"""Content workflows: every transition, the history and diff, permissions for the whole cast,
a double-submitted confirmation, the emails and one-time sign-in links, and query counts."""

import datetime
import re

import pytest
from django.core import mail, signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from notifications.models import Notification
from rollout.models import (
    ContentDelivery,
    ContentWorkflow,
    LoginLink,
    Role,
    User,
    WorkflowAction,
    WorkflowEvent,
    WorkflowRevision,
    WorkflowState,
)
from rollout.selectors import workflows as selectors
from rollout.services import workflows as services
from rollout.services.workflows import Terms
from tests import factories
from tests.conftest import CAST
from tests.helpers import expect_status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _send_at_any_hour(settings):
    """The outbox holds mail back at night and on weekends; these tests are about content."""
    settings.NOTIFY_QUIET_HOURS = False


def _terms(**changes) -> Terms:
    values = {
        "content": "5–10 Fotos im Querformat",  # noqa: RUF001
        "trigger": "Jede Messe",
        "turnaround_hours": 24,
        "channel": "email",
        "channel_detail": "social@example.de",
    }
    values.update(changes)
    return Terms(**values)


@pytest.fixture
def workflow(cast) -> ContentWorkflow:
    return factories.ContentWorkflowFactory(
        department=cast.department_a, title="Eventfotos", by=cast.manager
    )


@pytest.fixture
def proposed(cast, workflow) -> ContentWorkflow:
    services.workflow_propose(workflow=workflow, by=cast.manager)
    workflow.refresh_from_db()
    return workflow


def _latest(workflow) -> WorkflowRevision:
    workflow.refresh_from_db()
    return workflow.latest_revision


def _actions(workflow) -> list[str]:
    return list(
        WorkflowEvent.objects.filter(workflow=workflow)
        .order_by("at", "pk")
        .values_list("action", flat=True)
    )


# --- Transitions -----------------------------------------------------------------------------


def test_the_whole_lifecycle_with_history_and_diff(
    cast, workflow, django_capture_on_commit_callbacks
):
    revision = _latest(workflow)
    assert (revision.number, revision.state) == (1, WorkflowState.DRAFT)

    # A draft is edited in place.
    services.workflow_edit(workflow=workflow, terms=_terms(turnaround_hours=48), by=cast.manager)
    assert WorkflowRevision.objects.filter(workflow=workflow).count() == 1
    assert _latest(workflow).turnaround_hours == 48

    with django_capture_on_commit_callbacks(execute=True):
        services.workflow_propose(workflow=workflow, by=cast.manager)
    assert _latest(workflow).state == WorkflowState.PROPOSED
    assert len(mail.outbox) == 1
    assert cast.head_a.email in mail.outbox[0].to[0]

    # Frozen while proposed.
    with pytest.raises(services.WorkflowStateError):
        services.workflow_edit(workflow=workflow, terms=_terms(), by=cast.manager)

    with django_capture_on_commit_callbacks(execute=True):
        _, changed = services.workflow_request_changes(
            workflow=workflow,
            revision_id=revision.pk,
            by=cast.head_a,
            comment="Bitte 48 h statt 24 h, und Lisa als Lieferantin",
        )
    assert changed
    assert _latest(workflow).state == WorkflowState.CHANGES_REQUESTED
    assert [m.to[0] for m in mail.outbox[1:]] == [f"Mara Manager <{cast.manager.email}>"]
    assert "Changes requested" in mail.outbox[1].subject or "Änderungen" in mail.outbox[1].subject

    lisa = factories.PersonFactory(department=cast.department_a, first_name="Lisa")
    revised = services.workflow_edit(
        workflow=workflow, terms=_terms(turnaround_hours=72, suppliers=(lisa,)), by=cast.manager
    )
    assert (revised.number, revised.state) == (2, WorkflowState.DRAFT)
    services.workflow_propose(workflow=workflow, by=cast.manager)
    services.workflow_confirm(workflow=workflow, revision_id=revised.pk, by=cast.head_a)
    workflow.refresh_from_db()
    assert workflow.confirmed_revision_id == revised.pk
    assert _actions(workflow) == [
        WorkflowAction.CREATED,
        WorkflowAction.EDITED,
        WorkflowAction.PROPOSED,
        WorkflowAction.CHANGES_REQUESTED,
        WorkflowAction.REVISED,
        WorkflowAction.PROPOSED,
        WorkflowAction.CONFIRMED,
    ]
    confirmed = WorkflowEvent.objects.get(workflow=workflow, action=WorkflowAction.CONFIRMED)
    assert (confirmed.by, confirmed.from_state, confirmed.to_state) == (
        cast.head_a,
        WorkflowState.PROPOSED,
        WorkflowState.CONFIRMED,
    )

    # The diff between the revisions, field by field.
    with translation.override("en"):
        page = selectors.workflow_page(workflow=workflow)
        changes = {
            change.label: (change.before, change.after) for change in page.revisions[0].changes
        }
    assert changes == {
        "Turnaround": ("2 days", "3 days"),
        "Suppliers": ("\N{EN DASH}", lisa.full_name),
    }


def test_a_confirmed_workflow_stays_in_force_while_a_new_revision_is_confirmed(cast, proposed):
    first = _latest(proposed)
    services.workflow_confirm(workflow=proposed, revision_id=first.pk, by=cast.head_a)
    second = services.workflow_edit(
        workflow=proposed, terms=_terms(turnaround_hours=12), by=cast.manager
    )
    proposed.refresh_from_db()
    assert proposed.confirmed_revision_id == first.pk
    assert second.state == WorkflowState.DRAFT
    services.workflow_propose(workflow=proposed, by=cast.manager)
    proposed.refresh_from_db()
    assert proposed.confirmed_revision_id == first.pk  # still in force while proposed
    services.workflow_confirm(workflow=proposed, revision_id=second.pk, by=cast.head_a)
    first.refresh_from_db()
    proposed.refresh_from_db()
    assert first.state == WorkflowState.SUPERSEDED
    assert proposed.confirmed_revision_id == second.pk


def test_confirming_a_revision_that_is_not_waiting_fails(cast, workflow):
    draft = _latest(workflow)
    with pytest.raises(services.WorkflowStateError):
        services.workflow_confirm(workflow=workflow, revision_id=draft.pk, by=cast.head_a)
    services.workflow_propose(workflow=workflow, by=cast.manager)
    with pytest.raises(services.WorkflowStateError):  # proposing twice
        services.workflow_propose(workflow=workflow, by=cast.manager)
    assert _actions(workflow) == [WorkflowAction.CREATED, WorkflowAction.PROPOSED]


def test_proposing_needs_a_head(cast):
    workflow = factories.ContentWorkflowFactory(by=cast.manager)
    with pytest.raises(services.WorkflowStateError):
        services.workflow_propose(workflow=workflow, by=cast.manager)
    assert _latest(workflow).state == WorkflowState.DRAFT


def test_a_head_without_an_account_gets_one_without_a_password(cast):
    department = factories.DepartmentFactory(name="Messebau")
    head = factories.PersonFactory(department=department, email="hanna.head@example.de")
    department.head = head
    department.save(update_fields=["head"])
    workflow = factories.ContentWorkflowFactory(department=department, by=cast.manager)
    services.workflow_propose(workflow=workflow, by=cast.manager)
    head.refresh_from_db()
    assert head.user is not None
    assert not head.user.has_usable_password()
    assert head.user.has_role(Role.DEPARTMENT_HEAD)


def test_the_manager_confirms_for_the_head_only_with_a_reason(cast, proposed):
    revision = _latest(proposed)
    with pytest.raises(ValidationError):
        services.workflow_confirm(workflow=proposed, revision_id=revision.pk, by=cast.manager)
    assert _latest(proposed).state == WorkflowState.PROPOSED
    services.workflow_confirm(
        workflow=proposed,
        revision_id=revision.pk,
        by=cast.manager,
        on_behalf_reason="Am Telefon bestätigt",
    )
    event = WorkflowEvent.objects.get(workflow=proposed, action=WorkflowAction.CONFIRMED)
    assert (event.by, event.on_behalf_of, event.reason) == (
        cast.manager,
        cast.head_a.person,
        "Am Telefon bestätigt",
    )


@pytest.mark.parametrize("who", ["head_b", "employee", "leadership"])
def test_others_cannot_confirm_in_the_service(cast, proposed, who):
    with pytest.raises(PermissionDenied):
        services.workflow_confirm(
            workflow=proposed, revision_id=_latest(proposed).pk, by=getattr(cast, who)
        )
    assert _latest(proposed).state == WorkflowState.PROPOSED


def test_the_deputy_may_confirm(cast, proposed):
    deputy = factories.UserFactory(roles=[Role.DEPARTMENT_HEAD])
    person = factories.PersonFactory(user=deputy, department=cast.department_a)
    cast.department_a.deputy = person
    cast.department_a.save(update_fields=["deputy"])
    _, changed = services.workflow_confirm(
        workflow=proposed, revision_id=_latest(proposed).pk, by=deputy
    )
    assert changed


def test_a_double_submitted_confirmation_confirms_once(cast, proposed):
    client = cast.client("head_a")
    url = reverse("rollout:workflow_confirm", args=[proposed.pk])
    data = {"revision": _latest(proposed).pk, "comment": "Passt"}
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert WorkflowEvent.objects.filter(action=WorkflowAction.CONFIRMED).count() == 1
    assert WorkflowRevision.objects.filter(state=WorkflowState.CONFIRMED).count() == 1
    assert Notification.objects.filter(kind="workflow_confirmed").count() == 1


def test_request_changes_needs_a_comment(cast, proposed):
    response = cast.client("head_a").post(
        reverse("rollout:workflow_request_changes", args=[proposed.pk]),
        {"revision": _latest(proposed).pk, "comment": " "},
    )
    assert response.status_code == 400
    assert _latest(proposed).state == WorkflowState.PROPOSED


# --- Permissions: every page and action, tried by the whole cast ---------------------------


def _denied_page(who: str) -> str:
    return "login" if who == "anonymous" else "404"


def _denied_action(who: str) -> str:
    return "login" if who == "anonymous" else "403"


@pytest.mark.parametrize("who", CAST)
def test_detail_page(cast, workflow, who):
    response = cast.client(who).get(reverse("rollout:workflow_detail", args=[workflow.pk]))
    expect_status(response, "ok" if who in ("manager", "head_a") else _denied_page(who))


@pytest.mark.parametrize("who", CAST)
@pytest.mark.parametrize("name", ["workflow_list", "workflow_create", "workflow_edit"])
def test_manager_pages(cast, workflow, who, name):
    args = [workflow.pk] if name == "workflow_edit" else []
    query = {"department": cast.department_a.pk} if name == "workflow_create" else {}
    response = cast.client(who).get(reverse(f"rollout:{name}", args=args), query)
    expect_status(response, "ok" if who == "manager" else _denied_page(who))


@pytest.mark.parametrize("who", CAST)
def test_my_department_page(cast, proposed, who):
    response = cast.client(who).get(reverse("rollout:my_department"))
    expect_status(response, "ok" if who in ("head_a", "head_b") else _denied_page(who))
    if who == "head_a":
        assert f'id="workflow-card-{proposed.pk}"' in response.text
    if who == "head_b":
        assert "Eventfotos" not in response.text


@pytest.mark.parametrize("who", CAST)
def test_only_the_head_of_that_department_confirms(cast, proposed, who):
    response = cast.client(who).post(
        reverse("rollout:workflow_confirm", args=[proposed.pk]),
        {"revision": _latest(proposed).pk},
    )
    if who == "manager":  # without a reason: refused, nothing written
        expect_status(response, "400")
    else:
        expect_status(response, "redirect" if who == "head_a" else _denied_action(who))
    confirmed = WorkflowEvent.objects.filter(action=WorkflowAction.CONFIRMED).count()
    assert confirmed == (1 if who == "head_a" else 0)
    assert _latest(proposed).state == (
        WorkflowState.CONFIRMED if who == "head_a" else WorkflowState.PROPOSED
    )


@pytest.mark.parametrize("who", CAST)
def test_only_the_head_of_that_department_requests_changes(cast, proposed, who):
    response = cast.client(who).post(
        reverse("rollout:workflow_request_changes", args=[proposed.pk]),
        {"revision": _latest(proposed).pk, "comment": "Anders bitte"},
    )
    expected = {"head_a": "redirect", "manager": "400"}.get(who, _denied_action(who))
    expect_status(response, expected)
    assert WorkflowEvent.objects.filter(action=WorkflowAction.CHANGES_REQUESTED).count() == (
        1 if who == "head_a" else 0
    )


@pytest.mark.parametrize("who", CAST)
def test_only_the_manager_proposes(cast, workflow, who):
    response = cast.client(who).post(reverse("rollout:workflow_propose", args=[workflow.pk]))
    expect_status(response, "redirect" if who == "manager" else _denied_action(who))
    assert _latest(workflow).state == (
        WorkflowState.PROPOSED if who == "manager" else WorkflowState.DRAFT
    )
    assert Notification.objects.count() == (1 if who == "manager" else 0)


@pytest.mark.parametrize("who", CAST)
def test_only_the_manager_creates_and_edits(cast, workflow, who):
    client = cast.client(who)
    data = {
        "department": cast.department_a.pk,
        "title": "Stellenanzeigen",
        "content": "Text und Bild",
        "trigger": "Neue Stelle",
        "turnaround": 2,
        "turnaround_unit": "days",
        "channel": "email",
    }
    response = client.post(reverse("rollout:workflow_create"), data)
    expected = "redirect" if who == "manager" else _denied_page(who)
    expect_status(response, expected)
    response = client.post(reverse("rollout:workflow_edit", args=[workflow.pk]), data)
    expect_status(response, expected)
    assert ContentWorkflow.objects.filter(title="Stellenanzeigen").count() == (
        1 if who == "manager" else 0
    )
    assert _latest(workflow).turnaround_hours == (48 if who == "manager" else 24)


@pytest.mark.parametrize("who", CAST)
def test_only_the_manager_logs_deliveries(cast, workflow, who):
    now = timezone.localtime()
    response = cast.client(who).post(
        reverse("rollout:delivery_create", args=[workflow.pk]),
        {
            "description": "Fotos Sommerfest",
            "requested_at": (now - datetime.timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M"),
            "submission_key": "0f8fad5b-d9cb-469f-a165-70867728950e",
        },
    )
    expect_status(response, "redirect" if who == "manager" else _denied_action(who))
    assert ContentDelivery.objects.count() == (1 if who == "manager" else 0)


@pytest.mark.parametrize("who", CAST)
def test_only_the_manager_marks_a_delivery_delivered(cast, workflow, who):
    delivery, _ = services.delivery_log(
        workflow=workflow,
        description="Fotos",
        requested_at=timezone.now() - datetime.timedelta(hours=3),
    )
    response = cast.client(who).post(reverse("rollout:delivery_delivered", args=[delivery.pk]))
    expect_status(response, "redirect" if who == "manager" else _denied_action(who))
    delivery.refresh_from_db()
    assert (delivery.delivered_at is not None) == (who == "manager")


def test_unknown_ids(cast):
    manager, head = cast.client("manager"), cast.client("head_a")
    assert manager.get(reverse("rollout:workflow_detail", args=[9999])).status_code == 404
    assert head.post(reverse("rollout:workflow_confirm", args=[9999])).status_code == 403


def test_the_manager_confirms_on_behalf_from_the_page(cast, proposed):
    response = cast.client("manager").post(
        reverse("rollout:workflow_confirm", args=[proposed.pk]),
        {"revision": _latest(proposed).pk, "on_behalf_reason": "Per Mail bestätigt"},
    )
    assert response.status_code == 302
    page = cast.client("manager").get(reverse("rollout:workflow_detail", args=[proposed.pk]))
    assert "Per Mail bestätigt" in page.text


# --- Inline answers on "My department" ------------------------------------------------------


def test_inline_confirm_returns_the_card_and_the_message(cast, proposed):
    response = cast.client("head_a").post(
        reverse("rollout:workflow_confirm", args=[proposed.pk]),
        {"revision": _latest(proposed).pk, "from": "mine"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert f'id="workflow-card-{proposed.pk}"' in response.text
    assert 'data-state="confirmed"' in response.text
    assert 'data-hx-swap-oob="innerHTML"' in response.text


def test_inline_change_request_without_comment_is_explained_in_place(cast, proposed):
    response = cast.client("head_a").post(
        reverse("rollout:workflow_request_changes", args=[proposed.pk]),
        {"revision": _latest(proposed).pk, "from": "mine", "comment": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.text


def test_my_department_lists_people_and_their_status(cast, proposed):
    lisa = factories.PersonFactory(
        department=cast.department_a, first_name="Lisa", last_name="Liefer"
    )
    services.workflow_confirm(workflow=proposed, revision_id=_latest(proposed).pk, by=cast.head_a)
    services.workflow_edit(workflow=proposed, terms=_terms(suppliers=(lisa,)), by=cast.manager)
    response = cast.client("head_a").get(reverse("rollout:my_department"))
    assert "Lisa Liefer" in response.text
    # Lisa is a supplier of the draft only; the revision in force names nobody.
    row = response.text.split("Lisa Liefer", 1)[1].split("</tr>", 1)[0]
    assert "Eventfotos" not in row
    assert f'id="confirmed-{cast.department_a.pk}"' in response.text


# --- Emails, signed links and one-time sign-in links ----------------------------------------


def _link(text: str, path: str) -> str:
    return re.search(rf"https?://\S+({path}\S+/)", text).group(1)


def test_the_head_without_a_password_gets_a_one_time_link(
    cast, workflow, django_capture_on_commit_callbacks
):
    cast.head_a.set_unusable_password()
    cast.head_a.language = "en"
    cast.head_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.workflow_propose(workflow=workflow, by=cast.manager)
    message = mail.outbox[0]
    assert message.subject == "Please confirm the content workflow “Eventfotos” (Vertrieb)"
    login_path = _link(message.body, "/accounts/sign-in-link/")
    client = Client()
    # Opening the link only shows a button: mail scanners do not use it up.
    assert client.get(login_path).status_code == 200
    assert LoginLink.objects.get().used_at is None
    response = client.post(login_path)
    assert response.status_code == 302
    assert response["Location"] == reverse("rollout:workflow_detail", args=[workflow.pk])
    assert client.get(response["Location"]).status_code == 200
    # Used: it cannot sign in again.
    other = Client()
    assert other.post(login_path).status_code == 404
    assert "_auth_user_id" not in other.session


def test_a_head_with_a_password_gets_no_login_link(
    cast, workflow, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.workflow_propose(workflow=workflow, by=cast.manager)
    body = mail.outbox[0].body
    assert "/accounts/sign-in-link/" not in body
    link = _link(body, "/workflows/link/")
    anonymous = Client().get(link)
    assert anonymous.status_code == 200
    assert "Eventfotos" in anonymous.text
    signed_in = cast.client("head_a").get(link)
    assert signed_in["Location"] == reverse("rollout:workflow_detail", args=[workflow.pk])


def test_an_expired_login_link_does_not_sign_in(cast):
    link, token = services.login_link_create(user=cast.head_a, next_url="/my-department/")
    LoginLink.objects.filter(pk=link.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=5),
        expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )
    client = Client()
    url = reverse("rollout:login_link", args=[token])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert "_auth_user_id" not in client.session


def test_a_login_link_is_consumed_once(cast):
    _, token = services.login_link_create(user=cast.head_a)
    assert services.login_link_consume(token=token) is not None
    assert services.login_link_consume(token=token) is None
    assert services.login_link_consume(token="guessed") is None


def test_tampered_and_expired_workflow_links(cast, workflow, monkeypatch):
    path = services.workflow_link_path(workflow=workflow)
    assert Client().get(path[:-3] + "xx/").status_code == 404
    later = signing.time.time() + (services.WORKFLOW_LINK_DAYS + 1) * 86400
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert Client().get(path).status_code == 404


def test_sign_in_link_request_does_not_reveal_accounts(cast, django_capture_on_commit_callbacks):
    url = reverse("rollout:login_link_request")
    with django_capture_on_commit_callbacks(execute=True):
        known = Client().post(url, {"email": cast.head_a.email, "next": "/my-department/"})
        unknown = Client().post(url, {"email": "niemand@example.de"})
        Client().post(url, {"email": cast.head_a.email})  # a double click: one mail
    assert known.status_code == unknown.status_code == 200
    assert 'id="login-link-sent"' in known.text
    assert 'id="login-link-sent"' in unknown.text
    assert len(mail.outbox) == 1
    path = _link(mail.outbox[0].body, "/accounts/sign-in-link/")
    client = Client()
    response = client.post(path)
    assert response["Location"] == "/my-department/"


def test_a_proposal_answered_before_sending_is_not_mailed(cast, proposed):
    from notifications.services import notifications_send

    services.workflow_confirm(workflow=proposed, revision_id=_latest(proposed).pk, by=cast.head_a)
    row = Notification.objects.get(kind="workflow_proposed")
    mail.outbox.clear()
    notifications_send(ids=[row.pk])
    row.refresh_from_db()
    assert row.state == "cancelled"
    assert mail.outbox == []


# --- Supplier link --------------------------------------------------------------------------


def test_a_supplier_logs_a_delivery_from_the_link_once(cast, workflow):
    lisa = factories.PersonFactory(department=cast.department_a, first_name="Lisa")
    _latest(workflow).suppliers.add(lisa)
    path = services.supply_link_path(workflow=workflow, person=lisa)
    client = Client()
    page = client.get(path)
    assert page.status_code == 200
    key = re.search(r'name="submission_key" value="([^"]+)"', page.text).group(1)
    now = timezone.localtime()
    data = {
        "description": "Fotos vom Messestand",
        "requested_at": (now - datetime.timedelta(hours=30)).strftime("%Y-%m-%dT%H:%M"),
        "delivered_at": (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "submission_key": key,
    }
    assert client.post(path, data).status_code == 200
    assert client.post(path, data).status_code == 200
    delivery = ContentDelivery.objects.get()
    assert delivery.supplier == lisa
    assert delivery.is_late()
    assert Client().get(path[:-4] + "abc/").status_code == 404


# --- Service levels on a constructed history -------------------------------------------------


def _deliver(workflow, *, requested_hours_ago, delivered_after_hours=None):
    now = timezone.now()
    requested = now - datetime.timedelta(hours=requested_hours_ago)
    delivered = (
        requested + datetime.timedelta(hours=delivered_after_hours)
        if delivered_after_hours is not None
        else None
    )
    return services.delivery_log(
        workflow=workflow, description="x", requested_at=requested, delivered_at=delivered
    )[0]


def test_sla_figures_on_a_constructed_history(cast, workflow):
    # Turnaround 24 h. Delivered after 10 h and 24 h: on time; after 30 h and 48 h: 6 h and
    # 24 h late. Open since 30 h: late. Open since 2 h: not yet due, not counted.
    for after in (10, 24, 30, 48):
        _deliver(workflow, requested_hours_ago=100, delivered_after_hours=after)
    _deliver(workflow, requested_hours_ago=30)
    _deliver(workflow, requested_hours_ago=2)
    figures = selectors.sla_figures(deliveries=workflow.deliveries.all())
    assert (figures.on_time, figures.counted, figures.open, figures.open_late) == (2, 5, 2, 1)
    assert figures.on_time_percent == 40
    assert figures.median_delay_hours == 15.0  # the late ones only: median of 6 and 24
    other = factories.ContentWorkflowFactory(department=cast.department_b, by=cast.manager)
    _deliver(other, requested_hours_ago=50, delivered_after_hours=1)
    by_department = selectors.on_time_by_department()
    assert by_department[cast.department_a.pk].on_time_percent == 40
    assert by_department[cast.department_b.pk].on_time_percent == 100
    late = selectors.open_late_deliveries(deliveries=ContentDelivery.objects.all())
    assert [d.workflow_id for d in late] == [workflow.pk]
    # The gate signal uses the same rule over all departments: 3 of 6.
    from rollout.selectors.core import RolloutSignals

    share = RolloutSignals(cast.rollout.pk).content_on_time
    assert (share.part, share.whole) == (3, 6)


def test_sla_ignores_deliveries_older_than_the_window(cast, workflow):
    _deliver(workflow, requested_hours_ago=24 * 100, delivered_after_hours=100)
    _deliver(workflow, requested_hours_ago=24 * 10, delivered_after_hours=1)
    assert selectors.on_time_by_department()[cast.department_a.pk].on_time_percent == 100


def test_trend_by_calendar_week(cast, workflow):
    now = timezone.now()
    _deliver(workflow, requested_hours_ago=1, delivered_after_hours=0)
    _deliver(workflow, requested_hours_ago=24 * 7 + 1, delivered_after_hours=30)
    _deliver(workflow, requested_hours_ago=24 * 70, delivered_after_hours=1)  # too old
    trend = selectors.sla_trend(deliveries=workflow.deliveries.all(), now=now)
    assert len(trend) == 8
    assert trend[-1].figures.on_time_percent == 100
    assert trend[-2].figures.on_time_percent == 0
    assert sum(week.figures.counted for week in trend) == 2
    assert trend[-1].start.weekday() == 0


def test_workflows_confirmed_signal_and_heatmap(cast, proposed):
    from rollout.selectors.core import RolloutSignals
    from rollout.selectors.readiness import department_readiness

    factories.ContentWorkflowFactory(department=cast.department_b, by=cast.manager)
    share = RolloutSignals(cast.rollout.pk).workflows_confirmed
    assert (share.part, share.whole) == (0, 2)
    services.workflow_confirm(workflow=proposed, revision_id=_latest(proposed).pk, by=cast.head_a)
    share = RolloutSignals(cast.rollout.pk).workflows_confirmed
    assert (share.part, share.whole) == (1, 2)
    rows = {row.department.pk: row for row in department_readiness(rollout=cast.rollout)}
    cells = {s.column.key: s for s in rows[cast.department_a.pk].signals}
    assert (cells["content_workflow"].text, cells["content_workflow"].level) == ("1 von 1", "good")
    cells_b = {s.column.key: s for s in rows[cast.department_b.pk].signals}
    assert cells_b["content_workflow"].level == "bad"


def test_dashboard_heatmap_shows_a_confirmation_at_once(
    cast, proposed, django_capture_on_commit_callbacks
):
    client = cast.client("manager")
    url = reverse("rollout:dashboard", args=[cast.rollout.pk])
    row = f'id="readiness-{cast.department_a.pk}"'
    cell = 'data-signal="content_workflow" data-level="good"'
    before = client.get(url).text
    assert cell not in before.split(row, 1)[1].split("</tr>", 1)[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.workflow_confirm(
            workflow=proposed, revision_id=_latest(proposed).pk, by=cast.head_a
        )
    after = client.get(url).text
    assert cell in after.split(row, 1)[1].split("</tr>", 1)[0]


# --- Query counts at two data sizes ----------------------------------------------------------


def _grow(cast, n: int) -> None:
    manager = cast.manager
    for index in range(n):
        department = cast.department_a if index % 2 else cast.department_b
        workflow = factories.ContentWorkflowFactory(department=department, by=manager)
        person = factories.PersonFactory(department=department)
        services.workflow_edit(workflow=workflow, terms=_terms(suppliers=(person,)), by=manager)
        services.workflow_propose(workflow=workflow, by=manager)
        if index % 3 == 0:
            services.workflow_confirm(
                workflow=workflow, revision_id=_latest(workflow).pk, by=department.head.user
            )
        _deliver(workflow, requested_hours_ago=40, delivered_after_hours=index)
        _deliver(workflow, requested_hours_ago=30)


def _count(client, url) -> int:
    """Queries of a page view in the steady state: the first view after a write refills the
    navigation's cache (rollout/freshness.py), which is not this page's doing."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("who", "page"),
    [
        ("manager", "list"),
        ("manager", "detail"),
        ("head_a", "detail"),
        ("head_a", "mine"),
        ("manager", "edit"),
        ("anonymous", "supply"),
        ("anonymous", "link"),
    ],
)
def test_query_counts_do_not_grow(cast, workflow, who, page):
    supplier = factories.PersonFactory(department=cast.department_a)
    urls = {
        "list": reverse("rollout:workflow_list"),
        "detail": reverse("rollout:workflow_detail", args=[workflow.pk]),
        "mine": reverse("rollout:my_department"),
        "edit": reverse("rollout:workflow_edit", args=[workflow.pk]),
        "supply": services.supply_link_path(workflow=workflow, person=supplier),
        "link": services.workflow_link_path(workflow=workflow),
    }
    client = cast.client(who)
    _grow(cast, 2)
    services.workflow_edit(
        workflow=workflow, terms=_terms(turnaround_hours=5, suppliers=(supplier,)), by=cast.manager
    )
    _deliver(workflow, requested_hours_ago=40, delivered_after_hours=2)
    small = _count(client, urls[page])
    _grow(cast, 8)
    for hours in range(10):
        _deliver(workflow, requested_hours_ago=40 + hours, delivered_after_hours=hours)
    services.workflow_propose(workflow=workflow, by=cast.manager)
    services.workflow_request_changes(
        workflow=workflow, revision_id=_latest(workflow).pk, by=cast.head_a, comment="Mehr"
    )
    services.workflow_edit(
        workflow=workflow, terms=_terms(turnaround_hours=6, suppliers=(supplier,)), by=cast.manager
    )
    large = _count(client, urls[page])
    assert small == large, f"{page}: {small} queries with little data, {large} with more"
    assert large <= 16


def test_selectors_have_fixed_query_counts(cast, workflow, django_assert_num_queries):
    _grow(cast, 3)
    with django_assert_num_queries(5):
        overview = selectors.workflow_overview()
    # The cast's departments have workflows now; the ones _grow made hold only members.
    assert cast.department_a not in overview.without
    with django_assert_num_queries(5):
        selectors.my_departments(user=cast.head_a)
    with django_assert_num_queries(7):
        page = selectors.workflow_page(workflow=workflow)
        assert page.suppliers == []


def test_users_are_not_created_twice_for_a_head(cast, proposed):
    assert User.objects.filter(email__iexact=cast.head_a.email).count() == 1


# --- Deliveries from the manager's page, the demo, the admin ---------------------------------


def test_a_double_submitted_delivery_is_logged_once(cast, workflow):
    client = cast.client("manager")
    url = reverse("rollout:workflow_detail", args=[workflow.pk])
    key = re.search(r'name="submission_key" value="([^"]+)"', client.get(url).text).group(1)
    now = timezone.localtime()
    data = {
        "description": "Fotos Sommerfest",
        "requested_at": (now - datetime.timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M"),
        "submission_key": key,
    }
    create = reverse("rollout:delivery_create", args=[workflow.pk])
    assert client.post(create, data).status_code == 302
    assert client.post(create, data).status_code == 302
    delivery = ContentDelivery.objects.get()
    assert delivery.due_at - delivery.requested_at == datetime.timedelta(hours=24)
    assert delivery.logged_by == cast.manager
    # Arrived: once; a second click changes nothing.
    done = reverse("rollout:delivery_delivered", args=[delivery.pk])
    client.post(done)
    first = ContentDelivery.objects.get().delivered_at
    client.post(done)
    assert ContentDelivery.objects.get().delivered_at == first is not None


def test_a_delivery_cannot_arrive_before_it_was_requested(cast, workflow):
    now = timezone.localtime()
    response = cast.client("manager").post(
        reverse("rollout:delivery_create", args=[workflow.pk]),
        {
            "description": "Fotos",
            "requested_at": (now - datetime.timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M"),
            "delivered_at": (now - datetime.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"),
            "submission_key": "0f8fad5b-d9cb-469f-a165-70867728950e",
        },
    )
    assert response.status_code == 400
    assert not ContentDelivery.objects.exists()


def test_the_due_time_follows_the_turnaround_in_force(cast, proposed):
    services.workflow_confirm(workflow=proposed, revision_id=_latest(proposed).pk, by=cast.head_a)
    services.workflow_edit(workflow=proposed, terms=_terms(turnaround_hours=2), by=cast.manager)
    proposed.refresh_from_db()
    delivery = _deliver(proposed, requested_hours_ago=1)
    # The draft's 2 hours are not agreed yet: the confirmed 24 hours count.
    assert delivery.due_at - delivery.requested_at == datetime.timedelta(hours=24)


def test_the_demo_has_a_workflow_in_every_state(settings):
    import io

    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())
    states = set(ContentWorkflow.objects.values_list("latest_revision__state", flat=True))
    assert states == {
        WorkflowState.DRAFT,
        WorkflowState.PROPOSED,
        WorkflowState.CHANGES_REQUESTED,
        WorkflowState.CONFIRMED,
    }
    assert ContentDelivery.objects.count() > 10
    trend = selectors.sla_trend(deliveries=ContentDelivery.objects.all())
    assert sum(week.figures.counted for week in trend) > 5
    head = User.objects.get(email="vertrieb@demo.changehub.example")
    waiting = selectors.my_departments(user=head)[0].waiting
    assert [workflow.title for workflow in waiting] == ["Messefotos"]


@pytest.mark.parametrize("model", [ContentWorkflow, ContentDelivery, LoginLink])
def test_admin_pages_open(cast, proposed, model):
    from django.contrib import admin

    staff = factories.UserFactory(is_staff=True, is_superuser=True)
    services.login_link_create(user=cast.head_a)
    _deliver(proposed, requested_hours_ago=3)
    client = Client()
    client.force_login(staff)
    assert model in admin.site._registry
    name = model._meta.model_name
    assert client.get(reverse(f"admin:rollout_{name}_changelist")).status_code == 200
    obj = model.objects.first()
    assert client.get(reverse(f"admin:rollout_{name}_change", args=[obj.pk])).status_code == 200


def test_gate_criteria_read_the_workflow_signals(cast, proposed):
    from rollout.models import CriterionKind, GateCriterion
    from rollout.selectors.core import rollout_dashboard

    phase = cast.rollout.phases.get(kind="unfreeze")
    GateCriterion.objects.create(phase=phase, kind=CriterionKind.WORKFLOWS_CONFIRMED, threshold=100)
    GateCriterion.objects.create(phase=phase, kind=CriterionKind.CONTENT_ON_TIME, threshold=50)
    _deliver(proposed, requested_hours_ago=50, delivered_after_hours=2)

    def states():
        summary = next(
            s for s in rollout_dashboard(rollout=cast.rollout).phases if s.phase.pk == phase.pk
        )
        return {
            state.criterion.kind: (state.value, state.is_met)
            for state in summary.criteria
            if state.criterion.kind in (CriterionKind.WORKFLOWS_CONFIRMED, "content_on_time")
        }

    assert states() == {"workflows_confirmed": (0, False), "content_on_time": (100, True)}
    services.workflow_confirm(workflow=proposed, revision_id=_latest(proposed).pk, by=cast.head_a)
    assert states()["workflows_confirmed"] == (100, True)


def test_a_double_clicked_proposal_is_sent_once(cast, workflow):
    client = cast.client("manager")
    url = reverse("rollout:workflow_propose", args=[workflow.pk])
    client.post(url)
    response = client.post(url, follow=True)
    assert response.status_code == 200
    # The first click's success, then the second's note that it was sent already.
    assert [m.level_tag for m in response.context["messages"]] == ["success", "info"]
    assert WorkflowEvent.objects.filter(action=WorkflowAction.PROPOSED).count() == 1
    assert Notification.objects.filter(kind="workflow_proposed").count() == 1


def test_create_with_a_bad_department_is_404(cast):
    client = cast.client("manager")
    assert client.get(reverse("rollout:workflow_create"), {"department": "x"}).status_code == 404
    assert client.get(reverse("rollout:workflow_create")).status_code == 404


def test_a_duplicate_title_is_explained(cast, workflow):
    response = cast.client("manager").post(
        reverse("rollout:workflow_create"),
        {
            "department": cast.department_a.pk,
            "title": "EVENTFOTOS",
            "content": "x",
            "trigger": "y",
            "turnaround": 1,
            "turnaround_unit": "hours",
            "channel": "email",
        },
    )
    assert response.status_code == 400
    assert ContentWorkflow.objects.count() == 1


def test_answers_work_without_javascript(cast, proposed):
    response = cast.client("head_a").post(
        reverse("rollout:workflow_request_changes", args=[proposed.pk]),
        {"revision": _latest(proposed).pk, "from": "mine", "comment": "Bitte schneller"},
    )
    assert response["Location"] == reverse("rollout:my_department")
    assert _latest(proposed).state == WorkflowState.CHANGES_REQUESTED
    page = cast.client("head_a").get(response["Location"])
    assert "Bitte schneller" in page.text


def test_suppliers_learn_the_agreement_and_get_their_link(
    cast, workflow, django_capture_on_commit_callbacks
):
    lisa = factories.PersonFactory(
        department=cast.department_a, first_name="Lisa", email="lisa@example.de", language="en"
    )
    services.workflow_edit(workflow=workflow, terms=_terms(suppliers=(lisa,)), by=cast.manager)
    services.workflow_propose(workflow=workflow, by=cast.manager)
    with django_capture_on_commit_callbacks(execute=True):
        services.workflow_confirm(
            workflow=workflow, revision_id=_latest(workflow).pk, by=cast.head_a
        )
    message = _mail_to_address("lisa@example.de")
    assert message.subject == "You supply “Eventfotos” for social media (Vertrieb)"
    path = _link(message.body, "/supply/")
    assert Client().get(path).status_code == 200


def _mail_to_address(address: str):
    found = [m for m in mail.outbox if address in m.to[0]]
    assert len(found) == 1, [m.to for m in mail.outbox]
    return found[0]


def test_the_overview_names_departments_without_a_workflow(cast, workflow):
    empty = factories.DepartmentFactory(name="Leer")  # no members: not listed
    quiet = factories.PersonFactory(
        department=factories.DepartmentFactory(name="Einkauf")
    ).department
    names = [department.name for department in selectors.workflow_overview().without]
    assert names == ["Einkauf", "Personal"]
    assert empty.name not in names
    response = cast.client("manager").get(reverse("rollout:workflow_list"))
    assert f"?department={quiet.pk}" in response.text
