"""Forms of the guidelines: a guideline, a version's text, approval, publishing, questions,
the acknowledgment (with the comprehension check) and recording it on someone's behalf."""

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from core.forms import IntegerField, ModelMultipleChoiceField
from core.widgets import DateInput
from guidelines.models import ComprehensionQuestion
from rollout.models import Department

MARKDOWN_HELP = _(
    "Markdown. Each heading (# Heading) starts a section; the comparison between versions "
    "works section by section."
)


class GuidelineForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    body = forms.CharField(
        label=_("Text of the first version"),
        help_text=MARKDOWN_HELP,
        widget=forms.Textarea(attrs={"rows": 18}),
    )


class VersionForm(forms.Form):
    body = forms.CharField(
        label=_("Text"), help_text=MARKDOWN_HELP, widget=forms.Textarea(attrs={"rows": 22})
    )
    change_summary = forms.CharField(
        label=_("Change summary"),
        required=False,
        help_text=_("In one or two sentences: what is new in this version."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    effective_date = forms.DateField(label=_("Effective from"), required=False, widget=DateInput())
    body_en = forms.CharField(
        label=_("English text (optional)"),
        required=False,
        help_text=_(
            "Markdown. Shown to English-speaking people instead of the German text, with a "
            "note that the German text is the binding one."
        ),
        widget=forms.Textarea(attrs={"rows": 12, "lang": "en"}),
    )
    change_summary_en = forms.CharField(
        label=_("Change summary in English (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "lang": "en"}),
    )

    def __init__(self, *args, frozen: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if frozen:
            # With the works council or approved: the text is frozen, the date may change.
            for name in ("body", "change_summary", "body_en", "change_summary_en"):
                del self.fields[name]


class ReturnToDraftForm(forms.Form):
    reason = forms.CharField(
        label=_("Why back to draft?"),
        max_length=1000,
        help_text=_("For example “The works council asks for a section on private accounts”."),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the version goes back to draft.")},
    )


class SendBackForm(forms.Form):
    """The works council sends a version back to draft, with what it asks for."""

    comment = forms.CharField(
        label=_("What should change?"),
        max_length=2000,
        help_text=_("The social media manager receives it by email and sees it in the history."),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what should change before you send it back.")},
    )


class ApproveForm(forms.Form):
    approved_on = forms.DateField(
        label=_("Approved by the works council on"),
        widget=DateInput(),
    )
    works_agreement_reference = forms.CharField(
        label=_("Works agreement reference"),
        max_length=120,
        help_text=_("For example “BV 2026/03 Social Media”."),
    )

    on_paper = forms.CharField(
        label=_("How the works council approved it"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "You record the approval for the works council, for example “signed agreement "
            "of 12 March, minutes of the meeting”. It is kept in the version's history."
        ),
        error_messages={
            "required": _("Say how the works council gave its approval; it is recorded.")
        },
    )

    def __init__(self, *args, submitted_on=None, on_paper: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.submitted_on = submitted_on
        if not on_paper:  # a member of the works council approves for themselves
            del self.fields["on_paper"]

    def clean_approved_on(self):
        value = self.cleaned_data["approved_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The approval cannot be in the future."))
        if self.submitted_on is not None and value < self.submitted_on:
            raise forms.ValidationError(
                _(
                    "The approval cannot be before the version was sent to the works council "
                    "(%(date)s)."
                ),
                params={"date": formats.date_format(self.submitted_on, "SHORT_DATE_FORMAT")},
            )
        return value


class PublishForm(forms.Form):
    SCOPE_CHOICES = [("all", _("Everyone")), ("departments", _("Chosen departments"))]
    scope = forms.ChoiceField(
        label=_("Who must acknowledge it"),
        choices=SCOPE_CHOICES,
        initial="all",
        widget=forms.RadioSelect,
    )
    departments = ModelMultipleChoiceField(
        label=_("Departments"),
        queryset=Department.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    acknowledge_by = forms.DateField(
        label=_("Acknowledge by"),
        required=False,
        help_text=_(
            "Empty: two weeks from today. Afterwards, missing acknowledgments are overdue."
        ),
        widget=DateInput(),
    )

    effective_date = forms.DateField(
        label=_("Effective from"),
        required=False,
        help_text=_("The day from which this version applies."),
        widget=DateInput(),
    )
    effective_on_publication = forms.BooleanField(
        label=_("Applies from publication (today)"),
        required=False,
        help_text=_("Only if there is no date of its own: it then applies from today."),
    )

    def __init__(self, *args, needs_effective_date: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.needs_effective_date = needs_effective_date
        if not needs_effective_date:
            # The version has its effective date (shown on the page, changed on the edit page).
            del self.fields["effective_date"]
            del self.fields["effective_on_publication"]

    def clean(self):
        data = super().clean()
        if self.needs_effective_date:
            if data.get("effective_date") and data.get("effective_on_publication"):
                self.add_error(
                    "effective_on_publication",
                    _("Either a date or “from publication”, not both."),
                )
            elif (
                not data.get("effective_date")
                and not data.get("effective_on_publication")
                and "effective_date" not in self.errors
            ):
                self.add_error(
                    "effective_date",
                    _(
                        "Give the date from which this version applies, or choose "
                        "“from publication”."
                    ),
                )
        if data.get("scope") == "departments" and not data.get("departments"):
            self.add_error("departments", _("Choose at least one department."))
        value = data.get("acknowledge_by")
        if value and value < timezone.localdate():
            self.add_error("acknowledge_by", _("The date must not be in the past."))
        return data


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=300)
    choices = forms.CharField(
        label=_("Answers"),
        help_text=_("One answer per line, at least two."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    correct_choice = IntegerField(
        label=_("Number of the right answer"), min_value=1, max_value=10, initial=1
    )

    def clean(self):
        data = super().clean()
        lines = [line.strip() for line in data.get("choices", "").splitlines() if line.strip()]
        if data.get("choices") is not None and len(lines) < 2:
            self.add_error("choices", _("Give at least two answers, one per line."))
        correct = data.get("correct_choice")
        if correct and lines and correct > len(lines):
            self.add_error("correct_choice", _("There is no answer with this number."))
        data["choice_list"] = lines
        return data


class AcknowledgeForm(forms.Form):
    """The button, and one radio group per comprehension question (answers by index)."""

    def __init__(self, *args, questions: list[ComprehensionQuestion], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"q{question.pk}"] = forms.TypedChoiceField(
                label=question.text,
                choices=[(str(index), choice) for index, choice in enumerate(question.choices)],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose an answer.")},
            )

    def answers(self) -> dict[int, int | None]:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") for q in self.questions}

    def mark_wrong(self, wrong: list[ComprehensionQuestion]) -> None:
        for question in wrong:
            self.add_error(f"q{question.pk}", _("This is not right yet."))


class OnBehalfForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("For example “signed the paper form on 3 March, filed by HR”."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
