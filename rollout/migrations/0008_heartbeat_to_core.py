# The heartbeat now belongs to the core app; the table stays where it is.

from django.db import migrations


def _content_type_to_core(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    old = ContentType.objects.filter(app_label="rollout", model="heartbeat")
    if ContentType.objects.filter(app_label="core", model="heartbeat").exists():
        old.delete()
    else:
        old.update(app_label="core")


def _content_type_to_rollout(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="core", model="heartbeat").update(app_label="rollout")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_initial"),
        ("rollout", "0007_reports"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Heartbeat")],
            database_operations=[],
        ),
        migrations.RunPython(_content_type_to_core, _content_type_to_rollout),
    ]
