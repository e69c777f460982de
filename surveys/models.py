"""Readiness pulse surveys: a short questionnaire along the ADKAR dimensions, sent in waves to
the people affected by a rollout.

Anonymous by design: a person's invitation proves that they may answer and that they have
answered (once); their answer is a row of its own that does not point back to them. It has
no foreign key to the person, the invitation or a user, no timestamp, and a random primary key
(so neither a join nor the order of the rows ties an answer to an invitation). The invitation
keeps only the day it was answered, never the moment.
"""

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Authored
from rollout.models import Department, Person, Phase, Rollout

MIN_GROUP = 5  # results are shown only for groups of at least this many answers


class Dimension(models.TextChoices):
    """The ADKAR dimensions of readiness, each asked as a 1 to 5 scale question."""

    AWARENESS = "awareness", _("Awareness")
    DESIRE = "desire", _("Desire")
    KNOWLEDGE = "knowledge", _("Knowledge")
    ABILITY = "ability", _("Ability")
    REINFORCEMENT = "reinforcement", _("Reinforcement")


DIMENSIONS: tuple[str, ...] = tuple(Dimension.values)
OPEN_QUESTION = "open"
QUESTION_KEYS: tuple[str, ...] = (*DIMENSIONS, OPEN_QUESTION)
SURVEY_LANGUAGES = ("de", "en")

# The template a new survey starts from; the manager edits the texts per survey.
TEMPLATE_TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "awareness": "Ich weiß, warum wir Social Media in unserer Arbeit einführen.",
        "desire": "Ich möchte die Einführung unterstützen und mitmachen.",
        "knowledge": "Ich weiß, wie ich Social Media in meiner Arbeit richtig einsetze.",
        "ability": "Ich kann das im Alltag umsetzen: Zeit, Zugang und Geräte sind da.",
        "reinforcement": "Erfolge werden sichtbar gemacht, und ich bleibe dabei.",
        "open": "Was würde Ihnen jetzt am meisten helfen?",
    },
    "en": {
        "awareness": "I know why we are bringing social media into our work.",
        "desire": "I want to support the rollout and take part.",
        "knowledge": "I know how to use social media in my work the right way.",
        "ability": "I can do it in my daily work: time, access and devices are there.",
        "reinforcement": "Successes are made visible, and I keep it up.",
        "open": "What would help you most right now?",
    },
}


def template_texts() -> dict[str, dict[str, str]]:
    """A fresh copy of the template texts."""
    return {language: dict(texts) for language, texts in TEMPLATE_TEXTS.items()}


class Survey(Authored):
    """A pulse survey of a rollout: its questions in German and English (the same five scale
    questions and one open question in both), its audience and how often a new wave starts."""

    rollout = models.ForeignKey(
        Rollout, verbose_name=_("rollout"), on_delete=models.CASCADE, related_name="surveys"
    )
    title = models.CharField(_("title"), max_length=160)
    texts = models.JSONField(_("questions"), default=template_texts)
    audience_all = models.BooleanField(_("everyone"), default=True)
    audience_departments = models.ManyToManyField(
        Department, verbose_name=_("departments"), blank=True, related_name="surveys"
    )
    # With `audience_all` off: also the people invited to a training of this phase (of the
    # survey's rollout), whatever their department.
    audience_phase = models.ForeignKey(
        Phase,
        verbose_name=_("trainees of the phase"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    open_days = models.PositiveSmallIntegerField(
        _("open for (days)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    repeat_weeks = models.PositiveSmallIntegerField(
        _("repeat every (weeks)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
        help_text=_("Empty: one wave only."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("pulse survey")
        verbose_name_plural = _("pulse surveys")
        ordering = ["rollout", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(open_days__gte=1), name="survey_open_at_least_a_day"
            ),
            models.CheckConstraint(
                condition=models.Q(repeat_weeks__isnull=True) | models.Q(repeat_weeks__gte=1),
                name="survey_repeat_at_least_a_week",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.audience_phase_id and self.audience_phase.rollout_id != self.rollout_id:
            raise ValidationError({"audience_phase": _("Choose a phase of this rollout.")})
        texts = self.texts if isinstance(self.texts, dict) else {}
        for language in SURVEY_LANGUAGES:
            questions = texts.get(language)
            if not isinstance(questions, dict) or not all(
                isinstance(questions.get(key), str) and questions[key].strip()
                for key in QUESTION_KEYS
            ):
                raise ValidationError(
                    {"texts": _("Every question needs a German and an English text.")}
                )

    def question(self, key: str, language: str) -> str:
        """The text of question `key` in `language` (German when there is none)."""
        texts = self.texts or {}
        return (texts.get(language) or {}).get(key) or (texts.get("de") or {}).get(key, "")


class WaveStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class SurveyWave(models.Model):
    """One round of a survey: everyone in the audience is invited once and may answer until
    `closes_on` (inclusive). The next wave of a repeating survey is started by the daily beat."""

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="waves"
    )
    number = models.PositiveIntegerField(_("wave"))
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    status = models.CharField(
        _("status"), max_length=8, choices=WaveStatus.choices, default=WaveStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("survey wave")
        verbose_name_plural = _("survey waves")
        ordering = ["survey", "number"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="survey_wave_number_unique"),
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="survey_wave_closes_after_opening",
            ),
        ]
        indexes = [models.Index(fields=["status", "closes_on"], name="survey_wave_status_idx")]

    def __str__(self) -> str:
        return f"{self.survey} #{self.number}"

    def is_open(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status == WaveStatus.OPEN and self.opens_on <= today <= self.closes_on


class SurveyInvitation(models.Model):
    """A person's invitation to one wave: their personal link points to it. `answered_on`
    (the day only) is set, once, by the conditional update that accepts their answer."""

    wave = models.ForeignKey(
        SurveyWave, verbose_name=_("wave"), on_delete=models.CASCADE, related_name="invitations"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="survey_invitations",
    )
    answered_on = models.DateField(_("answered on"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        ordering = ["wave", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "person"], name="survey_invitation_once_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.wave}"


def _score(verbose_name: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        verbose_name, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )


class SurveyAnswer(models.Model):
    """One anonymous answer to a wave: the five scores, the free text and the department the
    person was in when answering. Nothing here leads back to the person (see the module)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(
        SurveyWave, verbose_name=_("wave"), on_delete=models.CASCADE, related_name="answers"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    awareness = _score(_("awareness"))
    desire = _score(_("desire"))
    knowledge = _score(_("knowledge"))
    ability = _score(_("ability"))
    reinforcement = _score(_("reinforcement"))
    comment = models.TextField(_("comment"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(**{f"{dimension}__gte": 1 for dimension in DIMENSIONS})
                & models.Q(**{f"{dimension}__lte": 5 for dimension in DIMENSIONS}),
                name="survey_answer_scores_1_to_5",
            ),
        ]
        indexes = [models.Index(fields=["wave", "department"], name="survey_answer_wave_idx")]

    def __str__(self) -> str:
        return f"{self.wave}: {self.pk}"


class SurveyFollowUp(models.Model):
    """The plan activity created from a wave's result for one group (a department, the
    merged other departments, or the company): at most one per wave and group, so a double
    click creates one activity."""

    wave = models.ForeignKey(
        SurveyWave, verbose_name=_("wave"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    group = models.CharField(_("group"), max_length=32)
    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension.choices)
    activity = models.ForeignKey(
        "rollout.Activity",
        verbose_name=_("activity"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("survey follow-up")
        verbose_name_plural = _("survey follow-ups")
        constraints = [
            models.UniqueConstraint(fields=["wave", "group"], name="survey_follow_up_once"),
        ]

    def __str__(self) -> str:
        return f"{self.wave} {self.group}: {self.dimension}"
