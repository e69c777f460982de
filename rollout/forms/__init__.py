from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from rollout.models import ActivityStatus, Person, Role, Rollout, RolloutApproach, User


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
        from rollout.tasks import send_password_reset_email

        for user in self.get_users(self.cleaned_data["email"]):
            transaction.on_commit(lambda pk=user.pk: send_password_reset_email.delay(pk))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class RolloutForm(forms.ModelForm):
    use_template = forms.BooleanField(
        label=_("Start from the Lewin template"),
        required=False,
        initial=True,
        help_text=_(
            "Adds the typical activities and gate criteria of each phase; "
            "you can change them later."
        ),
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


class ActivityStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActivityStatus.choices)
