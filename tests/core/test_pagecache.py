"""The workspace pages are cached ({% pagecache %}) and still show every change at once: the
data version (rollout/freshness.py) moves with any write to the database, whichever way it is
written. Cached forms carry the CSRF token of each request; roles never share a cached page;
sessions are written at most once a minute."""

import datetime
import io
import re

import pytest
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import freshness
from core.models import Heartbeat
from core.templatetags.pagecache import csrf_placeholder, fragment_key
from rollout.models import Activity, ActivityStatus, Attitude, Department, PhaseKind
from rollout.selectors.stakeholders import CELL_LIMIT, LIST_LIMIT
from rollout.services import stakeholder_set_attitude
from tests import factories

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PER_REQUEST = re.compile(r'value="[^"]+"|nonce="[^"]+"|"X-CSRFToken": "[^"]+"')


def _queries(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.text


def _activity(cast, **kwargs) -> Activity:
    phase = cast.rollout.phases.get(kind=PhaseKind.UNFREEZE)
    return factories.ActivityFactory(phase=phase, **kwargs)


# --- Cached, and fresh after any change ---------------------------------------------------------


@pytest.mark.parametrize("page", ["dashboard", "plan", "stakeholder_map", "department_list"])
def test_a_second_view_comes_from_the_cache(cast, page):
    _activity(cast, title="Workshop Vertrieb", departments=[cast.department_a])
    factories.StakeholderFactory(rollout=cast.rollout, person=cast.employee.person)
    args = [] if page == "department_list" else [cast.rollout.pk]
    url = reverse(f"rollout:{page}", args=args)
    client = cast.client("manager")
    first, first_text = _queries(client, url)
    second, second_text = _queries(client, url)
    # Only the session, the user, their roles and the access check are left.
    assert second < first
    assert second <= 4
    # The same page, but for the tokens and nonces of each request.
    assert PER_REQUEST.sub("", first_text) == PER_REQUEST.sub("", second_text)


def test_dashboard_shows_a_change_at_once_however_it_is_written(cast):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    activity = _activity(cast, title="Kick-off mit der Geschäftsführung", due_date=tomorrow)
    client = cast.client("manager")
    url = reverse("rollout:dashboard", args=[cast.rollout.pk])

    def due_this_week() -> str:
        return client.get(url).text.split('id="week-heading"')[1].split("</section>")[0]

    assert "Kick-off mit der Geschäftsführung" in due_this_week()
    # A queryset update sends no signal (and writes no history): the database hook sees it.
    Activity.objects.filter(pk=activity.pk).update(title="Auftakt mit dem Vorstand")
    assert "Auftakt mit dem Vorstand" in due_this_week()
    Activity.objects.filter(pk=activity.pk).delete()
    assert "Auftakt mit dem Vorstand" not in due_this_week()


def test_dashboard_heatmap_follows_an_attitude_change(cast):
    stakeholder = factories.StakeholderFactory(
        rollout=cast.rollout, person=cast.employee.person, attitude=Attitude.SUPPORTIVE
    )
    client = cast.client("manager")
    url = reverse("rollout:dashboard", args=[cast.rollout.pk])
    row = f'id="readiness-{cast.department_a.pk}"'
    champion = 'data-signal="champion" data-level="good"'
    assert champion not in client.get(url).text.split(row, 1)[1].split("</tr>", 1)[0]
    stakeholder_set_attitude(
        stakeholder=stakeholder, attitude=Attitude.CHAMPION, note="", by=cast.manager
    )
    assert champion in client.get(url).text.split(row, 1)[1].split("</tr>", 1)[0]


def test_board_shows_added_moved_and_completed_activities_at_once(cast):
    client = cast.client("manager")
    url = reverse("rollout:plan", args=[cast.rollout.pk])
    phase = cast.rollout.phases.get(kind=PhaseKind.UNFREEZE)
    client.get(url)
    response = client.post(
        reverse("rollout:plan_activity_create", args=[phase.pk]),
        {f"new-{phase.pk}-title": "Champions finden", f"new-{phase.pk}-kind": "champions"},
    )
    assert response.status_code == 302
    text = client.get(url).text
    assert "Champions finden" in text
    added = Activity.objects.get(title="Champions finden")
    # bulk_update (used for reordering) sends no signal either.
    others = list(Activity.objects.filter(phase=phase).exclude(pk=added.pk))
    for index, activity in enumerate(others, start=1):
        activity.position = index
    added.position = 0
    Activity.objects.bulk_update([added, *others], ["position"])
    section = client.get(url).text.split(f'id="phase-rows-{phase.pk}"')[1]
    assert section.split('<tr id="activity-')[1].startswith(str(added.pk))
    client.post(
        reverse("rollout:plan_activity_status", args=[added.pk]),
        {"status": ActivityStatus.DONE, "next": url},
    )
    row = client.get(url).text.split(f'id="activity-{added.pk}"')[1].split("</tr>")[0]
    assert 'data-testid="reopen"' in row


def test_filtered_boards_are_cached_apart(cast):
    _activity(cast, title="Schulung Vertrieb", departments=[cast.department_a])
    _activity(cast, title="Schulung Personal", departments=[cast.department_b])
    client = cast.client("manager")
    url = reverse("rollout:plan", args=[cast.rollout.pk])
    assert "Schulung Personal" in client.get(url).text
    filtered = client.get(url, {"department": cast.department_a.pk}).text
    assert "Schulung Vertrieb" in filtered and "Schulung Personal" not in filtered
    # The htmx board for the same filters is the same board.
    partial = client.get(url, {"department": cast.department_a.pk}, HTTP_HX_REQUEST="true").text
    assert partial.lstrip().startswith('<div id="board"')
    assert "Schulung Personal" not in partial


def test_department_list_shows_a_new_member_at_once(cast):
    client = cast.client("manager")
    url = reverse("rollout:department_list")
    row = f'id="department-{cast.department_b.pk}"'

    def members() -> str:
        cells = client.get(url).text.split(row)[1].split("</tr>")[0].split('class="number">')
        return cells[2].split("<")[0]

    before = int(members())
    factories.PersonFactory(department=cast.department_b)
    assert int(members()) == before + 1


# --- What a cached page must not share ---------------------------------------------------------


def test_cached_forms_carry_the_csrf_token_of_each_request(cast):
    activity = _activity(cast, title="Newsletter planen")
    url = reverse("rollout:plan", args=[cast.rollout.pk])
    cast.client("manager").get(url)  # fills the cache
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.manager)
    text = client.get(url).text
    assert csrf_placeholder() not in text
    row = text.split(f'id="activity-{activity.pk}"')[1].split("</tr>")[0]
    token = TOKEN.search(row).group(1)
    response = client.post(
        reverse("rollout:plan_activity_status", args=[activity.pk]),
        {"csrfmiddlewaretoken": token, "status": ActivityStatus.DONE, "next": url},
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.DONE


def test_roles_never_share_a_cached_page(cast):
    activity = _activity(cast, title="Überfällig", due_date=datetime.date(2020, 1, 1))
    for page in ("dashboard", "plan"):
        url = reverse(f"rollout:{page}", args=[cast.rollout.pk])
        manager = cast.client("manager").get(url).text
        assert reverse("rollout:activity_set_status", args=[activity.pk]) in manager or (
            reverse("rollout:plan_activity_status", args=[activity.pk]) in manager
        )
        leadership = cast.client("leadership").get(url).text
        assert "csrfmiddlewaretoken" not in leadership.split('<main id="main"')[1]
        assert "activity_set_status" not in leadership
        assert f"/activities/{activity.pk}/" not in leadership.split('<main id="main"')[1]


def test_languages_are_cached_apart(cast):
    url = reverse("rollout:dashboard", args=[cast.rollout.pk])
    cast.manager.language = "de"
    cast.manager.save(update_fields=["language"])
    german = cast.client("manager").get(url).text
    cast.leadership.language = "en"
    cast.leadership.save(update_fields=["language"])
    english = cast.client("leadership").get(url).text
    assert "Phasen" in german and "Phases" in english


# --- The data version -----------------------------------------------------------------------------


def test_every_write_moves_the_version_but_sessions_and_heartbeats_do_not():
    before = freshness.data_version()
    SessionStore().save(must_create=True)
    Heartbeat.objects.update_or_create(name="beat", defaults={"seen_at": timezone.now()})
    assert freshness.data_version() == before
    factories.DepartmentFactory(name="Einkauf")
    after_insert = freshness.data_version()
    assert after_insert != before
    Department.objects.filter(name="Einkauf").update(headcount=3)
    assert freshness.data_version() != after_insert


def test_a_transaction_moves_the_version_again_after_a_read_and_at_commit(
    django_capture_on_commit_callbacks,
):
    versions = [freshness.data_version()]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        factories.DepartmentFactory(name="Einkauf")
        versions.append(freshness.data_version())  # a page read inside the transaction
        factories.DepartmentFactory(name="Logistik")
        versions.append(freshness.data_version())
    versions.append(freshness.data_version())  # after the commit
    assert len(set(versions)) == 4


def test_the_version_survives_an_emptied_cache():
    from django.core.cache import cache

    before = freshness.data_version()
    cache.clear()
    freshness.data_changed()
    assert freshness.data_version() != before


# --- Sessions ----------------------------------------------------------------------------------


def _session_writes(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum(
        1
        for query in queries
        if "django_session" in query["sql"] and not query["sql"].lstrip().startswith("SELECT")
    )


def test_a_session_is_written_at_most_once_a_minute(cast, settings):
    client = cast.client("manager")
    url = reverse("rollout:rollout_list")
    assert _session_writes(client, url) == 0  # signing in has just written it
    assert _session_writes(client, url) == 0
    settings.SESSION_REFRESH_SECONDS = 0
    assert _session_writes(client, url) == 1  # refreshed: the idle timeout starts again
    assert "_auth_user_id" in client.session


# --- The stakeholder map of a large company ---------------------------------------------------


def test_a_full_grid_cell_shows_some_names_and_opens_in_full(cast):
    made = [
        factories.StakeholderFactory(rollout=cast.rollout, influence=5, attitude=Attitude.RESISTANT)
        for _ in range(CELL_LIMIT + 2)
    ]
    client = cast.client("manager")
    url = reverse("rollout:stakeholder_map", args=[cast.rollout.pk])
    cell = client.get(url).text.split('id="cell-5-1"')[1].split("</td>")[0]
    assert sum(f'id="chip-{s.pk}"' in cell for s in made) == CELL_LIMIT
    assert "2 more" in cell or "2 weitere" in cell
    assert "influence=5&amp;attitude=1" in cell
    opened = client.get(url, {"influence": 5, "attitude": 1}).text
    cell = opened.split('id="cell-5-1"')[1].split("</td>")[0]
    assert all(f'id="chip-{s.pk}"' in cell for s in made)
    assert "Einfluss 5" in opened.split('id="stakeholder-grid"')[1].split("<table")[0]
    # A bogus cell shows the usual map, never a 500.
    assert client.get(url, {"influence": 9, "attitude": "x"}).status_code == 200


def test_champions_beyond_the_first_are_behind_show_all(cast):
    champions = [
        factories.StakeholderFactory(rollout=cast.rollout, attitude=Attitude.CHAMPION)
        for _ in range(LIST_LIMIT + 1)
    ]
    client = cast.client("manager")
    url = reverse("rollout:stakeholder_map", args=[cast.rollout.pk])

    def listed(text: str) -> int:
        section = text.split('id="stakeholder-champions"')[1].split("</section>")[0]
        return sum(f'id="champion-{s.pk}"' in section for s in champions)

    assert listed(client.get(url).text) == LIST_LIMIT
    assert "champions=all" in client.get(url).text
    assert listed(client.get(url, {"champions": "all"}).text) == LIST_LIMIT + 1


def test_pages_and_writes_work_while_the_cache_is_down(cast, monkeypatch):
    from unittest import mock

    from django.core.cache import caches

    # The pause after a failure is this process's state: restored after the test.
    monkeypatch.setattr(freshness, "_paused_until", 0.0)
    monkeypatch.setattr(freshness, "_owed", False)
    activity = _activity(cast, title="Intranet-Artikel")
    client = cast.client("manager")
    before = freshness.data_version()
    broken = mock.Mock(side_effect=ConnectionError("cache down"))
    backend = type(caches["default"])
    with (
        mock.patch.object(backend, "get", broken),
        mock.patch.object(backend, "set", broken),
        mock.patch.object(backend, "add", broken),
        mock.patch.object(backend, "incr", broken),
    ):
        for page in ("dashboard", "plan", "stakeholder_map"):
            url = reverse(f"rollout:{page}", args=[cast.rollout.pk])
            assert client.get(url).status_code == 200
        assert client.get(reverse("rollout:department_list")).status_code == 200
        response = client.post(
            reverse("rollout:plan_activity_status", args=[activity.pk]),
            {"status": ActivityStatus.DONE},
        )
        assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.DONE
    # The cache is back after the pause: the bump owed for the write while it was down comes
    # first, so nothing cached before the outage is shown.
    assert freshness.data_version() is None  # still pausing
    monkeypatch.setattr(freshness, "_paused_until", 0.0)
    assert freshness.data_version() not in (None, before)


def test_a_role_taken_away_applies_at_once(cast):
    """The pages and the rollout come from the cache; a role taken away applies at once."""
    client = cast.client("manager")
    url = reverse("rollout:dashboard", args=[cast.rollout.pk])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # now from the cache
    cast.manager.groups.clear()
    assert client.get(url).status_code == 404


def test_signing_in_keeps_the_cached_pages_but_a_changed_name_does_not(cast):
    """Signing in stores `last_login` (and a session), which no page shows."""
    before = freshness.data_version()
    last = cast.manager.last_login
    Client().force_login(cast.manager)  # Django's user_logged_in stores last_login
    cast.manager.refresh_from_db()
    assert cast.manager.last_login != last
    assert freshness.data_version() == before
    cast.manager.full_name = "Mara Neu"
    cast.manager.save(update_fields=["full_name"])
    assert freshness.data_version() != before


def test_a_new_release_never_serves_an_older_releases_html(settings):
    settings.CHANGEHUB_RELEASE = "1.0.0"
    old = fragment_key("plan-board", None, ["/x/"])
    settings.CHANGEHUB_RELEASE = "1.0.1"
    assert fragment_key("plan-board", None, ["/x/"]) != old


def test_clear_page_cache_makes_every_fragment_stale_and_leaves_other_keys(cast):
    cache.set("celery-something", "kept", None)
    key = fragment_key("plan-board", None, ["/x/"])
    out = io.StringIO()
    call_command("clear_page_cache", stdout=out)
    assert fragment_key("plan-board", None, ["/x/"]) != key
    assert cache.get("celery-something") == "kept"
    assert "rebuilt" in out.getvalue() or "neu erstellt" in out.getvalue()
