# The leadership report moved here from the rollout app. Its table, rollout_report, already
# exists, so this migration only teaches Django's state (and moves the content type).

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _content_type_to_reports(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    old = ContentType.objects.filter(app_label="rollout", model="report")
    if ContentType.objects.filter(app_label="reports", model="report").exists():
        old.delete()
    else:
        old.update(app_label="reports")


def _content_type_to_rollout(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="reports", model="report").update(app_label="rollout")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('rollout', '0014_report_to_reports'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Report',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('language', models.CharField(choices=[('de', 'German'), ('en', 'English')], default='de', max_length=8, verbose_name='language')),
                        ('parameters', models.JSONField(blank=True, default=dict, verbose_name='parameters')),
                        ('status', models.CharField(choices=[('queued', 'Queued'), ('rendering', 'Rendering'), ('ready', 'Ready'), ('failed', 'Failed')], default='queued', max_length=16, verbose_name='status')),
                        ('progress', models.CharField(blank=True, max_length=200, verbose_name='progress')),
                        ('error', models.TextField(blank=True, verbose_name='reason of the failure')),
                        ('file', models.FileField(blank=True, upload_to='reports/%Y/%m/', verbose_name='file')),
                        ('size', models.PositiveBigIntegerField(default=0, verbose_name='size in bytes')),
                        ('summary', models.JSONField(blank=True, default=dict, verbose_name='key figures')),
                        ('schedule_key', models.CharField(blank=True, max_length=64, verbose_name='schedule key')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='requested')),
                        ('enqueued_at', models.DateTimeField(blank=True, null=True, verbose_name='handed to the worker')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                        ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                        ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by')),
                        ('rollout', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reports', to='rollout.rollout', verbose_name='rollout')),
                    ],
                    options={
                        'verbose_name': 'report',
                        'verbose_name_plural': 'reports',
                        'db_table': 'rollout_report',
                        'ordering': ['-created_at', '-pk'],
                        'indexes': [models.Index(fields=['rollout', '-created_at'], name='report_rollout_created')],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('schedule_key', ''), _negated=True), fields=('schedule_key',), name='report_schedule_key_unique'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'ready'), _negated=True), models.Q(('file', ''), _negated=True), _connector='OR'), name='report_ready_has_file')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(_content_type_to_reports, _content_type_to_rollout),
    ]
