"""Forms of goals, their values and the import of a network's analytics export."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import forms as number_fields
from core.widgets import DateInput
from goals.models import Goal
from rollout.models import Department, Person, SuccessStory


class GoalForm(forms.ModelForm):
    """Create or change a goal."""

    class Meta:
        model = Goal
        fields = (
            "company_goal",
            "department",
            "sub_goal",
            "key_figure",
            "baseline",
            "target",
            "start_date",
            "due_date",
            "owner",
        )
        field_classes = {
            "baseline": number_fields.DecimalField,
            "target": number_fields.DecimalField,
        }
        widgets = {"start_date": DateInput(), "due_date": DateInput()}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.order_by("name")
        current = self.instance.owner_id
        owners = Person.objects.filter(is_active=True, user__isnull=False)
        if current:
            owners = owners | Person.objects.filter(pk=current)
        self.fields["owner"].queryset = owners.distinct().order_by("last_name", "first_name")


class GoalValueForm(forms.Form):
    """One value of the key figure on a date."""

    date = forms.DateField(label=_("date"), widget=DateInput())
    value = number_fields.DecimalField(label=_("value"), max_digits=14, decimal_places=2)


class AnalyticsUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Export of the page analytics (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


class ColumnMappingForm(forms.Form):
    """Which column holds the date and which the value."""

    date_column = forms.TypedChoiceField(label=_("Date column"), coerce=int)
    value_column = forms.TypedChoiceField(label=_("Value column"), coerce=int)

    def __init__(self, *args: object, headers: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        choices = [(i, header or f"#{i + 1}") for i, header in enumerate(headers)]
        self.fields["date_column"].choices = choices
        self.fields["value_column"].choices = choices

    def clean(self) -> dict:
        data = super().clean()
        if data.get("date_column") is not None and data.get("date_column") == data.get(
            "value_column"
        ):
            raise forms.ValidationError(_("The date and the value must be different columns."))
        return data


class StoryLinkForm(forms.Form):
    """Which success story of the rollout moves this goal: one tied to no goal yet (or to this
    one, so that a double submit is no error); a story moves at most one goal."""

    story = forms.ModelChoiceField(label=_("Success story"), queryset=SuccessStory.objects.none())

    def __init__(self, *args: object, goal: Goal, **kwargs: object) -> None:
        super().__init__(*args, auto_id="story-%s", **kwargs)
        self.fields["story"].queryset = (
            SuccessStory.objects.filter(rollout_id=goal.rollout_id)
            .filter(Q(goal_link__isnull=True) | Q(goal_link__goal_id=goal.pk))
            .only("title", "date")
            .order_by("-date", "-pk")
        )
