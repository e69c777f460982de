"""Hostile form posts through the real views, as the role allowed to post: never a 500,
every rejection carries a message (in German for a German user), nothing partial written."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifications.rules import all_rules
from rollout.services.workflows import supply_link_path
from tests.bad_input.strategies import form_data
from tests.bad_input.test_forms import FORMS
from tests.bad_input.world import World, row_counts

HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Django's own English error texts: a German page must not show them.
ENGLISH = ("This field is required.", "Enter a valid", "Select a valid choice", "Ensure this")
MESSAGE = re.compile(
    r'(role="alert"|class="[^"]*\berrorlist\b[^"]*"|class="[^"]*\berror\b[^"]*")[^>]*>\s*\S',
)

# (id, who posts, URL from the world, form class name whose fields are posted)
ENDPOINTS = [
    ("rollout_create", "manager", lambda w: reverse("rollout:rollout_create"), "RolloutForm"),
    (
        "activity_create",
        "manager",
        lambda w: reverse("rollout:plan_activity_create", args=[w.phase.pk]),
        "ActivityCreateForm",
    ),
    (
        "activity_edit",
        "manager",
        lambda w: reverse("rollout:plan_activity_edit", args=[w.activity.pk]),
        "ActivityEditForm",
    ),
    (
        "activity_owner",
        "manager",
        lambda w: reverse("rollout:plan_activity_owner", args=[w.activity.pk]),
        "ActivityOwnerForm",
    ),
    (
        "activity_status",
        "manager",
        lambda w: reverse("rollout:plan_activity_status", args=[w.activity.pk]),
        "ActivityStatusForm",
    ),
    (
        "activity_move",
        "manager",
        lambda w: reverse("rollout:plan_activity_move", args=[w.activity.pk]),
        "ActivityMoveForm",
    ),
    (
        "template_save",
        "manager",
        lambda w: reverse("rollout:plan_template_save", args=[w.rollout.pk]),
        "TemplateSaveForm",
    ),
    (
        "criterion_add",
        "manager",
        lambda w: reverse("rollout:gate_criterion_add", args=[w.phase.pk]),
        "CriterionForm",
    ),
    (
        "phase_advance",
        "manager",
        lambda w: reverse("rollout:phase_advance", args=[w.phase.pk]),
        "GateAdvanceForm",
    ),
    (
        "department_leadership",
        "manager",
        lambda w: reverse("rollout:department_leadership", args=[w.cast.department_a.pk]),
        "DepartmentLeadershipForm",
    ),
    (
        "stakeholder_add",
        "manager",
        lambda w: reverse("rollout:stakeholder_add", args=[w.rollout.pk]),
        "StakeholderAddForm",
    ),
    (
        "stakeholder_attitude",
        "manager",
        lambda w: reverse("rollout:stakeholder_attitude", args=[w.stakeholder.pk]),
        "ChampionForm",
    ),
    (
        "stakeholder_update",
        "manager",
        lambda w: reverse("rollout:stakeholder_update", args=[w.stakeholder.pk]),
        "StakeholderUpdateForm",
    ),
    (
        "champion_thank",
        "manager",
        lambda w: reverse("rollout:champion_thank", args=[w.stakeholder.pk]),
        "ThanksForm",
    ),
    (
        "communication_create",
        "manager",
        lambda w: reverse("rollout:communication_create", args=[w.rollout.pk]),
        "CommunicationItemForm",
    ),
    (
        "success_create",
        "manager",
        lambda w: reverse("rollout:success_create", args=[w.rollout.pk]),
        "SuccessStoryForm",
    ),
    ("workflow_create", "manager", lambda w: reverse("rollout:workflow_create"), "WorkflowForm"),
    (
        "workflow_edit",
        "manager",
        lambda w: reverse("rollout:workflow_edit", args=[w.workflow.pk]),
        "WorkflowForm",
    ),
    (
        "delivery_create",
        "manager",
        lambda w: reverse("rollout:delivery_create", args=[w.workflow.pk]),
        "DeliveryForm",
    ),
    (
        "workflow_confirm",
        "head_a",
        lambda w: reverse("rollout:workflow_confirm", args=[w.workflow.pk]),
        "DecisionForm",
    ),
    (
        "workflow_request_changes",
        "head_a",
        lambda w: reverse("rollout:workflow_request_changes", args=[w.workflow.pk]),
        "ChangesForm",
    ),
    (
        "report_create",
        "manager",
        lambda w: reverse("reports:report_create", args=[w.rollout.pk]),
        "ReportForm",
    ),
    ("guideline_create", "manager", lambda w: reverse("guidelines:create"), "GuidelineForm"),
    (
        "version_edit",
        "manager",
        lambda w: reverse("guidelines:version_edit", args=[w.draft.pk]),
        "VersionForm",
    ),
    (
        "question_add",
        "manager",
        lambda w: reverse("guidelines:question_add", args=[w.draft.pk]),
        "QuestionForm",
    ),
    (
        "acknowledge_signed_in",
        "employee",
        lambda w: reverse("guidelines:acknowledge_signed_in", args=[w.version.pk]),
        "AcknowledgeForm",
    ),
    (
        "on_behalf",
        "manager",
        lambda w: reverse("guidelines:on_behalf", args=[w.ack_request.pk]),
        "OnBehalfForm",
    ),
    (
        "training_create",
        "manager",
        lambda w: reverse("guidelines:training_create", args=[w.rollout.pk]),
        "SessionForm",
    ),
    (
        "training_edit",
        "manager",
        lambda w: reverse("guidelines:training_edit", args=[w.session.pk]),
        "SessionForm",
    ),
    (
        "training_cancel",
        "manager",
        lambda w: reverse("guidelines:training_cancel", args=[w.session.pk]),
        "CancelForm",
    ),
    (
        "training_series",
        "manager",
        lambda w: reverse("guidelines:training_series", args=[w.session.pk]),
        "SeriesForm",
    ),
    (
        "training_walk_in",
        "manager",
        lambda w: reverse("guidelines:training_walk_in", args=[w.session.pk]),
        "WalkInForm",
    ),
    (
        "training_rsvp",
        "anonymous",
        lambda w: reverse("guidelines:training_rsvp", args=[w.rsvp_token]),
        "AnswerForm",
    ),
    (
        "training_feedback",
        "anonymous",
        lambda w: reverse("guidelines:training_feedback", args=[w.feedback_token]),
        "FeedbackForm",
    ),
    (
        "acknowledge_link",
        "anonymous",
        lambda w: reverse("guidelines:acknowledge", args=[w.ack_token]),
        "AcknowledgeForm",
    ),
    (
        "supply_link",
        "anonymous",
        lambda w: supply_link_path(workflow=w.workflow, person=w.cast.employee.person),
        "DeliveryForm",
    ),
    (
        "version_approve",
        "manager",
        lambda w: reverse("guidelines:version_approve", args=[w.in_review.pk]),
        "ApproveForm",
    ),
    (
        "version_publish",
        "manager",
        lambda w: reverse("guidelines:version_publish", args=[w.approved.pk]),
        "PublishForm",
    ),
    (
        "communication_edit",
        "manager",
        lambda w: reverse("rollout:communication_edit", args=[w.item.pk]),
        "CommunicationItemForm",
    ),
    (
        "reminder_rules",
        "manager",
        lambda w: reverse("notifications:rules", args=[w.rollout.pk]),
        "ReminderRuleForm",
    ),
    (
        "reminder_settings",
        "manager",
        lambda w: reverse("notifications:rules", args=[w.rollout.pk]),
        "ReminderSettingsForm",
    ),
    (
        "department_channels",
        "manager",
        lambda w: reverse("notifications:channels"),
        "DepartmentChannelForm",
    ),
    ("login", "anonymous", lambda w: reverse("login"), "LoginForm"),
    ("password_reset", "anonymous", lambda w: reverse("password_reset"), "QueuedPasswordResetForm"),
    (
        "login_link_request",
        "anonymous",
        lambda w: reverse("rollout:login_link_request"),
        "LoginLinkRequestForm",
    ),
]


def field_names(world: World, form_name: str, endpoint: str) -> tuple[list[str], dict]:
    """The posted field names (with the view's prefix) and fixed values the view needs to
    pick the form (which rule, which department), not fuzzed."""
    (form_class,) = [cls for dotted, cls in FORMS.items() if dotted.endswith(f".{form_name}")]
    kwargs = world.kwargs(form_name)
    fixed: dict = {}
    if form_name == "LoginForm":
        form = form_class(None)
    elif endpoint == "communication_edit":
        form = form_class(instance=world.item, prefix=f"item-{world.item.pk}", with_status=True)
    elif endpoint == "reminder_rules":
        key = all_rules()[0].key
        form, fixed = form_class(prefix=key), {"rule": [key]}
    elif endpoint == "reminder_settings":
        form, fixed = form_class(prefix="settings"), {"rule": ["_settings"]}
    elif endpoint == "department_channels":
        department = world.cast.department_a.pk
        form, fixed = form_class(prefix=f"d{department}"), {"department": [str(department)]}
    elif endpoint == "workflow_create":
        form, fixed = form_class(**kwargs), {"department": [str(world.cast.department_a.pk)]}
    else:
        form = form_class(**kwargs)
    return [form.add_prefix(name) for name in form.fields], fixed


@pytest.mark.parametrize(
    ("endpoint", "who", "url_of", "form_name"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS]
)
@pytest.mark.django_db
def test_hostile_posts_get_a_message_and_write_nothing(
    cast, settings, endpoint, who, url_of, form_name
):
    settings.LINK_REQUEST_LIMIT = 0  # hundreds of posts from one address: no throttle here
    world = World(cast)
    world.invitation.attended = True  # so that the feedback link takes feedback
    world.invitation.save(update_fields=["attended"])
    url = url_of(world)
    names, fixed = field_names(world, form_name, endpoint)
    client = cast.client(who)

    @HYPOTHESIS
    @given(values=form_data(names), language=st.sampled_from(["de", "en"]))
    def check(values, language):
        if who != "anonymous":
            user = getattr(cast, who)
            user.language = language
            user.save(update_fields=["language"])
        values = {**values, **fixed}
        before = row_counts()
        with translation.override(language):
            response = client.post(
                url,
                values,
                HTTP_ACCEPT_LANGUAGE=language,
                headers={"HX-Request": "true"} if len(values) % 2 else {},
            )
        assert response.status_code < 500, response.status_code
        body = response.content.decode()
        rejected = response.status_code in (400, 422) or (
            response.status_code == 200 and MESSAGE.search(body)
        )
        if rejected:
            assert MESSAGE.search(body), (response.status_code, body[:2000])
            assert row_counts() == before
            if language == "de":
                assert not any(text in body for text in ENGLISH), body[:3000]
                assert "<html" not in body or '<html lang="de"' in body
        else:
            assert response.status_code in (200, 204, 302, 303), response.status_code

    check()


@pytest.mark.parametrize(
    ("url_of", "selector"),
    [
        (lambda cast: reverse("notifications:rules", args=[cast.rollout.pk]), "rule"),
        (lambda cast: reverse("notifications:channels"), "department"),
    ],
    ids=["reminder_rules", "department_channels"],
)
@pytest.mark.parametrize("chosen", [None, "", "nonsense", "\x00", "9" * 30])
def test_a_post_choosing_no_known_row_gets_a_message(cast, url_of, selector, chosen):
    """Pages with one form per row pick the form by a posted key; a missing or unknown key
    is answered with a message, not a silent page."""
    before = row_counts()
    data = {} if chosen is None else {selector: chosen}
    client = cast.client("manager")
    response = client.post(url_of(cast), data, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code in (302, 400, 404), response.status_code
    if response.status_code == 302:
        response = client.get(response["Location"])
    assert MESSAGE.search(response.content.decode()) or response.status_code == 404
    assert row_counts() == before


@pytest.mark.parametrize("htmx", [False, True])
def test_a_hostile_criterion_tick_gets_a_message(cast, htmx):
    """The met/not met buttons: any other value is refused with a message, with htmx too."""
    from rollout.models import CriterionKind
    from rollout.services import plan as plan_services

    phase = cast.rollout.phases.order_by("order").first()
    criterion = plan_services.gate_criterion_add(
        phase=phase, kind=CriterionKind.MANUAL, by=cast.manager, label="Kick-off gehalten"
    )
    client = cast.client("manager")
    url = reverse("rollout:gate_criterion_check", args=[criterion.pk])
    headers = {"HX-Request": "true"} if htmx else {}

    @HYPOTHESIS
    @given(values=form_data(["checked"]))
    def check(values):
        if values.get("checked") in (["0"], ["1"]):
            return
        before = row_counts()
        response = client.post(url, values, headers=headers, follow=not htmx)
        assert response.status_code == 200, response.status_code
        with translation.override("de"):  # the manager reads German
            expected = translation.gettext("Please choose met or not met.")
        assert expected in response.text
        assert row_counts() == before

    check()
