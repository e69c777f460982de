"""Forms of the user administration: the list's search, inviting a person, a login's roles."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from rollout.models import Language, Person, Role, User
from rollout.selectors.users import people_invitable, people_without_login


def role_choices() -> list[tuple[str, str]]:
    """Every role a login can hold (a role added to Role appears here by itself)."""
    return list(Role.choices)


class UserFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Name or email address contains"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("active", _("Active")), ("inactive", _("Deactivated"))],
    )
    role = forms.ChoiceField(label=_("Role"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("All roles")), *role_choices()]


class PersonSearchForm(forms.Form):
    """Narrows the people offered by the invitation form (a large directory)."""

    wer = forms.CharField(
        label=_("Search the directory (name or email address)"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class PersonChoiceField(forms.ModelChoiceField):
    """Offers the people without a login; also accepts one whose login was invited but never
    used, so that a second submit of the same invitation finds it (and sends nothing)."""

    def to_python(self, value: object) -> Person | None:
        if value in self.empty_values:
            return None
        try:
            return people_invitable().get(pk=value)
        except (ValueError, TypeError, Person.DoesNotExist) as error:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from error

    def label_from_instance(self, obj: Person) -> str:
        department = f", {obj.department.name}" if obj.department else ""
        return f"{obj.full_name} <{obj.email}>{department}"


class UserInviteForm(forms.Form):
    """A person from the directory, or a name and an email address; the roles to start with."""

    person = PersonChoiceField(
        label=_("Person from the directory"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("(nobody: I enter name and email address)"),
        help_text=_("Only people without a login are offered."),
    )
    full_name = forms.CharField(label=_("Name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email address"), required=False)
    language = forms.ChoiceField(
        label=_("Language of the invitation"),
        choices=Language.choices,
        initial=Language.GERMAN,
        help_text=_("For a person from the directory, their language there is used."),
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: object, people: object = None, **kwargs: object) -> None:
        """`people`: the directory entries to offer (by default all without a login)."""
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people if people is not None else people_without_login()
        self.fields["roles"].choices = role_choices()

    def clean(self) -> dict:
        data = super().clean()
        person, email = data.get("person"), data.get("email")
        if person is None:
            if not email and "email" not in self.errors:
                self.add_error(
                    "email", _("Choose a person from the directory or enter an email address.")
                )
            if not (data.get("full_name") or "").strip():
                self.add_error(
                    "full_name", _("Choose a person from the directory or enter a name.")
                )
        elif email and User.normalized_email(email) != person.email.strip().lower():
            self.add_error(
                "email",
                _("Either choose a person from the directory or enter an email address, not both."),
            )
        return data

    def cleaned_roles(self) -> list[Role]:
        return [Role(value) for value in self.cleaned_data.get("roles", [])]


class UserRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = role_choices()

    def clean_roles(self) -> list[Role]:
        return [Role(value) for value in self.cleaned_data["roles"]]


def user_roles_form(user_page_roles: set[str], data: object = None) -> UserRolesForm:
    return UserRolesForm(data, initial={"roles": sorted(user_page_roles & set(Role.values))})


def validation_messages(error: ValidationError) -> list[str]:
    return list(error.messages)
