"""Large people imports in the worker: read and applied by tasks with visible progress, never
in the web request; a lost task is picked up by the beat; a broker that is down costs no 500."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from core import queue
from rollout import tasks
from rollout.models import ImportStatus, PeopleImport, Person
from rollout.services import people_import, people_import_jobs
from rollout.services.people_import import PeopleImportBusy

pytestmark = pytest.mark.django_db

ROWS = 1200


@pytest.fixture(autouse=True)
def _small_threshold(settings):
    """Files above 50 rows go to the worker (the product's default is 1,000)."""
    settings.PEOPLE_IMPORT_SYNC_MAX_ROWS = 50


def _csv(count: int, *, prefix: str = "person") -> bytes:
    lines = ["E-Mail;Vorname;Nachname;Abteilung"] + [
        f"{prefix}{n}@example.de;Vera{n};Viel;Abteilung {n % 5}" for n in range(count)
    ]
    return "\r\n".join(lines).encode()


def _german_manager(cast) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(cast.manager)
    return client


def _upload(client: Client, content: bytes, name: str = "hr.csv"):
    return client.post(
        reverse("rollout:people_import"), {"file": SimpleUploadedFile(name, content)}
    )


@pytest.fixture(autouse=True)
def _broker_not_paused():
    queue.reset()
    yield
    queue.reset()


def _broker_down(monkeypatch) -> list[str]:
    refused: list[str] = []

    def refusing(name: str):
        def refuse(*args, **kwargs):
            refused.append(name)
            raise ConnectionRefusedError("broker down")

        return refuse

    for task in (tasks.people_import_read, tasks.people_import_apply_rows):
        monkeypatch.setattr(task, "apply_async", refusing(task.name))
    return refused


def test_a_small_file_is_still_read_and_applied_in_the_request(cast):
    client = _german_manager(cast)
    response = _upload(client, _csv(10))
    created = PeopleImport.objects.get()
    assert response.status_code == 302
    assert created.status == ImportStatus.PREVIEW and created.row_count == 10
    client.post(reverse("rollout:people_import_confirm", args=[created.pk]))
    created.refresh_from_db()
    assert created.status == ImportStatus.APPLIED
    assert Person.objects.filter(last_name="Viel").count() == 10


def test_a_large_file_is_queued_not_read_in_the_request(cast, django_capture_on_commit_callbacks):
    client = _german_manager(cast)
    with django_capture_on_commit_callbacks() as callbacks:
        response = _upload(client, _csv(ROWS))
    queued = PeopleImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("rollout:people_import_preview", args=[queued.pk])
    assert queued.status == ImportStatus.QUEUED and queued.rows == []
    assert bytes(queued.content) == _csv(ROWS)
    assert queued.language == "de"
    assert len(callbacks) == 1, "the read is handed to the worker after the commit"
    page = client.get(response["Location"]).content.decode()
    assert "Warten auf den Hintergrunddienst" in page
    assert reverse("rollout:people_import_status", args=[queued.pk]) in page
    assert 'data-hx-trigger="every 2s"' in page


def test_the_worker_reads_a_large_file_with_progress(cast, monkeypatch):
    monkeypatch.setattr(people_import_jobs, "PROGRESS_EVERY_SECONDS", 0)
    queued = people_import_jobs.people_import_upload(content=_csv(ROWS), filename="hr.csv", by=None)
    assert queued.status == ImportStatus.QUEUED
    seen: list[tuple[str, int, int]] = []
    original = people_import_jobs._Progress.__call__

    def spy(self, done, total, **kwargs):
        original(self, done, total, **kwargs)
        row = PeopleImport.objects.get(pk=queued.pk)
        seen.append((row.status, row.progress_done, row.progress_total))

    monkeypatch.setattr(people_import_jobs._Progress, "__call__", spy)
    tasks.people_import_read(queued.pk)  # the task itself, as the worker runs it
    queued.refresh_from_db()
    assert queued.status == ImportStatus.PREVIEW
    assert queued.row_count == ROWS and queued.summary["counts"]["create"] == ROWS
    assert bytes(queued.content) == b"", "the file is not kept once read"
    assert queued.attempts == 1
    assert len(seen) >= 3, seen
    assert all(status == ImportStatus.READING for status, _done, _total in seen)
    done = [done for _status, done, _total in seen]
    assert done == sorted(done) and 0 < done[0] < ROWS and done[-1] == ROWS
    assert all(total == ROWS for _status, _done, total in seen)
    # A second delivery of the same task does nothing.
    tasks.people_import_read(queued.pk)
    queued.refresh_from_db()
    assert queued.attempts == 1 and queued.status == ImportStatus.PREVIEW


def test_the_page_shows_the_progress_in_german_and_reloads_when_done(cast):
    client = _german_manager(cast)
    running = PeopleImport.objects.create(
        filename="hr.xlsx",
        status=ImportStatus.READING,
        progress_done=1200,
        progress_total=5000,
        progress_at=timezone.now(),
    )
    status_url = reverse("rollout:people_import_status", args=[running.pk])
    fragment = client.get(status_url, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    text = fragment.content.decode()
    assert "1.200 von 5.000 Zeilen gelesen" in text
    assert '<progress max="5000" value="1200">' in text
    assert "<html" not in text, "only the fragment"
    page = client.get(reverse("rollout:people_import_preview", args=[running.pk])).content.decode()
    assert "1.200 von 5.000 Zeilen gelesen" in page
    running.status = ImportStatus.PREVIEW
    running.save(update_fields=["status"])
    done = client.get(status_url, HTTP_HX_REQUEST="true")
    assert done.status_code == 200 and done["HX-Refresh"] == "true"


def test_a_refusal_in_the_worker_is_shown_in_the_uploaders_language(cast, settings):
    settings.PEOPLE_IMPORT_MAX_ROWS = 1000
    client = _german_manager(cast)
    _upload(client, _csv(ROWS))
    queued = PeopleImport.objects.get()
    tasks.people_import_read(queued.pk)
    queued.refresh_from_db()
    assert queued.status == ImportStatus.FAILED
    assert "mehr als 1.000 Zeilen" in queued.failure_reason
    assert bytes(queued.content) == b""
    page = client.get(reverse("rollout:people_import_preview", args=[queued.pk])).content.decode()
    assert "mehr als 1.000 Zeilen" in page and "Es wurde nichts geändert." in page
    assert reverse("rollout:people_import") in page
    assert not Person.objects.filter(last_name="Viel").exists()


def test_the_worker_time_budget_refuses_a_slow_file(cast, settings):
    settings.PEOPLE_IMPORT_WORKER_SECONDS = 0
    with translation.override("en"):
        queued = people_import_jobs.people_import_upload(
            content=_csv(ROWS), filename="hr.csv", by=None
        )
    with translation.override("de"):  # the worker writes in the uploader's language
        tasks.people_import_read(queued.pk)
    queued.refresh_from_db()
    assert queued.status == ImportStatus.FAILED
    assert "longer than 0 seconds" in queued.failure_reason


def test_a_request_that_runs_out_of_time_hands_the_file_to_the_worker(settings):
    settings.PEOPLE_IMPORT_REQUEST_SECONDS = 0
    settings.PEOPLE_IMPORT_SYNC_MAX_ROWS = 10_000
    queued = people_import_jobs.people_import_upload(content=_csv(ROWS), filename="hr.csv", by=None)
    assert queued.status == ImportStatus.QUEUED


def test_a_large_confirmed_import_is_applied_by_the_worker_in_chunks(cast, monkeypatch):
    client = _german_manager(cast)
    preview = people_import_jobs.people_import_upload(
        content=_csv(ROWS), filename="hr.csv", by=None
    )
    tasks.people_import_read(preview.pk)
    response = client.post(reverse("rollout:people_import_confirm", args=[preview.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("rollout:people_import_preview", args=[preview.pk])
    preview.refresh_from_db()
    assert preview.status == ImportStatus.CONFIRMED
    assert preview.confirmed_by == cast.manager
    assert (preview.progress_done, preview.progress_total) == (0, ROWS)
    assert not Person.objects.filter(last_name="Viel").exists(), "nothing written in the request"
    page = client.get(response["Location"]).content.decode()
    assert "im Hintergrund übernommen" in page

    chunks: list[int] = []
    original = people_import._people_write

    def spy(rows, **kwargs):
        chunks.append(PeopleImport.objects.get(pk=preview.pk).progress_done)
        return original(rows, **kwargs)

    monkeypatch.setattr(people_import_jobs, "_people_write", spy)
    tasks.people_import_apply_rows(preview.pk)
    preview.refresh_from_db()
    assert preview.status == ImportStatus.APPLIED and preview.applied_at is not None
    assert chunks == [0, 500, 1000], "progress committed after every chunk"
    assert preview.progress_done == ROWS
    people = Person.objects.filter(last_name="Viel")
    assert people.count() == ROWS
    history = Person.history.filter(last_name="Viel", history_type="+")
    assert set(history.values_list("history_user", flat=True)) == {cast.manager.pk}


def test_a_worker_that_dies_while_applying_is_resumed_by_the_beat_without_duplicates(
    cast, monkeypatch, settings
):
    preview = people_import_jobs.people_import_upload(
        content=_csv(ROWS), filename="hr.csv", by=None
    )
    tasks.people_import_read(preview.pk)
    people_import_jobs.people_import_confirm(
        people_import=PeopleImport.objects.get(pk=preview.pk), by=cast.manager
    )
    original = people_import._people_write
    calls = {"n": 0}

    def dies_on_the_second_chunk(rows, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise MemoryError("the worker was killed")
        return original(rows, **kwargs)

    monkeypatch.setattr(people_import_jobs, "_people_write", dies_on_the_second_chunk)
    with pytest.raises(MemoryError):
        tasks.people_import_apply_rows(preview.pk)
    preview.refresh_from_db()
    assert preview.status == ImportStatus.APPLYING and preview.progress_done == 500
    assert Person.objects.filter(last_name="Viel").count() == 500

    # Not yet stalled: the beat leaves it alone.
    assert people_import_jobs.people_imports_resume() == {"handed_over": 0, "failed": 0}
    later = timezone.now() + datetime.timedelta(seconds=settings.PEOPLE_IMPORT_STALL_SECONDS + 1)
    # Stalled: handed over again (the eager task runs at once) and resumed after chunk one.
    assert people_import_jobs.people_imports_resume(now=later) == {"handed_over": 1, "failed": 0}
    preview.refresh_from_db()
    assert preview.status == ImportStatus.APPLIED and preview.attempts == 2
    assert Person.objects.filter(last_name="Viel").count() == ROWS
    assert calls["n"] == 4, "chunk one was not written twice"


def test_the_beat_gives_up_after_the_attempts_with_a_reason(cast, settings):
    settings.PEOPLE_IMPORT_MAX_ATTEMPTS = 3
    stuck = PeopleImport.objects.create(
        filename="hr.csv",
        status=ImportStatus.READING,
        content=_csv(ROWS),
        language="de",
        attempts=3,
        progress_at=timezone.now() - datetime.timedelta(hours=1),
    )
    assert people_import_jobs.people_imports_resume() == {"handed_over": 0, "failed": 1}
    stuck.refresh_from_db()
    assert stuck.status == ImportStatus.FAILED
    assert "3-mal gestartet" in stuck.failure_reason
    assert bytes(stuck.content) == b""


def test_an_upload_with_the_broker_down_is_no_500_and_the_beat_hands_it_over_later(
    cast, monkeypatch, django_capture_on_commit_callbacks, settings
):
    refused = _broker_down(monkeypatch)
    client = _german_manager(cast)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, _csv(ROWS))
    assert response.status_code == 302
    assert refused == ["rollout.tasks.people_import_read"]
    queued = PeopleImport.objects.get()
    assert queued.status == ImportStatus.QUEUED
    # The broker is back; the beat finds the import that never started.
    monkeypatch.undo()
    queue.reset()  # the publishing pause after the failure is over
    later = timezone.now() + datetime.timedelta(seconds=settings.PEOPLE_IMPORT_STALL_SECONDS + 1)
    assert people_import_jobs.people_imports_resume(now=later)["handed_over"] == 1
    queued.refresh_from_db()
    assert queued.status == ImportStatus.PREVIEW and queued.row_count == ROWS


def test_a_confirmation_with_the_broker_down_is_no_500(
    cast, monkeypatch, django_capture_on_commit_callbacks
):
    preview = people_import_jobs.people_import_upload(
        content=_csv(ROWS), filename="hr.csv", by=None
    )
    tasks.people_import_read(preview.pk)
    _broker_down(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        response = _german_manager(cast).post(
            reverse("rollout:people_import_confirm", args=[preview.pk])
        )
    assert response.status_code == 302
    preview.refresh_from_db()
    assert preview.status == ImportStatus.CONFIRMED, "the row waits for the beat"


def test_the_beat_schedule_runs_the_pick_up():
    from django.conf import settings as django_settings

    entry = django_settings.CELERY_BEAT_SCHEDULE["rollout-people-imports-resume"]
    assert entry["task"] == "rollout.tasks.people_imports_resume"
    assert tasks.people_imports_resume.name == entry["task"]


def test_only_one_import_is_applied_at_a_time(cast):
    first = people_import_jobs.people_import_upload(
        content=_csv(ROWS, prefix="a"), filename="a.csv", by=None
    )
    second = people_import_jobs.people_import_upload(
        content=_csv(10, prefix="b"), filename="b.csv", by=None
    )
    tasks.people_import_read(first.pk)
    people_import_jobs.people_import_confirm(
        people_import=PeopleImport.objects.get(pk=first.pk), by=cast.manager
    )
    with pytest.raises(PeopleImportBusy):
        people_import_jobs.people_import_confirm(people_import=second, by=cast.manager)
    assert not Person.objects.filter(email__startswith="b0@").exists()


def test_a_queued_import_can_be_cancelled_and_the_worker_then_stores_nothing(cast):
    queued = people_import_jobs.people_import_upload(content=_csv(ROWS), filename="hr.csv", by=None)
    response = _german_manager(cast).post(
        reverse("rollout:people_import_discard", args=[queued.pk])
    )
    assert response.status_code == 302
    tasks.people_import_read(queued.pk)
    queued.refresh_from_db()
    assert queued.status == ImportStatus.DISCARDED and queued.rows == []
