"""`manage.py seed_demo`: a realistic demo company with a rollout in the move phase.

Müller Maschinenbau GmbH (see `devtools.demo`): eight departments, about 160 people
with German names, one demo login per role, and the rollout "Social Media bei Müller
Maschinenbau" in the move phase with done, running, overdue and upcoming activities and a
stakeholder map.

The data are the same on every run, and running the command again creates and changes
nothing: departments are looked up by name, people and users by email, and an existing demo
rollout is left alone. Everything happens in one transaction.
"""

import datetime

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from devtools.demo import (
    COMPANY,
    DEMO_ACCOUNTS,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEPARTMENTS,
    GOAL,
    MANAGER_EMAIL,
    ROLLOUT_NAME,
    STAKEHOLDERS,
    TEMPLATE_PLAN,
    DemoPerson,
    Stake,
    demo_people,
    extra_activities,
)
from devtools.demo_content import seed_content
from devtools.demo_guidelines import seed_guidelines
from devtools.demo_trainings import seed_trainings
from devtools.demo_workflows import seed_workflows
from rollout import services
from rollout.models import (
    OPEN_ACTIVITY_STATUSES,
    Activity,
    ActivityStatus,
    AttitudeChange,
    CriterionKind,
    Department,
    Person,
    Phase,
    PhaseKind,
    PhaseStatus,
    Rollout,
    RolloutApproach,
    Stakeholder,
    User,
)

# The Makefile and the tests import these from here.
__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "Command"]


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    moment = datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=timezone.get_current_timezone()
    )
    return min(moment, timezone.now())


# --- The command ------------------------------------------------------------------------------


class Command(BaseCommand):
    help = "Create the demo company Müller Maschinenbau GmbH with a rollout in the move phase."

    def handle(self, *args, **options) -> None:
        people = demo_people()
        with transaction.atomic():
            departments, new_departments = self._departments()
            persons, new_people = self._people(people, departments)
            self._department_leads(people, persons, departments)
            users, new_users = self._users(persons)
            by_key = self._by_key(people, persons)
            rollout = None
            if not Rollout.objects.filter(name=ROLLOUT_NAME).exists():
                rollout = self._rollout(by_key, departments, manager=users[MANAGER_EMAIL])
            seed_workflows(departments=departments, manager=users[MANAGER_EMAIL])
            seed_guidelines(manager=users[MANAGER_EMAIL])
            seed_trainings(
                rollout_name=ROLLOUT_NAME, departments=departments, manager=users[MANAGER_EMAIL]
            )
        # Outside the directory's transaction: the report is rendered from committed data.
        seed_content(
            rollout_name=ROLLOUT_NAME, departments=departments, manager=users[MANAGER_EMAIL]
        )
        self._summary(new_departments, new_people, new_users, rollout)

    # -- directory

    def _departments(self) -> tuple[dict[str, Department], int]:
        existing = {department.name.lower(): department for department in Department.objects.all()}
        created = 0
        for spec in DEPARTMENTS:
            if spec.name.lower() not in existing:
                existing[spec.name.lower()] = Department.objects.create(name=spec.name)
                created += 1
        return {spec.name: existing[spec.name.lower()] for spec in DEPARTMENTS}, created

    def _people(
        self, people: list[DemoPerson], departments: dict[str, Department]
    ) -> tuple[dict[str, Person], int]:
        emails = [person.email for person in people]
        existing = {
            person.email_lower: person
            for person in Person.objects.annotate(email_lower=Lower("email")).filter(
                email_lower__in=emails
            )
        }
        created = 0
        for row in people:
            if row.email not in existing:
                existing[row.email] = Person.objects.create(
                    first_name=row.first_name,
                    last_name=row.last_name,
                    email=row.email,
                    department=departments[row.department],
                    job_title=row.job_title,
                )
                created += 1
        return existing, created

    def _department_leads(
        self,
        people: list[DemoPerson],
        persons: dict[str, Person],
        departments: dict[str, Department],
    ) -> None:
        """Fill in head, deputy and headcount where they are still empty."""
        for spec in DEPARTMENTS:
            department = departments[spec.name]
            members = [row for row in people if row.department == spec.name]
            head, deputy = persons[members[0].email], persons[members[1].email]
            changed = []
            if department.head_id is None and department.deputy_id != head.pk:
                department.head = head
                changed.append("head")
            if department.deputy_id is None and department.head_id != deputy.pk:
                department.deputy = deputy
                changed.append("deputy")
            if department.headcount == 0:
                department.headcount = spec.size
                changed.append("headcount")
            if changed:
                department.save(update_fields=changed)

    def _users(self, persons: dict[str, Person]) -> tuple[dict[str, User], int]:
        created = 0
        for role, email, is_staff in DEMO_ACCOUNTS:
            if not User.objects.filter(email__iexact=email).exists():
                services.user_create(
                    email=email,
                    full_name=persons[email].full_name,
                    password=DEMO_PASSWORD,
                    roles=[role],
                    is_staff=is_staff,
                )
                created += 1
        emails = [email for _role, email, _staff in DEMO_ACCOUNTS]
        users = {user.email: user for user in User.objects.filter(email__in=emails)}
        return users, created

    @staticmethod
    def _by_key(people: list[DemoPerson], persons: dict[str, Person]) -> dict[str, Person]:
        by_key = {}
        for row in people:
            person = persons[row.email]
            if row.key:
                by_key[row.key] = person
            if row.position == 0:
                by_key[f"head:{row.department}"] = person
            elif row.position == 1:
                by_key[f"deputy:{row.department}"] = person
        return by_key

    # -- the rollout

    def _rollout(
        self, by_key: dict[str, Person], departments: dict[str, Department], manager: User
    ) -> Rollout:
        today = timezone.localdate()
        with translation.override("de"):
            rollout = services.rollout_create(
                name=ROLLOUT_NAME,
                goal=GOAL,
                sponsor=by_key["ceo"],
                approach=RolloutApproach.SANDWICH,
                start_date=today - datetime.timedelta(days=122),
                end_date=today + datetime.timedelta(days=243),
                by=manager,
            )
        phases = {phase.kind: phase for phase in rollout.phases.all()}
        for kind, plan in TEMPLATE_PLAN.items():
            activities = list(phases[kind].activities.order_by("position", "pk"))
            for activity, (owner, names, status) in zip(activities, plan, strict=False):
                # No service edits an activity's owner yet, so the demo sets it directly.
                activity.owner = by_key[owner]
                activity.save(update_fields=["owner", "updated_at"])
                activity.departments.set([departments[name] for name in names])
                self._set_status(activity, status, manager)

        # The unfreeze phase is behind us: its gate is met and the move phase runs.
        unfreeze, move = phases[PhaseKind.UNFREEZE], phases[PhaseKind.MOVE]
        for criterion in unfreeze.criteria.filter(kind=CriterionKind.MANUAL, is_checked=False):
            criterion.is_checked = True
            criterion.save(update_fields=["is_checked"])
        self._set_phase_status(unfreeze, PhaseStatus.COMPLETED)
        self._set_phase_status(move, PhaseStatus.ACTIVE)

        for extra in extra_activities(today):
            activity = services.activity_create(
                phase=move,
                title=extra.title,
                kind=extra.kind,
                description=extra.description,
                owner=by_key[extra.owner],
                due_date=today + datetime.timedelta(days=extra.due),
                departments=[departments[name] for name in extra.departments],
                by=manager,
            )
            self._set_status(activity, extra.status, manager)

        for stake in STAKEHOLDERS:
            self._stakeholder(rollout, by_key[stake.person], stake, today, manager)
        return rollout

    @staticmethod
    def _set_status(activity: Activity, status: ActivityStatus, by: User) -> None:
        if status == ActivityStatus.DONE and activity.due_date is not None:
            # Completed on its due date; the service keeps an existing completion time.
            activity.completed_at = _at(activity.due_date, 15)
        services.activity_set_status(activity=activity, status=status, by=by)

    @staticmethod
    def _set_phase_status(phase: Phase, status: PhaseStatus) -> None:
        # No phase service exists yet; this is the one direct phase write of the demo.
        phase.status = status
        phase.full_clean()
        phase.save(update_fields=["status"])

    @staticmethod
    def _stakeholder(
        rollout: Rollout, person: Person, stake: Stake, today: datetime.date, by: User
    ) -> None:
        (days_ago, attitude, _note), *changes = stake.history
        stakeholder = services.stakeholder_add(
            rollout=rollout,
            person=person,
            role=stake.role,
            influence=stake.influence,
            attitude=attitude,
            concerns=stake.concerns,
            by=by,
        )
        _backdate_last_change(stakeholder, today - datetime.timedelta(days=days_ago))
        for days_ago, attitude, note in changes:
            stakeholder = services.stakeholder_set_attitude(
                stakeholder=stakeholder, attitude=attitude, note=note, by=by
            )
            _backdate_last_change(stakeholder, today - datetime.timedelta(days=days_ago))

    # -- output

    def _summary(
        self, new_departments: int, new_people: int, new_users: int, rollout: Rollout | None
    ) -> None:
        write = self.stdout.write
        write(self.style.MIGRATE_HEADING(_("Demo data for %(company)s") % {"company": COMPANY}))
        counts = (
            (_("Departments"), Department.objects.count(), new_departments),
            (_("People"), Person.objects.count(), new_people),
            (_("Demo logins"), len(DEMO_ACCOUNTS), new_users),
        )
        for label, total, new in counts:
            line = _("%(label)s: %(total)d (%(new)d new)")
            write("  " + line % {"label": label, "total": total, "new": new})
        if rollout is None:
            line = _("Rollout “%(name)s” already exists and was left unchanged.")
            write("  " + line % {"name": ROLLOUT_NAME})
        else:
            activities = Activity.objects.filter(phase__rollout=rollout)
            line = _(
                "Rollout “%(name)s” created, in the move phase: %(activities)d "
                "activities (%(done)d done, %(overdue)d overdue), %(stakeholders)d stakeholders."
            )
            values = {
                "name": rollout.name,
                "activities": activities.count(),
                "done": activities.filter(status=ActivityStatus.DONE).count(),
                "overdue": activities.filter(
                    status__in=OPEN_ACTIVITY_STATUSES, due_date__lt=timezone.localdate()
                ).count(),
                "stakeholders": Stakeholder.objects.filter(rollout=rollout).count(),
            }
            write("  " + line % values)
        write("")
        write(self.style.MIGRATE_HEADING(_("Demo logins")))
        rows = [(_("Role"), _("Email"), _("Password"))]
        rows += [(str(label), email, DEMO_PASSWORD) for label, email in DEMO_LOGINS]
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        for index, row in enumerate(rows):
            cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            write("  " + "  ".join(cells).rstrip())
            if index == 0:
                write("  " + "  ".join("-" * width for width in widths))


def _backdate_last_change(stakeholder: Stakeholder, day: datetime.date) -> None:
    """Give the newest attitude record a date in the past, so the card shows a history."""
    last = stakeholder.attitude_changes.order_by("-pk").values_list("pk", flat=True).first()
    AttitudeChange.objects.filter(pk=last).update(changed_at=_at(day, 10))
