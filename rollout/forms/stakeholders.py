"""Forms of the stakeholder map and card."""

from collections.abc import Iterable

from django import forms
from django.utils.translation import gettext_lazy as _

from rollout.models import Attitude, Department, Person, Rollout, Stakeholder, StakeholderRole

INFLUENCE_CHOICES = [
    (1, _("1: very low")),
    (2, _("2: low")),
    (3, _("3: medium")),
    (4, _("4: high")),
    (5, _("5: very high")),
]


class StakeholderFilterForm(forms.Form):
    """The map's GET filter. Without the department options (for re-rendering the grid after
    an action) any department id is accepted."""

    department = forms.TypedChoiceField(
        label=_("Department"), required=False, coerce=int, empty_value=None
    )
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[("", _("All roles")), *StakeholderRole.choices],
    )

    def __init__(self, *args, departments: Iterable[Department] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if departments is None:
            self.fields["department"] = forms.IntegerField(required=False, min_value=1)
        else:
            self.fields["department"].choices = [
                ("", _("All departments")),
                *((department.pk, department.name) for department in departments),
            ]

    def filters(self) -> dict[str, object]:
        """The valid filters; an invalid value filters nothing (and the form shows why)."""
        if not self.is_bound:
            return {"department_id": None, "role": None}
        self.is_valid()
        data = self.cleaned_data
        return {"department_id": data.get("department"), "role": data.get("role") or None}


class AttitudeForm(forms.Form):
    attitude = forms.TypedChoiceField(label=_("Attitude"), coerce=int, choices=Attitude.choices)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What happened? For example “convinced after the workshop”."),
    )


class ChampionForm(AttitudeForm):
    """Mark as champion: the attitude form with the attitude fixed to champion."""

    attitude = forms.TypedChoiceField(
        coerce=int,
        choices=Attitude.choices,
        initial=Attitude.CHAMPION,
        widget=forms.HiddenInput,
    )
    note = forms.CharField(
        label=_("Why is this person a champion?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StakeholderUpdateForm(forms.ModelForm):
    influence = forms.TypedChoiceField(label=_("Influence"), coerce=int, choices=INFLUENCE_CHOICES)

    class Meta:
        model = Stakeholder
        fields = ["role", "influence", "concerns"]
        widgets = {"concerns": forms.Textarea(attrs={"rows": 3})}


class ThanksForm(forms.Form):
    message = forms.CharField(
        label=_("Thank-you message"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Please write a thank-you message.")},
    )


class StakeholderAddForm(forms.Form):
    """Add a person to the rollout's stakeholders, chosen by email address (a datalist offers
    matching people; the company may have tens of thousands)."""

    email = forms.EmailField(
        label=_("Email address of the person"),
        widget=forms.EmailInput(attrs={"list": "person-options", "autocomplete": "off"}),
        help_text=_("Type a name or an email address; matching people are suggested."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=StakeholderRole.choices)
    influence = forms.TypedChoiceField(
        label=_("Influence"), coerce=int, choices=INFLUENCE_CHOICES, initial=3
    )
    attitude = forms.TypedChoiceField(
        label=_("Attitude"), coerce=int, choices=Attitude.choices, initial=Attitude.NEUTRAL
    )
    concerns = forms.CharField(
        label=_("Concerns"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, rollout: Rollout, suggest_url: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rollout = rollout
        self.person: Person | None = None
        if suggest_url:  # htmx fills the datalist with matching people while typing
            self.fields["email"].widget.attrs.update(
                {
                    "data-hx-get": suggest_url,
                    "data-hx-trigger": "input changed delay:300ms",
                    "data-hx-target": "#person-options",
                    "data-hx-swap": "innerHTML",
                    "data-hx-sync": "this:replace",
                }
            )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        person = Person.objects.filter(email__iexact=email).select_related("department").first()
        if person is None:
            raise forms.ValidationError(
                _(
                    "Nobody with the email address “%(email)s” is in the directory. Check the "
                    "spelling, or import the person first."
                ),
                code="unknown",
                params={"email": email},
            )
        if not person.is_active:
            raise forms.ValidationError(
                _("%(name)s is marked as inactive in the directory."),
                code="inactive",
                params={"name": person.full_name},
            )
        if Stakeholder.objects.filter(rollout=self.rollout, person=person).exists():
            raise forms.ValidationError(
                _("%(name)s is already a stakeholder of this rollout."),
                code="duplicate",
                params={"name": person.full_name},
            )
        self.person = person
        return email
