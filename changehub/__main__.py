"""`changehub <command>` (or `python -m changehub <command>`): Django's manage.py for an
installed ChangeHub, e.g. `changehub migrate` in the production image."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "changehub.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([os.path.basename(sys.argv[0]) or "changehub", *sys.argv[1:]])


if __name__ == "__main__":
    main()
