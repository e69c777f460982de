"""Logins are stored in lower case: lower-case the email addresses of existing accounts.

Two accounts whose addresses differ only in letter case cannot both keep their address; the
migration then stops and names them, and nothing is changed.
"""

from collections import defaultdict

from django.db import migrations


def lowercase_emails(apps, schema_editor):
    User = apps.get_model("rollout", "User")
    logins = defaultdict(list)
    for pk, email in User.objects.order_by("pk").values_list("pk", "email").iterator():
        logins[email.strip().lower()].append((pk, email))
    clashes = [accounts for accounts in logins.values() if len(accounts) > 1]
    if clashes:
        accounts = "; ".join(
            ", ".join(f"#{pk} {email}" for pk, email in accounts) for accounts in clashes
        )
        raise RuntimeError(
            "Email addresses are now stored in lower case, but these accounts differ only in "
            f"letter case: {accounts}. Give each account its own address (or remove the "
            "duplicate) in the admin or `manage.py shell`, then run `manage.py migrate` again. "
            "Nothing has been changed."
        )
    for normal, [(pk, email)] in logins.items():
        if normal != email:
            User.objects.filter(pk=pk).update(email=normal)


class Migration(migrations.Migration):
    dependencies = [("rollout", "0008_heartbeat_to_core")]

    operations = [migrations.RunPython(lowercase_emails, migrations.RunPython.noop)]
