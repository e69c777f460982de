"""Success stories tie to the goal they move: chosen on the goal's page by the manager, shown
there, on leadership's start page and in the board pack."""

import pytest
from django.urls import reverse
from django.utils import timezone

from goals.models import GoalStory
from rollout.models import StoryKind, SuccessStory
from tests.goals.helpers import make_goal

pytestmark = pytest.mark.django_db


def _story(rollout, title="Messe-Post mit 300 Likes"):
    return SuccessStory.objects.create(
        rollout=rollout, date=timezone.localdate(), kind=StoryKind.QUICK_WIN, title=title
    )


def test_the_manager_ties_a_story_to_the_goal_and_unties_it(cast):
    goal = make_goal(cast.rollout, weeks=2)
    story = _story(cast.rollout)
    client = cast.client("manager")
    url = reverse("goals:story_link", args=[goal.pk])
    page = client.get(reverse("goals:detail", args=[goal.pk])).text
    assert "Erfolgsgeschichte" in page and "Messe-Post mit 300 Likes" in page  # offered
    for _ in range(2):  # a double submit ties once
        response = client.post(url, {"story": story.pk}, follow=True)
    assert GoalStory.objects.get().goal == goal
    stories = response.text[response.text.index('id="goal-stories"') :]
    assert "Messe-Post mit 300 Likes" in stories and "von diesem Ziel lösen" in stories
    leadership = cast.client("leadership").get(reverse("goals:leadership")).text
    assert "LinkedIn-Follower</a>" in leadership[leadership.index('id="leadership-stories"') :]
    client.post(url, {"unlink": story.pk})
    assert not GoalStory.objects.exists()


def test_a_story_of_another_rollout_or_nothing_is_refused(cast):
    from tests import factories

    goal = make_goal(cast.rollout, weeks=2)
    other = _story(factories.RolloutFactory())
    client = cast.client("manager")
    url = reverse("goals:story_link", args=[goal.pk])
    for data in ({"story": other.pk}, {}):
        response = client.post(url, data)
        assert response.status_code == 400 and 'aria-invalid="true"' in response.text
    assert not GoalStory.objects.exists()


@pytest.mark.parametrize("who", ["employee", "head_a", "leadership"])
def test_only_the_manager_ties_stories(cast, who):
    goal = make_goal(cast.rollout, weeks=2)
    story = _story(cast.rollout)
    response = cast.client(who).post(
        reverse("goals:story_link", args=[goal.pk]), {"story": story.pk}
    )
    assert response.status_code in (403, 404) and not GoalStory.objects.exists()


def test_the_goal_page_costs_the_same_with_one_or_many_stories(cast, django_assert_max_num_queries):
    goal = make_goal(cast.rollout, weeks=3)
    client = cast.client("manager")
    url = reverse("goals:detail", args=[goal.pk])
    GoalStory.objects.create(goal=goal, story=_story(cast.rollout, "Eins"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for index in range(6):
        GoalStory.objects.create(goal=goal, story=_story(cast.rollout, f"Geschichte {index}"))
        _story(cast.rollout, f"Offen {index}")
    with django_assert_max_num_queries(len(small)):
        assert client.get(url).status_code == 200
