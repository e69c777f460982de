"""Importing people and departments from an HR export: preview first, write on confirmation.

`people_import_create` reads the file, compares every row with the directory and stores the
verdicts in a `PeopleImport` (status preview); nothing else is written. `people_import_apply`
writes exactly the previewed changes, once, however often it is called. Upsert by email,
ignoring case; departments are created by name when missing.

Rules a user sees in the preview:
- A row is rejected for a bad or duplicate email, a missing first or last name, a value that
  is too long, an unknown language or an unknown value in the "active" column.
- An empty department or job title cell means "none"; an empty language or active cell means
  "leave as it is". Parent, head and deputy describe the row's department; an empty cell
  leaves the department as it is, and a value that cannot be used is ignored with a warning.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from rollout.joiners import joined, people_joined
from rollout.models import (
    Department,
    ImportStatus,
    Language,
    PeopleImport,
    Person,
    User,
)
from rollout.services.departments import department_heads_roles_grant
from rollout.services.people_files import (
    COLUMN_LABELS,
    PeopleTable,
    normalize_header,
    read_people_file,
)
from rollout.services.people_limits import ReadLimits

# Above this many addresses, loading the whole directory in one query beats a huge IN list
# (and stays below SQLite's limit of bound parameters).
_IN_LIMIT = 2000
_MAX_LENGTHS = {
    "first_name": 80,
    "last_name": 80,
    "job_title": 120,
    "department": 120,
    "parent": 120,
}

_LANGUAGES = {
    **dict.fromkeys(("de", "deu", "ger", "german", "deutsch", "dede", "deat", "dech"), "de"),
    **dict.fromkeys(("en", "eng", "english", "englisch", "engb", "enus", "enie"), "en"),
}
_YES = {"ja", "j", "yes", "y", "1", "true", "wahr", "x", "aktiv", "active"}
_NO = {"nein", "n", "no", "0", "false", "falsch", "inaktiv", "inactive", "ausgetreten"}

CREATE, UPDATE, UNCHANGED, REJECT = "create", "update", "unchanged", "reject"
PERSON_FIELDS = ("first_name", "last_name", "department", "job_title", "language", "active")
DEPARTMENT_FIELDS = ("parent", "head", "deputy")


class PeopleImportClosed(Exception):
    """The import was already applied or discarded; nothing was written."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class PeopleImportOutdated(Exception):
    """Another import was applied after this preview was made; nothing was written."""


class PeopleImportBusy(Exception):
    """Another import is being applied right now; nothing was written."""


# --- Preview ---------------------------------------------------------------------------------


def people_import_create(
    *, content: bytes, filename: str, by: User | None, limits: ReadLimits | None = None
) -> PeopleImport:
    """Read an HR export and store the preview; raises PeopleFileError for unreadable files
    (and PeopleFileNeedsWorker when `limits` hand it to the worker: see people_import_jobs)."""
    table = read_people_file(content, filename, limits=limits)
    rows, summary = analyse_people_table(table)
    people_import = PeopleImport(
        filename=filename[:255],
        uploaded_by=by,
        status=ImportStatus.PREVIEW,
        rows=rows,
        summary=summary,
        row_count=len(rows),
        language=translation.get_language() or "",
    )
    people_import.full_clean(exclude=["uploaded_by"])
    people_import.save()
    return people_import


@dataclass
class _Plan:
    """What the file wants for one department."""

    name: str
    exists: bool
    old: dict[str, str]
    new: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # field -> line that set it


def analyse_people_table(table: PeopleTable) -> tuple[list[dict], dict]:
    """Each row's verdict and the departments' plan: two queries whatever the file's size."""
    rows = [_check_row(line, values, table) for line, values in table.rows]
    by_line = {row["line"]: row for row in rows}
    seen: dict[str, int] = {}
    for row in rows:
        email = row["email"]
        if not email or row["errors"]:
            continue
        if email in seen:
            row["errors"].append(
                _("The email address also appears on line %(line)s; only that row is used.")
                % {"line": seen[email]}
            )
        else:
            seen[email] = row["line"]
    valid = [row for row in rows if not row["errors"]]

    wanted = {row["email"] for row in valid}
    for row in valid:
        wanted.update(row["data"].get(key) or "" for key in ("head", "deputy"))
    wanted.discard("")
    people = _people_by_email(wanted, values=True)
    departments = {
        entry["name"].lower(): entry
        for entry in Department.objects.values(
            "id", "name", "parent_id", "parent__name", "head__email", "deputy__email"
        )
    }
    names_by_id = {entry["id"]: entry["name"] for entry in departments.values()}

    # One spelling per department: the directory's, else the first one in the file.
    canonical: dict[str, str] = {}
    for row in valid:
        for key in ("department", "parent"):
            name = row["data"].get(key) or ""
            if name:
                lowered = name.lower()
                canonical.setdefault(
                    lowered, departments[lowered]["name"] if lowered in departments else name
                )
                row["data"][key] = canonical[lowered]

    for row in valid:
        _decide_person(row, people.get(row["email"]), names_by_id, table)
    for row in rows:
        if row["errors"]:
            row["action"] = REJECT

    plans = _plan_departments(valid, departments, canonical, people, wanted_in_file=set(seen))
    for plan in plans.values():
        _guard_head_is_not_deputy(plan, by_line)
    _guard_parent_cycles(plans, departments, by_line)

    counts = dict.fromkeys((CREATE, UPDATE, UNCHANGED, REJECT), 0)
    for row in rows:
        counts[row["action"]] += 1
    department_entries = []
    department_counts = dict.fromkeys((CREATE, UPDATE, UNCHANGED), 0)
    for plan in plans.values():
        changes = {
            key: [plan.old.get(key, ""), plan.new[key]]
            for key in DEPARTMENT_FIELDS
            if key in plan.new and plan.new[key] != plan.old.get(key, "")
        }
        action = UPDATE if changes else UNCHANGED
        if not plan.exists:
            action = CREATE
        department_counts[action] += 1
        if action != UNCHANGED:
            department_entries.append({"name": plan.name, "action": action, "changes": changes})
    summary = {
        "counts": counts,
        "departments": department_entries,
        "department_counts": department_counts,
        "format": table.format,
        "encoding": table.encoding,
        "delimiter": table.delimiter,
        "headers": table.headers,
        "ignored_headers": table.ignored_headers,
    }
    return rows, summary


def _check_row(line: int, values: dict[str, str], table: PeopleTable) -> dict:
    """Validate one row on its own (no database): data in canonical form, plus errors."""
    errors: list[str] = []
    warnings: list[str] = []
    data: dict[str, object] = {}
    email = values.get("email", "").strip().lower()
    if not email:
        errors.append(_("The email address is missing."))
    elif not _is_email(email):
        errors.append(_("“%(value)s” is not a valid email address.") % {"value": email})
    for key, message in (
        ("first_name", _("The first name is missing.")),
        ("last_name", _("The last name is missing.")),
    ):
        data[key] = values.get(key, "")
        if not data[key]:
            errors.append(message)
    for key in ("department", "job_title", "parent"):
        if table.has(key):
            data[key] = values.get(key, "")
    for key, limit in _MAX_LENGTHS.items():
        if len(str(data.get(key) or "")) > limit:
            errors.append(
                _("%(column)s is too long (at most %(limit)s characters).")
                % {"column": _column_label(key), "limit": limit}
            )
    if table.has("language"):
        raw = values.get("language", "")
        data["language"] = _LANGUAGES.get(normalize_header(raw)) if raw else None
        if raw and data["language"] is None:
            errors.append(
                _("Unknown language “%(value)s”: use “de”/“Deutsch” or “en”/“English”.")
                % {"value": raw}
            )
    if table.has("active"):
        raw = values.get("active", "")
        lowered = raw.casefold()
        data["active"] = True if lowered in _YES else False if lowered in _NO else None
        if raw and data["active"] is None:
            errors.append(
                _("Unknown value “%(value)s” in the column “active”: use yes/no (ja/nein).")
                % {"value": raw}
            )
    for key in ("head", "deputy"):
        if not table.has(key):
            continue
        raw = values.get(key, "").strip().lower()
        data[key] = ""
        if raw and not _is_email(raw):
            warnings.append(
                _("%(column)s: “%(value)s” is not an email address and is ignored.")
                % {"column": _column_label(key), "value": raw}
            )
        elif raw:
            data[key] = raw
    return {
        "line": line,
        "email": email,
        "action": REJECT if errors else UNCHANGED,
        "data": data,
        "changes": {},
        "errors": errors,
        "warnings": warnings,
    }


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return len(value) <= 254


def _column_label(key: str) -> str:
    return str(COLUMN_LABELS[key])


def _people_by_email(emails: set[str], *, values: bool) -> dict[str, object]:
    """The directory entries with these addresses (any case): one query."""
    queryset = Person.objects.annotate(email_lower=Lower("email"))
    if len(emails) <= _IN_LIMIT:
        queryset = queryset.filter(email_lower__in=sorted(emails))
    if values:
        queryset = queryset.values(
            "id",
            "email_lower",
            "first_name",
            "last_name",
            "department_id",
            "job_title",
            "language",
            "is_active",
        )
        return {entry["email_lower"]: entry for entry in queryset if entry["email_lower"] in emails}
    return {person.email_lower: person for person in queryset if person.email_lower in emails}


def _decide_person(row: dict, existing: dict | None, names_by_id: dict, table: PeopleTable) -> None:
    data = row["data"]
    if existing is None:
        row["action"] = CREATE
        return
    current = {
        "first_name": existing["first_name"],
        "last_name": existing["last_name"],
        "department": names_by_id.get(existing["department_id"], ""),
        "job_title": existing["job_title"],
        "language": existing["language"],
        "active": existing["is_active"],
    }
    changes = {}
    for key in PERSON_FIELDS:
        if key not in data or (key in ("language", "active") and data[key] is None):
            continue
        old, new = current[key], data[key]
        same = old.lower() == new.lower() if key == "department" else old == new
        if not same:
            changes[key] = [old, new]
    row["changes"] = changes
    row["action"] = UPDATE if changes else UNCHANGED


def _plan_departments(
    valid: list[dict],
    departments: dict[str, dict],
    canonical: dict[str, str],
    people: dict,
    wanted_in_file: set[str],
) -> dict[str, _Plan]:
    """What the file wants for each department it names; warnings go to the rows."""
    plans: dict[str, _Plan] = {}

    def plan_for(name: str) -> _Plan:
        lowered = name.lower()
        if lowered not in plans:
            entry = departments.get(lowered)
            old = (
                {
                    "parent": entry["parent__name"] or "",
                    "head": (entry["head__email"] or "").lower(),
                    "deputy": (entry["deputy__email"] or "").lower(),
                }
                if entry
                else {"parent": "", "head": "", "deputy": ""}
            )
            plans[lowered] = _Plan(name=canonical.get(lowered, name), exists=bool(entry), old=old)
        return plans[lowered]

    for row in valid:
        data = row["data"]
        department = data.get("department") or ""
        parent = data.get("parent") or ""
        if parent:
            plan_for(parent)
        if not department:
            if parent or data.get("head") or data.get("deputy"):
                row["warnings"].append(
                    _("Parent department, head and deputy are ignored: the row has no department.")
                )
            continue
        plan = plan_for(department)
        for key in DEPARTMENT_FIELDS:
            value = data.get(key) or ""
            if not value:
                continue
            if key == "parent" and value.lower() == department.lower():
                row["warnings"].append(_("A department cannot be its own parent; ignored."))
                continue
            if key in ("head", "deputy") and value not in wanted_in_file and value not in people:
                row["warnings"].append(
                    _(
                        "%(column)s “%(value)s” is neither in this file nor in the directory; "
                        "ignored."
                    )
                    % {"column": _column_label(key), "value": value}
                )
                continue
            if key in plan.new:
                if plan.new[key].lower() != value.lower():
                    row["warnings"].append(
                        _(
                            "%(column)s “%(value)s” for %(department)s is ignored: line %(line)s "
                            "already says “%(first)s”."
                        )
                        % {
                            "column": _column_label(key),
                            "value": value,
                            "department": plan.name,
                            "line": plan.lines[key],
                            "first": plan.new[key],
                        }
                    )
                continue
            plan.new[key] = value
            plan.lines[key] = row["line"]
    return plans


def _guard_head_is_not_deputy(plan: _Plan, by_line: dict[int, dict]) -> None:
    head = plan.new.get("head", plan.old["head"])
    deputy = plan.new.get("deputy", plan.old["deputy"])
    if not head or head != deputy:
        return
    if "deputy" in plan.new:
        by_line[plan.lines["deputy"]]["warnings"].append(
            _("The deputy of %(department)s cannot also be its head; ignored.")
            % {"department": plan.name}
        )
        del plan.new["deputy"]
    if plan.old["deputy"] == head:
        # The deputy becomes head: the deputy's place is left empty.
        plan.new["deputy"] = ""


def _guard_parent_cycles(
    plans: dict[str, _Plan], departments: dict[str, dict], by_line: dict[int, dict]
) -> None:
    parents = {
        lowered: (entry["parent__name"] or "").lower() for lowered, entry in departments.items()
    }
    for lowered in plans:
        parents.setdefault(lowered, "")
    for lowered, plan in plans.items():
        if "parent" not in plan.new:
            continue
        previous = parents[lowered]
        parents[lowered] = plan.new["parent"].lower()
        current, steps = parents[lowered], 0
        while current and current != lowered and steps <= len(parents):
            current, steps = parents.get(current, ""), steps + 1
        if current == lowered:
            parents[lowered] = previous
            by_line[plan.lines["parent"]]["warnings"].append(
                _(
                    "%(parent)s cannot be the parent of %(department)s: that would be a "
                    "circle; ignored."
                )
                % {"parent": plan.new["parent"], "department": plan.name}
            )
            del plan.new["parent"]


# --- Apply -----------------------------------------------------------------------------------


def people_import_apply(*, people_import: PeopleImport, by: User | None) -> PeopleImport:
    """Write the previewed changes: people created and updated, departments created and given
    their parent, head and deputy. Runs once; a second call raises PeopleImportClosed."""
    with transaction.atomic():
        locked = PeopleImport.objects.select_for_update().get(pk=people_import.pk)
        if locked.status != ImportStatus.PREVIEW:
            raise PeopleImportClosed(locked.status)
        if _applied_since(locked):
            raise PeopleImportOutdated
        if people_import_applying_other(locked):
            raise PeopleImportBusy
        departments = _departments_create(locked.summary.get("departments", []), by=by)
        people = _people_write(locked.rows, departments=departments, by=by)
        _departments_update(
            locked.summary.get("departments", []), departments=departments, people=people, by=by
        )
        locked.status = ImportStatus.APPLIED
        locked.applied_at = timezone.now()
        locked.full_clean(exclude=["uploaded_by"])
        locked.save(update_fields=["status", "applied_at"])
    people_import.status, people_import.applied_at = locked.status, locked.applied_at
    return locked


def people_import_discard(*, people_import: PeopleImport, by: User | None) -> PeopleImport:
    """Close a preview, or cancel a file the worker has still to read (a reading worker then
    stores nothing)."""
    with transaction.atomic():
        locked = PeopleImport.objects.select_for_update().get(pk=people_import.pk)
        if locked.status not in (ImportStatus.PREVIEW, ImportStatus.QUEUED, ImportStatus.READING):
            raise PeopleImportClosed(locked.status)
        locked.status = ImportStatus.DISCARDED
        locked.content = b""
        locked.save(update_fields=["status", "content"])
    people_import.status = locked.status
    return locked


def _departments_create(entries: Iterable[dict], *, by: User | None) -> dict[str, Department]:
    """All departments by lower-case name, the missing ones created: two queries."""
    departments = {department.name.lower(): department for department in Department.objects.all()}
    new = []
    for entry in entries:
        lowered = entry["name"].lower()
        if entry["action"] == CREATE and lowered not in departments:
            department = Department(name=entry["name"])
            department.full_clean(validate_unique=False, validate_constraints=False)
            departments[lowered] = department
            new.append(department)
    if new:
        bulk_create_with_history(new, Department, batch_size=500, default_user=by)
    return departments


def _people_write(
    rows: list[dict], *, departments: dict[str, Department], by: User | None
) -> dict[str, Person]:
    """Create and update the people of the previewed rows; returns everyone the rows and
    the departments' heads need, by lower-case email. The people who join (new, moved into
    another department, active again) are told to the other apps (rollout.joiners) in the
    same transaction: the guidelines in force ask them, in a few queries for all of them."""
    pending = [row for row in rows if row["action"] in (CREATE, UPDATE)]
    emails = {row["email"] for row in pending}
    for row in rows:
        if row["action"] != REJECT:
            emails.update(row["data"].get(key) or "" for key in ("head", "deputy"))
    emails.discard("")
    people: dict[str, Person] = _people_by_email(emails, values=False)  # type: ignore[assignment]
    new_emails = [row["email"] for row in pending if row["email"] not in people]
    # Accounts made before their directory entry get linked (few: most people never sign in).
    users = (
        {user.email.lower(): user for user in User.objects.filter(person__isnull=True)}
        if new_emails
        else {}
    )
    created: list[Person] = []
    updated: list[Person] = []
    moved: list[Person] = []
    fields: set[str] = set()
    for row in pending:
        data = row["data"]
        person = people.get(row["email"])
        if person is None:
            person = Person(
                email=row["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                department=_department(departments, data.get("department")),
                job_title=data.get("job_title") or "",
                language=data.get("language") or Language.GERMAN,
                is_active=data["active"] if data.get("active") is not None else True,
                user=users.get(row["email"]),
            )
            created.append(person)
            people[row["email"]] = person
        else:
            before = (person.department_id, person.is_active)
            # Exactly the previewed changes (a row previewed as new whose person appeared
            # since is applied as an update with the file's values).
            changes = row["changes"] or {
                key: [None, data[key]]
                for key in PERSON_FIELDS
                if key in data and data[key] is not None
            }
            for key, (_old, new) in changes.items():
                if key == "department":
                    person.department = _department(departments, new)
                    fields.add("department")
                elif key == "active":
                    person.is_active = bool(new)
                    fields.add("is_active")
                else:
                    setattr(person, key, new)
                    fields.add(key)
            updated.append(person)
            if joined(before=before, after=(person.department_id, person.is_active)):
                moved.append(person)
        person.full_clean(
            exclude=["department", "user"], validate_unique=False, validate_constraints=False
        )
    if created:
        bulk_create_with_history(created, Person, batch_size=500, default_user=by)
    if updated and fields:
        bulk_update_with_history(
            updated, Person, fields=sorted(fields), batch_size=500, default_user=by
        )
    people_joined(
        person_ids=[person.pk for person in created if person.is_active]
        + [person.pk for person in moved]
    )
    return people


def _department(departments: dict[str, Department], name: object) -> Department | None:
    return departments.get(str(name).lower()) if name else None


def _departments_update(
    entries: Iterable[dict],
    *,
    departments: dict[str, Department],
    people: dict[str, Person],
    by: User | None,
) -> None:
    changed: list[Department] = []
    for entry in entries:
        if not entry["changes"]:
            continue
        department = departments[entry["name"].lower()]
        for key, (_old, new) in entry["changes"].items():
            if key == "parent":
                department.parent = _department(departments, new)
            else:
                setattr(department, key, people.get(new) if new else None)
        changed.append(department)
    if not changed:
        return
    bulk_update_with_history(
        changed, Department, fields=["parent", "head", "deputy"], batch_size=500, default_user=by
    )
    department_heads_roles_grant(departments=changed, by=by)


def people_import_is_stale(people_import: PeopleImport) -> bool:
    """Whether another import was applied after this preview was made: confirming it would
    write changes computed against an older directory."""
    return people_import.status == ImportStatus.PREVIEW and _applied_since(people_import)


def people_import_applying_other(people_import: PeopleImport) -> bool:
    """Whether another import is confirmed or being applied (by the worker) right now."""
    return (
        PeopleImport.objects.filter(status__in=(ImportStatus.CONFIRMED, ImportStatus.APPLYING))
        .exclude(pk=people_import.pk)
        .exists()
    )


def _applied_since(people_import: PeopleImport) -> bool:
    return (
        PeopleImport.objects.filter(
            status=ImportStatus.APPLIED, applied_at__gt=people_import.uploaded_at
        )
        .exclude(pk=people_import.pk)
        .exists()
    )


__all__ = [
    "PeopleImportBusy",
    "PeopleImportClosed",
    "PeopleImportOutdated",
    "analyse_people_table",
    "people_import_apply",
    "people_import_applying_other",
    "people_import_create",
    "people_import_discard",
    "people_import_is_stale",
]
