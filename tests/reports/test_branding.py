"""The company's logo and colours: the manager uploads them (PNG or JPEG only, small, really
an image, colours dark enough for paper); the board pack carries them on its cover, headings
and charts."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from reports import branding as services
from reports.models import Branding
from reports.selectors import report_figures
from reports.services import report_html

pytestmark = pytest.mark.django_db


def _image(kind: str = "PNG", size=(120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (31, 78, 121)).save(buffer, format=kind)
    return buffer.getvalue()


def _post(client, logo: bytes | None = None, name="logo.png", **data):
    files = {"logo": SimpleUploadedFile(name, logo, content_type="image/png")} if logo else {}
    return client.post(
        reverse("reports:branding"), {"colour": "#0b3d2e", "accent": "#8c1d18", **data, **files}
    )


def test_the_manager_uploads_a_logo_and_colours_and_finds_them_again(cast):
    client = cast.client("manager")
    page = client.get(reverse("reports:branding"))
    assert page.status_code == 200 and "Logo und Farben" in page.text
    assert _post(client, _image()).status_code == 302
    branding = Branding.objects.get()
    assert branding.logo_type == "image/png" and bytes(branding.logo) == _image()
    assert (branding.colour, branding.accent, branding.updated_by) == (
        "#0b3d2e",
        "#8c1d18",
        cast.manager,
    )
    again = client.get(reverse("reports:branding")).text
    assert 'value="#0b3d2e"' in again and 'src="data:image/png;base64,' in again
    # Saving the colours again keeps the logo; removing it removes it.
    _post(client, accent="#1f4e79")
    assert bytes(Branding.objects.get().logo) == _image()
    _post(client, remove_logo="on")
    assert Branding.objects.get().logo_type == ""


def test_a_jpeg_is_accepted(cast):
    assert _post(cast.client("manager"), _image("JPEG"), name="logo.jpg").status_code == 302
    assert Branding.objects.get().logo_type == "image/jpeg"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "logo.svg",
            "als PNG oder JPEG",
        ),
        (b"GIF89a" + b"\x00" * 40, "logo.png", "als PNG oder JPEG"),  # renamed
        (b"\x89PNG\r\n\x1a\n" + b"kaputt" * 10, "logo.png", "als PNG oder JPEG"),  # broken
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (600 * 1024), "gross.png", "höchstens 512 KB"),
    ],
    ids=["svg", "renamed-gif", "broken-png", "too-large"],
)
def test_anything_but_a_small_png_or_jpeg_is_refused(cast, content, name, message):
    response = _post(cast.client("manager"), content, name=name)
    assert response.status_code == 400 and message in response.text
    assert 'aria-invalid="true"' in response.text
    assert not Branding.objects.exists()


def test_a_huge_image_and_a_pale_colour_are_refused(cast):
    client = cast.client("manager")
    huge = _post(client, _image(size=(3200, 10)))
    assert huge.status_code == 400 and "3000 Pixel" in huge.text
    pale = _post(client, colour="#ffff99")
    assert pale.status_code == 400 and "zu hell" in pale.text
    assert not Branding.objects.exists()


@pytest.mark.parametrize("who", ["employee", "head_a", "leadership"])
def test_only_the_manager_changes_the_branding(cast, who):
    client = cast.client(who)
    assert client.get(reverse("reports:branding")).status_code == 404
    assert _post(client, _image()).status_code == 403
    assert not Branding.objects.exists()


def test_the_board_pack_carries_the_logo_and_colours(cast):
    services.branding_save(
        by=cast.manager,
        colour="#0b3d2e",
        accent="#8c1d18",
        logo=services.logo_check(_image()),
    )
    from tests.goals.helpers import make_goal

    make_goal(cast.rollout, weeks=4)
    html = report_html(figures=report_figures(rollout=cast.rollout), language="de")
    assert 'class="cover-logo" src="data:image/png;base64,' in html
    assert ".cover .kicker { border-top: 3mm solid #0b3d2e" in html
    assert 'stroke="#0b3d2e"' in html and 'stroke="#8c1d18"' in html  # the goal chart


def test_without_branding_the_pack_keeps_its_own_colours(cast):
    html = report_html(figures=report_figures(rollout=cast.rollout), language="de")
    assert "cover-logo" not in html and "border-top: 3mm solid" not in html


def test_the_branding_page_needs_a_fixed_number_of_queries(cast, django_assert_max_num_queries):
    client = cast.client("manager")
    services.branding_save(
        by=cast.manager, colour="#0b3d2e", accent="#8c1d18", logo=services.logo_check(_image())
    )
    with django_assert_max_num_queries(8):
        assert client.get(reverse("reports:branding")).status_code == 200


def test_the_reports_page_leads_the_manager_to_the_branding(cast):
    url = reverse("reports:report_list", args=[cast.rollout.pk])
    branding = reverse("reports:branding")
    assert branding in cast.client("manager").get(url).text
    assert branding not in cast.client("leadership").get(url).text
