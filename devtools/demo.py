"""The demo company Müller Maschinenbau GmbH as data, for `manage.py seed_demo` and its tests.

Eight departments and about 160 people with German names, drawn from fixed name lists with a
seeded random generator, so that every run yields the same people; the demo accounts; and
the plan of the rollout "Social Media bei Müller Maschinenbau": owners and statuses of the
Lewin template's activities, extra activities in the move phase, and the stakeholder map.
"""

import datetime
import random
import unicodedata
from dataclasses import dataclass

from rollout.models import ActivityKind, ActivityStatus, Attitude, PhaseKind, Role, StakeholderRole

COMPANY = "Müller Maschinenbau GmbH"
EMAIL_DOMAIN = "demo.changehub.example"
ROLLOUT_NAME = "Social Media bei Müller Maschinenbau"
DEMO_PASSWORD = "changehub-demo"  # noqa: S105 - the public password of the demo accounts

MANAGER_EMAIL = f"manager@{EMAIL_DOMAIN}"
LEADERSHIP_EMAIL = f"leitung@{EMAIL_DOMAIN}"
HEAD_EMAIL = f"vertrieb@{EMAIL_DOMAIN}"
EMPLOYEE_EMAIL = f"mitarbeiter@{EMAIL_DOMAIN}"
WORKS_COUNCIL_EMAIL = f"betriebsrat@{EMAIL_DOMAIN}"

# (role, email, admin access): one demo account per role, all with DEMO_PASSWORD.
DEMO_ACCOUNTS: tuple[tuple[Role, str, bool], ...] = (
    (Role.MANAGER, MANAGER_EMAIL, True),
    (Role.LEADERSHIP, LEADERSHIP_EMAIL, False),
    (Role.DEPARTMENT_HEAD, HEAD_EMAIL, False),
    (Role.EMPLOYEE, EMPLOYEE_EMAIL, False),
    (Role.WORKS_COUNCIL, WORKS_COUNCIL_EMAIL, False),
)
# (role label, email) for the Makefile, the README and the tests.
DEMO_LOGINS = [(role.label, email) for role, email, _staff in DEMO_ACCOUNTS]

# --- The company ---------------------------------------------------------------------------

FEMALE_FIRST_NAMES = (
    "Anna", "Julia", "Katharina", "Sabine", "Claudia", "Stefanie", "Nicole", "Andrea", "Petra",
    "Susanne", "Christina", "Sandra", "Melanie", "Laura", "Sarah", "Lisa", "Hannah", "Marie",
    "Sophie", "Johanna", "Miriam", "Franziska", "Bärbel", "Jana", "Nadine", "Carina", "Tanja",
    "Monika", "Ute", "Birgit", "Kerstin", "Anja", "Simone", "Verena", "Maike", "Ines",
    "Larissa", "Charlotte", "Theresa", "Jördis", "Gülay", "Elif",
)  # fmt: skip
MALE_FIRST_NAMES = (
    "Thomas", "Michael", "Andreas", "Christian", "Markus", "Frank", "Jürgen", "Uwe", "Klaus",
    "Peter", "Wolfgang", "Matthias", "Tobias", "Jan", "Lukas", "Felix", "Maximilian", "Jonas",
    "Florian", "Sebastian", "Daniel", "Alexander", "Dominik", "Patrick", "Björn", "Jörg",
    "Sören", "Günter", "Dieter", "Ralf", "Holger", "Marco", "Timo", "Niklas", "Kevin", "Dennis",
    "Oliver", "Bernd", "Heiko", "Mehmet", "Sven", "Till",
)  # fmt: skip
LAST_NAMES = (
    "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Becker", "Schulz", "Schäfer", "Koch",
    "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun",
    "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Schmitz", "Krause", "Meier",
    "Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer",
    "Huber", "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn",
    "Schubert", "Vogel", "Friedrich", "Keller", "Günther", "Frank", "Berger", "Winkler", "Roth",
    "Beck", "Lorenz", "Baumann", "Franke", "Albrecht", "Schuster", "Simon", "Ludwig", "Böhm",
    "Winter", "Kraus", "Martin", "Schumacher", "Krämer", "Vogt", "Stein", "Jäger", "Otto",
    "Sommer", "Groß", "Seidel", "Heinrich", "Haas", "Schreiber", "Graf", "Schulte",
    "Dietrich", "Ziegler", "Kuhn", "Kühn", "Pohl", "Engel", "Horn", "Busch", "Bergmann", "Voigt",
    "Sauer", "Arnold", "Wolff", "Pfeiffer", "Demir", "Kaya", "Nowak", "Kowalski",
)  # fmt: skip


@dataclass(frozen=True)
class Slot:
    """A named position in a department. ":in" and ":r" mark gendered endings."""

    title: str
    key: str = ""
    name: tuple[str, str] | None = None
    email: str = ""
    female: bool = False


@dataclass(frozen=True)
class DepartmentSpec:
    name: str
    size: int
    female_share: float
    slots: tuple[Slot, ...]  # the first is the head, the second the deputy
    pool: tuple[str, ...]  # job titles for everyone else


DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    DepartmentSpec(
        "Geschäftsführung",
        5,
        0.4,
        (
            Slot("Geschäftsführer", "ceo", ("Friedrich", "Müller"), LEADERSHIP_EMAIL),
            Slot("Kaufmännische:r Geschäftsführer:in", "cfo"),
            Slot("Assistent:in der Geschäftsführung"),
            Slot("Controller:in"),
            Slot("Qualitätsmanagementbeauftragte:r"),
        ),
        (),
    ),
    DepartmentSpec(
        "Vertrieb",
        28,
        0.35,
        (
            Slot("Leiter Vertrieb", "sales_head", ("Stefan", "Wagner"), HEAD_EMAIL),
            Slot("Stellvertretende:r Vertriebsleiter:in"),
            Slot(
                "Mitarbeiterin Vertriebsinnendienst",
                "employee",
                ("Lena", "Hoffmann"),
                EMPLOYEE_EMAIL,
                female=True,
            ),
            Slot("Key-Account-Manager:in", "champion_sales"),
        ),
        (
            "Vertriebsingenieur:in",
            "Key-Account-Manager:in",
            "Mitarbeiter:in Vertriebsinnendienst",
            "Außendienstmitarbeiter:in",
            "Exportmanager:in",
            "Technische:r Verkäufer:in",
        ),
    ),
    DepartmentSpec(
        "Marketing",
        10,
        0.6,
        (
            Slot("Leiter:in Marketing"),
            Slot("Stellvertretende:r Leiter:in Marketing"),
            Slot(
                "Social-Media-Managerin", "manager", ("Julia", "Brandt"), MANAGER_EMAIL, female=True
            ),
            Slot("Online-Marketing-Manager:in", "champion_marketing"),
            Slot("Messe- und Eventmanager:in", "supplier_marketing"),
        ),
        ("Marketingreferent:in", "Grafikdesigner:in", "Pressereferent:in", "Werkstudent:in"),
    ),
    DepartmentSpec(
        "Personal",
        9,
        0.75,
        (
            Slot("Personalleiter:in"),
            Slot("Stellvertretende:r Personalleiter:in"),
            Slot("Recruiter:in", "champion_hr"),
            Slot("Ausbildungsleiter:in"),
        ),
        ("Personalreferent:in", "Sachbearbeiter:in Lohn und Gehalt", "Recruiter:in"),
    ),
    DepartmentSpec(
        "Kundenservice",
        22,
        0.3,
        (
            Slot("Leiter:in Kundenservice"),
            Slot("Stellvertretende:r Leiter:in Kundenservice"),
            Slot("Servicetechniker:in", "champion_service"),
            Slot("Inbetriebnahmetechniker:in", "supplier_service"),
        ),
        (
            "Servicetechniker:in",
            "Inbetriebnahmetechniker:in",
            "Mitarbeiter:in Ersatzteilservice",
            "Kundenberater:in Hotline",
        ),
    ),
    DepartmentSpec(
        "Produktion",
        64,
        0.12,
        (
            Slot("Produktionsleiter:in"),
            Slot("Stellvertretende:r Produktionsleiter:in"),
            Slot(
                "Industriemechaniker:in, Betriebsratsvorsitzende:r",
                "works_council",
                email=WORKS_COUNCIL_EMAIL,
            ),
            Slot("Schichtleiter:in Montage", "supplier_production"),
            Slot("Zerspanungsmechaniker:in", "worker_sceptical"),
            Slot("Schweißer:in", "worker_resistant"),
        ),
        (
            "Industriemechaniker:in",
            "Zerspanungsmechaniker:in",
            "CNC-Fräser:in",
            "Mechatroniker:in",
            "Elektroniker:in für Automatisierungstechnik",
            "Monteur:in",
            "Schweißer:in",
            "Qualitätsprüfer:in",
            "Arbeitsvorbereiter:in",
            "Schichtleiter:in",
            "Auszubildende:r Industriemechanik",
        ),
    ),
    DepartmentSpec(
        "IT",
        9,
        0.2,
        (Slot("IT-Leiter:in"), Slot("Stellvertretende:r IT-Leiter:in")),
        (
            "Systemadministrator:in",
            "Mitarbeiter:in IT-Support",
            "SAP-Berater:in",
            "Netzwerkadministrator:in",
            "Informationssicherheitsbeauftragte:r",
        ),
    ),
    DepartmentSpec(
        "Einkauf",
        10,
        0.5,
        (Slot("Leiter:in Einkauf"), Slot("Stellvertretende:r Leiter:in Einkauf")),
        (
            "Strategische:r Einkäufer:in",
            "Operative:r Einkäufer:in",
            "Disponent:in",
            "Mitarbeiter:in Logistik",
        ),
    ),
)


@dataclass(frozen=True)
class DemoPerson:
    first_name: str
    last_name: str
    email: str
    department: str
    job_title: str
    position: int  # in the department: 0 is the head, 1 the deputy
    key: str


def ascii_fold(text: str) -> str:
    """Jürgen Weiß -> Juergen Weiss: German umlauts spelled out, other accents dropped."""
    for umlaut, ascii_ in (
        ("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue"), ("ß", "ss"),
    ):  # fmt: skip
        text = text.replace(umlaut, ascii_)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _gendered(title: str, female: bool) -> str:
    if female:
        return title.replace(":in", "in").replace(":r", "")
    return title.replace(":in", "").replace(":r", "r")


def demo_people() -> list[DemoPerson]:
    """Everyone in the company, the same list on every call."""
    rng = random.Random(42)  # noqa: S311 - reproducible demo data, not a secret
    fixed = [slot for spec in DEPARTMENTS for slot in spec.slots if slot.name]
    used_names = {slot.name for slot in fixed}
    used_emails = {slot.email for spec in DEPARTMENTS for slot in spec.slots if slot.email}
    people = []
    for spec in DEPARTMENTS:
        extra = spec.size - len(spec.slots)
        slots = [*spec.slots, *(Slot(rng.choice(spec.pool)) for _ in range(extra))]
        for position, slot in enumerate(slots):
            if slot.name:
                (first, last), female, email = slot.name, slot.female, slot.email
            else:
                female = rng.random() < spec.female_share
                first, last = _unused_name(rng, female, used_names)
                # A demo login without a fixed name (the works council chair) keeps its address.
                email = slot.email or _unused_email(first, last, used_emails)
            people.append(
                DemoPerson(
                    first_name=first,
                    last_name=last,
                    email=email,
                    department=spec.name,
                    job_title=_gendered(slot.title, female),
                    position=position,
                    key=slot.key,
                )
            )
    return people


def _unused_name(rng: random.Random, female: bool, used: set) -> tuple[str, str]:
    first_names = FEMALE_FIRST_NAMES if female else MALE_FIRST_NAMES
    while True:
        name = (rng.choice(first_names), rng.choice(LAST_NAMES))
        if name not in used:
            used.add(name)
            return name


def _unused_email(first: str, last: str, used: set) -> str:
    base = f"{ascii_fold(first)}.{ascii_fold(last)}".lower().replace(" ", "-")
    candidate, number = base, 1
    while f"{candidate}@{EMAIL_DOMAIN}" in used:
        number += 1
        candidate = f"{base}{number}"
    email = f"{candidate}@{EMAIL_DOMAIN}"
    used.add(email)
    return email


# --- The rollout -----------------------------------------------------------------------------

ALL = tuple(spec.name for spec in DEPARTMENTS)
CONTENT_DEPARTMENTS = ("Vertrieb", "Kundenservice", "Personal", "Produktion")
TASK_FORCE = ("Vertrieb", "Marketing", "Personal", "Kundenservice", "Produktion", "IT")

GOAL = (
    "Social Media wird fester Teil unserer Kommunikation: Employer Branding gegen den "
    "Fachkräftemangel (Personal), Social Selling auf LinkedIn (Vertrieb) und schneller Social "
    "Customer Service (Kundenservice). Bis Jahresende 2.000 Follower auf LinkedIn, 20 % mehr "
    "Initiativbewerbungen und Messefotos innerhalb von 24 Stunden online."
)

# Owners, departments and (for the move phase) statuses of the Lewin template's activities,
# by position in their phase.
TEMPLATE_PLAN: dict[PhaseKind, tuple[tuple[str, tuple[str, ...], ActivityStatus], ...]] = {
    PhaseKind.UNFREEZE: (
        ("manager", ("Geschäftsführung",), ActivityStatus.DONE),
        ("manager", TASK_FORCE, ActivityStatus.DONE),
        ("manager", CONTENT_DEPARTMENTS, ActivityStatus.DONE),
        ("manager", ALL, ActivityStatus.DONE),
        ("head:IT", ("IT",), ActivityStatus.DONE),
        ("head:Marketing", ("Marketing", "Vertrieb"), ActivityStatus.DONE),
    ),
    PhaseKind.MOVE: (
        ("manager", CONTENT_DEPARTMENTS, ActivityStatus.IN_PROGRESS),
        ("head:Personal", ("Personal",), ActivityStatus.IN_PROGRESS),
        ("manager", ALL, ActivityStatus.PLANNED),
        (
            "manager",
            ("Marketing", "Vertrieb", "Personal", "Kundenservice"),
            ActivityStatus.IN_PROGRESS,
        ),
        ("head:Vertrieb", ("Vertrieb", "Kundenservice", "Produktion"), ActivityStatus.PLANNED),
    ),
    PhaseKind.REFREEZE: (
        ("manager", ALL, ActivityStatus.PLANNED),
        ("head:Geschäftsführung", ("Geschäftsführung",), ActivityStatus.PLANNED),
        ("manager", TASK_FORCE, ActivityStatus.PLANNED),
    ),
}


@dataclass(frozen=True)
class ExtraActivity:
    """A move-phase activity beyond the template; `due` is in days from today."""

    title: str
    kind: ActivityKind
    owner: str
    departments: tuple[str, ...]
    due: int
    status: ActivityStatus
    description: str = ""


def extra_activities(today: datetime.date) -> tuple[ExtraActivity, ...]:
    to_sunday = 6 - today.weekday()
    soon, later_this_week = min(1, to_sunday), min(3, to_sunday)
    done, running, planned = ActivityStatus.DONE, ActivityStatus.IN_PROGRESS, ActivityStatus.PLANNED
    return (
        ExtraActivity(
            "Erstes Treffen des Social-Media-Kreises", ActivityKind.MEETING, "manager", TASK_FORCE,
            -9, done, "Je eine Vertretung pro Abteilung nennt ihre Erwartungen an Social Media.",
        ),
        ExtraActivity(
            "Fotofreigabe für Messeauftritte mit dem Vertrieb klären",
            ActivityKind.CONTENT_WORKFLOW, "head:Vertrieb", ("Vertrieb", "Marketing"), -5, done,
            "Wer fotografiert am Stand, wer gibt frei, Fotos spätestens am Abend an Marketing.",
        ),
        ExtraActivity(
            "Erfolgsgeschichte: erste Bewerbung über LinkedIn", ActivityKind.COMMUNICATION,
            "manager", ("Personal",), -4, done,
            "Kurzer Beitrag im Intranet, die Recruiterin erzählt, wie es dazu kam.",
        ),
        ExtraActivity(
            "LinkedIn, Instagram und YouTube im Firmennetz freischalten",
            ActivityKind.RESOURCE_REQUEST, "head:IT", ("IT",), -7, running,
            "Separates WLAN für Social-Media-Geräte; Freigabe durch die Informationssicherheit.",
        ),
        ExtraActivity(
            "Firmen-Smartphone für Social Media bestellen", ActivityKind.RESOURCE_REQUEST,
            "head:Einkauf", ("Einkauf", "IT"), -3, planned,
            "Smartphone mit guter Kamera und Gimbal für Messen und Fotos aus der Fertigung.",
        ),
        ExtraActivity(
            "Fotos aus der Fertigung: Freigaberegeln mit der Produktionsleitung abstimmen",
            ActivityKind.CONTENT_WORKFLOW, "head:Produktion", ("Produktion",), -2, planned,
            "Was darf gezeigt werden, was ist Betriebsgeheimnis? "
            "Wer gibt Fotos aus der Halle frei?",
        ),
        ExtraActivity(
            "LinkedIn-Profil-Workshop für den Vertrieb", ActivityKind.WORKSHOP, "manager",
            ("Vertrieb",), soon, running,
            "Profile aufräumen, Kontakte pflegen; als Hausaufgabe einen Projektbericht teilen.",
        ),
        ExtraActivity(
            "Beitrag im Mitarbeitermagazin: Warum wir auf Social Media gehen",
            ActivityKind.COMMUNICATION, "manager", ALL, later_this_week, planned,
            "Mit Zitat der Geschäftsführung und den ersten Zahlen.",
        ),
        ExtraActivity(
            "Azubi-Takeover auf Instagram vorbereiten", ActivityKind.CHAMPIONS, "head:Personal",
            ("Personal", "Produktion"), 12, planned,
            "Auszubildende zeigen eine Woche lang ihren Alltag in der Werkstatt.",
        ),
        ExtraActivity(
            "Social Customer Service: Antwortzeiten festlegen", ActivityKind.CONTENT_WORKFLOW,
            "head:Kundenservice", ("Kundenservice",), 18, running,
            "Anfragen über Social Media werden werktags innerhalb von vier Stunden beantwortet.",
        ),
        ExtraActivity(
            "Webinar für Führungskräfte: die Social-Media-Guidelines", ActivityKind.TRAINING,
            "manager", ALL, 35, planned,
            "Was dürfen Mitarbeitende posten, wie läuft die Eskalation bei Kritik?",
        ),
    )  # fmt: skip


@dataclass(frozen=True)
class Stake:
    """A stakeholder: first attitude and later changes as (days ago, attitude, note)."""

    person: str
    role: StakeholderRole
    influence: int
    history: tuple[tuple[int, Attitude, str], ...]
    concerns: str = ""


STAKEHOLDERS: tuple[Stake, ...] = (
    Stake(
        "head:Geschäftsführung", StakeholderRole.SPONSOR, 5,
        (
            (118, Attitude.SUPPORTIVE, ""),
            (96, Attitude.CHAMPION, "Hat nach dem Kick-off grünes Licht gegeben und das Projekt "
             "selbst auf der Betriebsversammlung vorgestellt."),
        ),
        "Will sehen, was Social Media konkret bringt: Bewerbungen, Anfragen, Reichweite.",
    ),
    Stake(
        "head:Vertrieb", StakeholderRole.DEPARTMENT_HEAD, 4,
        (
            (115, Attitude.SCEPTICAL, ""),
            (62, Attitude.NEUTRAL, "Im Abteilungsworkshop gesehen, wie Wettbewerber auf "
             "LinkedIn Social Selling betreiben."),
            (20, Attitude.SUPPORTIVE, "Erste Kundenanfrage über LinkedIn; will das "
             "Profil-Training für das ganze Team."),
        ),
        "Befürchtet, dass Social Media Zeit für Kundenbesuche kostet.",
    ),
    Stake(
        "head:Produktion", StakeholderRole.DEPARTMENT_HEAD, 5,
        (
            (112, Attitude.NEUTRAL, ""),
            (41, Attitude.SCEPTICAL, "Sorge, dass Fotos aus der Halle Konstruktionsdetails "
             "verraten."),
            (13, Attitude.RESISTANT, "Nach einem nicht freigegebenen Foto einer Sondermaschine "
             "im Netz: lehnt Aufnahmen in der Fertigung vorerst ab."),
        ),
        "Fürchtet Zeitverlust in der Fertigung und verratene Betriebsgeheimnisse: "
        "„Wir bauen Maschinen, keine Likes.“",
    ),
    Stake(
        "head:Marketing", StakeholderRole.DEPARTMENT_HEAD, 4,
        (
            (118, Attitude.SUPPORTIVE, ""),
            (80, Attitude.CHAMPION, "Stellt eine Werkstudentin für Bildbearbeitung ab und wirbt "
             "in der Leitungsrunde für das Projekt."),
        ),
    ),
    Stake(
        "head:Personal", StakeholderRole.DEPARTMENT_HEAD, 4,
        ((110, Attitude.SUPPORTIVE, ""),),
        "Employer Branding: Fachkräfte und Auszubildende über Instagram und LinkedIn gewinnen.",
    ),
    Stake(
        "head:Kundenservice", StakeholderRole.DEPARTMENT_HEAD, 3,
        ((105, Attitude.NEUTRAL, ""),),
        "Sorge vor öffentlichen Beschwerden und einem Shitstorm; wer antwortet am Wochenende?",
    ),
    Stake(
        "head:Einkauf", StakeholderRole.DEPARTMENT_HEAD, 2,
        ((100, Attitude.SCEPTICAL, ""),),
        "Sieht keinen Nutzen für den Einkauf und fürchtet zusätzliche Arbeit.",
    ),
    Stake(
        "head:IT", StakeholderRole.IT, 4,
        (
            (110, Attitude.SCEPTICAL, ""),
            (30, Attitude.NEUTRAL, "Einverstanden mit einem separaten WLAN für "
             "Social-Media-Geräte."),
        ),
        "Sicherheitsrisiken durch freigeschaltete Netzwerke; schlägt separate Geräte vor.",
    ),
    Stake(
        "works_council", StakeholderRole.WORKS_COUNCIL, 4,
        ((108, Attitude.SCEPTICAL, ""),),
        "Keine Leistungs- und Verhaltenskontrolle; Guidelines nur als Betriebsvereinbarung, "
        "Mitmachen bleibt freiwillig.",
    ),
    Stake(
        "champion_marketing", StakeholderRole.CHAMPION, 3, ((100, Attitude.CHAMPION, ""),)
    ),
    Stake(
        "champion_hr", StakeholderRole.CHAMPION, 3,
        (
            (100, Attitude.NEUTRAL, ""),
            (70, Attitude.SUPPORTIVE, "Hat nach dem Workshop die Karriereseite auf LinkedIn "
             "überarbeitet."),
            (6, Attitude.CHAMPION, "Erste Bewerbung über LinkedIn; erzählt im Team begeistert "
             "davon."),
        ),
    ),
    Stake("champion_sales", StakeholderRole.CHAMPION, 3, ((90, Attitude.CHAMPION, ""),)),
    Stake("champion_service", StakeholderRole.CHAMPION, 2, ((60, Attitude.CHAMPION, ""),)),
    Stake(
        "supplier_marketing", StakeholderRole.CONTENT_SUPPLIER, 2,
        ((90, Attitude.SUPPORTIVE, ""),),
        "Liefert Messefotos, braucht aber klare Freigaberegeln.",
    ),
    Stake(
        "supplier_service", StakeholderRole.CONTENT_SUPPLIER, 2,
        ((60, Attitude.SUPPORTIVE, ""),),
        "Fotos von Inbetriebnahmen beim Kunden nur mit dessen Einverständnis.",
    ),
    Stake(
        "supplier_production", StakeholderRole.CONTENT_SUPPLIER, 2,
        ((45, Attitude.NEUTRAL, ""),),
        "Hat in der Schicht kaum Zeit für Fotos.",
    ),
    Stake(
        "employee", StakeholderRole.EMPLOYEE, 1,
        ((40, Attitude.NEUTRAL, ""),),
        "Unsicher, was sie privat über den Arbeitgeber posten darf.",
    ),
    Stake(
        "worker_sceptical", StakeholderRole.EMPLOYEE, 1,
        ((40, Attitude.SCEPTICAL, ""),),
        "Befürchtet Mehrarbeit neben der Schicht.",
    ),
    Stake(
        "worker_resistant", StakeholderRole.EMPLOYEE, 2,
        ((40, Attitude.RESISTANT, ""),),
        "Angst vor einem Shitstorm und davor, ungefragt auf Fotos im Netz zu landen.",
    ),
)  # fmt: skip
