from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core import forms as number_fields
from core.outbound import OutboundError, check_url
from notifications.models import DepartmentChannel, FederalState, ReminderRule


class ReminderRuleForm(forms.ModelForm):
    class Meta:
        model = ReminderRule
        fields = ["enabled", "first_after_days", "every_days", "max_count", "escalate"]
        field_classes = dict.fromkeys(
            ["first_after_days", "every_days", "max_count"], number_fields.IntegerField
        )

    def clean(self):
        data = super().clean()
        for name in ("every_days", "max_count"):
            if data.get(name) is not None and data[name] < 1:
                self.add_error(name, _("At least 1."))
        return data


class DepartmentChannelForm(forms.ModelForm):
    class Meta:
        model = DepartmentChannel
        fields = ["kind", "url", "enabled"]
        help_texts = {
            "url": _("The incoming webhook address your Teams or Slack channel gives you."),
        }

    def clean_url(self) -> str:
        """Only an https:// address on the public internet (http:// too in development):
        the host name is resolved now and every address it has must be public. The worker
        checks again before each post (core.outbound)."""
        url = self.cleaned_data["url"]
        if not url.startswith("https://") and not settings.DEBUG:
            raise forms.ValidationError(_("Use an https:// address."))
        try:
            check_url(url, allow_http=settings.DEBUG)
        except OutboundError as error:
            raise forms.ValidationError(error.public_message) from error
        return url


class DepartmentChannelAdminForm(DepartmentChannelForm):
    """The same check of the address in the admin."""

    class Meta(DepartmentChannelForm.Meta):
        fields = ["department", "kind", "url", "enabled"]


class ReminderSettingsForm(forms.Form):
    holiday_state = forms.ChoiceField(
        label=_("Public holidays of"),
        required=False,
        help_text=_("No reminders go out on this federal state's public holidays."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["holiday_state"].choices = [
            ("", _("The default of this installation")),
            *FederalState.choices,
        ]
