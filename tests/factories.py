"""factory_boy factories with German fake data.

Rollouts and stakeholders are created through their services, so a factory-made rollout has
its three phases and gate criteria, and a stakeholder has its first attitude record, exactly
as in production.
"""

import datetime
import unicodedata

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from rollout import services
from rollout.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Attitude,
    Department,
    Person,
    PhaseKind,
    Rollout,
    RolloutApproach,
    Stakeholder,
    StakeholderRole,
    User,
)

DEFAULT_PASSWORD = "changehub-test-passwort"

_DEPARTMENT_NAMES = (
    "Vertrieb",
    "Marketing",
    "Personal",
    "Kundenservice",
    "Produktion",
    "IT",
    "Einkauf",
    "Geschäftsführung",
)


def _email_part(text: str) -> str:
    """ASCII-fold a name for an email address: Jürgen Weiß -> juergen.weiss."""
    text = text.strip().lower()
    for umlaut, ascii_ in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, ascii_)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(char if char.isalnum() else "-" for char in text).strip("-") or "x"


class UserFactory(DjangoModelFactory):
    """A user; `UserFactory(roles=[Role.MANAGER])` puts them in the role groups."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"nutzer{n}@example.de")
    full_name = factory.Faker("name", locale="de_DE")
    password = factory.django.Password(DEFAULT_PASSWORD)
    language = "de"
    time_zone = "Europe/Berlin"
    is_active = True

    @factory.post_generation
    def roles(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            services.user_set_roles(user=self, roles=extracted)


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"{_DEPARTMENT_NAMES[n % len(_DEPARTMENT_NAMES)]} {n}")
    headcount = 12


class PersonFactory(DjangoModelFactory):
    """A directory entry; with `user=...` and no email it takes the user's address."""

    class Meta:
        model = Person

    first_name = factory.Faker("first_name", locale="de_DE")
    last_name = factory.Faker("last_name", locale="de_DE")
    email = factory.LazyAttributeSequence(
        lambda o, n: (
            o.user.email
            if o.user is not None
            else f"{_email_part(o.first_name)}.{_email_part(o.last_name)}.{n}@example.de"
        )
    )
    department = factory.SubFactory(DepartmentFactory)
    job_title = factory.Faker("job", locale="de_DE")
    language = "de"
    user = None
    is_active = True


class RolloutFactory(DjangoModelFactory):
    """A rollout made by `services.rollout_create`: three phases (unfreeze active) and gate
    criteria. No template activities unless `template=LEWIN_TEMPLATE` is passed."""

    class Meta:
        model = Rollout

    name = factory.Sequence(lambda n: f"Social-Media-Einführung {n}")
    goal = factory.Faker("sentence", nb_words=10, locale="de_DE")
    sponsor = None
    approach = RolloutApproach.SANDWICH
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    end_date = factory.LazyAttribute(lambda o: o.start_date + datetime.timedelta(days=270))
    created_by = None
    template = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Rollout:
        template = kwargs.pop("template", None)
        created_by = kwargs.pop("created_by", None)
        return services.rollout_create(by=created_by, template=template, **kwargs)


def _phase_of_new_rollout():
    return RolloutFactory().phases.get(kind=PhaseKind.UNFREEZE)


class ActivityFactory(DjangoModelFactory):
    """An activity; pass `phase=...` (otherwise a new rollout's unfreeze phase is used) and
    `departments=[...]` if needed. A done activity gets a completion time."""

    class Meta:
        model = Activity
        skip_postgeneration_save = True

    phase = factory.LazyFunction(_phase_of_new_rollout)
    title = factory.Faker("sentence", nb_words=4, locale="de_DE")
    description = factory.Faker("paragraph", nb_sentences=2, locale="de_DE")
    kind = ActivityKind.MEETING
    owner = None
    due_date = None
    status = ActivityStatus.PLANNED
    completed_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == ActivityStatus.DONE else None
    )
    position = factory.Sequence(lambda n: n)

    @factory.post_generation
    def departments(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            self.departments.set(extracted)


class StakeholderFactory(DjangoModelFactory):
    """A stakeholder made by `services.stakeholder_add`, with its first attitude record."""

    class Meta:
        model = Stakeholder

    rollout = factory.SubFactory(RolloutFactory)
    person = factory.SubFactory(PersonFactory)
    role = StakeholderRole.EMPLOYEE
    influence = 3
    attitude = Attitude.NEUTRAL
    concerns = ""

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Stakeholder:
        return services.stakeholder_add(by=kwargs.pop("by", None), **kwargs)


# --- Guidelines (issue 5) -------------------------------------------------------------------

GUIDELINE_BODY = """# Wer darf was sagen

Alle Mitarbeitenden dürfen privat über ihre Arbeit sprechen. Für das Unternehmen sprechen nur
das Social-Media-Team und die Geschäftsführung.

# Betriebsgeheimnisse

Interna, Kundendaten und Preise bleiben intern.

# Krisen und Eskalation

Bei einem Shitstorm nicht selbst antworten, sondern sofort das Social-Media-Team informieren.
"""


class GuidelineFactory(DjangoModelFactory):
    """A guideline with its first version as a draft (made by `guideline_create`)."""

    class Meta:
        model = "guidelines.Guideline"

    title = factory.Sequence(lambda n: f"Social-Media-Richtlinie {n}")
    description = ""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from guidelines.services import guidelines as guideline_services

        body = kwargs.pop("body", GUIDELINE_BODY)
        # A version is published only with its effective date (or "from publication").
        kwargs.setdefault("effective_date", timezone.localdate())
        return guideline_services.guideline_create(body=body, by=kwargs.pop("by", None), **kwargs)


def guideline_version(
    status: str = "published",
    *,
    guideline=None,
    body: str | None = None,
    questions=(),
    departments=None,
    acknowledge_by: datetime.date | None = None,
):
    """A guideline version taken through the services to `status` (draft, review, approved,
    published). `guideline` given: its next version, otherwise a new guideline's first.
    `questions`: [(text, [choices], correct index)]. `departments`: publish to those only."""
    from guidelines.services import guidelines as guideline_services

    if guideline is None:
        guideline = GuidelineFactory(body=body or GUIDELINE_BODY)
        version = guideline.versions.get()
    else:
        version, _created = guideline_services.version_create(guideline=guideline, by=None)
        version = guideline_services.version_update(
            version=version,
            body=version.body if body is None else body,
            change_summary="" if body is None else "Geändert.",
            effective_date=timezone.localdate(),
            by=None,
        )
    for text, choices, correct in questions:
        guideline_services.question_add(
            version=version, text=text, choices=choices, correct_choice=correct, by=None
        )
    if status == "draft":
        return version
    version = guideline_services.version_submit(version=version, by=None)
    if status == "review":
        return version
    version = guideline_services.version_approve(
        version=version,
        approved_on=timezone.localdate(),
        works_agreement_reference="BV 2026/07",
        by=None,
    )
    if status == "approved":
        return version
    return guideline_services.version_publish(
        version=version,
        by=None,
        scope_all=departments is None,
        departments=departments or [],
        acknowledge_by=acknowledge_by,
    ).version


# --- Training sessions (guidelines app) -------------------------------------------------------


def training_session(*, phase=None, by=None, **kwargs):
    """A training session made by `training_session_create` (invitations queued): tomorrow
    10:00-12:00 Berlin time in a new rollout's unfreeze phase unless told otherwise."""
    import zoneinfo

    from guidelines.services import trainings as training_services

    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    day = timezone.localdate() + datetime.timedelta(days=1)
    defaults = {
        "title": "Social Media im Vertrieb",
        "kind": "workshop",
        "starts_at": datetime.datetime.combine(day, datetime.time(10), tzinfo=berlin),
        "ends_at": datetime.datetime.combine(day, datetime.time(12), tzinfo=berlin),
        "room": "Raum 2.14",
        "description": "Was dürfen wir posten? Die Richtlinie in der Praxis.",
    }
    defaults.update(kwargs)
    return training_services.training_session_create(
        phase=phase or _phase_of_new_rollout(), by=by, **defaults
    )


# --- Content workflows (helper A) ------------------------------------------------------------


class ContentWorkflowFactory(DjangoModelFactory):
    """A workflow made by `workflow_create`, its first revision a draft. Pass `by=` a manager
    (one is made otherwise) and `terms=` a `rollout.services.workflows.Terms` if needed."""

    class Meta:
        model = "rollout.ContentWorkflow"

    department = factory.SubFactory(DepartmentFactory)
    title = factory.Sequence(lambda n: f"Eventfotos {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from rollout.models import Role
        from rollout.services.workflows import Terms, workflow_create

        by = kwargs.pop("by", None) or UserFactory(roles=[Role.MANAGER])
        terms = kwargs.pop("terms", None) or Terms(
            content="5–10 Fotos im Querformat",  # noqa: RUF001
            trigger="Jede Messe und jedes Firmenevent",
            turnaround_hours=24,
            channel="email",
            channel_detail="social@example.de",
        )
        return workflow_create(
            department=kwargs["department"], title=kwargs["title"], terms=terms, by=by
        )
