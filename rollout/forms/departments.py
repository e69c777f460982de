"""Forms of the departments area: the list filter, head and deputy, the people import."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rollout.models import Department, Person
from rollout.services.people_limits import MB, number


def _import_help_text() -> str:
    """The configured limits, in the user's language when the form is shown."""
    return gettext(
        "One person per row with a header line. Required columns: email, first name, "
        "last name (German or English headers). Optional: department, job title, "
        "language, parent department, head, deputy, active. At most %(size)s MB, "
        "%(rows)s rows and %(columns)s columns."
    ) % {
        "size": number(settings.PEOPLE_IMPORT_MAX_FILE_BYTES // MB),
        "rows": number(settings.PEOPLE_IMPORT_MAX_ROWS),
        "columns": number(settings.PEOPLE_IMPORT_MAX_COLUMNS),
    }


class DepartmentFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Name contains"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class DepartmentLeadershipForm(forms.Form):
    """Head and deputy by email address (any person in the directory); the page offers the
    department's members as suggestions."""

    head = forms.EmailField(
        label=_("Head (email address)"),
        required=False,
        widget=forms.EmailInput(attrs={"list": "department-members", "autocomplete": "off"}),
    )
    deputy = forms.EmailField(
        label=_("Deputy (email address)"),
        required=False,
        widget=forms.EmailInput(attrs={"list": "department-members", "autocomplete": "off"}),
    )

    def __init__(self, *args: object, department: Department, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial",
            {
                "head": department.head.email if department.head else "",
                "deputy": department.deputy.email if department.deputy else "",
            },
        )
        super().__init__(*args, **kwargs)
        self.department = department

    def _person(self, email: str) -> Person | None:
        if not email:
            return None
        person = Person.objects.filter(email__iexact=email.strip(), is_active=True).first()
        if person is None:
            raise ValidationError(
                _("Nobody with this email address is in the directory. Import the person first.")
            )
        return person

    def clean_head(self) -> Person | None:
        return self._person(self.cleaned_data["head"])

    def clean_deputy(self) -> Person | None:
        return self._person(self.cleaned_data["deputy"])

    def clean(self) -> dict:
        data = super().clean()
        head, deputy = data.get("head"), data.get("deputy")
        if head is not None and deputy is not None and head.pk == deputy.pk:
            self.add_error("deputy", _("The deputy must be someone other than the head."))
        return data


class PeopleImportForm(forms.Form):
    file = forms.FileField(
        label=_("HR export (CSV or XLSX)"),
        help_text=lazy(_import_help_text, str)(),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.txt,.tsv,.xlsx,text/csv,text/plain,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.PEOPLE_IMPORT_MAX_FILE_BYTES:
            raise ValidationError(
                _("The file is too big: at most %(size)s MB are allowed."),
                params={"size": number(settings.PEOPLE_IMPORT_MAX_FILE_BYTES // MB)},
            )
        return upload
