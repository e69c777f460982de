"""The language of a page reached from an emailed link: the recipient's, not the browser's.

A person following a link from their mail may sit at a colleague's computer or use a browser
set to another language; the mail was written in their language, and so is the page behind it.
The domain apps know whose link it is and pass that person's language here.
"""

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation


def speak(request: HttpRequest, *languages: str | None) -> str:
    """Show this page in the first of `languages` the site offers (empty ones are skipped);
    none of them: keep the language already chosen (account, cookie, browser). Returns the
    active language. `request.LANGUAGE_CODE` follows, so templates and the
    `Content-Language` header agree."""
    offered = {code for code, _name in settings.LANGUAGES}
    for language in languages:
        if language and language in offered:
            translation.activate(language)
            break
    request.LANGUAGE_CODE = translation.get_language()
    return request.LANGUAGE_CODE


def language_of(person: object) -> str:
    """The language a directory entry reads: its account's when it has one (the account's
    choice is the later one), else the entry's. Duck-typed: anything with `language` and an
    optional `user`."""
    user = getattr(person, "user", None) if getattr(person, "user_id", None) else None
    return getattr(user, "language", "") or getattr(person, "language", "") or ""
