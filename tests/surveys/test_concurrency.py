"""Two tabs (or a double click) send the same person's answer at the same moment: exactly one
answer is stored, the other attempt is refused. Real transactions in threads; the conditional
UPDATE of the invitation decides (PostgreSQL re-checks it on the row the winner changed;
SQLite serialises the writers)."""

import threading

import pytest
from django.db import close_old_connections, connection

from surveys import services
from surveys.models import SurveyAnswer, SurveyInvitation
from tests import factories
from tests.surveys.helpers import scores

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_answers_of_one_person_store_one():
    person = factories.PersonFactory()
    rollout = factories.RolloutFactory()
    survey = services.survey_create(rollout=rollout, title="Puls", by=None)
    wave = services.wave_start(survey=survey, by=None)
    invitation = SurveyInvitation.objects.get(wave=wave, person=person)

    attempts = 4
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def answer():
        try:
            stale = SurveyInvitation.objects.get(pk=invitation.pk)  # loaded before anyone won
            barrier.wait(timeout=10)
            services.answer_submit(invitation=stale, scores=scores())
            outcomes.append("stored")
        except services.AlreadyAnswered:
            outcomes.append("refused")
        except BaseException as error:  # reported below, in the test thread
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=answer) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert sorted(outcomes) == ["refused"] * (attempts - 1) + ["stored"]
    assert SurveyAnswer.objects.filter(wave=wave).count() == 1
