"""Measurable goals of a rollout and the values of their key figures over time."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from rollout.models import Department, Person, Rollout


class SubGoal(models.TextChoices):
    """How a department's own goal is served by social media."""

    EMPLOYER_BRANDING = "employer_branding", _("Employer branding (HR)")
    SOCIAL_SELLING = "social_selling", _("Social selling (sales)")
    SOCIAL_CUSTOMER_SERVICE = "social_customer_service", _("Social customer service")
    OTHER = "other", _("Other")


class Goal(models.Model):
    """A measurable goal: a key figure that should move from its baseline to its target by the
    due date, tied to a company goal and a department's sub-goal."""

    rollout = models.ForeignKey(
        Rollout, verbose_name=_("rollout"), on_delete=models.CASCADE, related_name="goals"
    )
    company_goal = models.CharField(_("company goal"), max_length=200)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sub_goal = models.CharField(_("sub-goal"), max_length=32, choices=SubGoal.choices)
    key_figure = models.CharField(
        _("key figure"), max_length=120, help_text=_("For example: LinkedIn followers.")
    )
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    start_date = models.DateField(_("start"))
    due_date = models.DateField(_("due"))
    owner = models.ForeignKey(
        Person,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(target=models.F("baseline")),
                name="goal_target_differs_from_baseline",
            ),
            models.CheckConstraint(
                condition=models.Q(due_date__gt=models.F("start_date")),
                name="goal_due_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.key_figure

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.baseline is not None and self.target is not None and self.baseline == self.target:
            errors["target"] = _("The target must differ from the baseline.")
        if self.start_date and self.due_date and self.due_date <= self.start_date:
            errors["due_date"] = _("The due date must be after the start.")
        if errors:
            raise ValidationError(errors)


class ValueSource(models.TextChoices):
    MANUAL = "manual", _("Typed in")
    OWNER_LINK = "owner_link", _("By the owner from the emailed link")
    IMPORT = "import", _("Imported")


class GoalValue(models.Model):
    """The key figure's value on one date; one value per goal and date."""

    goal = models.ForeignKey(
        Goal, verbose_name=_("goal"), on_delete=models.CASCADE, related_name="values"
    )
    date = models.DateField(_("date"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    source = models.CharField(
        _("source"), max_length=16, choices=ValueSource.choices, default=ValueSource.MANUAL
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now=True)

    class Meta:
        verbose_name = _("key figure value")
        verbose_name_plural = _("key figure values")
        ordering = ["goal", "date"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "date"], name="goal_value_once_per_date"),
        ]

    def __str__(self) -> str:
        return f"{self.goal} {self.date:%Y-%m-%d}: {self.value}"


class GoalStory(models.Model):
    """A success story that moves a goal (kept on the goals side: rollout knows no goals)."""

    goal = models.ForeignKey(
        Goal, verbose_name=_("goal"), on_delete=models.CASCADE, related_name="story_links"
    )
    story = models.OneToOneField(
        "rollout.SuccessStory",
        verbose_name=_("success story"),
        on_delete=models.CASCADE,
        related_name="goal_link",
    )

    class Meta:
        verbose_name = _("success story of a goal")
        verbose_name_plural = _("success stories of goals")

    def __str__(self) -> str:
        return f"{self.story} → {self.goal}"
