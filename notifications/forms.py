from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from notifications.models import DepartmentChannel, FederalState, ReminderRule


class ReminderRuleForm(forms.ModelForm):
    class Meta:
        model = ReminderRule
        fields = ["enabled", "first_after_days", "every_days", "max_count", "escalate"]

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
        url = self.cleaned_data["url"]
        if not url.startswith("https://") and not settings.DEBUG:
            raise forms.ValidationError(_("Use an https:// address."))
        return url


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
