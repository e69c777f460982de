"""The company's logo and colours: checked upload (PNG or JPEG only, small, really an image),
saved by the manager, read by the board pack (cover and headers) and the app header."""

import base64
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.access import require_manager
from reports.models import Branding
from rollout.models import User

LOGO_MAX_BYTES = 512 * 1024
LOGO_MAX_SIDE = 3000  # pixels
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
MIN_CONTRAST = 3.0  # against white: lines and headings stay readable on paper


@dataclass(frozen=True)
class CheckedLogo:
    content: bytes
    content_type: str
    width: int
    height: int


def logo_check(content: bytes) -> CheckedLogo:
    """The upload if it is a PNG or JPEG of at most LOGO_MAX_BYTES and LOGO_MAX_SIDE pixels
    a side, read by Pillow (the name and the browser's type are not trusted); an SVG, a
    renamed file or a broken image raises ValidationError."""
    from PIL import Image

    if len(content) > LOGO_MAX_BYTES:
        raise ValidationError(
            _("The logo may be at most %(kb)s KB.") % {"kb": LOGO_MAX_BYTES // 1024},
            code="too_large",
        )
    refused = ValidationError(_("Please upload the logo as a PNG or JPEG image."), code="format")
    if not (content.startswith(b"\x89PNG\r\n\x1a\n") or content.startswith(b"\xff\xd8\xff")):
        raise refused
    try:
        with Image.open(io.BytesIO(content)) as image:
            kind, (width, height) = image.format, image.size
            if kind not in FORMATS:
                raise refused
            if width > LOGO_MAX_SIDE or height > LOGO_MAX_SIDE:
                raise ValidationError(
                    _("The logo may be at most %(px)s pixels wide and high.")
                    % {"px": LOGO_MAX_SIDE},
                    code="too_big",
                )
            image.verify()
        with Image.open(io.BytesIO(content)) as image:
            image.load()  # verify() misses truncated pixel data
    except ValidationError:
        raise
    except Exception as error:  # Pillow raises many kinds for broken files and bombs
        raise refused from error
    return CheckedLogo(content=content, content_type=FORMATS[kind], width=width, height=height)


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_with_white(colour: str) -> float:
    return 1.05 / (_luminance(colour) + 0.05)


def branding_get() -> Branding:
    """The branding row (the defaults when nothing was saved yet): one query."""
    return Branding.objects.filter(pk=1).first() or Branding(pk=1)


def branding_save(
    *,
    by: User,
    colour: str,
    accent: str,
    logo: CheckedLogo | None = None,
    remove_logo: bool = False,
) -> Branding:
    """Save the colours and, when given, the checked logo (or remove it)."""
    require_manager(by, action=True)
    for name, value in (("colour", colour), ("accent", accent)):
        if contrast_with_white(value) < MIN_CONTRAST:
            raise ValidationError(
                {name: _("This colour is too light to read on white paper; choose a darker one.")}
            )
    with transaction.atomic():
        branding = Branding.objects.select_for_update().filter(pk=1).first() or Branding(pk=1)
        branding.colour, branding.accent, branding.updated_by = colour.lower(), accent.lower(), by
        if logo is not None:
            branding.logo, branding.logo_type = logo.content, logo.content_type
        elif remove_logo:
            branding.logo, branding.logo_type = b"", ""
        branding.full_clean()
        branding.save()
    return branding


def logo_data_uri(branding: Branding) -> str:
    """The logo as a data: URI (the PDF's fetcher accepts nothing else), or ""."""
    if not branding.logo or branding.logo_type not in FORMATS.values():
        return ""
    return f"data:{branding.logo_type};base64,{base64.b64encode(bytes(branding.logo)).decode()}"
