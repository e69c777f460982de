"""Forms of the rollout plan: the board's filters, activities, gate criteria, advancing a
phase, and saving a company template."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.forms import DecimalField, IntegerField, ModelMultipleChoiceField
from core.widgets import DateInput
from rollout.figures import SURVEY_READINESS, score_dimensions
from rollout.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    CriterionKind,
    Department,
    Rollout,
)
from rollout.selectors.plan import (
    STATUS_OPEN,
    STATUS_OVERDUE,
    BoardFilters,
    open_activity_choices,
    owner_candidates,
)


class FastSelect(forms.Select):
    """A select whose options are rendered in Python, not by a template per option: a list of
    200 departments or 1,000 possible owners costs a millisecond instead of dozens."""

    def render(self, name, value, attrs=None, renderer=None) -> str:  # type: ignore[override]
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        selected = {str(item) for item in self.format_value(value)}
        options = []
        for option, label in self.choices:
            key = "" if option is None else str(option)
            mark = " selected" if key in selected else ""
            options.append(f'<option value="{escape(key)}"{mark}>{escape(label)}</option>')
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(final_attrs),
            mark_safe("".join(options)),  # noqa: S308 - every value and label is escaped above
        )


class FastSelectMultiple(FastSelect):
    allow_multiple_selected = True

    def value_from_datadict(self, data, files, name):  # type: ignore[override]
        getter = getattr(data, "getlist", None)
        return getter(name) if getter else data.get(name)

    def value_omitted_from_data(self, data, files, name) -> bool:  # type: ignore[override]
        return False


class BoardFilterForm(forms.Form):
    """The board's filters (a GET form). Invalid values are reported and ignored."""

    department = forms.TypedChoiceField(
        label=_("Department"), coerce=int, required=False, empty_value=None, widget=FastSelect
    )
    owner = forms.CharField(
        label=_("Owner"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("Part of the name or email address."),
    )
    unowned = forms.BooleanField(label=_("Only without an owner"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, widget=FastSelect)
    kind = forms.ChoiceField(label=_("Kind"), required=False, widget=FastSelect)

    def __init__(self, data: object, *, departments: list[tuple[int, str]]) -> None:
        super().__init__(data, auto_id="filter-%s")
        everything = ("", _("All"))
        self.fields["department"].choices = [everything, *departments]
        self.fields["status"].choices = [
            everything,
            (STATUS_OPEN, _("Open")),
            (STATUS_OVERDUE, _("Overdue")),
            *ActivityStatus.choices,
        ]
        self.fields["kind"].choices = [everything, *ActivityKind.choices]

    def filters(self) -> BoardFilters:
        """The valid part of the filters; call after `is_valid()`."""
        data = getattr(self, "cleaned_data", {})
        return BoardFilters(
            department=data.get("department"),
            owner=(data.get("owner") or "").strip(),
            unowned=bool(data.get("unowned")),
            status=data.get("status") or "",
            kind=data.get("kind") or "",
        )


class ActivityCreateForm(forms.ModelForm):
    """The small form at the end of each phase: title, kind and due date."""

    class Meta:
        model = Activity
        fields = ["title", "kind", "due_date"]
        widgets = {"due_date": DateInput(), "kind": FastSelect}

    def __init__(self, *args: object, phase_pk: int, **kwargs: object) -> None:
        super().__init__(*args, prefix=f"new-{phase_pk}", **kwargs)


class ActivityEditForm(forms.ModelForm):
    """Everything about an activity. Owners come from a short list (see `owner_candidates`)."""

    class Meta:
        model = Activity
        fields = ["title", "kind", "owner", "departments", "due_date", "description"]
        field_classes = {"departments": ModelMultipleChoiceField}
        widgets = {
            "due_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "departments": FastSelectMultiple(attrs={"size": 6}),
            "kind": FastSelect,
            "owner": FastSelect,
        }

    def __init__(self, *args: object, rollout: Rollout, **kwargs: object) -> None:
        instance = kwargs["instance"]
        super().__init__(*args, prefix=f"edit-{instance.pk}", **kwargs)
        self.fields["owner"].queryset = owner_candidates(rollout=rollout, include=instance.owner_id)
        self.fields["owner"].empty_label = _("Nobody yet")
        self.fields["departments"].queryset = Department.objects.only("id", "name").order_by("name")
        self.fields["departments"].help_text = _("Hold Ctrl (or ⌘) to choose several.")


class ActivityOwnerForm(forms.ModelForm):
    """Hand an activity to someone else."""

    class Meta:
        model = Activity
        fields = ["owner"]
        widgets = {"owner": FastSelect}

    def __init__(self, *args: object, rollout: Rollout, **kwargs: object) -> None:
        instance = kwargs["instance"]
        super().__init__(*args, prefix=f"owner-{instance.pk}", **kwargs)
        self.fields["owner"].queryset = owner_candidates(rollout=rollout, include=instance.owner_id)
        self.fields["owner"].empty_label = _("Nobody yet")


class ActivityMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])
    # The position the user saw: a second click on a stale page moves nothing.
    position = forms.IntegerField(min_value=0)


class CriterionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CriterionKind.choices, widget=FastSelect)
    threshold = IntegerField(
        label=_("Threshold (%)"),
        required=False,
        min_value=0,
        max_value=100,
        help_text=_("For computed criteria: the percentage that must be reached."),
    )
    label = forms.CharField(
        label=_("Label"),
        required=False,
        max_length=200,
        help_text=_("For manual criteria: what must be true, e.g. “IT has unblocked LinkedIn”."),
    )
    dimension = forms.ChoiceField(
        label=_("Survey dimension"),
        required=False,
        help_text=_(
            "For a survey score: the dimension; the threshold is then the share of the "
            "departments with five answers or more (empty: every one)."
        ),
    )
    min_score = DecimalField(
        label=_("At least (score 1 to 5)"),
        required=False,
        min_value=1,
        max_value=5,
        max_digits=2,
        decimal_places=1,
        help_text=_("For a survey score: the lowest mean score, e.g. 3.5."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, auto_id="criterion-%s", **kwargs)
        self.fields["dimension"].choices = [
            ("", "\N{EN DASH}"),
            *score_dimensions(SURVEY_READINESS),
        ]

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("kind")
        if kind == CriterionKind.MANUAL:
            if not (data.get("label") or "").strip():
                self.add_error("label", _("A manual criterion needs a label."))
            data["threshold"] = None
        elif kind == CriterionKind.SURVEY_SCORE:
            if not data.get("dimension"):
                self.add_error("dimension", _("Choose the dimension of the survey score."))
            if data.get("min_score") is None and "min_score" not in self.errors:
                self.add_error("min_score", _("Give the lowest mean score, from 1 to 5."))
        elif kind and data.get("threshold") is None and "threshold" not in self.errors:
            self.add_error(
                "threshold", _("A computed criterion needs a threshold between 0 and 100 %.")
            )
        return data


class CriterionCheckForm(forms.Form):
    checked = forms.TypedChoiceField(
        choices=[("1", _("Met")), ("0", _("Not met"))], coerce=lambda value: value == "1"
    )


class GateAdvanceForm(forms.Form):
    override = forms.BooleanField(label=_("Advance despite unmet criteria"), required=False)
    reason = forms.CharField(
        label=_("Reason for the override"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded in the gate log, which appears in the reports."),
    )

    open_activities = forms.ChoiceField(
        label=_("What happens to the open activities?"),
        required=False,
        choices=[],
        widget=forms.RadioSelect,
    )

    def __init__(
        self, *args: object, open_count: int = 0, has_next: bool = True, **kwargs: object
    ) -> None:
        """`open_count`: the phase's planned and in-progress activities; with any, the
        choice what happens to them is required (moving needs a next phase)."""
        super().__init__(*args, auto_id="advance-%s", **kwargs)
        self.open_count = open_count
        field = self.fields["open_activities"]
        if open_count:
            field.required = True
            field.choices = open_activity_choices(has_next=has_next)
            field.help_text = ngettext(
                "%(count)s activity of this phase is planned or in progress.",
                "%(count)s activities of this phase are planned or in progress.",
                open_count,
            ) % {"count": open_count}
            field.error_messages["required"] = _(
                "Please choose what happens to the open activities."
            )
        else:
            del self.fields["open_activities"]

    def add_service_error(self, error: ValidationError) -> None:
        """Put the service's refusal next to the field it concerns."""
        field = {
            "override_required": "override",
            "reason_required": "reason",
            "open_activities_required": "open_activities",
        }.get(error.code or "")
        if field not in self.fields:
            field = None
        self.add_error(field, error)


class TemplateSaveForm(forms.Form):
    name = forms.CharField(label=_("Template name"), max_length=160)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, auto_id="template-%s", **kwargs)
