"""The house's rules: which app may import which, and models that move keep their rows."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from core.models import Heartbeat
from reports.models import Report
from tests import factories

ROOT = Path(settings.BASE_DIR)


def test_the_import_contracts_hold():
    """core knows no domain app, nothing shipped imports devtools, no new back-edge."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "broken" in done.stdout and " 0 broken" in done.stdout


def test_a_new_back_edge_breaks_the_contracts(tmp_path):
    """The check can fail: core importing a domain app is caught."""
    config = tmp_path / "contracts.toml"
    config.write_text(
        (ROOT / "pyproject.toml")
        .read_text()
        .split("[tool.importlinter]", 1)[1]
        .join(["[tool.importlinter]", ""])
    )
    probe = ROOT / "core" / "_contract_probe.py"
    probe.write_text("import rollout.models  # noqa: F401\n")
    try:
        done = subprocess.run(
            [str(Path(sys.executable).with_name("lint-imports")), "--no-cache", "--config", config],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        probe.unlink()
    assert done.returncode != 0
    assert "core._contract_probe -> rollout.models" in done.stdout


def _row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            if table == "django_migrations":
                continue
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 (our own table names)
            counts[table] = cursor.fetchone()[0]
        return counts


@pytest.mark.django_db(transaction=True)
def test_a_database_at_the_old_layout_migrates_forward_and_keeps_every_row():
    """The heartbeat moved from rollout to core and the report from rollout to reports: their
    rows, and every other row, survive."""
    factories.StakeholderFactory()
    factories.ActivityFactory()
    Heartbeat.objects.create(name="worker", seen_at=timezone.now())
    before = _row_counts()

    # Back to the layout before core existed: rollout owned the heartbeat.
    executor = MigrationExecutor(connection)
    executor.migrate([("core", None)])
    loader = MigrationExecutor(connection).loader
    assert not [key for key in loader.applied_migrations if key[0] == "core"]
    old_apps = loader.project_state(list(loader.applied_migrations)).apps
    labels = {model._meta.app_label for model in old_apps.get_models()}
    assert "core" not in labels and "reports" not in labels
    OldHeartbeat = old_apps.get_model("rollout", "Heartbeat")
    assert OldHeartbeat.objects.filter(name="worker").exists()
    OldHeartbeat.objects.create(name="beat", seen_at=timezone.now())
    rollout = old_apps.get_model("rollout", "Rollout").objects.first()
    old_apps.get_model("rollout", "Report").objects.create(
        rollout_id=rollout.pk, status="queued", schedule_key="monthly:old-layout"
    )

    # Forward to the current layout.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    after = _row_counts()
    before["rollout_heartbeat"] += 1
    before["rollout_report"] += 1
    # A role's group is made by a data migration (rollout 0018, the works council), which ran
    # again on the way forward: it is there afterwards even where the test database had none.
    assert after.pop("auth_group") >= before.pop("auth_group")
    assert after == before
    assert Report.objects.get(schedule_key="monthly:old-layout").rollout_id == rollout.pk
    assert ContentType.objects.get_for_model(Report).app_label == "reports"
    assert set(Heartbeat.objects.values_list("name", flat=True)) == {"worker", "beat"}
    assert ContentType.objects.get_for_model(Heartbeat).app_label == "core"
    assert not ContentType.objects.filter(app_label="rollout", model="heartbeat").exists()
