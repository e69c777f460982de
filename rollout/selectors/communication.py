"""Reads of the internal communication plan, the success stories and the dashboard's
"upcoming events": each a fixed number of queries whatever the data size."""

import datetime
import decimal
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Case, F, Prefetch, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext

from rollout.models import (
    OPEN_ACTIVITY_STATUSES,
    Activity,
    CommunicationItem,
    CommunicationStatus,
    Department,
    KpiName,
    Rollout,
    StoryKind,
    SuccessStory,
)

UPCOMING = "upcoming"
PAST = "past"
MONTH = "month"
PERIODS = (UPCOMING, PAST, MONTH)

# --- Communication plan ------------------------------------------------------------------------


def communication_items(
    *,
    rollout: Rollout,
    today: datetime.date,
    when: str = UPCOMING,
    month: datetime.date | None = None,
    channel: str = "",
    status: str = "",
    department: Department | None = None,
) -> QuerySet[CommunicationItem]:
    """The plan's items for one period, filtered; upcoming and month views run forward in
    time, the past backwards (newest first). Owner and audience come along: 2 queries."""
    items = CommunicationItem.objects.filter(rollout=rollout)
    if when == PAST:
        items = items.filter(date__lt=today).order_by("-date", "-pk")
    elif when == MONTH and month is not None:
        first = month.replace(day=1)
        following = (first + datetime.timedelta(days=32)).replace(day=1)
        items = items.filter(date__gte=first, date__lt=following).order_by("date", "pk")
    else:
        items = items.filter(date__gte=today).order_by("date", "pk")
    if channel:
        items = items.filter(channel=channel)
    if status:
        items = items.filter(status=status)
    if department is not None:
        items = items.filter(audience_departments=department)
    return items.select_related("owner").prefetch_related(
        Prefetch("audience_departments", queryset=Department.objects.only("id", "name"))
    )


def communication_item_detail(*, pk: int) -> CommunicationItem:
    """One item with what its row shows (raises DoesNotExist): 2 queries."""
    return (
        CommunicationItem.objects.select_related("owner", "rollout")
        .prefetch_related(
            Prefetch("audience_departments", queryset=Department.objects.only("id", "name"))
        )
        .get(pk=pk)
    )


def _days_label(monday: datetime.date, sunday: datetime.date) -> str:
    """The days of a week, e.g. 16 to 22 March: "16\N{EN DASH}22 Mar" in English and
    "16.\N{EN DASH}22.3." in German; the date patterns are translatable."""
    if monday.month == sunday.month:
        first = date_format(
            monday, pgettext("date pattern: first day of a week within one month", "j")
        )
    else:
        first = date_format(
            monday, pgettext("date pattern: first day of a week spanning two months", "j M")
        )
    last = date_format(sunday, pgettext("date pattern: last day of a week", "j M"))
    return f"{first}\N{EN DASH}{last}"


@dataclass
class Week:
    """One ISO calendar week of the plan with its items, in the order they were given."""

    iso_year: int
    iso_week: int
    monday: datetime.date
    today: datetime.date
    items: list[CommunicationItem] = field(default_factory=list)

    @property
    def sunday(self) -> datetime.date:
        return self.monday + datetime.timedelta(days=6)

    @property
    def is_current(self) -> bool:
        return self.monday <= self.today <= self.sunday

    @property
    def anchor(self) -> str:
        return f"week-{self.iso_year}-{self.iso_week:02d}"

    @property
    def label(self) -> str:
        """The week's heading, e.g. "Week 12 · 16\N{EN DASH}22 Mar" (German "KW 12 ·
        16.\N{EN DASH}22.3."), with the year when it is not the current one."""
        days = _days_label(self.monday, self.sunday)
        if self.iso_year != self.today.isocalendar().year:
            return gettext("Week %(week)s/%(year)s · %(days)s") % {
                "week": self.iso_week,
                "year": self.iso_year,
                "days": days,
            }
        return gettext("Week %(week)s · %(days)s") % {"week": self.iso_week, "days": days}


def group_by_week(items: Iterable[CommunicationItem], *, today: datetime.date) -> list[Week]:
    """Group items (already sorted by date, either direction) by ISO week; no queries."""
    weeks: list[Week] = []
    for item in items:
        iso = item.date.isocalendar()
        if not weeks or (weeks[-1].iso_year, weeks[-1].iso_week) != (iso.year, iso.week):
            monday = item.date - datetime.timedelta(days=iso.weekday - 1)
            weeks.append(Week(iso_year=iso.year, iso_week=iso.week, monday=monday, today=today))
        weeks[-1].items.append(item)
    return weeks


# --- Success stories ---------------------------------------------------------------------------


def success_stories(*, rollout: Rollout, kind: str = "") -> QuerySet[SuccessStory]:
    """The rollout's success stories, newest first, with their department: 1 query."""
    stories = SuccessStory.objects.filter(rollout=rollout)
    if kind:
        stories = stories.filter(kind=kind)
    return stories.select_related("department").order_by("-date", "-pk")


def recent_successes(*, rollout: Rollout, limit: int = 5) -> list[SuccessStory]:
    """The newest success stories for the dashboard: 1 query."""
    return list(success_stories(rollout=rollout)[:limit])


@dataclass
class KpiSummary:
    """The latest value of one key figure and its change against the entry before it."""

    kpi_name: str
    latest: SuccessStory
    previous: SuccessStory | None

    @property
    def label(self) -> str:
        if self.kpi_name == KpiName.OTHER:
            return self.latest.title
        return str(KpiName(self.kpi_name).label)

    @property
    def change(self) -> decimal.Decimal | None:
        if self.previous is None or self.previous.kpi_value is None:
            return None
        return self.latest.kpi_value - self.previous.kpi_value


def kpi_summary(*, rollout: Rollout) -> list[KpiSummary]:
    """Per key figure (each "other" figure by its title) the two newest entries: 1 query,
    however many entries there are."""
    other_key = Case(When(kpi_name=KpiName.OTHER, then=F("title")), default=Value(""))
    rows = (
        SuccessStory.objects.filter(rollout=rollout, kind=StoryKind.KPI)
        .select_related("department")
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("kpi_name"), other_key],
                order_by=[F("date").desc(), F("pk").desc()],
            )
        )
        .filter(rank__lte=2)
        .order_by("rank", "pk")
    )
    summaries: dict[tuple[str, str], KpiSummary] = {}
    for story in rows:
        key = (story.kpi_name, story.title if story.kpi_name == KpiName.OTHER else "")
        if key not in summaries:
            summaries[key] = KpiSummary(kpi_name=story.kpi_name, latest=story, previous=None)
        else:
            summaries[key].previous = story
    order = {name: index for index, name in enumerate(KpiName.values)}
    return sorted(summaries.values(), key=lambda s: (order.get(s.kpi_name, 99), s.label))


# --- Upcoming events for the dashboard -------------------------------------------------------


@dataclass(frozen=True)
class UpcomingEvent:
    """A planned communication item or an open activity due soon."""

    date: datetime.date
    kind: str  # "communication" or "activity"
    obj: CommunicationItem | Activity
    url: str

    @property
    def is_communication(self) -> bool:
        return self.kind == "communication"

    @property
    def title(self) -> str:
        if isinstance(self.obj, CommunicationItem):
            return self.obj.message
        return self.obj.title

    @property
    def detail(self) -> str:
        if isinstance(self.obj, CommunicationItem):
            return self.obj.get_channel_display()
        return self.obj.get_kind_display()

    @property
    def owner(self):
        return self.obj.owner


def upcoming_events(
    *, rollout: Rollout, today: datetime.date, days: int = 14, limit: int = 30
) -> list[UpcomingEvent]:
    """Planned communication items and open activities due from today to `days` days ahead
    (both ends included), merged by date: 2 queries. At most `limit` events."""
    end = today + datetime.timedelta(days=days)
    items = list(
        CommunicationItem.objects.filter(
            rollout=rollout, status=CommunicationStatus.PLANNED, date__range=(today, end)
        )
        .select_related("owner")
        .order_by("date", "pk")[:limit]
    )
    activities = list(
        Activity.objects.filter(
            phase__rollout=rollout, status__in=OPEN_ACTIVITY_STATUSES, due_date__range=(today, end)
        )
        .select_related("owner")
        .order_by("due_date", "pk")[:limit]
    )
    plan_url = reverse("rollout:communication_plan", args=[rollout.pk])
    dashboard_url = reverse("rollout:dashboard", args=[rollout.pk])
    events = [
        UpcomingEvent(
            date=item.date,
            kind="communication",
            obj=item,
            url=f"{plan_url}#communication-{item.pk}",
        )
        for item in items
    ] + [
        UpcomingEvent(
            date=activity.due_date,
            kind="activity",
            obj=activity,
            url=f"{dashboard_url}#activity-{activity.pk}",
        )
        for activity in activities
    ]
    events.sort(key=lambda e: (e.date, 0 if e.is_communication else 1, e.obj.pk))
    return events[:limit]
