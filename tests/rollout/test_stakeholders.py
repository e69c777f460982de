"""The stakeholder map, the stakeholder card and its actions: permissions for the whole cast,
attitude history, flags, champions and thank-yous, and query counts at two data sizes."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rollout.models import (
    Attitude,
    AttitudeChange,
    ChampionThanks,
    Stakeholder,
    StakeholderRole,
)
from rollout.selectors import stakeholders as selectors
from rollout.services import stakeholder_set_attitude
from rollout.services import stakeholders as services
from tests import factories
from tests.conftest import CAST
from tests.helpers import expect_status

pytestmark = pytest.mark.django_db

NOT_MANAGER = [who for who in CAST if who != "manager"]


def _denied(who: str) -> str:
    return "login" if who == "anonymous" else "404"


def _stakeholder(rollout, *, department=None, by=None, **kwargs) -> Stakeholder:
    person = kwargs.pop("person", None) or factories.PersonFactory(department=department)
    return factories.StakeholderFactory(rollout=rollout, person=person, by=by, **kwargs)


def _english(user) -> None:
    user.language = "en"
    user.save(update_fields=["language"])


def _map_url(cast, query: str = "") -> str:
    url = reverse("rollout:stakeholder_map", args=[cast.rollout.pk])
    return f"{url}?{query}" if query else url


def _from_map(cast, query: str = "") -> dict[str, str]:
    """Headers of an htmx request made on the rollout's map page."""
    return {
        "HTTP_HX_REQUEST": "true",
        "HTTP_HX_CURRENT_URL": f"http://testserver{_map_url(cast, query)}",
    }


@pytest.fixture
def sceptic(cast) -> Stakeholder:
    return _stakeholder(
        cast.rollout,
        department=cast.department_a,
        attitude=Attitude.SCEPTICAL,
        influence=4,
        role=StakeholderRole.CONTENT_SUPPLIER,
    )


@pytest.fixture
def champion(cast) -> Stakeholder:
    return _stakeholder(
        cast.rollout, department=cast.department_b, attitude=Attitude.CHAMPION, influence=3
    )


# --- Permissions: every page and every POST, tried by the whole cast --------------------------


def _page_expectation(who: str) -> str:
    return "ok" if who == "manager" else _denied(who)


@pytest.mark.parametrize("who", CAST)
def test_map_is_for_the_manager_only(cast, sceptic, who):
    # Leadership may not see individual attitudes (works council), so it gets 404 too.
    response = cast.client(who).get(_map_url(cast))
    expect_status(response, _page_expectation(who))
    if who == "manager":
        assert f'id="chip-{sceptic.pk}"' in response.text


@pytest.mark.parametrize("who", CAST)
def test_card_is_for_the_manager_only(cast, sceptic, who):
    url = reverse("rollout:stakeholder_card", args=[sceptic.pk])
    expect_status(cast.client(who).get(url), _page_expectation(who))
    expect_status(cast.client(who).get(url, HTTP_HX_REQUEST="true"), _page_expectation(who))


@pytest.mark.parametrize("who", CAST)
def test_add_page_is_for_the_manager_only(cast, who):
    url = reverse("rollout:stakeholder_add", args=[cast.rollout.pk])
    expect_status(cast.client(who).get(url), _page_expectation(who))


@pytest.mark.parametrize("who", CAST)
def test_person_suggestions_are_for_the_manager_only(cast, who):
    factories.PersonFactory(last_name="Suchbar", department=cast.department_a)
    url = reverse("rollout:stakeholder_person_options", args=[cast.rollout.pk])
    response = cast.client(who).get(url, {"email": "Suchbar"})
    expect_status(response, _page_expectation(who))
    if who == "manager":
        assert "Suchbar" in response.text


def test_unknown_ids_are_404_for_the_manager(cast):
    client = cast.client("manager")
    assert client.get(reverse("rollout:stakeholder_map", args=[99999])).status_code == 404
    assert client.get(reverse("rollout:stakeholder_card", args=[99999])).status_code == 404
    url = reverse("rollout:stakeholder_attitude", args=[99999])
    assert client.post(url, {"attitude": 4}).status_code == 404


@pytest.mark.parametrize("who", CAST)
def test_only_the_manager_changes_an_attitude(cast, sceptic, who):
    response = cast.client(who).post(
        reverse("rollout:stakeholder_attitude", args=[sceptic.pk]),
        {"attitude": Attitude.SUPPORTIVE, "note": "Workshop überzeugt"},
    )
    expect_status(response, "redirect" if who == "manager" else _denied(who))
    sceptic.refresh_from_db()
    changes = AttitudeChange.objects.filter(stakeholder=sceptic).count()
    if who == "manager":
        assert sceptic.attitude == Attitude.SUPPORTIVE
        assert changes == 2
    else:
        assert sceptic.attitude == Attitude.SCEPTICAL
        assert changes == 1


@pytest.mark.parametrize("who", CAST)
def test_only_the_manager_edits_a_stakeholder(cast, sceptic, who):
    response = cast.client(who).post(
        reverse("rollout:stakeholder_update", args=[sceptic.pk]),
        {"role": StakeholderRole.DEPARTMENT_HEAD, "influence": 5, "concerns": "Mehr Arbeit"},
    )
    expect_status(response, "redirect" if who == "manager" else _denied(who))
    sceptic.refresh_from_db()
    if who == "manager":
        assert (sceptic.influence, sceptic.role) == (5, StakeholderRole.DEPARTMENT_HEAD)
        assert sceptic.concerns == "Mehr Arbeit"
    else:
        assert (sceptic.influence, sceptic.role) == (4, StakeholderRole.CONTENT_SUPPLIER)
        assert sceptic.concerns == ""


@pytest.mark.parametrize("who", CAST)
def test_only_the_manager_thanks_a_champion(cast, champion, who):
    response = cast.client(who).post(
        reverse("rollout:champion_thank", args=[champion.pk]), {"message": "Danke!"}
    )
    expect_status(response, "redirect" if who == "manager" else _denied(who))
    assert ChampionThanks.objects.count() == (1 if who == "manager" else 0)


@pytest.mark.parametrize("who", CAST)
def test_only_the_manager_adds_a_stakeholder(cast, who):
    person = factories.PersonFactory(department=cast.department_a)
    response = cast.client(who).post(
        reverse("rollout:stakeholder_add", args=[cast.rollout.pk]),
        {"email": person.email, "role": "employee", "influence": 2, "attitude": 3},
    )
    expect_status(response, "redirect" if who == "manager" else _denied(who))
    assert Stakeholder.objects.filter(person=person).count() == (1 if who == "manager" else 0)
    assert AttitudeChange.objects.filter(stakeholder__person=person).count() == (
        1 if who == "manager" else 0
    )


@pytest.mark.parametrize("who", NOT_MANAGER)
def test_denied_htmx_posts_write_nothing(cast, sceptic, who):
    client = cast.client(who)
    for name, data in (
        ("stakeholder_attitude", {"attitude": Attitude.CHAMPION, "note": "x"}),
        ("stakeholder_update", {"role": "it", "influence": 1, "concerns": ""}),
        ("champion_thank", {"message": "Danke"}),
    ):
        response = client.post(
            reverse(f"rollout:{name}", args=[sceptic.pk]), data, **_from_map(cast)
        )
        assert response.status_code in {302, 404}
        assert "chip-" not in response.text
    sceptic.refresh_from_db()
    assert (sceptic.attitude, sceptic.influence, sceptic.role) == (
        Attitude.SCEPTICAL,
        4,
        StakeholderRole.CONTENT_SUPPLIER,
    )
    assert AttitudeChange.objects.count() == 1
    assert ChampionThanks.objects.count() == 0


@pytest.mark.parametrize("name", ["stakeholder_attitude", "stakeholder_update", "champion_thank"])
def test_card_actions_refuse_get(cast, sceptic, name):
    response = cast.client("manager").get(reverse(f"rollout:{name}", args=[sceptic.pk]))
    assert response.status_code == 405


# --- Attitude changes and the card's history -------------------------------------------------


def test_attitude_change_is_recorded_with_note_and_shown_in_the_history(cast, sceptic):
    _english(cast.manager)
    client = cast.client("manager")
    response = client.post(
        reverse("rollout:stakeholder_attitude", args=[sceptic.pk]),
        {"attitude": Attitude.SUPPORTIVE, "note": "Nach dem Workshop überzeugt"},
        follow=True,
    )
    assert response.status_code == 200
    change = AttitudeChange.objects.filter(stakeholder=sceptic).order_by("-pk").first()
    assert (change.from_attitude, change.to_attitude) == (Attitude.SCEPTICAL, Attitude.SUPPORTIVE)
    assert change.note == "Nach dem Workshop überzeugt"
    assert change.changed_by == cast.manager
    history = response.text.split('id="card-history"')[1].split("</ol>")[0]
    assert "from Sceptical to Supportive" in history
    assert "Nach dem Workshop überzeugt" in history
    assert "Mara Manager" in history
    # Newest first: the change comes before the first record ("added as ...").
    assert history.index("from Sceptical") < history.index("added as Sceptical")
    assert "is now “Supportive”" in response.text


def test_unchanged_attitude_records_nothing(cast, sceptic):
    _english(cast.manager)
    response = cast.client("manager").post(
        reverse("rollout:stakeholder_attitude", args=[sceptic.pk]),
        {"attitude": Attitude.SCEPTICAL, "note": "Immer noch skeptisch"},
        follow=True,
    )
    assert response.status_code == 200
    assert AttitudeChange.objects.filter(stakeholder=sceptic).count() == 1
    assert "nothing was recorded" in response.text


def test_double_submit_of_an_attitude_change_records_it_once(cast, sceptic):
    client = cast.client("manager")
    url = reverse("rollout:stakeholder_attitude", args=[sceptic.pk])
    for _ in range(2):
        client.post(url, {"attitude": Attitude.NEUTRAL, "note": "Gespräch"}, **_from_map(cast))
    assert AttitudeChange.objects.filter(stakeholder=sceptic).count() == 2  # added + one change


@pytest.mark.parametrize("attitude", ["7", "0", "skeptisch", ""])
def test_invalid_attitude_is_refused_with_400_and_writes_nothing(cast, sceptic, attitude):
    client = cast.client("manager")
    url = reverse("rollout:stakeholder_attitude", args=[sceptic.pk])
    response = client.post(url, {"attitude": attitude, "note": "Bleibt stehen"})
    assert response.status_code == 400
    assert "Bleibt stehen" in response.text  # the input is kept
    assert 'id="attitude-attitude"' in response.text
    htmx = client.post(url, {"attitude": attitude, "note": "x"}, **_from_map(cast))
    assert htmx.status_code == 400
    assert 'id="stakeholder-card"' in htmx.text and "<html" not in htmx.text
    sceptic.refresh_from_db()
    assert sceptic.attitude == Attitude.SCEPTICAL
    assert AttitudeChange.objects.filter(stakeholder=sceptic).count() == 1


def test_htmx_attitude_change_from_the_map_moves_the_chip_out_of_band(cast, sceptic):
    response = cast.client("manager").post(
        reverse("rollout:stakeholder_attitude", args=[sceptic.pk]),
        {"attitude": Attitude.SUPPORTIVE, "note": "Überzeugt"},
        **_from_map(cast),
    )
    assert response.status_code == 200
    text = response.text
    assert "<html" not in text
    assert text.lstrip().startswith('<article id="stakeholder-card"')
    assert 'id="stakeholder-grid"' in text and 'data-hx-swap-oob="true"' in text
    cell = text.split('id="cell-4-4"')[1].split("</td>")[0]
    assert f'id="chip-{sceptic.pk}"' in cell
    old_cell = text.split('id="cell-4-2"')[1].split("</td>")[0]
    assert f'id="chip-{sceptic.pk}"' not in old_cell
    assert 'id="stakeholder-flags"' in text and 'id="stakeholder-champions"' in text
    assert 'id="messages" data-hx-swap-oob="innerHTML"' in text


def test_htmx_change_keeps_the_filters_of_the_map_page(cast, sceptic):
    other = _stakeholder(cast.rollout, department=cast.department_b, attitude=Attitude.NEUTRAL)
    response = cast.client("manager").post(
        reverse("rollout:stakeholder_attitude", args=[sceptic.pk]),
        {"attitude": Attitude.SUPPORTIVE},
        **_from_map(cast, f"department={cast.department_a.pk}"),
    )
    grid = response.text.split('id="stakeholder-grid"')[1].split("</section>")[0]
    assert f'id="chip-{sceptic.pk}"' in grid
    assert f'id="chip-{other.pk}"' not in grid


def test_htmx_change_from_the_card_page_has_no_map_regions(cast, sceptic):
    card_url = reverse("rollout:stakeholder_card", args=[sceptic.pk])
    response = cast.client("manager").post(
        reverse("rollout:stakeholder_attitude", args=[sceptic.pk]),
        {"attitude": Attitude.SUPPORTIVE},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{card_url}",
    )
    assert response.status_code == 200
    assert 'id="stakeholder-card"' in response.text
    assert 'id="stakeholder-grid"' not in response.text
    assert '<h1 id="card-heading">' in response.text  # the card is the page's main content


def test_mark_as_champion_sets_the_attitude_with_a_note(cast, sceptic):
    cast.client("manager").post(
        reverse("rollout:stakeholder_attitude", args=[sceptic.pk]),
        {"attitude": Attitude.CHAMPION, "note": "Überzeugt die Kollegen"},
    )
    sceptic.refresh_from_db()
    assert sceptic.attitude == Attitude.CHAMPION
    change = AttitudeChange.objects.filter(stakeholder=sceptic).order_by("-pk").first()
    assert (change.to_attitude, change.note) == (Attitude.CHAMPION, "Überzeugt die Kollegen")


def test_champion_card_offers_thanks_instead_of_marking(cast, sceptic, champion):
    client = cast.client("manager")
    sceptic_card = client.get(reverse("rollout:stakeholder_card", args=[sceptic.pk])).text
    champion_card = client.get(reverse("rollout:stakeholder_card", args=[champion.pk])).text
    assert 'id="champion-form"' in sceptic_card and 'id="thanks-form"' not in sceptic_card
    assert 'id="thanks-form"' in champion_card and 'id="champion-form"' not in champion_card


def test_card_shows_the_person_and_their_stake(cast, sceptic):
    _english(cast.manager)
    Stakeholder.objects.filter(pk=sceptic.pk).update(concerns="Angst vor dem Shitstorm")
    response = cast.client("manager").get(reverse("rollout:stakeholder_card", args=[sceptic.pk]))
    text = response.text
    assert sceptic.person.full_name in text
    assert cast.department_a.name in text
    assert "Content supplier" in text
    assert "4 / 5" in text
    assert "Sceptical" in text
    assert "Angst vor dem Shitstorm" in text


def test_htmx_card_is_a_fragment_for_the_side_panel(cast, sceptic):
    response = cast.client("manager").get(
        reverse("rollout:stakeholder_card", args=[sceptic.pk]), **_from_map(cast)
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert '<h2 id="card-heading" tabindex="-1" autofocus>' in response.text
    assert 'data-hx-target="#stakeholder-card"' in response.text
    assert 'action="/stakeholders/' in response.text  # real forms behind the htmx


# --- Editing: role, influence, concerns -------------------------------------------------------


def test_changing_influence_moves_the_stakeholder_to_another_row(cast, sceptic):
    response = cast.client("manager").post(
        reverse("rollout:stakeholder_update", args=[sceptic.pk]),
        {"role": StakeholderRole.CONTENT_SUPPLIER, "influence": 2, "concerns": ""},
        **_from_map(cast),
    )
    assert response.status_code == 200
    assert f'id="chip-{sceptic.pk}"' in response.text.split('id="cell-2-2"')[1].split("</td>")[0]
    sceptic.refresh_from_db()
    assert sceptic.influence == 2
    assert AttitudeChange.objects.filter(stakeholder=sceptic).count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"role": "employee", "influence": 9, "concerns": ""},
        {"role": "kaiser", "influence": 3, "concerns": ""},
        {"role": "employee", "influence": "", "concerns": ""},
    ],
)
def test_invalid_edit_is_refused_with_400_and_writes_nothing(cast, sceptic, data):
    client = cast.client("manager")
    url = reverse("rollout:stakeholder_update", args=[sceptic.pk])
    response = client.post(url, {**data, "concerns": "Behalte mich"})
    assert response.status_code == 400
    assert "Behalte mich" in response.text
    assert 'aria-invalid="true"' in response.text
    assert client.post(url, data, **_from_map(cast)).status_code == 400
    sceptic.refresh_from_db()
    assert (sceptic.influence, sceptic.role, sceptic.concerns) == (
        4,
        StakeholderRole.CONTENT_SUPPLIER,
        "",
    )


def test_update_service_writes_nothing_when_nothing_changed(cast, sceptic):
    before = sceptic.updated_at
    history = sceptic.history.count()
    services.stakeholder_update(
        stakeholder=sceptic,
        role=sceptic.role,
        influence=sceptic.influence,
        concerns="  ",
        by=cast.manager,
    )
    sceptic.refresh_from_db()
    assert sceptic.updated_at == before
    assert sceptic.history.count() == history


# --- Thanks -----------------------------------------------------------------------------------


def test_thanking_a_champion_is_visible_on_card_and_map(cast, champion):
    _english(cast.manager)
    client = cast.client("manager")
    response = client.post(
        reverse("rollout:champion_thank", args=[champion.pk]),
        {"message": "Danke für die Fotos vom Messestand!"},
        follow=True,
    )
    assert response.status_code == 200
    thanks = ChampionThanks.objects.get()
    assert (thanks.stakeholder, thanks.given_by) == (champion, cast.manager)
    assert "Danke für die Fotos vom Messestand!" in response.text.split('id="card-thanks"')[1]
    map_page = client.get(_map_url(cast)).text
    champions = map_page.split('id="stakeholder-champions"')[1].split("</section>")[0]
    assert champion.person.full_name in champions
    assert "Danke für die Fotos vom Messestand!" in champions
    assert "1 thank-you" in champions


def test_double_submit_of_a_thank_you_records_it_once(cast, champion):
    client = cast.client("manager")
    url = reverse("rollout:champion_thank", args=[champion.pk])
    for _ in range(2):
        response = client.post(url, {"message": "Danke!"}, **_from_map(cast))
        assert response.status_code == 200
    assert ChampionThanks.objects.count() == 1
    client.post(url, {"message": "Und noch einmal: danke!"})
    assert ChampionThanks.objects.count() == 2


def test_the_same_thanks_after_the_dedupe_window_is_a_new_one(cast, champion):
    first, created = services.champion_thank(stakeholder=champion, message="Danke", by=cast.manager)
    assert created
    ChampionThanks.objects.filter(pk=first.pk).update(
        given_at=timezone.now() - datetime.timedelta(minutes=2)
    )
    second, created = services.champion_thank(
        stakeholder=champion, message="Danke", by=cast.manager
    )
    assert created and second.pk != first.pk


@pytest.mark.parametrize("message", ["", "   "])
def test_a_thank_you_needs_a_message(cast, champion, message):
    _english(cast.manager)
    client = cast.client("manager")
    url = reverse("rollout:champion_thank", args=[champion.pk])
    response = client.post(url, {"message": message})
    assert response.status_code == 400
    assert "Please write a thank-you message." in response.text
    assert client.post(url, {"message": message}, **_from_map(cast)).status_code == 400
    assert ChampionThanks.objects.count() == 0


def test_only_champions_can_be_thanked(cast, sceptic):
    _english(cast.manager)
    response = cast.client("manager").post(
        reverse("rollout:champion_thank", args=[sceptic.pk]), {"message": "Danke"}
    )
    assert response.status_code == 400
    assert "Only champions can be thanked" in response.text
    assert ChampionThanks.objects.count() == 0


# --- Adding a stakeholder ---------------------------------------------------------------------


def test_add_a_stakeholder_by_email(cast):
    person = factories.PersonFactory(email="jana.schulz@example.de", department=cast.department_b)
    response = cast.client("manager").post(
        reverse("rollout:stakeholder_add", args=[cast.rollout.pk]),
        {
            "email": "  Jana.Schulz@Example.de ",
            "role": StakeholderRole.IT,
            "influence": 5,
            "attitude": Attitude.RESISTANT,
            "concerns": "Sicherheit",
        },
    )
    stakeholder = Stakeholder.objects.get(person=person)
    assert response["Location"] == reverse("rollout:stakeholder_card", args=[stakeholder.pk])
    assert (stakeholder.role, stakeholder.influence, stakeholder.attitude) == (
        StakeholderRole.IT,
        5,
        Attitude.RESISTANT,
    )
    first = stakeholder.attitude_changes.get()
    assert (first.from_attitude, first.to_attitude, first.changed_by) == (
        None,
        Attitude.RESISTANT,
        cast.manager,
    )


def test_add_with_an_unknown_email_explains_and_keeps_the_input(cast):
    _english(cast.manager)
    response = cast.client("manager").post(
        reverse("rollout:stakeholder_add", args=[cast.rollout.pk]),
        {
            "email": "niemand@example.de",
            "role": "employee",
            "influence": 3,
            "attitude": 3,
            "concerns": "Bleibt",
        },
    )
    assert response.status_code == 400
    assert "Nobody with the email address “niemand@example.de” is in the directory" in (
        response.text
    )
    assert 'value="niemand@example.de"' in response.text
    assert "Bleibt" in response.text
    assert Stakeholder.objects.count() == 0


def test_add_a_person_already_on_the_rollout_explains(cast, sceptic):
    _english(cast.manager)
    response = cast.client("manager").post(
        reverse("rollout:stakeholder_add", args=[cast.rollout.pk]),
        {"email": sceptic.person.email, "role": "employee", "influence": 3, "attitude": 3},
    )
    assert response.status_code == 400
    assert f"{sceptic.person.full_name} is already a stakeholder of this rollout." in (
        response.text
    )
    assert Stakeholder.objects.count() == 1


def test_add_an_inactive_person_explains(cast):
    _english(cast.manager)
    person = factories.PersonFactory(is_active=False)
    response = cast.client("manager").post(
        reverse("rollout:stakeholder_add", args=[cast.rollout.pk]),
        {"email": person.email, "role": "employee", "influence": 3, "attitude": 3},
    )
    assert response.status_code == 400
    assert "inactive" in response.text
    assert Stakeholder.objects.count() == 0


def test_the_same_person_may_be_a_stakeholder_of_another_rollout(cast, sceptic):
    other = factories.RolloutFactory()
    response = cast.client("manager").post(
        reverse("rollout:stakeholder_add", args=[other.pk]),
        {"email": sceptic.person.email, "role": "employee", "influence": 3, "attitude": 3},
    )
    assert response.status_code == 302
    assert Stakeholder.objects.filter(person=sceptic.person).count() == 2


def test_add_page_has_a_datalist_not_a_select_of_everyone(cast):
    factories.PersonFactory.create_batch(30, department=cast.department_a)
    text = (
        cast.client("manager").get(reverse("rollout:stakeholder_add", args=[cast.rollout.pk])).text
    )
    assert 'list="person-options"' in text
    assert '<datalist id="person-options"></datalist>' in text
    assert 'data-hx-get="/rollouts/' in text


def test_suggestions_match_name_or_email_and_skip_people_on_the_rollout(cast, sceptic):
    wanted = factories.PersonFactory(last_name="Zimmermann", email="z.zimmermann@example.de")
    factories.PersonFactory(last_name="Zimmermann-Alt", is_active=False)
    sceptic.person.last_name = "Zimmermannova"
    sceptic.person.save()
    people = list(selectors.people_for_stakeholder_choice(rollout=cast.rollout, search="zimmer"))
    assert people == [wanted]
    assert list(selectors.people_for_stakeholder_choice(rollout=cast.rollout, search="z")) == []
    assert (
        len(list(selectors.people_for_stakeholder_choice(rollout=cast.rollout, search="example")))
        <= 20
    )


# --- The map: grid placement, filters, flags, champions ---------------------------------------


def test_grid_places_each_stakeholder_by_influence_and_attitude(cast):
    placements = [(5, Attitude.RESISTANT), (1, Attitude.CHAMPION), (3, Attitude.NEUTRAL)]
    made = [
        _stakeholder(cast.rollout, influence=influence, attitude=attitude)
        for influence, attitude in placements
    ]
    grid = selectors.stakeholder_map(rollout=cast.rollout).grid()
    assert [row.influence for row in grid.rows] == [5, 4, 3, 2, 1]
    assert [cell.attitude for cell in grid.rows[0].cells] == list(Attitude)
    for stakeholder, (influence, attitude) in zip(made, placements, strict=True):
        assert grid.cell(influence, attitude).stakeholders == [stakeholder]
    assert sum(len(cell.stakeholders) for row in grid.rows for cell in row.cells) == 3
    assert (grid.count, grid.total) == (3, 3)

    text = cast.client("manager").get(_map_url(cast)).text
    first_row = text.split("<tbody>")[1].split("</tr>")[0]
    assert 'id="cell-5-1"' in first_row  # high influence on top
    assert f'id="chip-{made[0].pk}"' in text.split('id="cell-5-1"')[1].split("</td>")[0]
    assert f'id="chip-{made[1].pk}"' in text.split('id="cell-1-5"')[1].split("</td>")[0]


def test_grid_shows_only_this_rollouts_stakeholders(cast, sceptic):
    elsewhere = _stakeholder(factories.RolloutFactory(), attitude=Attitude.SCEPTICAL)
    text = cast.client("manager").get(_map_url(cast)).text
    assert f'id="chip-{sceptic.pk}"' in text
    assert f'id="chip-{elsewhere.pk}"' not in text


def test_map_filters_by_department_and_role(cast, sceptic):
    it_b = _stakeholder(cast.rollout, department=cast.department_b, role=StakeholderRole.IT)
    it_a = _stakeholder(cast.rollout, department=cast.department_a, role=StakeholderRole.IT)
    client = cast.client("manager")

    def chips(query: str) -> set[int]:
        response = client.get(_map_url(cast, query))
        assert response.status_code == 200
        grid = response.text.split('id="stakeholder-grid"')[1].split("</section>")[0]
        return {s.pk for s in (sceptic, it_a, it_b) if f'id="chip-{s.pk}"' in grid}

    assert chips("") == {sceptic.pk, it_a.pk, it_b.pk}
    assert chips(f"department={cast.department_a.pk}") == {sceptic.pk, it_a.pk}
    assert chips("role=it") == {it_a.pk, it_b.pk}
    assert chips(f"department={cast.department_a.pk}&role=it") == {it_a.pk}
    # A bogus filter value filters nothing and says why, never a 500.
    assert chips("department=abc&role=kaiser") == {sceptic.pk, it_a.pk, it_b.pk}


def test_htmx_filter_returns_only_the_grid(cast, sceptic):
    response = cast.client("manager").get(
        _map_url(cast, "role=it"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="stakeholder-grid"
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="stakeholder-grid"')
    assert f'id="chip-{sceptic.pk}"' not in response.text
    assert "<html" not in response.text


def test_flags_on_constructed_data(cast):
    # Members: A has the head and the employee, B has its head; C has a member, D has none.
    department_c = factories.DepartmentFactory(name="Kundenservice")
    factories.PersonFactory(department=department_c)
    department_d = factories.DepartmentFactory(name="Leer")
    inactive = factories.DepartmentFactory(name="Aufgelöst")
    factories.PersonFactory(department=inactive, is_active=False)
    _stakeholder(cast.rollout, department=cast.department_a, attitude=Attitude.CHAMPION)
    # A champion of another rollout does not count for this one.
    _stakeholder(factories.RolloutFactory(), department=department_c, attitude=Attitude.CHAMPION)
    resistant_high = _stakeholder(cast.rollout, attitude=Attitude.RESISTANT, influence=4)
    sceptical_top = _stakeholder(cast.rollout, attitude=Attitude.SCEPTICAL, influence=5)
    _stakeholder(cast.rollout, attitude=Attitude.SCEPTICAL, influence=3)
    _stakeholder(cast.rollout, attitude=Attitude.NEUTRAL, influence=5)

    data = selectors.stakeholder_map(rollout=cast.rollout)
    flagged = {d.name for d in data.flags.departments_without_champion}
    assert cast.department_a.name not in flagged
    assert {cast.department_b.name, "Kundenservice"} <= flagged
    assert department_d.name not in flagged and inactive.name not in flagged
    assert set(data.flags.doubting_with_influence) == {resistant_high, sceptical_top}

    text = cast.client("manager").get(_map_url(cast)).text
    flags = text.split('id="stakeholder-flags"')[1].split("</section>")[0]
    assert "Kundenservice" in flags and "Leer" not in flags
    assert resistant_high.person.full_name in flags


def test_champions_list_with_their_thanks(cast, champion):
    services.champion_thank(stakeholder=champion, message="Danke für den Blogpost", by=cast.manager)
    former = _stakeholder(cast.rollout, attitude=Attitude.CHAMPION)
    stakeholder_set_attitude(stakeholder=former, attitude=Attitude.NEUTRAL, note="", by=None)
    data = selectors.stakeholder_map(rollout=cast.rollout)
    assert data.champions == [champion]
    assert [t.message for t in data.champions[0].thanks_list] == ["Danke für den Blogpost"]


def test_card_history_is_newest_first(cast, sceptic):
    for attitude in (Attitude.NEUTRAL, Attitude.SUPPORTIVE):
        stakeholder_set_attitude(
            stakeholder=sceptic, attitude=attitude, note=f"to {attitude}", by=cast.manager
        )
    loaded = selectors.stakeholder_for_card(queryset=Stakeholder.objects.all(), pk=sceptic.pk)
    assert [c.to_attitude for c in loaded.attitude_history] == [
        Attitude.SUPPORTIVE,
        Attitude.NEUTRAL,
        Attitude.SCEPTICAL,
    ]


# --- Query counts at two data sizes -----------------------------------------------------------


def _grow(cast, *, stakeholders: int, departments: int) -> None:
    """More departments with members, stakeholders in every cell, history and thank-yous."""
    new_departments = factories.DepartmentFactory.create_batch(departments)
    for department in new_departments:
        factories.PersonFactory(department=department)
    pool = [cast.department_a, cast.department_b, *new_departments]
    for index in range(stakeholders):
        stakeholder = _stakeholder(
            cast.rollout,
            department=pool[index % len(pool)],
            influence=index % 5 + 1,
            attitude=Attitude((index % 4) + 1),
            role=[StakeholderRole.IT, StakeholderRole.EMPLOYEE][index % 2],
            by=cast.manager,
        )
        stakeholder_set_attitude(
            stakeholder=stakeholder, attitude=Attitude.CHAMPION, note="Mitreißend", by=cast.manager
        )
        services.champion_thank(stakeholder=stakeholder, message="Danke", by=cast.manager)
        services.champion_thank(stakeholder=stakeholder, message="Nochmals danke", by=None)
        if index % 3:
            stakeholder_set_attitude(
                stakeholder=stakeholder,
                attitude=Attitude((index % 4) + 1),
                note="Zurück",
                by=cast.manager,
            )


def _queries(request) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = request()
        assert response.status_code == 200, response.content[:500]
    return len(queries)


def _same_count_at_two_sizes(cast, make_request, *, limit: int = 14) -> None:
    _grow(cast, stakeholders=2, departments=1)
    small = _queries(make_request)
    _grow(cast, stakeholders=40, departments=15)
    large = _queries(make_request)
    assert small == large, f"{small} queries with little data, {large} with more"
    assert large <= limit


@pytest.mark.parametrize(
    "query", ["", "role=it", "department={a}", "department={a}&role=employee", "department=x"]
)
def test_map_query_count(cast, query):
    client = cast.client("manager")
    url = _map_url(cast, query.format(a=cast.department_a.pk))
    _same_count_at_two_sizes(cast, lambda: client.get(url))


def test_map_grid_fragment_query_count(cast):
    client = cast.client("manager")
    url = _map_url(cast, "role=it")
    _same_count_at_two_sizes(
        cast,
        lambda: client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="stakeholder-grid"),
    )


@pytest.mark.parametrize("htmx", [False, True])
def test_card_query_count(cast, champion, htmx):
    client = cast.client("manager")
    url = reverse("rollout:stakeholder_card", args=[champion.pk])
    headers = _from_map(cast) if htmx else {}

    def request():
        return client.get(url, **headers)

    _grow(cast, stakeholders=2, departments=1)
    small = _queries(request)
    _grow(cast, stakeholders=40, departments=15)
    for index in range(20):
        services.champion_thank(stakeholder=champion, message=f"Danke {index}", by=cast.manager)
        for attitude in (Attitude.SUPPORTIVE, Attitude.CHAMPION):
            stakeholder_set_attitude(
                stakeholder=champion, attitude=attitude, note="hin und her", by=cast.manager
            )
    large = _queries(request)
    assert small == large
    assert large <= 12


def _fresh(cast, **kwargs) -> Stakeholder:
    return _stakeholder(cast.rollout, department=cast.department_a, **kwargs)


@pytest.mark.parametrize(
    ("name", "make", "data"),
    [
        ("stakeholder_attitude", {}, {"attitude": Attitude.SUPPORTIVE, "note": "Ja"}),
        ("stakeholder_attitude", {}, {"attitude": Attitude.CHAMPION, "note": "Vorbild"}),
        ("stakeholder_update", {}, {"role": "it", "influence": 5, "concerns": "Zeit"}),
        ("champion_thank", {"attitude": Attitude.CHAMPION}, {"message": "Danke!"}),
    ],
)
def test_htmx_action_query_count(cast, name, make, data):
    """Each card action from the map page: card, grid, flags, champions, messages."""
    client = cast.client("manager")
    _grow(cast, stakeholders=2, departments=1)
    target = _fresh(cast, **make)
    small = _queries(
        lambda: client.post(reverse(f"rollout:{name}", args=[target.pk]), data, **_from_map(cast))
    )
    _grow(cast, stakeholders=40, departments=15)
    target = _fresh(cast, **make)
    large = _queries(
        lambda: client.post(reverse(f"rollout:{name}", args=[target.pk]), data, **_from_map(cast))
    )
    assert small == large, f"{name}: {small} queries with little data, {large} with more"
    assert large <= 32


def test_add_page_and_suggestions_query_count(cast):
    client = cast.client("manager")
    add_url = reverse("rollout:stakeholder_add", args=[cast.rollout.pk])
    options_url = reverse("rollout:stakeholder_person_options", args=[cast.rollout.pk])
    _grow(cast, stakeholders=2, departments=1)
    small = (
        _queries(lambda: client.get(add_url)),
        _queries(lambda: client.get(options_url, {"email": "example"}, HTTP_HX_REQUEST="true")),
    )
    _grow(cast, stakeholders=40, departments=15)
    factories.PersonFactory.create_batch(30)
    large = (
        _queries(lambda: client.get(add_url)),
        _queries(lambda: client.get(options_url, {"email": "example"}, HTTP_HX_REQUEST="true")),
    )
    assert small == large
