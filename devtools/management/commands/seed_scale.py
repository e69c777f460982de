"""`manage.py seed_scale`: a large company for the benchmark, on top of whatever exists.

    manage.py seed_scale --departments 200 --people 20000 [--rollout-activities 600]

Nordstern Industrie AG (see `devtools.scale`): departments nested site > division >
team, people with German names and unique addresses at `scale.changehub.example`, a head and a
deputy per department (with accounts in the department head role, no usable password), the
rollout "Social Media bei der Nordstern Industrie AG" from the Lewin template in the move phase
with hundreds of extra activities (done, running, overdue, cancelled, planned), about 1,000
stakeholders with attitude histories and thank-yous, a communication plan and success stories
across the year, content workflows with deliveries, guidelines with acknowledgments and
trainings with attendance (`devtools.scale_content`), and two logins:
`manager@scale.changehub.example` (social media manager) and
`vorstand@scale.changehub.example` (leadership), both with `--password`.

Rows are written with `bulk_create` in batches. Models with history get their history rows
in bulk too (`simple_history.utils.bulk_create_with_history`, dated when the row would have
been made), so "latest changes" have realistic data; the many-to-many history of activity
departments and communication audiences is not written for bulk rows.

On PostgreSQL it ends with `ANALYZE`, so the planner knows the new table sizes.

Running it again with the same arguments changes nothing: departments are found by name,
people by email, accounts by email, and an existing scale rollout is left alone.
"""

import datetime
import random
import time
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone, translation
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from devtools.scale import (
    ACTIVITY_TEXTS,
    ATTITUDE_NOTES,
    AUDIENCE_NOTES,
    CHANNELS,
    COMMUNICATION_MESSAGES,
    CONCERNS,
    DEFAULT_PASSWORD,
    EMAIL_DOMAIN,
    GOAL,
    KPI_STORIES,
    LEADERSHIP_EMAIL,
    MANAGER_EMAIL,
    QUICK_WINS,
    ROLLOUT_NAME,
    SEED,
    SOCIAL_HOMEWORK,
    THANKS,
    ScaleDepartment,
    ScalePerson,
    scale_departments,
    scale_people,
)
from devtools.scale_content import seed_scale_content
from rollout import services
from rollout.models import (
    OPEN_ACTIVITY_STATUSES,
    Activity,
    ActivityStatus,
    Attitude,
    AttitudeChange,
    ChampionThanks,
    CommunicationItem,
    CommunicationStatus,
    CriterionKind,
    Department,
    GateDecision,
    Person,
    Phase,
    PhaseKind,
    PhaseStatus,
    Role,
    Rollout,
    RolloutApproach,
    Stakeholder,
    StakeholderRole,
    StoryKind,
    SuccessStory,
    User,
)

BATCH = 2000

__all__ = ["EMAIL_DOMAIN", "LEADERSHIP_EMAIL", "MANAGER_EMAIL", "ROLLOUT_NAME", "Command"]


def _moment(day: datetime.date, hour: int = 10) -> datetime.datetime:
    """A time on that day in the company's zone, never in the future."""
    moment = datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=timezone.get_current_timezone()
    )
    return min(moment, timezone.now())


def _analyze() -> None:
    """Refresh PostgreSQL's planner statistics: right after a bulk load they still describe
    the empty tables, and the planner picks nested loops over 20,000 rows. A production
    database has current statistics (autovacuum), so the benchmark must too."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


class Command(BaseCommand):
    help = "Create a large company (Nordstern Industrie AG) with a big rollout for benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--departments", type=int, default=200)
        parser.add_argument("--people", type=int, default=20_000)
        parser.add_argument(
            "--rollout-activities",
            type=int,
            default=600,
            help="Activities beyond the Lewin template (default 600).",
        )
        parser.add_argument(
            "--stakeholders",
            type=int,
            default=None,
            help="Stakeholders of the rollout (default: one in twenty people, at most 1,000).",
        )
        parser.add_argument("--communications", type=int, default=200)
        parser.add_argument("--success-stories", type=int, default=100)
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"Password of the manager and leadership logins (default {DEFAULT_PASSWORD}).",
        )

    def handle(self, *args, **options) -> None:
        departments_count, people_count = options["departments"], options["people"]
        if departments_count < 1 or people_count < 2:
            raise CommandError("At least one department and two people are needed.")
        counts = ("rollout_activities", "stakeholders", "communications", "success_stories")
        if any((options[key] or 0) < 0 for key in counts):
            raise CommandError("Counts must not be negative.")
        stakeholders = options["stakeholders"]
        if stakeholders is None:
            stakeholders = min(max(people_count // 20, 10), 1000)
        self.rng = random.Random(SEED)  # noqa: S311 - reproducible test data
        self.today = timezone.localdate()
        self.timings: list[tuple[str, float]] = []
        self.verbosity = options["verbosity"]
        started = time.perf_counter()

        specs = scale_departments(departments_count)
        rows = scale_people(people_count, specs)
        with transaction.atomic(), translation.override("de"):
            departments, new_departments = self._step("departments", self._departments, specs)
            persons, new_people = self._step("people", self._people, rows, departments)
            self._step("heads", self._heads, rows, persons, departments)
            manager, new_users = self._step("accounts", self._accounts, persons, options)
            rollout = None
            if not Rollout.objects.filter(name=ROLLOUT_NAME).exists():
                rollout = self._step(
                    "rollout",
                    self._rollout,
                    manager=manager,
                    persons=persons,
                    rows=rows,
                    departments=departments,
                    extra=options["rollout_activities"],
                    stakeholders=stakeholders,
                    communications=options["communications"],
                    stories=options["success_stories"],
                )
                # Workflows, guidelines with acknowledgments, trainings (scale_content.py).
                self._step(
                    "content",
                    seed_scale_content,
                    rollout=rollout,
                    manager=manager,
                    persons=persons,
                    departments=departments,
                    today=self.today,
                )
        self._step("analyze", _analyze)
        self._summary(
            new_departments, new_people, new_users, rollout, time.perf_counter() - started
        )

    def _step(self, name: str, function, *args, **kwargs):
        started = time.perf_counter()
        result = function(*args, **kwargs)
        self.timings.append((name, time.perf_counter() - started))
        return result

    # -- the directory --------------------------------------------------------------------

    def _departments(self, specs: list[ScaleDepartment]) -> tuple[dict[str, Department], int]:
        existing = {department.name.lower(): department for department in Department.objects.all()}
        created = 0
        for level in (0, 1, 2):  # parents before their children
            new = [
                Department(
                    name=spec.name,
                    parent=existing[spec.parent.lower()] if spec.parent else None,
                )
                for spec in specs
                if spec.level == level and spec.name.lower() not in existing
            ]
            bulk_create_with_history(new, Department, batch_size=BATCH)
            existing.update((department.name.lower(), department) for department in new)
            created += len(new)
        return {spec.name: existing[spec.name.lower()] for spec in specs}, created

    def _people(
        self, rows: list[ScalePerson], departments: dict[str, Department]
    ) -> tuple[dict[str, Person], int]:
        existing = {
            person.email.lower(): person
            for person in Person.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}")
        }
        new = []
        for row in rows:
            if row.email in existing:
                continue
            person = Person(
                first_name=row.first_name,
                last_name=row.last_name,
                email=row.email,
                department=departments[row.department] if row.department else None,
                job_title=row.job_title,
            )
            # Imported from HR some weeks before the rollout started.
            person._history_date = _moment(self.today - datetime.timedelta(days=160))
            new.append(person)
        bulk_create_with_history(new, Person, batch_size=BATCH)
        existing.update((person.email, person) for person in new)
        return existing, len(new)

    def _heads(
        self,
        rows: list[ScalePerson],
        persons: dict[str, Person],
        departments: dict[str, Department],
    ) -> None:
        """Fill in head, deputy and headcount where they are still empty, and give heads an
        account in the department head role (no usable password: they would reset it)."""
        members: dict[str, list[ScalePerson]] = {}
        for row in rows:
            if row.department:
                members.setdefault(row.department, []).append(row)
        changed = []
        for name, department in departments.items():
            leads = {row.position: persons[row.email] for row in members.get(name, [])}
            head, deputy = leads.get(0), leads.get(1)
            dirty = False
            if department.head_id is None and head and department.deputy_id != head.pk:
                department.head, dirty = head, True
            if department.deputy_id is None and deputy and department.head_id != deputy.pk:
                department.deputy, dirty = deputy, True
            if department.headcount == 0 and members.get(name):
                department.headcount, dirty = len(members[name]), True
            if dirty:
                changed.append(department)
        if changed:
            bulk_update_with_history(
                changed, Department, ["head", "deputy", "headcount"], batch_size=BATCH
            )
        heads = [
            persons[row.email]
            for row in rows
            if row.position == 0 and persons[row.email].user_id is None
        ]
        taken = set(
            User.objects.filter(email__in=[person.email for person in heads]).values_list(
                "email", flat=True
            )
        )
        for person in heads:
            if person.email not in taken:
                services.user_create(
                    email=person.email,
                    full_name=person.full_name,
                    password=None,
                    roles=[Role.DEPARTMENT_HEAD],
                )

    def _accounts(self, persons: dict[str, Person], options: dict) -> tuple[User, int]:
        created = 0
        for email, role, is_staff in (
            (MANAGER_EMAIL, Role.MANAGER, True),
            (LEADERSHIP_EMAIL, Role.LEADERSHIP, False),
        ):
            if not User.objects.filter(email__iexact=email).exists():
                services.user_create(
                    email=email,
                    full_name=persons[email].full_name,
                    password=options["password"],
                    roles=[role],
                    is_staff=is_staff,
                )
                created += 1
        return User.objects.get(email__iexact=MANAGER_EMAIL), created

    # -- the rollout ----------------------------------------------------------------------

    def _rollout(
        self,
        *,
        manager: User,
        persons: dict[str, Person],
        rows: list[ScalePerson],
        departments: dict[str, Department],
        extra: int,
        stakeholders: int,
        communications: int,
        stories: int,
    ) -> Rollout:
        today = self.today
        rollout = services.rollout_create(
            name=ROLLOUT_NAME,
            goal=GOAL,
            sponsor=persons[LEADERSHIP_EMAIL],
            approach=RolloutApproach.TOP_DOWN,
            start_date=today - datetime.timedelta(days=150),
            end_date=today + datetime.timedelta(days=215),
            by=manager,
        )
        phases = {phase.kind: phase for phase in rollout.phases.all()}
        leads = [persons[row.email] for row in rows if row.position in (0, 1)]
        everyone = list(persons.values())
        department_list = list(departments.values())
        self._template_activities(phases, leads, department_list, manager)
        self._advance_to_move(phases, manager)
        self._extra_activities(phases, extra, leads, everyone, department_list, manager)
        self._stakeholders(rollout, stakeholders, rows, persons, department_list, manager)
        self._communications(rollout, communications, persons, leads, department_list, manager)
        self._success_stories(rollout, stories, department_list, manager)
        return rollout

    def _template_activities(
        self,
        phases: dict[str, Phase],
        leads: list[Person],
        departments: list[Department],
        manager: User,
    ) -> None:
        """Owners, departments and statuses for the Lewin template's activities."""
        rng = self.rng
        manager_person = manager.person
        for kind, phase in phases.items():
            for activity in phase.activities.order_by("position", "pk"):
                activity.owner = manager_person if rng.random() < 0.6 else rng.choice(leads)
                if kind == PhaseKind.UNFREEZE:
                    activity.status = ActivityStatus.DONE
                elif kind == PhaseKind.MOVE:
                    activity.status = rng.choice(
                        [ActivityStatus.DONE, ActivityStatus.IN_PROGRESS, ActivityStatus.PLANNED]
                    )
                if activity.status == ActivityStatus.DONE:
                    activity.completed_at = _moment(min(activity.due_date, self.today), 15)
                activity.save(update_fields=["owner", "status", "completed_at", "updated_at"])
                activity.departments.set(rng.sample(departments, min(len(departments), 12)))

    def _advance_to_move(self, phases: dict[str, Phase], manager: User) -> None:
        """The unfreeze phase is behind us (its gate met and decided), the move phase runs."""
        unfreeze, move = phases[PhaseKind.UNFREEZE], phases[PhaseKind.MOVE]
        unfreeze.criteria.filter(kind=CriterionKind.MANUAL).update(is_checked=True)
        snapshot = [
            {
                "label": str(criterion),
                "kind": criterion.kind,
                "value": 100 if criterion.kind == CriterionKind.ACTIVITIES_DONE else None,
                "threshold": criterion.threshold,
                "met": True,
            }
            for criterion in unfreeze.criteria.order_by("position", "pk")
        ]
        # No phase service exists yet; these are the direct phase writes of the seed.
        for phase, status in ((unfreeze, PhaseStatus.COMPLETED), (move, PhaseStatus.ACTIVE)):
            phase.status = status
            phase.full_clean()
            phase.save(update_fields=["status"])
        GateDecision.objects.create(
            phase=unfreeze,
            decided_by=manager,
            decided_at=_moment(move.start_date, 9),
            snapshot=snapshot,
            all_met=True,
        )

    def _extra_activities(
        self,
        phases: dict[str, Phase],
        count: int,
        leads: list[Person],
        everyone: list[Person],
        departments: list[Department],
        manager: User,
    ) -> None:
        rng, today = self.rng, self.today
        positions = {
            row["phase"]: row["last"]
            for row in Activity.objects.filter(phase__in=phases.values())
            .values("phase")
            .annotate(last=Max("position"))
        }
        kinds = [PhaseKind.UNFREEZE, PhaseKind.MOVE, PhaseKind.REFREEZE]
        first_day = phases[PhaseKind.UNFREEZE].start_date - datetime.timedelta(days=20)
        activities, chosen = [], []
        move = phases[PhaseKind.MOVE]
        for index in range(count):
            phase = phases[rng.choices(kinds, weights=[25, 50, 25])[0]]
            due = phase.start_date + datetime.timedelta(
                days=rng.randint(0, (phase.end_date - phase.start_date).days)
            )
            status = self._activity_status(phase.kind, due)
            if index % 10 in (0, 1):
                # Every tenth is overdue, every tenth due this week, every twentieth cancelled.
                phase, status = move, rng.choice(OPEN_ACTIVITY_STATUSES)
                days = -rng.randint(1, 14) if index % 10 == 0 else rng.randint(0, 6)
                due = max(today + datetime.timedelta(days=days), move.start_date)
            elif index % 20 == 2:
                status = ActivityStatus.CANCELLED
            done_at = _moment(min(due, today), 16) if status == ActivityStatus.DONE else None
            owner_draw = rng.random()
            owner = (
                manager.person
                if owner_draw < 0.2
                else rng.choice(leads)
                if owner_draw < 0.7
                else rng.choice(everyone)
                if owner_draw < 0.92
                else None
            )
            audience = rng.sample(departments, min(len(departments), rng.choice([0, 1, 1, 2, 3])))
            kind, title, description = rng.choice(ACTIVITY_TEXTS)
            label = audience[0].name if audience else "alle Abteilungen"
            positions[phase.pk] = positions.get(phase.pk, -1) + 1
            activity = Activity(
                phase=phase,
                title=title.format(department=label)[:200],
                description=description,
                kind=kind,
                owner=owner,
                due_date=due,
                status=status,
                completed_at=done_at,
                position=positions[phase.pk],
            )
            # Planned some weeks before it is due, at the earliest shortly before the start.
            planned_on = due - datetime.timedelta(days=rng.randint(10, 60))
            activity._history_date = _moment(max(planned_on, first_day))
            activity._history_user = manager
            activities.append(activity)
            chosen.append(audience)
        bulk_create_with_history(activities, Activity, batch_size=BATCH)
        through = Activity.departments.through
        through.objects.bulk_create(
            [
                through(activity_id=activity.pk, department_id=department.pk)
                for activity, audience in zip(activities, chosen, strict=True)
                for department in audience
            ],
            batch_size=BATCH,
        )
        # A second history row for every completion: the "latest changes" show who did what.
        completed = [a for a in activities if a.status == ActivityStatus.DONE]
        for activity in completed:
            activity._history_date = activity.completed_at
        Activity.history.bulk_history_create(
            completed, batch_size=BATCH, update=True, default_user=manager
        )

    def _activity_status(self, phase_kind: str, due: datetime.date) -> ActivityStatus:
        rng = self.rng
        draw = rng.random()
        if phase_kind == PhaseKind.REFREEZE:
            return ActivityStatus.PLANNED if draw < 0.85 else ActivityStatus.IN_PROGRESS
        if due < self.today:
            # Mostly done; the open ones are overdue.
            if draw < 0.72:
                return ActivityStatus.DONE
            if draw < 0.8:
                return ActivityStatus.CANCELLED
            return ActivityStatus.IN_PROGRESS if draw < 0.9 else ActivityStatus.PLANNED
        if draw < 0.1:
            return ActivityStatus.DONE
        if draw < 0.45:
            return ActivityStatus.IN_PROGRESS
        return ActivityStatus.PLANNED if draw < 0.97 else ActivityStatus.CANCELLED

    def _stakeholders(
        self,
        rollout: Rollout,
        count: int,
        rows: list[ScalePerson],
        persons: dict[str, Person],
        departments: list[Department],
        manager: User,
    ) -> None:
        """Heads, the sponsor, the works council, IT, champions and employees, with every
        attitude, some of them changed over the months; champions in most departments only."""
        rng, today = self.rng, self.today
        heads = [persons[row.email] for row in rows if row.position == 0]
        others = [persons[row.email] for row in rows if row.position > 0]
        count = min(count, len(persons))
        picked: dict[int, tuple[Person, str]] = {}
        sponsor = persons[LEADERSHIP_EMAIL]
        picked[sponsor.pk] = (sponsor, StakeholderRole.SPONSOR)
        for person in heads[: count // 4]:
            picked.setdefault(person.pk, (person, StakeholderRole.DEPARTMENT_HEAD))
        # Champions in about two thirds of the departments: the rest are flagged.
        with_champion = {d.pk for d in departments if rng.random() < 0.66}
        pool = rng.sample(others, len(others))
        roles = [
            (StakeholderRole.WORKS_COUNCIL, 0.03),
            (StakeholderRole.IT, 0.05),
            (StakeholderRole.CONTENT_SUPPLIER, 0.3),
            (StakeholderRole.EMPLOYEE, 1.0),
        ]
        champions_of: set[int] = set()
        for person in pool:
            if len(picked) >= count:
                break
            if person.pk in picked:
                continue
            if person.department_id in with_champion and person.department_id not in champions_of:
                champions_of.add(person.department_id)
                picked[person.pk] = (person, StakeholderRole.CHAMPION)
                continue
            draw = rng.random()
            role = next(role for role, limit in roles if draw < limit)
            picked[person.pk] = (person, role)

        stakeholders, paths = [], []
        for person, role in list(picked.values())[:count]:
            path = self._attitude_path(role)
            influence = {
                StakeholderRole.SPONSOR: 5,
                StakeholderRole.DEPARTMENT_HEAD: rng.choice([3, 4, 4, 5]),
                StakeholderRole.WORKS_COUNCIL: rng.choice([4, 5]),
                StakeholderRole.IT: rng.choice([3, 4]),
                StakeholderRole.CHAMPION: rng.choice([2, 3, 4]),
            }.get(role, rng.choice([1, 2, 2, 3]))
            stakeholder = Stakeholder(
                rollout=rollout,
                person=person,
                role=role,
                influence=influence,
                attitude=path[-1],
                concerns=rng.choice(CONCERNS) if path[-1] <= Attitude.NEUTRAL else "",
            )
            start = today - datetime.timedelta(days=rng.randint(60, 150))
            stakeholder._history_date = _moment(start)
            stakeholder._history_user = manager
            stakeholders.append(stakeholder)
            paths.append((start, path))
        bulk_create_with_history(stakeholders, Stakeholder, batch_size=BATCH)

        changes, thanks = [], []
        for stakeholder, (start, path) in zip(stakeholders, paths, strict=True):
            days = sorted(rng.sample(range(0, (today - start).days + 1), len(path)))
            previous = None
            for attitude, offset in zip(path, days, strict=True):
                changes.append(
                    AttitudeChange(
                        stakeholder=stakeholder,
                        from_attitude=previous,
                        to_attitude=attitude,
                        note=rng.choice(ATTITUDE_NOTES) if previous else "",
                        changed_by=manager,
                        changed_at=_moment(start + datetime.timedelta(days=offset)),
                    )
                )
                previous = attitude
            if stakeholder.role == StakeholderRole.CHAMPION and rng.random() < 0.5:
                thanks.append(
                    ChampionThanks(
                        stakeholder=stakeholder,
                        message=rng.choice(THANKS),
                        given_by=manager,
                        given_at=_moment(today - datetime.timedelta(days=rng.randint(0, 50))),
                    )
                )
        AttitudeChange.objects.bulk_create(changes, batch_size=BATCH)
        ChampionThanks.objects.bulk_create(thanks, batch_size=BATCH)

    def _attitude_path(self, role: str) -> list[int]:
        """The attitudes a stakeholder went through, first to current; neighbours differ."""
        rng = self.rng
        if role == StakeholderRole.CHAMPION:
            final = Attitude.CHAMPION
        elif role == StakeholderRole.SPONSOR:
            final = Attitude.SUPPORTIVE
        else:
            final = rng.choices(list(Attitude), weights=[10, 22, 33, 25, 10])[0]
        path = [int(final)]
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            step = rng.choice([-2, -1, -1, 1])
            earlier = min(max(path[0] + step, 1), 5)
            if earlier != path[0]:
                path.insert(0, earlier)
        return path

    def _communications(
        self,
        rollout: Rollout,
        count: int,
        persons: dict[str, Person],
        leads: list[Person],
        departments: list[Department],
        manager: User,
    ) -> None:
        rng, today = self.rng, self.today
        span = (rollout.end_date - rollout.start_date).days
        manager_person = persons[MANAGER_EMAIL]
        items, audiences = [], []
        for index in range(count):
            day = rollout.start_date + datetime.timedelta(days=round(span * index / max(count, 1)))
            status = CommunicationStatus.PLANNED
            if day < today:
                status = CommunicationStatus.DONE
                if rng.random() < 0.12:
                    status = CommunicationStatus.CANCELLED
            item = CommunicationItem(
                rollout=rollout,
                date=day,
                channel=rng.choice(CHANNELS),
                audience_note=rng.choice(AUDIENCE_NOTES),
                message=rng.choice(COMMUNICATION_MESSAGES),
                owner=manager_person if rng.random() < 0.7 else rng.choice(leads),
                status=status,
                social_homework=rng.choice(SOCIAL_HOMEWORK) if rng.random() < 0.3 else "",
            )
            item._history_date = _moment(max(day - datetime.timedelta(days=14), rollout.start_date))
            item._history_user = manager
            items.append(item)
            audiences.append(rng.sample(departments, min(len(departments), rng.randint(0, 4))))
        bulk_create_with_history(items, CommunicationItem, batch_size=BATCH)
        through = CommunicationItem.audience_departments.through
        through.objects.bulk_create(
            [
                through(communicationitem_id=item.pk, department_id=department.pk)
                for item, audience in zip(items, audiences, strict=True)
                for department in audience
            ],
            batch_size=BATCH,
        )

    def _success_stories(
        self, rollout: Rollout, count: int, departments: list[Department], manager: User
    ) -> None:
        rng, today = self.rng, self.today
        span = max((today - rollout.start_date).days, 1)
        stories = []
        for index in range(count):
            day = rollout.start_date + datetime.timedelta(days=round(span * (index + 1) / count))
            department = rng.choice(departments) if rng.random() < 0.8 else None
            if rng.random() < 0.6:
                story = SuccessStory(kind=StoryKind.QUICK_WIN, title=rng.choice(QUICK_WINS))
            else:
                kpi, label = rng.choice(KPI_STORIES)
                growth = 1 + index / max(count, 1)
                base = {"followers": 4000, "reach": 50_000}.get(kpi, 12)
                story = SuccessStory(
                    kind=StoryKind.KPI,
                    title=label,
                    kpi_name=kpi,
                    kpi_value=Decimal(round(base * growth * rng.uniform(0.9, 1.1))),
                )
            story.rollout, story.date, story.department = rollout, day, department
            story.description = "Erfasst vom Social-Media-Management."
            story.created_by = manager
            story._history_date = _moment(day, 17)
            story._history_user = manager
            stories.append(story)
        bulk_create_with_history(stories, SuccessStory, batch_size=BATCH)

    # -- output ---------------------------------------------------------------------------

    def _summary(
        self,
        new_departments: int,
        new_people: int,
        new_users: int,
        rollout: Rollout | None,
        seconds: float,
    ) -> None:
        write = self.stdout.write
        write(f"Nordstern Industrie AG (@{EMAIL_DOMAIN}): seeded in {seconds:.1f} s")
        write(f"  departments: {new_departments} new, {Department.objects.count()} in all")
        people = Person.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").count()
        write(f"  people: {new_people} new, {people} at the scale domain")
        write(f"  logins: {new_users} new ({MANAGER_EMAIL}, {LEADERSHIP_EMAIL})")
        if rollout is None:
            write(f"  rollout “{ROLLOUT_NAME}” exists already and was left unchanged")
        else:
            write(
                f"  rollout “{ROLLOUT_NAME}” (pk {rollout.pk}): "
                f"{Activity.objects.filter(phase__rollout=rollout).count()} activities, "
                f"{rollout.stakeholders.count()} stakeholders, "
                f"{rollout.communications.count()} communication items, "
                f"{rollout.success_stories.count()} success stories"
            )
        if self.verbosity >= 2:
            for name, elapsed in self.timings:
                write(f"    {name}: {elapsed:.2f} s")
