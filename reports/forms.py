"""The "Create report" form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rollout.models import Language


class ReportForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of the report"), choices=Language.choices)
