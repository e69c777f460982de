"""Sign-in links end when the password changes: each link keeps a keyed fingerprint of its
user's password hash (core.signing.fingerprint). Links already mailed get the fingerprint of
the password as it is now, so they keep working until the password changes or they expire."""

from django.db import migrations, models
from django.utils.crypto import salted_hmac

# rollout.models.workflows.LOGIN_LINK_PASSWORD_SALT, copied: a migration must not change.
SALT = "rollout.login-link.password"


def fingerprint_existing_links(apps, schema_editor):
    LoginLink = apps.get_model("rollout", "LoginLink")
    for link in LoginLink.objects.select_related("user").filter(password_fingerprint=""):
        link.password_fingerprint = salted_hmac(
            SALT, link.user.password, algorithm="sha256"
        ).hexdigest()
        link.save(update_fields=["password_fingerprint"])


class Migration(migrations.Migration):
    dependencies = [
        ("rollout", "0010_report_attempts"),
    ]

    operations = [
        migrations.AddField(
            model_name="loginlink",
            name="password_fingerprint",
            field=models.CharField(default="", editable=False, max_length=64),
        ),
        migrations.RunPython(fingerprint_existing_links, migrations.RunPython.noop),
    ]
