# The heartbeat moved here from the rollout app. Its table, rollout_heartbeat, already exists
# (rollout's first migration creates it), so this migration only teaches Django's state.

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("rollout", "0007_reports"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Heartbeat",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=40, unique=True)),
                        ("seen_at", models.DateTimeField()),
                    ],
                    options={
                        "verbose_name": "heartbeat",
                        "verbose_name_plural": "heartbeats",
                        "db_table": "rollout_heartbeat",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
