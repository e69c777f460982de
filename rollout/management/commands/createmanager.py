"""`manage.py createmanager`: the first account of an installation, a social media manager
with admin access, made through `services.user_create` like every other account."""

import os
from getpass import getpass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from rollout import services
from rollout.models import Role, User


class Command(BaseCommand):
    help = "Create a social media manager with admin access."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True, help="Email address; it is the login.")
        parser.add_argument("--name", required=True, help="Full name, e.g. 'Julia Brandt'.")
        parser.add_argument(
            "--password-from-env",
            metavar="VAR",
            help="Read the password from this environment variable instead of prompting.",
        )

    def handle(self, *args, **options) -> None:
        email = options["email"].strip()
        name = options["name"].strip()
        if not name:
            raise CommandError(_("Please give a name with --name."))
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(
                _("A user with the email address %(email)s already exists; nothing was created.")
                % {"email": email}
            )
        password = self._password(options["password_from_env"])
        candidate = User(email=email.lower(), full_name=name)
        try:
            validate_password(password, user=candidate)
        except ValidationError as error:
            raise CommandError(
                _("The password was not accepted: %(reasons)s")
                % {"reasons": " ".join(error.messages)}
            ) from error
        try:
            user = services.user_create(
                email=email,
                full_name=name,
                password=password,
                roles=[Role.MANAGER],
                is_staff=True,
            )
        except ValidationError as error:
            raise CommandError(
                _("The user could not be created: %(reasons)s")
                % {"reasons": " ".join(error.messages)}
            ) from error
        self.stdout.write(
            self.style.SUCCESS(
                _("Created the social media manager %(name)s <%(email)s> with admin access.")
                % {"name": user.full_name, "email": user.email}
            )
        )

    @staticmethod
    def _password(variable: str | None) -> str:
        if variable:
            password = os.environ.get(variable, "")
            if not password:
                raise CommandError(
                    _("The environment variable %(variable)s is not set or empty.")
                    % {"variable": variable}
                )
            return password
        try:
            password = getpass(_("Password: "))
            repeated = getpass(_("Password (again): "))
        except (EOFError, KeyboardInterrupt) as error:
            raise CommandError(_("No password given; nothing was created.")) from error
        if not password:
            raise CommandError(_("The password must not be empty."))
        if password != repeated:
            raise CommandError(_("The two passwords do not match; nothing was created."))
        return password
