"""End to end: a large people import is read and applied by a real worker on the real broker,
while the web requests only queue it and show its progress."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from changehub.celery import app as celery_app
from rollout.models import ImportStatus, PeopleImport, Person
from tests import test_worker
from tests.test_worker import _start, _stop, _wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
celery_env = test_worker.celery_env

ROWS = 1500


def test_a_real_worker_reads_and_applies_a_large_import(cast, celery_env, tmp_path, settings):
    env, queue = celery_env
    settings.PEOPLE_IMPORT_SYNC_MAX_ROWS = 100
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    log = tmp_path / "worker.log"
    worker = _start(
        [
            "worker",
            "--loglevel=INFO",
            "--concurrency=1",
            "--pool=solo",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
        ],
        env,
        log,
    )
    try:
        client = Client(HTTP_ACCEPT_LANGUAGE="de")
        client.force_login(cast.manager)
        lines = ["E-Mail;Vorname;Nachname;Abteilung"] + [
            f"echt{n}@example.de;Erik{n};Echt;Werk {n % 3}" for n in range(ROWS)
        ]
        response = client.post(
            reverse("rollout:people_import"),
            {"file": SimpleUploadedFile("hr.csv", "\r\n".join(lines).encode())},
        )
        assert response.status_code == 302
        people_import = PeopleImport.objects.get()

        def status() -> str:
            return PeopleImport.objects.get(pk=people_import.pk).status

        _wait_for(lambda: status() == ImportStatus.PREVIEW, 90, log)
        assert PeopleImport.objects.get(pk=people_import.pk).row_count == ROWS
        confirm = client.post(reverse("rollout:people_import_confirm", args=[people_import.pk]))
        assert confirm.status_code == 302
        _wait_for(lambda: status() == ImportStatus.APPLIED, 90, log)
        assert Person.objects.filter(last_name="Echt").count() == ROWS
        page = client.get(reverse("rollout:people_import_preview", args=[people_import.pk]))
        assert 'class="import-status status-applied"' in page.content.decode()
        assert "Übernommen" in page.content.decode()
    finally:
        celery_app.conf.task_default_queue = previous_queue
        _stop(worker)
