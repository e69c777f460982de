"""Reads of the pulse surveys: the results of a survey per department and dimension, with the
trend across its waves, and what the weakest dimension suggests doing.

Anonymity rules (applied here, so no page can forget them):
- a group's scores are shown only when it has at least MIN_GROUP answers;
- departments with fewer answers are merged into "Other departments", which is itself hidden
  when it still has fewer than MIN_GROUP answers;
- the company's total is then hidden too (it would give the hidden group away by
  subtraction);
- free texts go to the manager only, and only of groups shown.

A fixed number of queries, whatever the number of waves, departments and answers: the
answers are aggregated in the database (one GROUP BY), never loaded one by one.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rollout.models import ActivityKind, Department
from surveys.models import (
    DIMENSIONS,
    MIN_GROUP,
    Dimension,
    Survey,
    SurveyAnswer,
    SurveyFollowUp,
    SurveyInvitation,
    SurveyWave,
)

COMPANY = "all"
OTHERS = "other"


@dataclass(frozen=True)
class Suggestion:
    """The kind of activity that works on a weak dimension (ADKAR), and its title."""

    dimension: str
    kind: str
    title: Promise
    description: Promise


SUGGESTIONS: dict[str, Suggestion] = {
    Dimension.AWARENESS: Suggestion(
        Dimension.AWARENESS,
        ActivityKind.COMMUNICATION,
        _("Explain why: a communication item"),
        _("Awareness is the weakest: tell the people why social media matters for them."),
    ),
    Dimension.DESIRE: Suggestion(
        Dimension.DESIRE,
        ActivityKind.MEETING,
        _("Dialogue meeting about fears and benefits"),
        _("Desire is the weakest: listen to concerns and show what is in it for them."),
    ),
    Dimension.KNOWLEDGE: Suggestion(
        Dimension.KNOWLEDGE,
        ActivityKind.TRAINING,
        _("Training on the how"),
        _("Knowledge is the weakest: a training on the guideline and the tools."),
    ),
    Dimension.ABILITY: Suggestion(
        Dimension.ABILITY,
        ActivityKind.TRAINING,
        _("Coaching and resources"),
        _("Ability is the weakest: coaching in daily work, time, access and devices."),
    ),
    Dimension.REINFORCEMENT: Suggestion(
        Dimension.REINFORCEMENT,
        ActivityKind.COMMUNICATION,
        _("Share a success story"),
        _("Reinforcement is the weakest: make successes visible and praise those involved."),
    ),
}


@dataclass
class GroupScores:
    """One group's result in one wave: answers, and the mean per dimension (None: hidden)."""

    key: str
    label: str | Promise
    answers: int
    sums: dict[str, int]
    department_ids: list[int] = field(default_factory=list)
    follow_up_id: int | None = None  # the plan activity created from this result, if any
    has_follow_up: bool = False
    comments: list[str] = field(default_factory=list)  # the manager's view only

    @property
    def visible(self) -> bool:
        return self.answers >= MIN_GROUP

    @property
    def means(self) -> dict[str, float]:
        return (
            {d: round(self.sums[d] / self.answers, 1) for d in DIMENSIONS} if self.visible else {}
        )

    @property
    def mean_list(self) -> list[float]:
        means = self.means
        return [means[d] for d in DIMENSIONS] if means else []

    @property
    def weakest(self) -> str | None:
        """The dimension with the lowest mean (the first in ADKAR order on a tie)."""
        if not self.visible:
            return None
        return min(DIMENSIONS, key=lambda d: (self.sums[d] / self.answers, DIMENSIONS.index(d)))

    @property
    def cells(self) -> list[tuple[str, float, bool]]:
        """(dimension, mean, is the weakest) in ADKAR order, for a table row."""
        means, weakest = self.means, self.weakest
        return [(d, means[d], d == weakest) for d in DIMENSIONS] if means else []

    @property
    def suggestion(self) -> Suggestion | None:
        weakest = self.weakest
        return SUGGESTIONS[weakest] if weakest else None


@dataclass
class WaveResult:
    wave: SurveyWave
    invited: int
    answered: int
    groups: list[GroupScores]  # visible groups: departments, then the other departments
    company: GroupScores | None  # the whole company, when it may be shown
    hidden_answers: int  # answers of groups too small to show (counted in no mean)

    @property
    def rows(self) -> list[GroupScores]:
        """The company's total first (when shown), then the groups."""
        return ([self.company] if self.company else []) + self.groups


@dataclass
class TrendRow:
    key: str
    label: str | Promise
    cells: list[list[float] | None]  # per wave: the means in ADKAR order, None when hidden

    @property
    def by_dimension(self) -> list[tuple[str, list[float | None]]]:
        """Per dimension: its mean in every wave (None where hidden), for a table."""
        return [
            (label, [cell[index] if cell else None for cell in self.cells])
            for index, (_value, label) in enumerate(Dimension.choices)
        ]


@dataclass
class SurveyResults:
    survey: Survey
    waves: list[WaveResult]
    selected: WaveResult | None
    trend: list[TrendRow]
    dimensions: list[tuple[str, Promise]]
    show_comments: bool
    scope: list[int] | None


def _empty_sums() -> dict[str, int]:
    return dict.fromkeys(DIMENSIONS, 0)


def _groups_of_wave(
    rows: list[dict], names: dict[int, str], scope: list[int] | None
) -> tuple[list[GroupScores], GroupScores | None, int]:
    """Departments with enough answers on their own, the rest merged, the company's total."""
    departments, small = [], []
    for row in rows:
        group = GroupScores(
            key=f"d{row['department_id']}" if row["department_id"] else OTHERS,
            label=names.get(row["department_id"], "") if row["department_id"] else "",
            answers=row["n"],
            sums={d: row[f"s_{d}"] or 0 for d in DIMENSIONS},
            department_ids=[row["department_id"]] if row["department_id"] else [],
        )
        if group.visible and row["department_id"]:
            departments.append(group)
        else:
            small.append(group)
    departments.sort(key=lambda g: str(g.label).lower())
    others = GroupScores(key=OTHERS, label=_("Other departments"), answers=0, sums=_empty_sums())
    for group in small:
        others.answers += group.answers
        others.department_ids += group.department_ids
        for d in DIMENSIONS:
            others.sums[d] += group.sums[d]
    total = GroupScores(key=COMPANY, label=_("Whole company"), answers=0, sums=_empty_sums())
    for group in [*departments, others]:
        total.answers += group.answers
        for d in DIMENSIONS:
            total.sums[d] += group.sums[d]
    hidden = others.answers if not others.visible else 0
    if scope is not None:
        # A department head sees their own departments, and nothing merged or company-wide.
        mine = [g for g in departments if set(g.department_ids) & set(scope)]
        return mine, None, hidden
    groups = departments + ([others] if others.visible else [])
    company = total if total.visible and hidden == 0 else None
    return groups, company, hidden


def survey_results(
    *,
    survey: Survey,
    wave_id: int | None = None,
    scope: list[int] | None = None,
    show_comments: bool = False,
) -> SurveyResults:
    """The results of every wave of `survey` (the selected one in detail: the latest with
    answers unless `wave_id`), for everyone (`scope=None`) or for a head's departments.
    `show_comments` (the manager) adds the free texts of the selected wave's shown groups.
    At most six queries, whatever the data size."""
    waves = list(SurveyWave.objects.filter(survey=survey).order_by("number"))  # 1
    counts = {
        row["wave_id"]: row
        for row in SurveyInvitation.objects.filter(wave__survey=survey)  # 2
        .values("wave_id")
        .annotate(invited=Count("pk"), answered=Count("pk", filter=Q(answered_on__isnull=False)))
        .order_by()
    }
    aggregates: dict[int, list[dict]] = defaultdict(list)
    for row in (
        SurveyAnswer.objects.filter(wave__survey=survey)  # 3
        .values("wave_id", "department_id")
        .annotate(n=Count("pk"), **{f"s_{d}": Sum(d) for d in DIMENSIONS})
        .order_by()
    ):
        aggregates[row["wave_id"]].append(row)
    department_ids = {row["department_id"] for rows in aggregates.values() for row in rows}
    names = dict(
        Department.objects.filter(pk__in=[pk for pk in department_ids if pk]).values_list(  # 4
            "pk", "name"
        )
    )
    results = []
    for wave in waves:
        groups, company, hidden = _groups_of_wave(aggregates.get(wave.pk, []), names, scope)
        count = counts.get(wave.pk, {})
        results.append(
            WaveResult(
                wave=wave,
                invited=count.get("invited", 0),
                answered=count.get("answered", 0),
                groups=groups,
                company=company,
                hidden_answers=hidden,
            )
        )
    selected = next((r for r in results if r.wave.pk == wave_id), None)
    if selected is None:
        selected = next((r for r in reversed(results) if r.groups or r.company), None)
        if selected is None and results:
            selected = results[-1]
    if selected is not None and show_comments and scope is None:
        _add_comments(selected)
    if selected is not None and scope is None:
        follow_ups = dict(
            SurveyFollowUp.objects.filter(wave=selected.wave).values_list("group", "activity_id")
        )
        for group in selected.rows:
            if group.key in follow_ups:
                group.has_follow_up, group.follow_up_id = True, follow_ups[group.key]
    return SurveyResults(
        survey=survey,
        waves=results,
        selected=selected,
        trend=_trend(results),
        dimensions=list(Dimension.choices),
        show_comments=show_comments and scope is None,
        scope=scope,
    )


def _add_comments(result: WaveResult) -> None:
    """The free texts of the shown groups (a department's, or the merged group's), in an
    order unrelated to when they were given (by text)."""
    group_of: dict[int | None, str] = {}
    for group in result.groups:
        for pk in group.department_ids:
            group_of[pk] = group.key
        if group.key == OTHERS:
            group_of[None] = OTHERS  # people without a department count as the others
    rows = (
        SurveyAnswer.objects.filter(wave=result.wave)
        .exclude(comment="")
        .values_list("department_id", "comment")
        .order_by("comment")
    )
    comments: dict[str, list[str]] = defaultdict(list)
    for department_id, comment in rows:
        key = group_of.get(department_id)
        if key is not None:
            comments[key].append(comment)
    for group in result.groups:
        group.comments = comments.get(group.key, [])


def _trend(results: list[WaveResult]) -> list[TrendRow]:
    """Per group (the company, each department, the other departments): its means in every
    wave, None where it was hidden or absent."""
    rows: dict[str, TrendRow] = {}
    order: list[str] = []
    for index, result in enumerate(results):
        for group in ([result.company] if result.company else []) + result.groups:
            if group.key not in rows:
                rows[group.key] = TrendRow(
                    key=group.key, label=group.label, cells=[None] * len(results)
                )
                order.append(group.key)
            rows[group.key].cells[index] = group.mean_list
    order.sort(key=lambda key: (key != COMPANY, key == OTHERS, str(rows[key].label).lower()))
    return [rows[key] for key in order]


# --- The readiness the rollout's heatmap and gate criteria read (surveys/figures.py) -------------


def readiness_by_department(
    *, rollout_id: int, department_ids: list[int] | None = None
) -> dict[int, dict[str, Decimal]]:
    """Per department, the mean per dimension of its latest result with MIN_GROUP answers or
    more among the waves of the rollout's surveys (latest: by the day the wave opened),
    rounded half up to one decimal as every page shows it. Departments without such a result
    are absent (their few answers are never shown on their own). One grouped query."""
    answers = SurveyAnswer.objects.filter(
        wave__survey__rollout_id=rollout_id, department__isnull=False
    )
    if department_ids is not None:
        answers = answers.filter(department_id__in=department_ids)
    rows = (
        answers.values("department_id", "wave_id", "wave__opens_on", "wave__number")
        .annotate(n=Count("pk"), **{f"s_{d}": Sum(d) for d in DIMENSIONS})
        .filter(n__gte=MIN_GROUP)
        .order_by()
    )
    latest: dict[int, dict] = {}
    for row in rows:
        key = (row["wave__opens_on"], row["wave__number"], row["wave_id"])
        known = latest.get(row["department_id"])
        if known is None or key > known["key"]:
            latest[row["department_id"]] = {**row, "key": key}
    return {
        department_id: {
            d: (Decimal(row[f"s_{d}"]) / row["n"]).quantize(Decimal("0.1"), ROUND_HALF_UP)
            for d in DIMENSIONS
        }
        for department_id, row in latest.items()
    }


# --- The trend for leadership, the report and a head's department ---------------------------


@dataclass
class SurveyTrend:
    """One survey's trend: its waves, and per group shown (the company, each department and
    the merged others with MIN_GROUP answers or more) its mean per dimension in every wave."""

    survey: Survey
    waves: list[SurveyWave]
    rows: list[TrendRow]


def survey_trends(*, rollout_id: int, scope: list[int] | None = None) -> list[SurveyTrend]:
    """Every survey of the rollout with a result that may be shown, oldest first: for
    leadership and the report (`scope=None`: the company and the groups of five or more), or
    for a head (`scope`: their departments only, nothing merged or company-wide). Never a
    free text, never a count of invitations. Three queries, whatever the data size."""
    waves = list(
        SurveyWave.objects.filter(survey__rollout_id=rollout_id)  # 1
        .select_related("survey")
        .order_by("survey__created_at", "survey_id", "number")
    )
    aggregates: dict[int, list[dict]] = defaultdict(list)
    answers = SurveyAnswer.objects.filter(wave__survey__rollout_id=rollout_id)
    for row in (
        answers.values("wave_id", "department_id")  # 2
        .annotate(n=Count("pk"), **{f"s_{d}": Sum(d) for d in DIMENSIONS})
        .order_by()
    ):
        aggregates[row["wave_id"]].append(row)
    department_ids = {row["department_id"] for rows in aggregates.values() for row in rows}
    names = (
        dict(
            Department.objects.filter(pk__in=[pk for pk in department_ids if pk]).values_list(  # 3
                "pk", "name"
            )
        )
        if department_ids
        else {}
    )
    by_survey: dict[int, list[WaveResult]] = defaultdict(list)
    surveys: dict[int, Survey] = {}
    for wave in waves:
        surveys[wave.survey_id] = wave.survey
        groups, company, hidden = _groups_of_wave(aggregates.get(wave.pk, []), names, scope)
        by_survey[wave.survey_id].append(
            WaveResult(
                wave=wave,
                invited=0,
                answered=0,
                groups=groups,
                company=company,
                hidden_answers=hidden,
            )
        )
    trends = []
    for survey_id, results in by_survey.items():
        rows = _trend(results)
        if rows:
            trends.append(
                SurveyTrend(survey=surveys[survey_id], waves=[r.wave for r in results], rows=rows)
            )
    return trends
