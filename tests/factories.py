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
