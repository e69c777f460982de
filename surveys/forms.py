"""Forms of the pulse surveys: the survey (its German and English questions), starting a wave,
and the answer form behind the personal link."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core import forms as number_fields
from core.widgets import DateInput
from rollout.models import Department, Phase
from surveys.models import (
    DIMENSIONS,
    OPEN_QUESTION,
    QUESTION_KEYS,
    SURVEY_LANGUAGES,
    Dimension,
    Survey,
)

LANGUAGE_LABELS = {"de": _("German"), "en": _("English")}
SCALE = [(value, str(value)) for value in range(1, 6)]


def _question_label(key: str) -> str:
    return str(Dimension(key).label) if key in DIMENSIONS else str(_("Open question"))


class SurveyForm(forms.ModelForm):
    """A survey's title, audience, rhythm and its questions in both languages."""

    class Meta:
        model = Survey
        fields = (
            "title",
            "audience_all",
            "audience_departments",
            "audience_phase",
            "open_days",
            "repeat_weeks",
            "is_active",
        )
        widgets = {"audience_departments": forms.CheckboxSelectMultiple}
        # German number input ("1.250") like every typed number of the product.
        field_classes = {
            "open_days": number_fields.IntegerField,
            "repeat_weeks": number_fields.IntegerField,
        }
        labels = {
            "audience_all": _("Ask everyone"),
            "audience_phase": _("Also the trainees of the phase"),
        }
        help_texts = {
            "audience_all": _(
                "Otherwise only the departments ticked below and the trainees of the phase."
            ),
            "audience_phase": _(
                "The people invited to a training of this phase, whatever their department."
            ),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["audience_departments"].queryset = Department.objects.order_by("name")
        phase = self.fields["audience_phase"]
        phase.queryset = Phase.objects.filter(rollout_id=self.instance.rollout_id).order_by("order")
        phase.label_from_instance = lambda item: item.get_kind_display()
        phase.empty_label = _("No phase")
        texts = self.instance.texts or {}
        self.question_fields: list[tuple[str, list[forms.BoundField]]] = []
        for language in SURVEY_LANGUAGES:
            names = []
            for key in QUESTION_KEYS:
                name = f"q_{language}_{key}"
                self.fields[name] = forms.CharField(
                    label=f"{_question_label(key)} ({LANGUAGE_LABELS[language]})",
                    max_length=300,
                    initial=(texts.get(language) or {}).get(key, ""),
                    widget=forms.TextInput(attrs={"size": 60}),
                )
                names.append(name)
            self.question_fields.append((language, names))

    def language_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (LANGUAGE_LABELS[language], [self[name] for name in names])
            for language, names in self.question_fields
        ]

    def texts(self) -> dict[str, dict[str, str]]:
        return {
            language: {key: self.cleaned_data[f"q_{language}_{key}"] for key in QUESTION_KEYS}
            for language in SURVEY_LANGUAGES
        }


class WaveStartForm(forms.Form):
    """Start a wave now; it stays open until `closes_on` (default: the survey's days)."""

    closes_on = forms.DateField(
        label=_("open until"), required=False, widget=DateInput(), help_text=_("Inclusive.")
    )


class AnswerForm(forms.Form):
    """The five scale questions and the open one, in the person's language."""

    def __init__(self, *args: object, survey: Survey, language: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for dimension in DIMENSIONS:
            self.fields[dimension] = forms.TypedChoiceField(
                label=survey.question(dimension, language),
                choices=SCALE,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose a value from 1 to 5.")},
            )
        self.fields["comment"] = forms.CharField(
            label=survey.question(OPEN_QUESTION, language),
            required=False,
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 4}),
        )

    def scale_fields(self) -> list[forms.BoundField]:
        return [self[dimension] for dimension in DIMENSIONS]

    def scores(self) -> dict[str, int]:
        return {dimension: self.cleaned_data[dimension] for dimension in DIMENSIONS}


class FollowUpForm(forms.Form):
    """Which group's suggestion to put in the plan."""

    group = forms.CharField(max_length=32)
