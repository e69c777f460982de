"""`manage.py clear_page_cache`: after a database restore, no page may show the cached HTML of
the data before it. The command moves the data version on, so every cached fragment is
rebuilt on its next view; it deletes nothing else from the cache (which may share its Redis
server with the Celery broker and the sessions)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core import freshness


class Command(BaseCommand):
    help = "Make every cached page fragment stale (after a database restore)."

    def handle(self, *args, **options) -> None:
        before = freshness.data_version()
        if before is None:
            raise CommandError(_("The cache cannot be reached; nothing was changed."))
        freshness.data_changed()
        after = freshness.data_version()
        if after is None or after == before:
            raise CommandError(_("The cache did not take the new data version."))
        self.stdout.write(_("Every cached page is rebuilt on its next view."))
