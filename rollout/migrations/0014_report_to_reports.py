# The leadership report now belongs to the reports app; its table stays where it is.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("rollout", "0013_account_events"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(
                    model_name="report",
                    name="report_rollout_created",
                ),
                migrations.RemoveConstraint(
                    model_name="report",
                    name="report_schedule_key_unique",
                ),
                migrations.RemoveConstraint(
                    model_name="report",
                    name="report_ready_has_file",
                ),
                migrations.DeleteModel(
                    name="Report",
                ),
            ],
            database_operations=[],
        ),
    ]
