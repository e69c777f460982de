"""The figures of the leadership progress report, gathered from the selectors of each area
(never computed again here) with a fixed number of queries whatever the data size, and the
report history.

Privacy (works council): the report shows aggregates only. A department with fewer than
MIN_GROUP active people is not shown on its own (its figures are in the totals); attitude
figures of a department with fewer than MIN_GROUP stakeholders are hidden; counts of fewer
than MIN_GROUP people are shown as "fewer than 5"; no individual attitude, no names of
stakeholders, trainers or suppliers.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, QuerySet, prefetch_related_objects
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from goals.selectors import LeadershipOverview, leadership_overview
from guidelines.models import GuidelineVersion, VersionStatus
from guidelines.selectors.guidelines import acknowledged_by_department, left_count
from guidelines.selectors.trainings import coverage_by_department, sessions_of_rollout
from reports.models import Frequency, PackLanguages, Report, ReportStatus
from rollout.models import Attitude, GateDecision, Rollout, Stakeholder, SuccessStory
from rollout.selectors.communication import kpi_summary, recent_successes
from rollout.selectors.core import RolloutDashboard, RolloutSignals, Share, rollout_dashboard
from rollout.selectors.readiness import DepartmentReadiness, department_readiness
from rollout.selectors.workflows import TrendWeek, WorkflowOverview, workflow_overview
from surveys.selectors import survey_trends

MIN_GROUP = 5
REPORT_LIST_LIMIT = 50
RISK_LIST_LIMIT = 15
STORY_LIMIT = 8


def small(count: int) -> bool:
    """A count of people too small to be shown (but zero is shown)."""
    return 0 < count < MIN_GROUP


@dataclass
class AttitudeBar:
    attitude: Attitude
    count: int  # 0 when hidden

    @property
    def hidden(self) -> bool:
        return small(self.count)


@dataclass
class DepartmentFigures:
    """One department's line in the report: its readiness and its raw shares."""

    readiness: DepartmentReadiness
    members: int
    trained: int
    acknowledged: int
    asked: int

    @property
    def name(self) -> str:
        return self.readiness.department.name

    @property
    def attitude_hidden(self) -> bool:
        return self.readiness.stakeholder_count < MIN_GROUP


@dataclass
class ReportFigures:
    rollout: Rollout
    today: datetime.date
    dashboard: RolloutDashboard
    decisions: list[GateDecision]
    departments: list[DepartmentFigures]  # with MIN_GROUP or more active people
    small_departments: int  # departments with active people, but fewer than MIN_GROUP
    workflows: WorkflowOverview
    acknowledged: Share
    trained: Share
    support: Share
    champions: Share
    attitudes: list[AttitudeBar]
    stakeholder_total: int
    resistant_high_influence: int
    departments_with_resistance: list[str]
    sessions: list = field(default_factory=list)  # TrainingSession with counts
    stories: list[SuccessStory] = field(default_factory=list)
    kpis: list = field(default_factory=list)
    previous: Report | None = None
    # The board pack's opening: the goals against targets and the rollout's verdict (goals/),
    # and the sentences that explain swings of the figures.
    goals: list = field(default_factory=list)
    verdict: object = None
    leadership: LeadershipOverview | None = None
    swings: list[str] = field(default_factory=list)
    # The readiness pulse surveys' trend (surveys.selectors.survey_trends): company and groups
    # of five answers or more, never a free text.
    survey_trends: list = field(default_factory=list)
    # People asked to acknowledge a version in force who have left since: counted apart,
    # not in `acknowledged` (neither asked nor missing).
    acknowledgment_left: int = 0

    @property
    def acknowledgment_left_hidden(self) -> bool:
        return small(self.acknowledgment_left)

    @property
    def trend(self) -> list[TrendWeek]:
        return self.workflows.trend

    @property
    def key_figures(self) -> dict[str, int]:
        """The figures the executive summary compares with the previous report."""
        current = self.dashboard.current
        return {
            "activities_done_percent": current.percent_done if current else 0,
            "overdue": self.dashboard.overdue_total,
            "support_percent": self.support.percent,
            "champion_coverage_percent": self.champions.percent,
            "acknowledged_percent": self.acknowledged.percent,
            "trained_percent": self.trained.percent,
            "on_time_percent": self.workflows.total.on_time_percent or 0,
        }

    @property
    def changes(self) -> list[tuple[str, int, int | None]]:
        """(key, now, before) per key figure; before is None without a previous report."""
        before = (self.previous.summary or {}) if self.previous else {}
        return [(key, value, before.get(key)) for key, value in self.key_figures.items()]

    @property
    def gate_open(self) -> int:
        current = self.dashboard.current
        return sum(1 for state in current.criteria if not state.is_met) if current else 0


def _with_goals(stories: list[SuccessStory]) -> list[SuccessStory]:
    """The stories with the goal each one moves (one query)."""
    stories = list(stories)
    prefetch_related_objects(stories, "goal_link__goal")
    return stories


def report_figures(
    *, rollout: Rollout, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> ReportFigures:
    """Every section's figures: about 25 queries, whatever the number of departments, people
    and activities."""

    now = now or timezone.now()
    today = today or timezone.localdate(now)
    dashboard = rollout_dashboard(rollout=rollout, today=today, limit=RISK_LIST_LIMIT)
    signals = RolloutSignals(rollout.pk)
    readiness = department_readiness(rollout=rollout, today=today)
    coverage = coverage_by_department(rollout_id=rollout.pk)
    acknowledged = acknowledged_by_department()
    departments, small_departments = [], 0
    for row in readiness:
        trained, members = coverage.get(row.department.pk, (0, 0))
        if not members:
            continue
        if members < MIN_GROUP:
            small_departments += 1
            continue
        done, asked = acknowledged.get(row.department.pk, (0, 0))
        departments.append(
            DepartmentFigures(
                readiness=row, members=members, trained=trained, acknowledged=done, asked=asked
            )
        )
    counts = dict(
        Stakeholder.objects.filter(rollout=rollout)
        .order_by()
        .values_list("attitude")
        .annotate(count=Count("pk"))
    )
    attitudes = [AttitudeBar(attitude, counts.get(attitude.value, 0)) for attitude in Attitude]
    resistant = sum(row.resistant_high_influence for row in readiness)
    sessions = sessions_of_rollout(rollout=rollout)
    leadership = leadership_overview(rollout=rollout, today=today)
    return ReportFigures(
        goals=leadership.rows,
        verdict=leadership.verdict,
        leadership=leadership,
        swings=_swings(today=today),
        survey_trends=survey_trends(rollout_id=rollout.pk),
        acknowledgment_left=left_count(),
        rollout=rollout,
        today=today,
        dashboard=dashboard,
        decisions=list(
            GateDecision.objects.filter(phase__rollout=rollout)
            .select_related("phase", "exception__decided_by")
            .order_by("decided_at", "pk")
        ),
        departments=departments,
        small_departments=small_departments,
        workflows=workflow_overview(now=now),
        acknowledged=signals.guideline_acknowledged,
        trained=signals.training_coverage,
        support=signals.support_share,
        champions=signals.champion_coverage,
        attitudes=attitudes,
        stakeholder_total=sum(counts.values()),
        resistant_high_influence=resistant,
        departments_with_resistance=[
            entry.name
            for entry in departments
            if entry.readiness.resistant_high_influence and not entry.attitude_hidden
        ],
        sessions=sessions,
        stories=_with_goals(recent_successes(rollout=rollout, limit=STORY_LIMIT)),
        kpis=kpi_summary(rollout=rollout),
        previous=(
            Report.objects.filter(rollout=rollout, status=ReportStatus.READY)
            .only("id", "summary", "created_at", "rollout_id")
            .order_by("-created_at", "-pk")
            .first()
        ),
    )


def reports_of_rollout(*, rollout: Rollout, limit: int = REPORT_LIST_LIMIT) -> list[Report]:
    """The newest reports of a rollout with who asked: 1 query."""
    return list(
        Report.objects.filter(rollout=rollout)
        .select_related("requested_by")
        .defer("summary", "parameters")
        .order_by("-created_at", "-pk")[:limit]
    )


def report_for(*, queryset: QuerySet[Report], pk: int) -> Report | None:
    return queryset.select_related("rollout").filter(pk=pk).first()


SWING_DAYS = 90


def _swings(*, today: datetime.date) -> list[str]:
    """Why a figure jumped: a guideline version published lately asks everyone to
    acknowledge again, so the acknowledged share starts from zero. 1 query."""
    since = today - datetime.timedelta(days=SWING_DAYS)
    versions = GuidelineVersion.objects.filter(
        status=VersionStatus.PUBLISHED, published_at__date__gte=since
    ).select_related("guideline")
    return [
        _(
            "On %(date)s a new version of “%(title)s” came into force: everyone is asked to "
            "acknowledge it again, so the acknowledged share started again from zero."
        )
        % {
            "date": formats.date_format(
                timezone.localdate(version.published_at), "SHORT_DATE_FORMAT"
            ),
            "title": version.guideline.title,
        }
        for version in versions.order_by("published_at", "pk")
    ]


def schedule_summary(*, schedule) -> str:
    """One sentence for the reports page: when the pack goes out, in which language, to whom.
    1 query (the recipients)."""
    if schedule.frequency == Frequency.OFF:
        return _("The leadership pack is not sent automatically.")
    hour = f"{settings.REPORT_MONTHLY_HOUR:02d}:00"
    if schedule.frequency == Frequency.WEEKLY:
        when = _("every %(weekday)s at %(time)s") % {
            "weekday": schedule.get_weekday_display(),
            "time": hour,
        }
    else:
        when = _("on day %(day)s of every month at %(time)s") % {
            "day": schedule.day_of_month,
            "time": hour,
        }
    language = {
        PackLanguages.GERMAN: _("in German"),
        PackLanguages.ENGLISH: _("in English"),
        PackLanguages.EACH: _("in each recipient's own language"),
    }[schedule.languages]
    names = (
        [user.full_name for user in schedule.recipients.order_by("full_name", "pk")]
        if schedule.pk is not None
        else []
    )
    to = ", ".join(names) if names else _("everyone in leadership")
    return _("The leadership pack goes out %(when)s, %(language)s, to %(to)s.") % {
        "when": when,
        "language": language,
        "to": to,
    }
