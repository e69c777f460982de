from django.db import migrations

ROLE = "works_council"


def create_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=ROLE)


def remove_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=ROLE).delete()


class Migration(migrations.Migration):
    dependencies = [("rollout", "0017_criterion_survey_score")]

    operations = [migrations.RunPython(create_role, remove_role)]
