"""Forms of the communication plan and the success stories."""

import datetime
import re

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import forms as number_fields
from core.widgets import DateInput
from rollout.models import (
    Channel,
    CommunicationItem,
    CommunicationStatus,
    Department,
    KpiName,
    Person,
    StoryKind,
    SuccessStory,
)
from rollout.selectors.communication import MONTH, PAST, UPCOMING


def owner_choices(current: Person | None = None):
    """Who may own a communication item: people with an account (the manager, leadership,
    heads) and the heads and deputies of departments; a short list in a company of any size."""
    condition = (
        Q(user__isnull=False, user__is_active=True)
        | Q(headed_departments__isnull=False)
        | Q(deputised_departments__isnull=False)
    )
    condition = Q(is_active=True) & condition
    if current is not None:
        condition |= Q(pk=current.pk)
    return Person.objects.filter(condition).distinct().order_by("last_name", "first_name")


class CommunicationItemForm(forms.ModelForm):
    """Plan or change an item of the internal communication plan."""

    class Meta:
        model = CommunicationItem
        fields = [
            "date",
            "channel",
            "message",
            "audience_departments",
            "audience_note",
            "owner",
            "social_homework",
        ]
        field_classes = {"audience_departments": number_fields.ModelMultipleChoiceField}
        widgets = {
            "date": DateInput(),
            "message": forms.Textarea(attrs={"rows": 3}),
            "social_homework": forms.Textarea(attrs={"rows": 2}),
            "audience_departments": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: object, with_status: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["audience_departments"].queryset = Department.objects.only("id", "name")
        current = self.instance.owner if self.instance.pk and self.instance.owner_id else None
        self.fields["owner"].queryset = owner_choices(current)
        self.fields["owner"].empty_label = _("Nobody yet")
        self.fields["message"].widget.attrs["maxlength"] = 2000
        if with_status:
            self.fields["status"] = forms.ChoiceField(
                label=_("Status"),
                choices=CommunicationStatus.choices,
                initial=self.instance.status,
            )

    def clean_message(self) -> str:
        message = self.cleaned_data["message"].strip()
        if not message:
            raise forms.ValidationError(_("Please say what is communicated."))
        return message


class CommunicationFilterForm(forms.Form):
    """Filter and period of the plan, from the query string; bad values are ignored."""

    when = forms.ChoiceField(
        choices=[(UPCOMING, UPCOMING), (PAST, PAST), (MONTH, MONTH)], required=False
    )
    month = forms.CharField(required=False, widget=forms.HiddenInput)
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[("", _("All channels")), *Channel.choices],
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *CommunicationStatus.choices],
        required=False,
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.only("id", "name"),
        empty_label=_("All departments"),
        required=False,
    )

    def clean_month(self) -> datetime.date | None:
        value = self.cleaned_data.get("month", "")
        if not value:
            return None
        match = re.fullmatch(r"(\d{4})-(\d{2})", value)
        if not match or not 1 <= int(match[2]) <= 12 or not 1900 <= int(match[1]) <= 9999:
            raise forms.ValidationError(_("This is not a month; showing upcoming items."))
        return datetime.date(int(match[1]), int(match[2]), 1)

    def values(self) -> dict[str, object]:
        """The usable filter values: each invalid one is dropped, the valid ones still apply."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        data = {name: cleaned.get(name) for name in self.fields}
        for name in self.errors:
            data[name] = None
        month = data["month"]
        when = data["when"] or (MONTH if month else UPCOMING)
        if when == MONTH and month is None:
            when = UPCOMING
        return {
            "when": when,
            "month": month if when == MONTH else None,
            "channel": data["channel"] or "",
            "status": data["status"] or "",
            "department": data["department"],
        }


class SuccessStoryForm(forms.ModelForm):
    """Record a quick win or a key figure; a key figure needs its name and its value."""

    class Meta:
        model = SuccessStory
        fields = ["kind", "date", "department", "title", "description", "kpi_name", "kpi_value"]
        field_classes = {"kpi_value": number_fields.DecimalField}
        widgets = {
            "kind": forms.RadioSelect,
            "date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "kpi_name": _("Only for key figures."),
            "kpi_value": _("Only for key figures, e.g. 1250 followers."),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.only("id", "name")
        self.fields["department"].empty_label = _("Whole company")
        self.fields["kpi_name"].choices = [("", "\N{EN DASH}"), *KpiName.choices]
        self.fields["kind"].choices = StoryKind.choices
        if not self.instance.pk:
            self.fields["kind"].initial = StoryKind.QUICK_WIN

    def clean_kpi_value(self):
        value = self.cleaned_data.get("kpi_value")
        if value is not None and value < 0:
            raise forms.ValidationError(_("A key figure cannot be negative."))
        return value

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") == StoryKind.KPI:
            if not data.get("kpi_name"):
                self.add_error("kpi_name", _("A key figure needs a name: choose one."))
            if data.get("kpi_value") is None and "kpi_value" not in self.errors:
                self.add_error("kpi_value", _("A key figure needs a value."))
        return data
