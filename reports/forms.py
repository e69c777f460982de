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
