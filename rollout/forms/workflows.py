"""Forms of content workflows: the terms, the head's answer, deliveries, sign-in links."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import IntegerField
from core.widgets import DateTimeInput
from rollout.models import Department, Person, SupplyChannel
from rollout.models.workflows import MAX_TURNAROUND_HOURS
from rollout.services.workflows import Terms

HOURS, DAYS = "hours", "days"


def _people_by_email(text: str) -> list[Person]:
    emails = [part.strip().lower() for part in text.replace(",", "\n").splitlines()]
    emails = [email for email in emails if email]
    found = {
        person.email.lower(): person
        for person in Person.objects.filter(email__in=emails, is_active=True)
    }
    unknown = [email for email in emails if email not in found]
    if unknown:
        raise forms.ValidationError(
            _("Not in the directory (or inactive): %(emails)s"),
            params={"emails": ", ".join(unknown)},
            code="unknown",
        )
    return list(dict.fromkeys(found[email] for email in emails))


class WorkflowForm(forms.Form):
    """The terms of a workflow; with `department` given (creating), also the content title."""

    title = forms.CharField(
        label=_("Content"),
        max_length=160,
        help_text=_("For example “Event photos”, “Job ads”, “Customer stories”."),
    )
    content = forms.CharField(
        label=_("What is supplied"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the social media team receives, e.g. “5–10 photos, landscape”."),  # noqa: RUF001
    )
    trigger = forms.CharField(
        label=_("Trigger"),
        max_length=200,
        help_text=_("When content is due, e.g. “every trade fair or company event”."),
    )
    suppliers = forms.CharField(
        label=_("Suppliers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        help_text=_("Email addresses of the people who supply it, one per line."),
    )
    turnaround = IntegerField(label=_("Turnaround"), min_value=1, max_value=720)
    turnaround_unit = forms.ChoiceField(
        label=_("Unit"), choices=[(HOURS, _("hours")), (DAYS, _("days"))], initial=HOURS
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=SupplyChannel.choices)
    channel_detail = forms.CharField(
        label=_("Channel details"),
        max_length=200,
        required=False,
        help_text=_("An address or folder, e.g. social@example.com."),
    )
    escalation_contact = forms.EmailField(
        label=_("Asked when late"),
        required=False,
        help_text=_("Email address of the person asked when content is late."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args, creating: bool = False, department: Department | None = None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.department = department
        if not creating:
            del self.fields["title"]

    @classmethod
    def initial_from(cls, revision) -> dict[str, object]:
        hours = revision.turnaround_hours
        in_days = hours >= 48 and hours % 24 == 0
        return {
            "content": revision.content,
            "trigger": revision.trigger,
            "suppliers": "\n".join(person.email for person in revision.suppliers.all()),
            "turnaround": hours // 24 if in_days else hours,
            "turnaround_unit": DAYS if in_days else HOURS,
            "channel": revision.channel,
            "channel_detail": revision.channel_detail,
            "escalation_contact": (
                revision.escalation_contact.email if revision.escalation_contact else ""
            ),
            "notes": revision.notes,
        }

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if (
            self.department is not None
            and self.department.content_workflows.filter(title__iexact=title).exists()
        ):
            raise forms.ValidationError(
                _("%(department)s already has a workflow for “%(title)s”."),
                params={"department": self.department.name, "title": title},
                code="duplicate",
            )
        return title

    def clean_suppliers(self) -> list[Person]:
        return _people_by_email(self.cleaned_data["suppliers"])

    def clean_escalation_contact(self) -> Person | None:
        email = self.cleaned_data["escalation_contact"]
        if not email:
            return None
        people = _people_by_email(email)
        return people[0] if people else None

    def clean(self) -> dict:
        data = super().clean()
        value, unit = data.get("turnaround"), data.get("turnaround_unit")
        if value is not None and unit:
            hours = value * 24 if unit == DAYS else value
            if hours > MAX_TURNAROUND_HOURS:
                self.add_error("turnaround", _("At most 30 days."))
            data["turnaround_hours"] = hours
        return data

    def terms(self) -> Terms:
        data = self.cleaned_data
        return Terms(
            content=data["content"],
            trigger=data["trigger"],
            turnaround_hours=data["turnaround_hours"],
            channel=data["channel"],
            channel_detail=data["channel_detail"],
            notes=data["notes"],
            suppliers=tuple(data["suppliers"]),
            escalation_contact=data["escalation_contact"],
        )


class DecisionForm(forms.Form):
    """The head's answer to a proposed revision. The manager must give a reason to answer on
    the head's behalf."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    on_behalf_reason = forms.CharField(
        label=_("Why do you answer for the department head?"),
        required=False,
        max_length=1000,
        help_text=_("For example “confirmed by phone on 3 March”. It is recorded."),
    )


class ChangesForm(DecisionForm):
    comment = forms.CharField(
        label=_("What should change?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Please say what should change.")},
    )


class DeliveryForm(forms.Form):
    description = forms.CharField(
        label=_("What"), max_length=200, help_text=_("For example “Photos of the summer party”.")
    )
    requested_at = forms.DateTimeField(label=_("Requested at"), widget=DateTimeInput())
    delivered_at = forms.DateTimeField(
        label=_("Delivered at"),
        required=False,
        widget=DateTimeInput(),
        help_text=_("Leave empty while it has not arrived."),
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, suppliers=None, **kwargs) -> None:
        """`suppliers` (the manager's form): whom the request is for; the supplier then sees
        it on their page and is reminded when it is late."""
        super().__init__(*args, **kwargs)
        self.suppliers = {person.pk: person for person in suppliers or ()}
        if suppliers is not None:
            self.fields["supplier"] = forms.TypedChoiceField(
                label=_("Supplier"),
                required=False,
                coerce=int,
                empty_value=None,
                choices=[("", "\N{EN DASH}")]
                + [(person.pk, person.full_name) for person in suppliers],
                help_text=_("Who is asked for it; they see it on their supply page."),
            )

    def clean(self) -> dict:
        data = super().clean()
        if "supplier" in self.fields:
            data["supplier"] = self.suppliers.get(data.get("supplier"))
        requested, delivered = data.get("requested_at"), data.get("delivered_at")
        now = timezone.now() + datetime.timedelta(minutes=5)
        if requested and requested > now:
            self.add_error("requested_at", _("This is in the future."))
        if delivered and delivered > now:
            self.add_error("delivered_at", _("This is in the future."))
        if requested and delivered and delivered < requested:
            self.add_error("delivered_at", _("Delivered cannot be before requested."))
        return data


class DeliveredForm(forms.Form):
    delivered_at = forms.DateTimeField(
        label=_("Delivered at"), required=False, widget=DateTimeInput()
    )


class LoginLinkRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)
