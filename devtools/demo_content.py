"""Demo content for `manage.py seed_demo`, so every page shows something real on first start:
the communication plan (sent and planned items, one with a social homework), success stories
with key figures, two goals with a year of weekly values, the recorded gate decision of the
completed unfreeze phase, the invitations of the past workshop as sent mail, and one finished
progress report. Idempotent: each part looks for what it made before and leaves it alone."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone, translation

from goals.models import Goal, GoalStory, GoalValue, SubGoal
from guidelines.models import TrainingInvitation, TrainingSession
from notifications.models import Notification, NotificationState
from reports import services as reports
from reports.models import Report, ReportStatus
from rollout.models import (
    Channel,
    CommunicationItem,
    Department,
    GateDecision,
    KpiName,
    PhaseKind,
    PhaseStatus,
    Rollout,
    StoryKind,
    SuccessStory,
    User,
)
from rollout.selectors.plan import phase_criteria_states
from rollout.services import communication as services

# (days from today, channel, message, departments, social homework, sent)
COMMUNICATION = (
    (
        -45,
        Channel.INTRANET,
        "Warum wir auf Social Media gehen: Interview mit der Geschäftsführung",
        (),
        "",
        True,
    ),
    (
        -20,
        Channel.DEPARTMENT_MEETING,
        "Social Media in der Vertriebsrunde vorstellen",
        ("Vertrieb",),
        "LinkedIn-Profil aktualisieren",
        True,
    ),
    (-6, Channel.NEWSLETTER, "Erste Erfolge: 500 neue Follower auf LinkedIn", (), "", True),
    (
        5,
        Channel.DEPARTMENT_MEETING,
        "Social-Media-Guidelines in der Fertigung erklären",
        ("Produktion",),
        "Einen Beitrag der Karriereseite teilen",
        False,
    ),
    (12, Channel.MAGAZINE, "Porträt: Unsere Corporate Influencer aus der IT", ("IT",), "", False),
)

# (days ago, kind, title, department, key figure, value)
STORIES = (
    (
        40,
        StoryKind.QUICK_WIN,
        "Erster Azubi-Beitrag erreicht 12.000 Menschen",
        "Personal",
        "",
        None,
    ),
    (
        18,
        StoryKind.KPI,
        "Bewerbungen über LinkedIn verdoppelt",
        "Personal",
        KpiName.APPLICATIONS,
        Decimal(14),
    ),
    (
        9,
        StoryKind.KPI,
        "Follower der Unternehmensseite",
        "Marketing",
        KpiName.FOLLOWERS,
        Decimal(1480),
    ),
    (3, StoryKind.QUICK_WIN, "Kunde fragt nach Messe-Video auf LinkedIn an", "Vertrieb", "", None),
)

# (company goal, sub-goal, key figure, baseline, target, weeks of values, gain per week)
GOALS = (
    (
        "Mehr qualifizierte Bewerbungen",
        SubGoal.EMPLOYER_BRANDING,
        "LinkedIn-Follower",
        Decimal(980),
        Decimal(2500),
        52,
        Decimal(22),
    ),
    (
        "Mehr qualifizierte Bewerbungen",
        SubGoal.EMPLOYER_BRANDING,
        "Bewerbungen über Social Media",
        Decimal(2),
        Decimal(40),
        52,
        Decimal("0.35"),
    ),
)


def seed_content(*, rollout_name: str, departments: dict[str, Department], manager: User) -> None:
    rollout = Rollout.objects.filter(name=rollout_name).first()
    if rollout is None:
        return
    today = timezone.localdate()
    with transaction.atomic():
        _communication(rollout, departments, manager, today)
        _stories(rollout, departments, manager, today)
        _goals(rollout, today)
        _story_goals(rollout)
        _gate_decision(rollout, manager)
        _sent_invitations(rollout)
    _finished_report(rollout, manager)


def _communication(rollout, departments, manager, today) -> None:
    if CommunicationItem.objects.filter(rollout=rollout).exists():
        return
    for days, channel, message, names, homework, sent in COMMUNICATION:
        item = services.communication_item_create(
            rollout=rollout,
            date=today + datetime.timedelta(days=days),
            channel=channel,
            message=message,
            audience_departments=[departments[name] for name in names],
            social_homework=homework,
            owner=manager.person,
            by=manager,
        )
        if sent:
            services.communication_item_mark_sent(item=item, by=manager)


def _stories(rollout, departments, manager, today) -> None:
    if SuccessStory.objects.filter(rollout=rollout).exists():
        return
    for days, kind, title, department, kpi, value in STORIES:
        services.success_story_create(
            rollout=rollout,
            kind=kind,
            title=title,
            date=today - datetime.timedelta(days=days),
            department=departments[department],
            kpi_name=kpi,
            kpi_value=value,
            by=manager,
        )


def _goals(rollout, today) -> None:
    if Goal.objects.filter(rollout=rollout).exists():
        return
    for company_goal, sub_goal, figure, baseline, target, weeks, gain in GOALS:
        start = today - datetime.timedelta(weeks=weeks)
        goal = Goal.objects.create(
            rollout=rollout,
            company_goal=company_goal,
            sub_goal=sub_goal,
            key_figure=figure,
            baseline=baseline,
            target=target,
            start_date=start,
            due_date=rollout.end_date,
        )
        GoalValue.objects.bulk_create(
            GoalValue(
                goal=goal,
                date=start + datetime.timedelta(weeks=week),
                value=(baseline + gain * week).quantize(Decimal("0.01")),
            )
            for week in range(1, weeks + 1)
        )


# Which demo story moves which goal: (a word of the story's title, a word of the key figure).
STORY_GOALS = [("LinkedIn", "LinkedIn"), ("Azubi", "Bewerbungen")]


def _story_goals(rollout) -> None:
    """Tie the demo stories to the goals they move (once)."""
    if GoalStory.objects.filter(goal__rollout=rollout).exists():
        return
    goals = list(Goal.objects.filter(rollout=rollout))
    stories = list(SuccessStory.objects.filter(rollout=rollout).order_by("-date", "pk"))
    for story_word, goal_word in STORY_GOALS:
        goal = next((g for g in goals if goal_word in g.key_figure), None)
        story = next((s for s in stories if story_word in s.title), None)
        if goal is not None and story is not None:
            GoalStory.objects.get_or_create(story=story, defaults={"goal": goal})


def _gate_decision(rollout, manager) -> None:
    """The unfreeze phase was completed by the seed before gates were recorded: give it the
    decision the manager took then, with the criteria as they are (all checked)."""
    unfreeze = rollout.phases.get(kind=PhaseKind.UNFREEZE)
    if unfreeze.status != PhaseStatus.COMPLETED or GateDecision.objects.filter(phase=unfreeze):
        return
    with translation.override("de"):
        states = phase_criteria_states(phase=unfreeze)
        snapshot = [
            {
                "label": str(state.criterion),
                "kind": state.criterion.kind,
                "value": state.value,
                "threshold": state.criterion.threshold,
                "met": state.is_met,
            }
            for state in states
        ]
    met = all(row["met"] for row in snapshot)
    GateDecision.objects.create(
        phase=unfreeze,
        decided_by=manager,
        decided_at=timezone.now() - datetime.timedelta(days=60),
        snapshot=snapshot,
        all_met=met,
        override_reason=""
        if met
        else "Die Geschäftsführung hat den Start der Bewegungsphase im Lenkungskreis beschlossen.",
    )


def _sent_invitations(rollout) -> None:
    """The invitations to the workshop held three weeks ago went out a month ago."""
    past = TrainingSession.objects.filter(
        phase__rollout=rollout, starts_at__lt=timezone.now()
    ).values_list("pk", flat=True)
    moment = timezone.now() - datetime.timedelta(days=30)
    Notification.objects.filter(
        state=NotificationState.PENDING,
        content_type__model="traininginvitation",
        object_id__in=_invitation_ids(past),
    ).update(state=NotificationState.SENT, sent_at=moment, due_at=moment, attempts=1)


def _invitation_ids(session_ids) -> list[int]:
    return list(
        TrainingInvitation.objects.filter(session_id__in=list(session_ids)).values_list(
            "pk", flat=True
        )
    )


def _finished_report(rollout, manager) -> None:
    """One German progress report, rendered here, so the reports page has a PDF to open."""
    if Report.objects.filter(rollout=rollout, status=ReportStatus.READY).exists():
        return
    report = Report.objects.create(
        rollout=rollout, language="de", parameters={"language": "de"}, requested_by=manager
    )
    reports.report_render(report_id=report.pk)
