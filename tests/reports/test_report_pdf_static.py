"""The leadership PDF looks the same in production as in development: with DEBUG off and the
manifest static storage, `{% static %}` names the collected, hashed stylesheet, and the
report's URL fetcher must hand WeasyPrint that file (it used to refuse it: 6 unstyled pages
instead of 13)."""

import io
import re

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import override_settings
from pypdf import PdfReader

from reports import services as services

PRODUCTION_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


def _fonts(reader: PdfReader) -> set[str]:
    """The base font names used on every page (subset prefixes removed)."""
    names = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            names.add(re.sub(r"^[A-Z]{6}\+", "", str(font.get_object()["/BaseFont"]).lstrip("/")))
    return names


def _render(rollout) -> tuple[PdfReader, services.RenderedPdf]:
    rendered, _summary = services.report_pdf(rollout=rollout, language="de")
    return PdfReader(io.BytesIO(rendered.content)), rendered


def _text(reader: PdfReader) -> str:
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """collectstatic into a temporary STATIC_ROOT with the production storage, DEBUG off
    (our apps' files only: the admin's and htmx's hundreds of files only cost time here)."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(
        DEBUG=False,
        STATIC_ROOT=root,
        STORAGES={**django_settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STORAGE}},
    ):
        call_command(
            "collectstatic",
            interactive=False,
            verbosity=0,
            ignore_patterns=["admin", "django_htmx"],
        )
    assert (root / "staticfiles.json").exists()
    return root


@pytest.fixture
def production_static(settings, collected):
    """Production's static files settings: DEBUG off, the manifest storage, STATIC_ROOT."""
    settings.DEBUG = False
    settings.STATIC_ROOT = collected
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STORAGE}}
    assert staticfiles_storage.__class__.__name__ == "CompressedManifestStaticFilesStorage"
    return collected


def test_the_production_pdf_has_the_stylesheet_and_matches_the_development_one(
    cast, settings, production_static, tmp_path
):
    settings.STATIC_ROOT = tmp_path / "nothing-collected"
    settings.DEBUG = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    development, dev_rendered = _render(cast.rollout)
    assert dev_rendered.fetcher.refused == []

    settings.STATIC_ROOT = production_static
    settings.DEBUG = False
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STORAGE}}
    production, prod_rendered = _render(cast.rollout)

    # The hashed name of the collected stylesheet was asked for and handed over.
    (asked,) = prod_rendered.fetcher.asked
    assert re.fullmatch(
        re.escape(services.STATIC_PREFIX) + r"css/report_pdf\.[0-9a-f]{12}\.css", asked
    )
    assert prod_rendered.fetcher.refused == []
    # The same document: the same pages, the same text, the stylesheet's fonts (DejaVu Sans,
    # bold headings; without the stylesheet it is a serif font throughout).
    assert len(production.pages) == len(development.pages) >= 4
    assert _text(production) == _text(development)
    assert _fonts(production) == _fonts(development)
    fonts = {name.replace("-", "") for name in _fonts(production)}
    assert {"DejaVuSans", "DejaVuSansBold"} <= fonts
    assert not any("Serif" in name for name in fonts)


def test_files_outside_the_collected_static_files_stay_refused(production_static):
    fetcher = services.report_url_fetcher()
    for url in (
        services.STATIC_PREFIX + "../../etc/passwd",
        services.STATIC_PREFIX + "css/%2e%2e/%2e%2e/settings.py",
        services.STATIC_PREFIX + "css/missing.0123456789ab.css",
    ):
        with pytest.raises(ValueError, match="Refused"):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 3
