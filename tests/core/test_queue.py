"""core.queue: publishing a task never fails the caller, and a broker that failed is left alone
for a while."""

from unittest import mock

import pytest
from kombu.exceptions import OperationalError

from core import queue
from core.tasks import scheduler_heartbeat


@pytest.fixture(autouse=True)
def _fresh():
    queue.reset()
    yield
    queue.reset()


def test_enqueue_publishes_once_without_retries():
    with mock.patch.object(scheduler_heartbeat, "apply_async") as publish:
        assert queue.enqueue(scheduler_heartbeat, 1, 2, options={"countdown": 5}, flag=True)
    publish.assert_called_once_with(args=(1, 2), kwargs={"flag": True}, retry=False, countdown=5)


def test_a_broker_that_refuses_costs_one_try_then_a_pause(settings, caplog):
    settings.BROKER_PAUSE_SECONDS = 60
    refused = OperationalError("Error 111 connecting to redis:6379. Connection refused.")
    with mock.patch.object(scheduler_heartbeat, "apply_async", side_effect=refused) as publish:
        assert queue.enqueue(scheduler_heartbeat) is False
        assert queue.enqueue(scheduler_heartbeat) is False
        assert publish.call_count == 1
        assert queue.broker_paused()
        assert "The broker did not take core.tasks.scheduler_heartbeat" in caplog.text
        queue.reset()  # the pause is over
        assert queue.enqueue(scheduler_heartbeat) is False
        assert publish.call_count == 2


@pytest.mark.django_db
def test_enqueue_on_commit_waits_for_the_commit(django_capture_on_commit_callbacks):
    with mock.patch.object(scheduler_heartbeat, "apply_async") as publish:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            queue.enqueue_on_commit(scheduler_heartbeat, 7)
        publish.assert_not_called()
        for callback in callbacks:
            callback()
    publish.assert_called_once_with(args=(7,), kwargs={}, retry=False)
