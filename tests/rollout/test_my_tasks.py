""" "Meine Aufgaben" is the employee's to-do list: guidelines to acknowledge, invitations
without an answer, feedback to give, content to deliver and the activities they own, earliest
first, each with the link where it is done; done tasks leave the list."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from guidelines.services import trainings as training_services
from guidelines.services.guidelines import acknowledgment_record
from rollout.models import ContentDelivery, PhaseKind
from rollout.services.workflows import Terms
from tests import factories

pytestmark = pytest.mark.django_db


def _tasks_of(cast, count: int = 1):
    person = cast.employee.person
    phase = cast.rollout.phases.get(kind=PhaseKind.UNFREEZE)
    now = timezone.now()
    made = {"versions": [], "sessions": [], "past": []}
    for number in range(count):
        made["versions"].append(
            factories.guideline_version(
                "published", acknowledge_by=timezone.localdate() + datetime.timedelta(days=3)
            )
        )
        made["sessions"].append(
            factories.training_session(
                phase=phase, title=f"Workshop {number}", people=[person], departments=[]
            )
        )
        past = factories.training_session(
            phase=phase,
            title=f"Vergangen {number}",
            people=[person],
            departments=[],
            starts_at=now - datetime.timedelta(days=2, hours=2),
            ends_at=now - datetime.timedelta(days=2),
        )
        invitation = past.invitations.get(person=person)
        training_services.attendance_set(invitation=invitation, attended=True, by=None)
        made["past"].append(past)
        workflow = factories.ContentWorkflowFactory(
            department=cast.department_a,
            terms=Terms(
                content="Fotos",
                trigger="Jede Messe",
                turnaround_hours=24,
                channel="email",
                channel_detail="social@example.de",
                suppliers=(person,),
            ),
        )
        gone = factories.ContentWorkflowFactory(department=cast.department_a)
        ContentDelivery.objects.create(  # no longer a supplier there: not on the list
            workflow=gone,
            description="Alte Anfrage",
            requested_at=now,
            due_at=now,
            supplier=person,
        )
        ContentDelivery.objects.create(
            workflow=workflow,
            description=f"Fotos der Messe {number}",
            requested_at=now,
            due_at=now + datetime.timedelta(days=1),
            supplier=person,
        )
        factories.ActivityFactory(
            phase=phase,
            title=f"Profil einrichten {number}",
            owner=person,
            due_date=timezone.localdate() + datetime.timedelta(days=5),
        )
    return made


def test_the_employee_sees_everything_waiting_for_them_with_its_link(cast):
    made = _tasks_of(cast)
    client = cast.client("employee")
    page = client.get(reverse("rollout:me")).content.decode()
    for text in (
        made["versions"][0].guideline.title,
        "Workshop 0",
        "Vergangen 0",
        "Fotos der Messe 0",
        "Profil einrichten 0",
        "Lesen und bestätigen",
        "Einladung beantworten",
        "Feedback geben",
    ):
        assert text in page, text
    assert "Alte Anfrage" not in page
    # Earliest first: the delivery (tomorrow) before the guideline (in 3 days).
    assert page.index("Fotos der Messe 0") < page.index(made["versions"][0].guideline.title)
    # Every link opens its page for this person.
    links = [
        line.split('href="')[1].split('"')[0]
        for line in page.split('<li class="my-task">')[1:]
        if 'href="' in line.split("</li>")[0]
    ]
    assert len(links) == 4
    for link in links:
        assert client.get(link).status_code == 200, link


def test_a_done_task_leaves_the_list(cast):
    made = _tasks_of(cast)
    version = made["versions"][0]
    request = version.requests.get(person=cast.employee.person)
    acknowledgment_record(request=request, method="signed_in")
    page = cast.client("employee").get(reverse("rollout:me")).content.decode()
    assert version.guideline.title not in page
    assert "Workshop 0" in page


def test_nothing_to_do_says_so_in_english_too(cast):
    client = cast.client("employee")
    assert "Sie haben keine offenen Aufgaben" in client.get(reverse("rollout:me")).text
    cast.employee.language = "en"
    cast.employee.save(update_fields=["language"])
    assert "You have no open tasks" in client.get(reverse("rollout:me")).text


def test_the_list_costs_the_same_queries_for_one_or_many_tasks(cast):
    client = cast.client("employee")
    _tasks_of(cast, count=1)
    client.get(reverse("rollout:me"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("rollout:me"))
    _tasks_of(cast, count=3)
    client.get(reverse("rollout:me"))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("rollout:me"))
    assert len(many) == len(few)
