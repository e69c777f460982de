"""People, departments and the rollout core: rollouts, phases, gate criteria, activities,
stakeholders."""

import datetime
import zoneinfo
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import Authored


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Language(models.TextChoices):
    GERMAN = "de", _("German")
    ENGLISH = "en", _("English")


class Role(models.TextChoices):
    """The roles a user can hold; each is a Django group of the same name."""

    MANAGER = "social_media_manager", _("Social media manager")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    LEADERSHIP = "leadership", _("Leadership")
    EMPLOYEE = "employee", _("Employee")
    # Members of the works council (Betriebsrat): review guideline versions and approve them
    # or send them back, from their own login.
    WORKS_COUNCIL = "works_council", _("Works council")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: object) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.model.normalized_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> "User":
        """Sign-in ignores the case of the email address."""
        return self.get(email__iexact=(username or "").strip())

    def create_user(self, email: str, password: str | None = None, **fields: object) -> "User":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> "User":
        fields["is_staff"] = True
        fields["is_superuser"] = True
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. The email address is the login; most employees never get one."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("name"), max_length=150)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.GERMAN
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Berlin", validators=[validate_time_zone]
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("admin access"), default=False, help_text=_("May sign in to the admin site.")
    )
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.normalized_email(self.email)

    def save(self, *args: object, **kwargs: object) -> None:
        """The login is stored trimmed and in lower case, however it was typed."""
        self.email = self.normalized_email(self.email)
        super().save(*args, **kwargs)

    @classmethod
    def normalized_email(cls, email: str | None) -> str:
        return cls.objects.normalize_email((email or "").strip()).lower()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @cached_property
    def roles(self) -> frozenset[str]:
        """The role names this user holds (one query, cached on the instance)."""
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, role: Role) -> bool:
        return role.value in self.roles

    @property
    def is_manager(self) -> bool:
        return self.has_role(Role.MANAGER)

    @property
    def is_leadership(self) -> bool:
        return self.has_role(Role.LEADERSHIP)

    @property
    def is_department_head(self) -> bool:
        return self.has_role(Role.DEPARTMENT_HEAD)

    @property
    def is_works_council(self) -> bool:
        return self.has_role(Role.WORKS_COUNCIL)


class Department(models.Model):
    """An organisational unit (Abteilung) with a head and a deputy, possibly inside another."""

    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    head = models.ForeignKey(
        "Person",
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_departments",
    )
    deputy = models.ForeignKey(
        "Person",
        verbose_name=_("deputy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deputised_departments",
    )
    headcount = models.PositiveIntegerField(
        _("headcount"), default=0, help_text=_("Number of employees according to HR.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="department_name_unique_ci"),
            models.CheckConstraint(
                condition=~models.Q(head=models.F("deputy")) | models.Q(head__isnull=True),
                name="department_head_is_not_deputy",
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")), name="department_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """A directory entry for an employee. Linked to a user only once the person signs in."""

    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80)
    email = models.EmailField(_("email address"))
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.GERMAN
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="person_email_unique_ci"),
        ]
        indexes = [models.Index(fields=["department", "last_name"], name="person_dept_name_idx")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()


class RolloutApproach(models.TextChoices):
    TOP_DOWN = "top_down", _("Top-down: win leadership first")
    SANDWICH = "sandwich", _("Sandwich: leadership and staff at the same time")


class Rollout(Authored):
    """A social media rollout run as a change project in Lewin's three phases."""

    name = models.CharField(_("name"), max_length=160)
    goal = models.TextField(_("goal"), blank=True)
    sponsor = models.ForeignKey(
        Person,
        verbose_name=_("sponsor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sponsored_rollouts",
        help_text=_("The member of leadership who gives the green light."),
    )
    approach = models.CharField(
        _("approach"),
        max_length=16,
        choices=RolloutApproach.choices,
        default=RolloutApproach.SANDWICH,
    )
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rollout")
        verbose_name_plural = _("rollouts")
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="rollout_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end must not be before the start.")})


class PhaseKind(models.TextChoices):
    UNFREEZE = "unfreeze", _("Unfreeze")
    MOVE = "move", _("Move")
    REFREEZE = "refreeze", _("Refreeze")


PHASE_ORDER = {PhaseKind.UNFREEZE: 1, PhaseKind.MOVE: 2, PhaseKind.REFREEZE: 3}


class PhaseStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")


class Phase(models.Model):
    """One of Lewin's three phases of a rollout, in fixed order; at most one is active."""

    rollout = models.ForeignKey(
        Rollout, verbose_name=_("rollout"), on_delete=models.CASCADE, related_name="phases"
    )
    kind = models.CharField(_("phase"), max_length=16, choices=PhaseKind.choices)
    order = models.PositiveSmallIntegerField(
        _("order"), validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=PhaseStatus.choices, default=PhaseStatus.PLANNED
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["rollout", "order"]
        constraints = [
            models.UniqueConstraint(fields=["rollout", "kind"], name="phase_kind_once_per_rollout"),
            models.UniqueConstraint(
                fields=["rollout", "order"], name="phase_order_once_per_rollout"
            ),
            models.UniqueConstraint(
                fields=["rollout"],
                condition=models.Q(status="active"),
                name="phase_one_active_per_rollout",
            ),
            models.CheckConstraint(
                condition=models.Q(order__gte=1, order__lte=3), name="phase_order_1_to_3"
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="phase_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.rollout})"


class CriterionKind(models.TextChoices):
    """What a gate criterion measures; each computed kind yields a percentage."""

    ACTIVITIES_DONE = "activities_done", _("Share of the phase's activities done")
    CHAMPION_COVERAGE = "champion_coverage", _("Share of departments with a champion")
    SUPPORT_SHARE = "support_share", _("Share of stakeholders who support the rollout")
    WORKFLOWS_CONFIRMED = (
        "workflows_confirmed",
        _("Share of departments with a confirmed content workflow"),
    )
    CONTENT_ON_TIME = "content_on_time", _("Share of content deliveries on time")
    GUIDELINE_ACKNOWLEDGED = (
        "guideline_acknowledged",
        _("Share of people who acknowledged the guideline in force"),
    )
    TRAINING_COVERAGE = "training_coverage", _("Share of people trained")
    GUIDELINE_APPROVED = (
        "guideline_approved",
        _("The works council approved the guidelines (a version approved or in force)"),
    )
    SURVEY_SCORE = (
        "survey_score",
        _("Survey score in the departments with five answers or more"),
    )
    MANUAL = "manual", _("Checked by hand")


class GateCriterion(models.Model):
    """A condition for leaving a phase: computed from the data, or a checkbox."""

    phase = models.ForeignKey(
        Phase, verbose_name=_("phase"), on_delete=models.CASCADE, related_name="criteria"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=CriterionKind.choices)
    label = models.CharField(_("label"), max_length=200, blank=True)
    threshold = models.PositiveSmallIntegerField(
        _("threshold (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("Percentage that must be reached; only for computed criteria."),
    )
    # A survey score criterion ("desire at least 3.5 in every department with five answers
    # or more"): the dimension (a key of rollout.figures.SURVEY_READINESS) and the lowest mean
    # score; `threshold` is then the share of those departments that must reach it (100: all).
    dimension = models.CharField(_("dimension"), max_length=32, blank=True)
    min_score = models.DecimalField(
        _("at least (score)"),
        max_digits=2,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    is_checked = models.BooleanField(_("checked"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("gate criterion")
        verbose_name_plural = _("gate criteria")
        ordering = ["phase", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="manual") | models.Q(threshold__isnull=False),
                name="criterion_computed_has_threshold",
            ),
            models.CheckConstraint(
                condition=models.Q(threshold__isnull=True) | models.Q(threshold__lte=100),
                name="criterion_threshold_is_percentage",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="manual") | ~models.Q(label=""),
                name="criterion_manual_has_label",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="survey_score")
                | (~models.Q(dimension="") & models.Q(min_score__isnull=False)),
                name="criterion_survey_score_has_dimension",
            ),
        ]

    def __str__(self) -> str:
        if not self.label and self.kind == CriterionKind.SURVEY_SCORE:
            return self.survey_score_text()
        return self.label or self.get_kind_display()

    def survey_score_text(self) -> str:
        """“Desire at least 3.5 in every department with five answers or more”, in the
        language of the reader."""
        from django.utils import formats

        from rollout.figures import SURVEY_READINESS, score_dimensions

        label = dict(score_dimensions(SURVEY_READINESS)).get(self.dimension, self.dimension)
        values = {
            "dimension": label,
            "score": formats.number_format(self.min_score, 1) if self.min_score else "\N{EN DASH}",
            "share": self.threshold if self.threshold is not None else 100,
        }
        if values["share"] >= 100:
            return (
                _("%(dimension)s at least %(score)s in every department with five answers or more")
                % values
            )
        return (
            _(
                "%(dimension)s at least %(score)s in %(share)s %% of the departments with five "
                "answers or more"
            )
            % values
        )


class ActivityKind(models.TextChoices):
    MEETING = "meeting", _("Talk or meeting")
    WORKSHOP = "workshop", _("Workshop")
    MEETING_SLOT = "meeting_slot", _("Slot in a department meeting")
    COMMUNICATION = "communication", _("Internal communication")
    TRAINING = "training", _("Training or coaching")
    RESOURCE_REQUEST = "resource_request", _("Resource request")
    CONTENT_WORKFLOW = "content_workflow", _("Content workflow agreement")
    GUIDELINE = "guideline", _("Guideline work")
    CHAMPIONS = "champions", _("Champion programme")
    MILESTONE = "milestone", _("Milestone")
    REVIEW = "review", _("Review")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_ACTIVITY_STATUSES = (ActivityStatus.PLANNED, ActivityStatus.IN_PROGRESS)


class Activity(models.Model):
    """A measure (Maßnahme) in a phase: who does what for which departments by when."""

    phase = models.ForeignKey(
        Phase, verbose_name=_("phase"), on_delete=models.CASCADE, related_name="activities"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=32, choices=ActivityKind.choices, default=ActivityKind.MEETING
    )
    owner = models.ForeignKey(
        Person,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_activities",
    )
    departments = models.ManyToManyField(
        Department, verbose_name=_("departments"), blank=True, related_name="activities"
    )
    due_date = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ActivityStatus.choices, default=ActivityStatus.PLANNED
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[departments])

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["phase", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="done", completed_at__isnull=False)
                | (~models.Q(status="done") & models.Q(completed_at__isnull=True)),
                name="activity_completed_at_iff_done",
            ),
        ]
        indexes = [
            models.Index(fields=["phase", "status"], name="activity_phase_status_idx"),
            models.Index(fields=["status", "due_date"], name="activity_status_due_idx"),
            models.Index(fields=["phase", "position"], name="activity_phase_position_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTIVITY_STATUSES

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.is_open and self.due_date is not None and self.due_date < today


class StakeholderRole(models.TextChoices):
    SPONSOR = "sponsor", _("Sponsor")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    CHAMPION = "champion", _("Champion")
    CONTENT_SUPPLIER = "content_supplier", _("Content supplier")
    WORKS_COUNCIL = "works_council", _("Works council")
    IT = "it", _("IT")
    EMPLOYEE = "employee", _("Employee")


class Attitude(models.IntegerChoices):
    """Attitude towards the rollout, from resistant (1) to champion (5): averages make sense."""

    RESISTANT = 1, _("Resistant")
    SCEPTICAL = 2, _("Sceptical")
    NEUTRAL = 3, _("Neutral")
    SUPPORTIVE = 4, _("Supportive")
    CHAMPION = 5, _("Champion")


class Stakeholder(models.Model):
    """A person's stake in a rollout: role, influence (1-5), attitude and concerns."""

    rollout = models.ForeignKey(
        Rollout, verbose_name=_("rollout"), on_delete=models.CASCADE, related_name="stakeholders"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="stakes"
    )
    role = models.CharField(_("role"), max_length=32, choices=StakeholderRole.choices)
    influence = models.PositiveSmallIntegerField(
        _("influence"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    attitude = models.PositiveSmallIntegerField(
        _("attitude"), choices=Attitude.choices, default=Attitude.NEUTRAL
    )
    concerns = models.TextField(_("concerns"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stakeholder")
        verbose_name_plural = _("stakeholders")
        ordering = ["rollout", "-influence", "person__last_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["rollout", "person"], name="stakeholder_once_per_rollout"
            ),
            models.CheckConstraint(
                condition=models.Q(influence__gte=1, influence__lte=5),
                name="stakeholder_influence_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(attitude__gte=1, attitude__lte=5),
                name="stakeholder_attitude_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"


class AttitudeChange(models.Model):
    """One change of a stakeholder's attitude, with a note: the stakeholder card's history."""

    stakeholder = models.ForeignKey(
        Stakeholder,
        verbose_name=_("stakeholder"),
        on_delete=models.CASCADE,
        related_name="attitude_changes",
    )
    from_attitude = models.PositiveSmallIntegerField(
        _("from"), choices=Attitude.choices, null=True, blank=True
    )
    to_attitude = models.PositiveSmallIntegerField(_("to"), choices=Attitude.choices)
    note = models.TextField(_("note"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("attitude change")
        verbose_name_plural = _("attitude changes")
        ordering = ["stakeholder", "-changed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(from_attitude__isnull=True)
                | ~models.Q(from_attitude=models.F("to_attitude")),
                name="attitude_change_changes_something",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stakeholder}: {self.get_to_attitude_display()}"
