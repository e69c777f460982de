"""Reads for the stakeholder map and the stakeholder card: a fixed number of queries each."""

from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)

from rollout.models import (
    Attitude,
    AttitudeChange,
    ChampionThanks,
    Department,
    Person,
    Rollout,
    Stakeholder,
)

# A stakeholder with this influence or more who resists or doubts is a risk worth a flag.
HIGH_INFLUENCE = 4
DOUBTING_ATTITUDES = (Attitude.RESISTANT, Attitude.SCEPTICAL)
INFLUENCE_LEVELS = (5, 4, 3, 2, 1)  # rows of the grid, high influence on top
# Names shown per grid cell (the rest behind "N more", which shows the whole cell), flags and
# champions listed before "show all": a large company maps a thousand stakeholders.
CELL_LIMIT = 8
LIST_LIMIT = 20


@dataclass
class GridCell:
    influence: int
    attitude: Attitude
    stakeholders: list[Stakeholder] = field(default_factory=list)
    limit: int | None = CELL_LIMIT  # None: show every name (the cell is chosen)

    @property
    def shown(self) -> list[Stakeholder]:
        return self.stakeholders if self.limit is None else self.stakeholders[: self.limit]

    @property
    def hidden(self) -> int:
        return len(self.stakeholders) - len(self.shown)


@dataclass
class GridRow:
    influence: int
    cells: list[GridCell]


@dataclass
class StakeholderGrid:
    """The influence x attitude grid of the stakeholders that match the filters."""

    rows: list[GridRow]
    attitudes: list[Attitude]
    count: int
    total: int
    chosen: tuple[int, int] | None = None  # (influence, attitude) of the one cell shown

    @property
    def chosen_attitude(self) -> Attitude | None:
        return Attitude(self.chosen[1]) if self.chosen else None

    def cell(self, influence: int, attitude: int) -> GridCell:
        row = self.rows[INFLUENCE_LEVELS.index(influence)]
        return row.cells[attitude - 1]


@dataclass
class StakeholderFlags:
    departments_without_champion: list[Department]
    doubting_with_influence: list[Stakeholder]

    @property
    def count(self) -> int:
        return len(self.departments_without_champion) + len(self.doubting_with_influence)


@dataclass
class StakeholderMap:
    rollout: Rollout
    stakeholders: list[Stakeholder]  # all of the rollout's, high influence first
    flags: StakeholderFlags
    champions: list[Stakeholder]  # each with `thanks_list`, newest first
    departments: list[Department]  # the departments the stakeholders belong to: filter options

    all_champions: bool = False  # list every champion, not only the first LIST_LIMIT

    @property
    def champions_shown(self) -> list[Stakeholder]:
        return self.champions if self.all_champions else self.champions[:LIST_LIMIT]

    @property
    def champions_hidden(self) -> int:
        return len(self.champions) - len(self.champions_shown)

    @property
    def doubting_shown(self) -> list[Stakeholder]:
        return self.flags.doubting_with_influence[:LIST_LIMIT]

    @property
    def doubting_hidden(self) -> int:
        return len(self.flags.doubting_with_influence) - len(self.doubting_shown)

    @property
    def doubting_cells(self) -> list[tuple[int, Attitude]]:
        """The grid cells of the doubting stakeholders with high influence."""
        return [
            (influence, attitude)
            for influence in INFLUENCE_LEVELS
            if influence >= HIGH_INFLUENCE
            for attitude in DOUBTING_ATTITUDES
        ]

    def grid(
        self,
        *,
        department_id: int | None = None,
        role: str | None = None,
        cell: tuple[int, int] | None = None,
    ) -> StakeholderGrid:
        return _grid(self.stakeholders, department_id=department_id, role=role, cell=cell)


def _stakeholders(rollout: Rollout) -> QuerySet[Stakeholder]:
    return (
        Stakeholder.objects.filter(rollout=rollout)
        .select_related("person", "person__department")
        .order_by("-influence", "person__last_name", "person__first_name", "pk")
    )


def stakeholder_map(*, rollout: Rollout) -> StakeholderMap:
    """All stakeholders (the view filters the grid from them), the flags and the champions with
    their thank-yous: 3 queries, whatever the number of stakeholders and departments."""
    everyone = list(_stakeholders(rollout))
    champions = [s for s in everyone if s.attitude == Attitude.CHAMPION]
    _prefetch_thanks(champions)
    flags = StakeholderFlags(
        departments_without_champion=list(departments_without_champion(rollout=rollout)),
        doubting_with_influence=[
            s
            for s in everyone
            if s.attitude in DOUBTING_ATTITUDES and s.influence >= HIGH_INFLUENCE
        ],
    )
    departments = {
        s.person.department.pk: s.person.department for s in everyone if s.person.department
    }
    return StakeholderMap(
        rollout=rollout,
        stakeholders=everyone,
        flags=flags,
        champions=champions,
        departments=sorted(departments.values(), key=lambda d: d.name.lower()),
    )


def _grid(
    stakeholders: list[Stakeholder],
    *,
    department_id: int | None,
    role: str | None,
    cell: tuple[int, int] | None = None,
) -> StakeholderGrid:
    """The grid of the stakeholders that match the filters; with `cell` (influence,
    attitude) only that cell, with every name."""
    attitudes = list(Attitude)
    limit = None if cell is not None else CELL_LIMIT
    rows = [
        GridRow(influence, [GridCell(influence, attitude, limit=limit) for attitude in attitudes])
        for influence in INFLUENCE_LEVELS
    ]
    grid = StakeholderGrid(
        rows=rows, attitudes=attitudes, count=0, total=len(stakeholders), chosen=cell
    )
    for stakeholder in stakeholders:
        if department_id is not None and stakeholder.person.department_id != department_id:
            continue
        if role and stakeholder.role != role:
            continue
        if cell is not None and (stakeholder.influence, stakeholder.attitude) != cell:
            continue
        grid.cell(stakeholder.influence, stakeholder.attitude).stakeholders.append(stakeholder)
        grid.count += 1
    return grid


def departments_without_champion(*, rollout: Rollout) -> QuerySet[Department]:
    """Departments with active members but no champion among this rollout's stakeholders,
    with their member count: 1 query."""
    champion = Stakeholder.objects.filter(
        rollout=rollout, attitude=Attitude.CHAMPION, person__department=OuterRef("pk")
    )
    return (
        Department.objects.annotate(
            member_count=Count("members", filter=Q(members__is_active=True))
        )
        .filter(member_count__gt=0)
        .exclude(Exists(champion))
        .order_by("name")
    )


def _thanks_queryset() -> QuerySet[ChampionThanks]:
    return ChampionThanks.objects.select_related("given_by").order_by("-given_at", "-pk")


def _prefetch_thanks(stakeholders: list[Stakeholder]) -> None:
    prefetch_related_objects(
        stakeholders, Prefetch("thanks", queryset=_thanks_queryset(), to_attr="thanks_list")
    )


def stakeholder_for_card(*, queryset: QuerySet[Stakeholder], pk: int) -> Stakeholder:
    """One stakeholder with person, department, rollout, attitude history (newest first) and
    thank-yous: 3 queries. Raises Stakeholder.DoesNotExist."""
    return (
        queryset.select_related("person", "person__department", "rollout")
        .prefetch_related(
            Prefetch(
                "attitude_changes",
                queryset=AttitudeChange.objects.select_related("changed_by").order_by(
                    "-changed_at", "-pk"
                ),
                to_attr="attitude_history",
            ),
            Prefetch("thanks", queryset=_thanks_queryset(), to_attr="thanks_list"),
        )
        .get(pk=pk)
    )


def people_for_stakeholder_choice(
    *, rollout: Rollout, search: str, limit: int = 20
) -> QuerySet[Person]:
    """Active people not yet on the rollout whose email or name contains the search: 1 query,
    at most `limit` rows (for the add form's datalist)."""
    search = search.strip()
    if len(search) < 2:
        return Person.objects.none()
    on_rollout = Stakeholder.objects.filter(rollout=rollout, person=OuterRef("pk"))
    return (
        Person.objects.filter(is_active=True)
        .filter(
            Q(email__icontains=search)
            | Q(last_name__icontains=search)
            | Q(first_name__icontains=search)
        )
        .exclude(Exists(on_rollout))
        .select_related("department")
        .order_by("last_name", "first_name", "pk")[:limit]
    )


__all__ = [
    "CELL_LIMIT",
    "HIGH_INFLUENCE",
    "INFLUENCE_LEVELS",
    "LIST_LIMIT",
    "GridCell",
    "GridRow",
    "StakeholderFlags",
    "StakeholderGrid",
    "StakeholderMap",
    "departments_without_champion",
    "people_for_stakeholder_choice",
    "stakeholder_for_card",
    "stakeholder_map",
]


def thanks_for_person(*, person, limit: int = 20) -> list[ChampionThanks]:
    """The thank-yous a person received as a champion (in any rollout), newest first: for
    their own page (one query)."""
    return list(
        ChampionThanks.objects.filter(stakeholder__person=person)
        .select_related("given_by", "stakeholder__rollout")
        .order_by("-given_at", "-pk")[:limit]
    )
