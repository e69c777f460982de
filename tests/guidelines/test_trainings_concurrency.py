"""Two people take the last seat at the same moment: exactly one gets it, the other goes on
the waitlist. Real transactions in two threads; the session row lock decides (on SQLite the
database lock serialises the writers just the same)."""

import threading

import pytest
from django.db import close_old_connections, connection

from guidelines.models import InvitationStatus
from guidelines.services import trainings as services
from rollout.models import PhaseKind
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_accepts_for_the_last_seat_one_wins():
    department = factories.DepartmentFactory(name="Vertrieb Ost")
    for _ in range(3):
        factories.PersonFactory(department=department)
    phase = factories.RolloutFactory().phases.get(kind=PhaseKind.MOVE)
    session = factories.training_session(phase=phase, departments=[department], capacity=2)
    first, second, third = session.invitations.order_by("pk")
    services.invitation_respond(invitation=first, answer="accept")

    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def accept(invitation):
        try:
            barrier.wait(timeout=10)
            services.invitation_respond(invitation=invitation, answer="accept")
        except BaseException as error:  # reported below, in the test thread
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=accept, args=(i,)) for i in (second, third)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    statuses = sorted(session.invitations.exclude(pk=first.pk).values_list("status", flat=True))
    assert statuses == [InvitationStatus.ACCEPTED, InvitationStatus.WAITLISTED]
    assert session.invitations.filter(status=InvitationStatus.ACCEPTED).count() == 2
