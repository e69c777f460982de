"""Pulse surveys: the template, waves with one emailed link per person, answering once, the
daily beat of repeating surveys, and the results' anonymity rules."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import Notification, NotificationState
from rollout.models import ActivityKind, PhaseStatus
from surveys import selectors, services
from surveys.models import (
    QUESTION_KEYS,
    SurveyAnswer,
    SurveyFollowUp,
    SurveyInvitation,
    SurveyWave,
    WaveStatus,
)
from surveys.notices import SURVEY_INVITATION
from surveys.tasks import survey_waves_due
from tests import factories
from tests.surveys.helpers import answer_as, people_in, scores

pytestmark = pytest.mark.django_db


def _survey(cast, **kwargs):
    return services.survey_create(
        rollout=cast.rollout, title="Wie bereit sind wir?", by=cast.manager, **kwargs
    )


def test_a_new_survey_has_the_german_and_english_template(cast):
    survey = _survey(cast)
    assert set(survey.texts) == {"de", "en"}
    for language in ("de", "en"):
        assert all(survey.texts[language][key].strip() for key in QUESTION_KEYS)
    assert survey.question("awareness", "de").startswith("Ich weiß")
    assert survey.question("awareness", "en").startswith("I know")


def test_a_survey_needs_every_question_in_both_languages(cast):
    texts = {"de": dict.fromkeys(QUESTION_KEYS, "Frage"), "en": {"awareness": "Q"}}
    with pytest.raises(ValidationError):
        _survey(cast, texts=texts)


def test_a_wave_invites_the_audience_and_emails_each_their_own_link(
    cast, django_capture_on_commit_callbacks
):
    people_in(cast.department_b, 3)
    survey = _survey(cast, audience_all=False, departments=[cast.department_a])
    with django_capture_on_commit_callbacks(execute=True):
        wave = services.wave_start(survey=survey, by=cast.manager)
    invited = set(wave.invitations.values_list("person__email", flat=True))
    assert invited == {cast.head_a.email, cast.employee.email}
    assert wave.closes_on == wave.opens_on + datetime.timedelta(days=survey.open_days - 1)
    rows = Notification.objects.filter(kind=SURVEY_INVITATION)
    assert rows.count() == 2 and all(row.state == NotificationState.SENT for row in rows)
    assert len(mail.outbox) == 2
    assert all(any(email in m.to[0] for m in mail.outbox) for email in invited)
    message = next(m for m in mail.outbox if cast.employee.email in m.to[0])
    assert "/survey/" in message.body and "anonym" in message.body
    with pytest.raises(ValidationError):
        services.wave_start(survey=survey, by=cast.manager)  # one open wave at a time


def test_an_answer_is_taken_once_and_keeps_nothing_of_the_person(cast):
    survey = _survey(cast)
    wave = services.wave_start(survey=survey, by=cast.manager)
    invitation = SurveyInvitation.objects.get(wave=wave, person=cast.employee.person)
    stale = SurveyInvitation.objects.get(pk=invitation.pk)  # a second tab, loaded before
    answer = services.answer_submit(invitation=invitation, scores=scores(ability=2))
    assert answer.department_id == cast.department_a.pk
    assert answer.ability == 2
    with pytest.raises(services.AlreadyAnswered):
        services.answer_submit(invitation=stale, scores=scores())
    assert SurveyAnswer.objects.count() == 1
    invitation.refresh_from_db()
    assert invitation.answered_on == timezone.localdate()


def test_a_closed_wave_takes_no_answer(cast):
    wave = services.wave_start(survey=_survey(cast), by=cast.manager)
    services.wave_close(wave=wave)
    invitation = SurveyInvitation.objects.filter(wave=wave).first()
    with pytest.raises(services.WaveClosed):
        services.answer_submit(invitation=invitation, scores=scores())
    assert not SurveyAnswer.objects.exists()


def test_scores_must_be_1_to_5(cast):
    wave = services.wave_start(survey=_survey(cast), by=cast.manager)
    invitation = SurveyInvitation.objects.filter(wave=wave).first()
    with pytest.raises(ValidationError):
        services.answer_submit(invitation=invitation, scores=scores(desire=6))
    invitation.refresh_from_db()
    assert invitation.answered_on is None


def test_the_daily_beat_closes_waves_and_starts_the_next_one_as_a_row(cast):
    repeating = _survey(cast, repeat_weeks=4, open_days=7)
    once = _survey(cast)
    today = timezone.localdate()
    first = services.wave_start(
        survey=repeating, by=cast.manager, opens_on=today - datetime.timedelta(weeks=4)
    )
    services.wave_start(survey=once, by=cast.manager, opens_on=today - datetime.timedelta(weeks=5))

    assert survey_waves_due() == 1
    first.refresh_from_db()
    assert first.status == WaveStatus.CLOSED
    second = SurveyWave.objects.get(survey=repeating, number=2)
    assert (second.opens_on, second.status) == (today, WaveStatus.OPEN)
    assert second.invitations.count() == first.invitations.count()
    assert not SurveyWave.objects.filter(survey=once, number=2).exists()
    assert not SurveyWave.objects.filter(survey=once, status=WaveStatus.OPEN).exists()

    assert survey_waves_due() == 0  # twice a day: nothing more
    assert services.waves_due(today=today + datetime.timedelta(weeks=3)).started == []
    assert len(services.waves_due(today=today + datetime.timedelta(weeks=4)).started) == 1


def test_the_beat_is_in_the_schedule_daily(settings):
    entry = next(
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "surveys.tasks.survey_waves_due"
    )
    assert entry["schedule"].hour == {settings.SURVEY_WAVES_HOUR}


# --- Results -----------------------------------------------------------------------------------


def _wave_with_answers(cast, sizes: dict, **answer_kwargs):
    """A wave in which each department of `sizes` has that many answers."""
    departments = {}
    for name, count in sizes.items():
        department = factories.DepartmentFactory(name=name)
        departments[name] = (department, people_in(department, count))
    wave = services.wave_start(survey=_survey(cast), by=cast.manager)
    for _department, people in departments.values():
        answer_as(wave, people, **answer_kwargs)
    return wave, departments


def test_small_departments_are_merged_and_a_too_small_merge_is_hidden(cast):
    wave, _departments = _wave_with_answers(cast, {"Marketing": 5, "Einkauf": 2})
    results = selectors.survey_results(survey=wave.survey)
    selected = results.selected
    assert [g.label for g in selected.groups] == ["Marketing"]
    assert selected.hidden_answers == 2
    assert selected.company is None  # 7 minus Marketing's 5 would give Einkauf away

    wave, _departments = _wave_with_answers(cast, {"Technik": 5, "Lager": 3, "IT": 2})
    selected = selectors.survey_results(survey=wave.survey).selected
    assert [str(g.label) for g in selected.groups] == ["Technik", "Weitere Abteilungen"]
    assert selected.groups[1].key == selectors.OTHERS
    assert selected.groups[1].answers == 5
    assert selected.company.answers == 10 and selected.hidden_answers == 0


def test_means_weakest_dimension_and_trend(cast):
    marketing = factories.DepartmentFactory(name="Marketing")
    people = people_in(marketing, 5)
    survey = _survey(cast)
    first = services.wave_start(
        survey=survey, by=cast.manager, opens_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    answer_as(first, people[:3], knowledge=1)
    answer_as(first, people[3:], knowledge=2)
    services.wave_close(wave=first)
    second = services.wave_start(survey=survey, by=cast.manager)
    answer_as(second, people, knowledge=5, awareness=2)

    results = selectors.survey_results(survey=survey, wave_id=first.pk)
    group = results.selected.groups[0]
    assert group.means["knowledge"] == 1.4
    assert group.weakest == "knowledge"
    assert group.suggestion.kind == ActivityKind.TRAINING
    trend = {row.key: row for row in results.trend}
    marketing_row = trend[f"d{marketing.pk}"]
    knowledge = dict(marketing_row.by_dimension)["Wissen"]
    assert knowledge == [1.4, 5.0]
    assert selectors.survey_results(survey=survey).selected.groups[0].weakest == "awareness"


def test_comments_only_for_the_manager_and_shown_groups(cast):
    wave, _departments = _wave_with_answers(
        cast, {"Marketing": 5, "Einkauf": 2}, comment="Mehr Zeit bitte"
    )
    results = selectors.survey_results(survey=wave.survey, show_comments=True)
    assert results.selected.groups[0].comments == ["Mehr Zeit bitte"] * 5
    assert selectors.survey_results(survey=wave.survey).selected.groups[0].comments == []
    head_view = selectors.survey_results(
        survey=wave.survey, show_comments=True, scope=[cast.department_a.pk]
    )
    assert head_view.show_comments is False


def test_the_results_take_a_fixed_number_of_queries(cast):
    def count(sizes: dict) -> int:
        wave, _ = _wave_with_answers(cast, sizes, comment="Gut")
        with CaptureQueriesContext(connection) as queries:
            results = selectors.survey_results(survey=wave.survey, show_comments=True)
            [g.cells for g in results.selected.rows]
        return len(queries)

    small = count({"A1": 5})
    large = count({f"B{n}": 6 for n in range(8)} | {f"C{n}": 2 for n in range(5)})
    assert small == large <= 6


# --- Follow-up activities --------------------------------------------------------------------


def test_a_follow_up_is_created_once_in_the_active_phase(cast):
    wave, departments = _wave_with_answers(cast, {"Marketing": 5}, reinforcement=1)
    marketing, _people = departments["Marketing"]
    group = selectors.survey_results(survey=wave.survey).selected.groups[0]
    suggestion = group.suggestion
    assert suggestion.dimension == "reinforcement"

    def create():
        return services.follow_up_create(
            wave=wave,
            group=group.key,
            dimension=suggestion.dimension,
            title=str(suggestion.title),
            kind=suggestion.kind,
            departments=[marketing],
            by=cast.manager,
        )

    activity, created = create()
    again, created_again = create()
    assert created and not created_again and again == activity
    assert activity.phase.status == PhaseStatus.ACTIVE
    assert activity.phase.rollout_id == cast.rollout.pk
    assert list(activity.departments.all()) == [marketing]
    assert SurveyFollowUp.objects.count() == 1


# --- Reminders ---------------------------------------------------------------------------------


def test_one_reminder_to_those_who_have_not_answered_and_never_to_anyone_else(cast):
    from notifications.rules.scan import reminders_scan

    survey = _survey(cast, open_days=14)
    opened = timezone.localdate() - datetime.timedelta(days=6)
    wave = services.wave_start(survey=survey, by=cast.manager, opens_on=opened)
    answer_as(wave, [cast.head_a.person])

    reminders_scan()
    reminders_scan()  # twice: nothing more
    reminded = set(
        Notification.objects.filter(kind="reminder_survey").values_list("person_id", flat=True)
    )
    invited = set(wave.invitations.values_list("person_id", flat=True))
    assert reminded == invited - {cast.head_a.person.pk}
    assert not Notification.objects.filter(kind="escalation_survey").exists()
    later = timezone.now() + datetime.timedelta(days=7)
    reminders_scan(now=later)
    assert Notification.objects.filter(kind="reminder_survey").count() == len(reminded)


def test_the_invitations_are_a_fan_out_job_that_the_beat_finishes_if_the_worker_lost_it(cast):
    from notifications.models import FanOut
    from notifications.services.fanout import fanouts_resume

    survey = _survey(cast)
    wave = services.wave_start(survey=survey, by=cast.manager)  # no commit: no worker ran
    job = FanOut.objects.get(key=services.fanout_key(wave_id=wave.pk))
    assert job.total == wave.invitations.count() == 5
    assert not Notification.objects.filter(kind=SURVEY_INVITATION).exists()
    fanouts_resume()
    assert Notification.objects.filter(kind=SURVEY_INVITATION).count() == 5
    fanouts_resume()  # twice: nothing twice
    assert Notification.objects.filter(kind=SURVEY_INVITATION).count() == 5
