from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from core.widgets import DateInput
from rollout.models import (
    ActivityStatus,
    Person,
    Role,
    Rollout,
    RolloutApproach,
    RolloutTemplate,
    User,
)


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": _("This email address and password do not match. Please try again."),
        "inactive": _("This account is inactive."),
    }


class QueuedPasswordResetForm(PasswordResetForm):
    """Queue the reset email for the worker instead of sending it inside the request.

    Whether an account exists is never revealed: the answer is the same either way.
    """

    def get_users(self, email: str):  # type: ignore[override]
        return User.objects.filter(email__iexact=email.strip(), is_active=True)

    def save(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        from rollout.notices import PASSWORD_RESET
        from rollout.services.account_links import account_mail_queue

        # One email per account and minute: a double click or a reload sends one. An address
        # without an account takes the same time (see account_mail_queue).
        account_mail_queue(
            kind=PASSWORD_RESET,
            email=self.cleaned_data["email"],
            users=self.get_users(self.cleaned_data["email"]),
            key="password_reset",
        )


TEMPLATE_LEWIN = "lewin"
TEMPLATE_EMPTY = "empty"
TEMPLATE_SAVED_PREFIX = "saved-"


class RolloutForm(forms.ModelForm):
    template = forms.ChoiceField(
        label=_("Start with"),
        required=False,
        widget=forms.RadioSelect,
        help_text=_("You can change, add, reorder and remove the activities later."),
        error_messages={
            "invalid_choice": _("This template does not exist (any more). Please choose another.")
        },
    )

    class Meta:
        model = Rollout
        fields = ["name", "goal", "sponsor", "approach", "start_date", "end_date"]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "goal": forms.Textarea(attrs={"rows": 3}),
            "approach": forms.RadioSelect,
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # The sponsor comes from leadership: a short list, whatever the company's size.
        self.fields["sponsor"].queryset = Person.objects.filter(
            is_active=True, user__groups__name=Role.LEADERSHIP.value
        ).order_by("last_name", "first_name")
        self.fields["approach"].initial = RolloutApproach.SANDWICH
        # The Lewin template, an empty plan, or one of the company's own templates.
        self._saved_templates = {
            f"{TEMPLATE_SAVED_PREFIX}{template.pk}": template
            for template in RolloutTemplate.objects.order_by("name")
        }
        self.fields["template"].choices = [
            (
                TEMPLATE_LEWIN,
                _("Lewin template: the typical activities and gate criteria of each phase"),
            ),
            (TEMPLATE_EMPTY, _("Empty: only the three phases")),
            *(
                (key, _("Company template “%(name)s”") % {"name": template.name})
                for key, template in self._saved_templates.items()
            ),
        ]
        self.fields["template"].initial = TEMPLATE_LEWIN

    def clean_template(self) -> str:
        # A form without the field (older clients) starts from the Lewin template.
        return self.cleaned_data.get("template") or TEMPLATE_LEWIN

    def saved_template(self) -> RolloutTemplate | None:
        """The company template chosen, if one was (after `is_valid()`)."""
        return self._saved_templates.get(self.cleaned_data.get("template", ""))


class ActivityStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActivityStatus.choices)
