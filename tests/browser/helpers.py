"""What the browser tests share: users who can sign in, signing in, watching the CSP."""

import re

from playwright.sync_api import Page, expect

from rollout.models import Role
from tests import factories

PASSWORD = "Browser-Test-2026"


def browser_user(email: str, name: str, role: Role):
    """A user with a role and their directory entry, signing in with PASSWORD."""
    user = factories.UserFactory(email=email, full_name=name, password=PASSWORD, roles=[role])
    first, last = name.split()
    factories.PersonFactory(email=email, user=user, first_name=first, last_name=last)
    return user


def sign_in(page: Page, live_server, email: str) -> None:
    """Sign in through the German login form and wait until the start page is there."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def watch_csp(page: Page) -> list[str]:
    """Collect Content Security Policy violations the page reports on its console."""
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return violations
