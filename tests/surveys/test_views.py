"""The survey pages end to end: sent to 30 people, 12 answer from their emailed links (one tries
twice and is refused), the results page shows the departments with five answers or more and
merges the others; and the schema keeps answers apart from people."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rollout.models import Activity, Person, PhaseStatus, User
from surveys.models import Survey, SurveyAnswer, SurveyInvitation, SurveyWave
from surveys.services import answer_url, wave_close
from tests import factories
from tests.surveys.helpers import answer_as, people_in

pytestmark = pytest.mark.django_db

ANSWER = {
    "awareness": "4",
    "desire": "3",
    "knowledge": "2",
    "ability": "3",
    "reinforcement": "4",
    "comment": "Mehr Beispiele aus unserer Branche",
}


def _link_of(person: Person) -> str:
    message = next(m for m in mail.outbox if person.email in m.to[0])
    return urlsplit(re.search(r"https?://\S+/survey/\S+/", message.body).group(0)).path


def _create_survey(cast) -> Survey:
    client = cast.client("manager")
    page = client.get(reverse("surveys:create", args=[cast.rollout.pk]))
    assert page.status_code == 200
    assert "Ich weiß, warum wir Social Media" in page.content.decode()
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields if name.startswith("q_")}
    data |= {"title": "Puls im Dezember", "audience_all": "on", "open_days": "14"}
    response = client.post(reverse("surveys:create", args=[cast.rollout.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Survey.objects.get(title="Puls im Dezember")


def test_thirty_invited_twelve_answer_one_twice_and_the_results_merge_small_groups(
    cast, django_capture_on_commit_callbacks
):
    marketing = factories.DepartmentFactory(name="Marketing")
    purchasing = factories.DepartmentFactory(name="Einkauf")
    # The cast brings five people (head A and the employee in Vertrieb, head B in Personal,
    # the manager and leadership in none): 25 more make 30.
    marketing_people = people_in(marketing, 10)
    sales_people = people_in(cast.department_a, 6)
    hr_people = people_in(cast.department_b, 5)
    purchasing_people = people_in(purchasing, 4)
    english = sales_people[0]
    english.language = "en"
    english.save(update_fields=["language"])

    survey = _create_survey(cast)
    manager = cast.client("manager")
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(reverse("surveys:wave_start", args=[survey.pk]))
    assert response.status_code == 302
    wave = SurveyWave.objects.get(survey=survey)
    assert wave.invitations.count() == 30
    assert len(mail.outbox) == 30

    answering = marketing_people[:6] + sales_people[:2] + hr_people[:2] + purchasing_people[:2]
    assert len(answering) == 12
    for person in answering:
        link = _link_of(person)
        visitor = Client()  # no account: the link is the key
        page = visitor.get(link)
        assert page.status_code == 200
        assert page["Cache-Control"] == "private, no-store"
        response = visitor.post(link, ANSWER)
        assert response.status_code == 302
        assert "Ihre Antwort ist gespeichert" in visitor.get(link).content.decode() or (
            person == english
        )

    # The English colleague tries a second time (another tab): refused, in English.
    second = Client().post(_link_of(english), ANSWER)
    assert second.status_code == 409
    assert "You have already answered this survey" in second.content.decode()
    # A German colleague's second attempt is refused in German.
    again = Client().post(_link_of(marketing_people[0]), ANSWER)
    assert again.status_code == 409
    assert "Sie haben diese Umfrage bereits beantwortet" in again.content.decode()

    assert SurveyAnswer.objects.filter(wave=wave).count() == 12
    assert SurveyInvitation.objects.filter(wave=wave, answered_on__isnull=False).count() == 12

    page = manager.get(reverse("surveys:results", args=[survey.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    rows = re.findall(r'<tr id="group-([^"]+)">\s*<th scope="row">([^<]+)</th>', html)
    assert rows == [
        ("all", "Gesamtes Unternehmen"),
        (f"d{marketing.pk}", "Marketing"),
        ("other", "Weitere Abteilungen"),
    ]
    assert "12 von 30 beantwortet" in html
    assert "Mehr Beispiele aus unserer Branche" in html  # the manager reads the free texts
    for name in (cast.department_a.name, cast.department_b.name, purchasing.name):
        assert f'<th scope="row">{name}</th>' not in html

    leadership = cast.client("leadership").get(reverse("surveys:results", args=[survey.pk]))
    assert "Weitere Abteilungen" in leadership.content.decode()
    assert "Mehr Beispiele" not in leadership.content.decode()
    # Head A's Vertrieb has two answers: nothing to show, nor anything of other departments.
    head = cast.client("head_a").get(reverse("surveys:results", args=[survey.pk]))
    assert head.status_code == 200
    head_html = head.content.decode()
    assert "Marketing" not in head_html and "Weitere Abteilungen" not in head_html
    assert "Mehr Beispiele" not in head_html

    # The weakest dimension (knowledge) suggests a training; one click, twice, one activity.
    follow_up = reverse("surveys:follow_up", args=[wave.pk])
    for _ in range(2):
        assert manager.post(follow_up, {"group": f"d{marketing.pk}"}).status_code == 302
    fragment = manager.post(
        follow_up, {"group": f"d{marketing.pk}"}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200 and "Im Plan" in fragment.content.decode()
    activity = Activity.objects.get(title__contains="Marketing")
    assert activity.kind == "training"
    assert activity.phase.status == PhaseStatus.ACTIVE
    assert list(activity.departments.all()) == [marketing]
    assert manager.post(follow_up, {"group": f"d{cast.department_a.pk}"}).status_code == 400


def test_the_results_page_takes_the_same_queries_for_more_data(cast):
    def queries_for(departments: int) -> int:
        survey = Survey.objects.create(rollout=cast.rollout, title=f"P{departments}")
        wave = SurveyWave.objects.create(
            survey=survey, number=1, opens_on="2026-01-05", closes_on="2026-01-30"
        )
        for n in range(departments):
            department = factories.DepartmentFactory()
            people = people_in(department, 5)
            SurveyInvitation.objects.bulk_create(
                SurveyInvitation(wave=wave, person=person) for person in people
            )
            SurveyWave.objects.filter(pk=wave.pk).update(closes_on="2099-01-01")
            answer_as(wave, people, comment=f"Text {n}")
        client = cast.client("manager")
        client.get(reverse("surveys:results", args=[survey.pk]))  # warm the caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("surveys:results", args=[survey.pk]))
        assert response.status_code == 200
        return len(queries)

    assert queries_for(1) == queries_for(6)


def test_no_column_of_the_answer_table_leads_to_a_person():
    """Neither a foreign key nor a column that could join an answer to a person, their
    invitation or their login: checked on the database's own schema."""
    table = SurveyAnswer._meta.db_table
    forbidden = {
        Person._meta.db_table,
        SurveyInvitation._meta.db_table,
        User._meta.db_table,
    }
    with connection.cursor() as cursor:
        relations = connection.introspection.get_relations(cursor, table)
        columns = connection.introspection.get_table_description(cursor, table)
    referenced = {relation[1] for relation in relations.values()}  # (column, table, ...)
    assert not referenced & forbidden, referenced
    names = {column.name for column in columns}
    assert not {name for name in names if re.search("person|invitation|user|email", name)}
    # No moment either: nothing to match against an invitation's answered day or a log line.
    kinds = {
        column.name: connection.introspection.get_field_type(column.type_code, column)
        for column in columns
    }
    assert not [name for name, kind in kinds.items() if kind in ("DateTimeField", "DateField")]
    assert set(names) == {
        "id",
        "wave_id",
        "department_id",
        "awareness",
        "desire",
        "knowledge",
        "ability",
        "reinforcement",
        "comment",
    }
    # The primary key is random, so the order of the rows tells nothing either.
    assert SurveyAnswer._meta.pk.get_internal_type() == "UUIDField"


@pytest.mark.parametrize(
    ("who", "shown"), [("manager", True), ("leadership", True), ("head_a", False)]
)
def test_the_navigation_leads_the_manager_and_leadership_to_the_surveys(cast, who, shown):
    page = cast.client(who).get(reverse("rollout:me")).content.decode()
    link = f'<a href="{reverse("surveys:list", args=[cast.rollout.pk])}">Umfragen</a>'
    assert (link in page) is shown


def test_the_manager_edits_a_question_and_people_see_the_new_text(cast):
    survey = _create_survey(cast)
    client = cast.client("manager")
    edit = reverse("surveys:edit", args=[survey.pk])
    form = client.get(edit).context["form"]
    data = {name: form[name].value() for name in form.fields if name.startswith("q_")}
    data |= {
        "title": "Puls im Januar",
        "audience_all": "",
        "audience_departments": [cast.department_a.pk],
        "open_days": "7",
        "repeat_weeks": "4",
        "is_active": "on",
        "q_de_desire": "Ich mache gern mit.",
    }
    assert client.post(edit, data).status_code == 302
    survey.refresh_from_db()
    assert (survey.title, survey.repeat_weeks, survey.audience_all) == ("Puls im Januar", 4, False)
    assert survey.question("desire", "de") == "Ich mache gern mit."
    assert "Ich mache gern mit." in client.get(edit).content.decode()  # the form re-opened

    assert client.post(reverse("surveys:wave_start", args=[survey.pk])).status_code == 302
    wave = SurveyWave.objects.get(survey=survey)
    assert set(wave.invitations.values_list("person__department", flat=True)) == {
        cast.department_a.pk
    }
    invitation = wave.invitations.get(person=cast.employee.person)
    page = Client().get(answer_url(invitation_id=invitation.pk, absolute=False))
    assert "Ich mache gern mit." in page.content.decode()
    # A second wave while one is open is refused with a message, nothing is sent twice.
    response = client.post(reverse("surveys:wave_start", args=[survey.pk]), follow=True)
    assert "noch offen" in response.content.decode()
    assert SurveyWave.objects.filter(survey=survey).count() == 1
    listing = client.get(reverse("surveys:list", args=[cast.rollout.pk])).content.decode()
    assert "Puls im Januar" in listing and "alle 4 Wochen" in listing


def test_a_broken_or_closed_link_says_so(cast):
    survey = _create_survey(cast)
    cast.client("manager").post(reverse("surveys:wave_start", args=[survey.pk]))
    wave = SurveyWave.objects.get(survey=survey)
    invitation = wave.invitations.get(person=cast.employee.person)
    link = answer_url(invitation_id=invitation.pk, absolute=False)
    broken = Client().get(link[:-6] + "xxxxx/")
    assert broken.status_code == 404 and "Dieser Link funktioniert nicht" in broken.content.decode()
    wave_close(wave=wave)
    closed = Client().post(link, ANSWER)
    assert closed.status_code == 410 and "Diese Umfrage ist beendet" in closed.content.decode()
    assert not SurveyAnswer.objects.exists()
