"""Forms of training sessions: scheduling and editing, cancelling, the series, walk-ins, the
answer from the signed link and the feedback."""

import datetime
import re
import zoneinfo

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import IntegerField, ModelMultipleChoiceField
from core.widgets import DateInput, TimeInput
from guidelines.models import (
    GuidelineVersion,
    InvitationStatus,
    TrainingInvitation,
    TrainingKind,
    TrainingSession,
    VersionStatus,
)
from rollout.models import Department, Person, Phase, Rollout, StakeholderRole

# Sessions are planned in the company's time zone; shown to each user in their own.
PLANNING_ZONE = zoneinfo.ZoneInfo("Europe/Berlin")


def _people_by_email(text: str) -> tuple[list[Person], list[str]]:
    emails = sorted({e.lower() for e in re.split(r"[\s,;]+", text or "") if e})
    if not emails:
        return [], []
    found = {p.email.lower(): p for p in Person.objects.filter(email__in=emails, is_active=True)}
    return list(found.values()), [e for e in emails if e not in found]


class _ChosenAccepted(ModelMultipleChoiceField):
    """The accepted people chosen to move to the waitlist. A choice that is no longer among
    them (a double submit, someone who declined meanwhile) is left out instead of refused:
    the count of the ones left decides whether the choice is complete."""

    def _check_values(self, value):
        numbers = []
        for item in value:
            try:
                number = int(str(item).strip())
            except (TypeError, ValueError):
                continue
            if 0 < number < 2**63:
                numbers.append(number)
        return super()._check_values(
            [str(pk) for pk in self.queryset.filter(pk__in=numbers).values_list("pk", flat=True)]
        )


def _accepted_label(invitation: TrainingInvitation) -> str:
    department = invitation.person.department
    name = invitation.person.full_name
    return f"{name} ({department.name})" if department else name


class SessionForm(forms.Form):
    """Schedule or edit a session. Date and times are Europe/Berlin wall-clock times."""

    kind = forms.ChoiceField(label=_("Kind"), choices=TrainingKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    phase = forms.ModelChoiceField(
        label=_("Phase"), queryset=Phase.objects.none(), empty_label=None
    )
    guideline_version = forms.ModelChoiceField(
        label=_("Guideline version covered"),
        queryset=GuidelineVersion.objects.none(),
        required=False,
        empty_label=_("None"),
    )
    date = forms.DateField(label=_("Date"), widget=DateInput())
    start_time = forms.TimeField(label=_("From"), widget=TimeInput())
    end_time = forms.TimeField(label=_("To"), widget=TimeInput())
    room = forms.CharField(label=_("Room"), max_length=200, required=False)
    online_url = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")
    trainer_email = forms.EmailField(
        label=_("Trainer (email address)"),
        required=False,
        help_text=_("A person from the directory."),
    )
    capacity = IntegerField(
        label=_("Seats"),
        required=False,
        min_value=1,
        help_text=_("Leave empty for no limit. Further acceptances go to a waitlist."),
    )
    departments = ModelMultipleChoiceField(
        label=_("Audience: departments"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    roles = forms.MultipleChoiceField(
        label=_("Audience: stakeholders with the role"),
        choices=StakeholderRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    people = forms.CharField(
        label=_("Audience: chosen people (email addresses)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Separated by commas or line breaks."),
    )

    def __init__(self, *args, rollout: Rollout, session: TrainingSession | None = None, **kw):
        if session is not None and "initial" not in kw:
            kw["initial"] = self.initial_for(session)
        super().__init__(*args, **kw)
        self.rollout = rollout
        self.fields["phase"].queryset = Phase.objects.filter(rollout=rollout).order_by("order")
        self.fields["guideline_version"].queryset = GuidelineVersion.objects.filter(
            status__in=[VersionStatus.APPROVED, VersionStatus.PUBLISHED]
        ).select_related("guideline")
        self.fields["departments"].queryset = Department.objects.order_by("name")
        self.trainer: Person | None = None
        self.people: list[Person] = []
        self.session = session
        # Fewer seats than acceptances: how many the manager must move to the waitlist.
        self.waitlist_missing = 0
        if session is not None:
            self.fields["to_waitlist"] = _ChosenAccepted(
                label=_("Who moves to the waitlist?"),
                queryset=TrainingInvitation.objects.filter(
                    session=session, status=InvitationStatus.ACCEPTED
                )
                .select_related("person", "person__department")
                .order_by("responded_at", "pk"),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=_(
                    "They go to the front of the waitlist in the order they accepted and are "
                    "told by email; whoever stays keeps their seat."
                ),
            )
            self.fields["to_waitlist"].label_from_instance = _accepted_label

    @staticmethod
    def initial_for(session: TrainingSession) -> dict:
        start = session.starts_at.astimezone(PLANNING_ZONE)
        end = session.ends_at.astimezone(PLANNING_ZONE)
        return {
            "kind": session.kind,
            "title": session.title,
            "description": session.description,
            "phase": session.phase_id,
            "guideline_version": session.guideline_version_id,
            "date": start.date(),
            "start_time": start.time().replace(tzinfo=None),
            "end_time": end.time().replace(tzinfo=None),
            "room": session.room,
            "online_url": session.online_url,
            "trainer_email": session.trainer.email if session.trainer else "",
            "capacity": session.capacity,
            "departments": [d.pk for d in session.audience_departments.all()],
            "roles": session.audience_roles,
            "people": "\n".join(p.email for p in session.audience_people.all()),
        }

    def clean_trainer_email(self) -> str:
        email = self.cleaned_data["trainer_email"].strip().lower()
        if email:
            self.trainer = Person.objects.filter(email__iexact=email, is_active=True).first()
            if self.trainer is None:
                raise forms.ValidationError(
                    _("Nobody with this email address is in the directory.")
                )
        return email

    def clean_people(self) -> str:
        text = self.cleaned_data["people"]
        self.people, unknown = _people_by_email(text)
        if unknown:
            raise forms.ValidationError(
                _("Not in the directory: %(emails)s"), params={"emails": ", ".join(unknown)}
            )
        return text

    def clean(self) -> dict:
        data = super().clean()
        date, start, end = data.get("date"), data.get("start_time"), data.get("end_time")
        if date and start and end:
            starts_at = datetime.datetime.combine(date, start, tzinfo=PLANNING_ZONE)
            ends_at = datetime.datetime.combine(date, end, tzinfo=PLANNING_ZONE)
            for name, value in (("start_time", starts_at), ("end_time", ends_at)):
                back = value.astimezone(datetime.UTC).astimezone(PLANNING_ZONE)
                if back.replace(tzinfo=None) != value.replace(tzinfo=None):
                    self.add_error(name, _("This time does not exist: the clocks change then."))
            if ends_at <= starts_at:
                self.add_error("end_time", _("The end must be after the start."))
            data["starts_at"], data["ends_at"] = starts_at, ends_at
        has_audience = data.get("departments") or data.get("roles") or self.people
        if not has_audience and not self.errors:
            self.add_error(None, _("Choose an audience: departments, roles or people."))
        if not (data.get("room") or data.get("online_url")):
            self.add_error("room", _("Give a room or an online link."))
        self._check_waitlist_choice(data)
        return data

    def _check_waitlist_choice(self, data: dict) -> None:
        """Lowering the seats below the acceptances is a second step: the form comes back
        with the accepted people to choose from, exactly as many as seats are missing."""
        if self.session is None or not data.get("capacity") or "phase" not in data:
            return
        # Who accepted and stays in the audience as edited (whoever leaves frees a seat).
        from guidelines.selectors.trainings import audience_of

        audience = audience_of(
            phase_id=data["phase"].pk,
            departments=data.get("departments") or [],
            people=self.people,
            roles=data.get("roles") or [],
            trainer_id=self.trainer.pk if self.trainer else None,
        )
        staying = self.fields["to_waitlist"].queryset.filter(
            Q(person__in=audience.values("pk"))
            | Q(attended=True)
            | Q(is_walk_in=True)
            | Q(person__is_active=False)
            | Q(person_id=self.session.trainer_id)
        )
        self.fields["to_waitlist"].queryset = staying
        staying_ids = set(staying.values_list("pk", flat=True))
        missing = len(staying_ids) - data["capacity"]
        if missing <= 0:
            data["to_waitlist"] = []
            return
        self.waitlist_missing = missing
        chosen = [i for i in data.get("to_waitlist") or [] if i.pk in staying_ids]
        data["to_waitlist"] = chosen
        if len(chosen) != missing and "to_waitlist" not in self.errors:
            from guidelines.services.trainings import waitlist_choice_message

            self.add_error("to_waitlist", waitlist_choice_message(missing))

    @property
    def waitlist_ids(self) -> list[int]:
        return [invitation.pk for invitation in self.cleaned_data.get("to_waitlist") or []]

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "title": data["title"],
            "description": data["description"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "room": data["room"],
            "online_url": data["online_url"],
            "trainer": self.trainer,
            "capacity": data["capacity"],
            "guideline_version": data["guideline_version"],
        }


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Goes to everyone invited."),
    )


class SeriesForm(forms.Form):
    departments = ModelMultipleChoiceField(
        label=_("One session for each of these departments"),
        queryset=Department.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
    )
    interval_days = IntegerField(
        label=_("Days between the sessions"),
        min_value=0,
        max_value=90,
        initial=7,
        help_text=_("0: all at the same time as this session."),
    )


class WalkInSearchForm(forms.Form):
    q = forms.CharField(label=_("Search the directory"), required=False, max_length=100)


class WalkInForm(forms.Form):
    """A walk-in: a person id from the search, or name and email for a new entry."""

    person = forms.ModelChoiceField(
        queryset=Person.objects.filter(is_active=True), required=False, widget=forms.HiddenInput
    )
    first_name = forms.CharField(label=_("First name"), max_length=80, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=80, required=False)
    email = forms.EmailField(label=_("Email address"), required=False)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("person") is None and not self.errors:
            missing = [name for name in ("first_name", "last_name", "email") if not data.get(name)]
            for name in missing:
                self.add_error(name, _("Needed for someone who is not in the directory."))
        return data


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        choices=[
            ("accept", _("Accept")),
            ("decline", _("Decline")),
            ("maybe", _("Maybe")),
        ]
    )


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How was the session? (1 = poor, 5 = excellent)"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def now_in_planning_zone() -> datetime.datetime:
    return timezone.now().astimezone(PLANNING_ZONE)
