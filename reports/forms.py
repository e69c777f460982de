"""The "Create report" form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core import forms as number_fields
from reports.models import ReportSchedule
from rollout.models import Language, Role, User


class ReportForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of the report"), choices=Language.choices)


class ReportScheduleForm(forms.ModelForm):
    """When the leadership pack goes out by itself, in which language and to whom."""

    class Meta:
        model = ReportSchedule
        fields = ("frequency", "day_of_month", "weekday", "languages", "recipients")
        widgets = {"frequency": forms.RadioSelect, "recipients": forms.CheckboxSelectMultiple}
        field_classes = {"day_of_month": number_fields.IntegerField}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipients"].queryset = (
            User.objects.filter(is_active=True, groups__name__in=[Role.LEADERSHIP, Role.MANAGER])
            .distinct()
            .order_by("full_name", "pk")
        )
        self.fields["recipients"].label_from_instance = lambda user: (
            f"{user.full_name} ({user.email})"
        )


class ColourInput(forms.TextInput):
    """A colour picker; it always has a value, so HTML allows no `required` on it."""

    input_type = "color"

    def use_required_attribute(self, initial) -> bool:
        return False


class BrandingForm(forms.Form):
    """The company's logo and two colours for the board pack."""

    logo = forms.FileField(
        label=_("Logo (PNG or JPEG, at most 512 KB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    colour = forms.RegexField(
        label=_("Main colour (headings, lines, charts)"),
        regex=r"^#[0-9a-fA-F]{6}$",
        widget=ColourInput(),
    )
    accent = forms.RegexField(
        label=_("Accent colour (the target line)"),
        regex=r"^#[0-9a-fA-F]{6}$",
        widget=ColourInput(),
    )

    def clean_logo(self):
        from reports.branding import logo_check

        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        if upload.size > 4 * 1024 * 1024:  # not even read
            from reports.branding import LOGO_MAX_BYTES

            raise forms.ValidationError(
                _("The logo may be at most %(kb)s KB.") % {"kb": LOGO_MAX_BYTES // 1024}
            )
        return logo_check(upload.read())
