"""A large German company as data, for `manage.py seed_scale` and the benchmark.

Nordstern Industrie AG: departments on several sites, nested site > division > team, and as
many people with German names as asked for, each with a unique ASCII email address at
`scale.changehub.example`. Everything is drawn from fixed lists with a seeded random generator,
so the same arguments always yield the same company; that is what makes the command
idempotent (departments are found again by name, people by email).
"""

import random
from dataclasses import dataclass

from devtools.demo import FEMALE_FIRST_NAMES, LAST_NAMES, MALE_FIRST_NAMES, ascii_fold
from rollout.models import ActivityKind, Channel, KpiName

COMPANY = "Nordstern Industrie AG"
EMAIL_DOMAIN = "scale.changehub.example"
ROLLOUT_NAME = "Social Media bei der Nordstern Industrie AG"
DEFAULT_PASSWORD = "changehub-bench"  # noqa: S105 - the public password of the bench accounts
MANAGER_EMAIL = f"manager@{EMAIL_DOMAIN}"
LEADERSHIP_EMAIL = f"vorstand@{EMAIL_DOMAIN}"
SEED = 20_000

GOAL = (
    "Social Media an allen Standorten der Nordstern Industrie AG einführen: Employer Branding "
    "für die Werke, Social Selling im Vertrieb, Social Customer Service im Kundenservice. "
    "Ziel: 10.000 Follower auf LinkedIn und jede zehnte Bewerbung über Social Media."
)

SITES = (
    "Hamburg", "München", "Stuttgart", "Köln", "Leipzig", "Dortmund", "Nürnberg", "Bremen",
    "Dresden", "Hannover", "Frankfurt", "Düsseldorf", "Mannheim", "Augsburg", "Kiel", "Erfurt",
    "Rostock", "Freiburg", "Münster", "Kassel",
)  # fmt: skip

# Divisions and their teams; every site has them all (the generator stops at the count asked).
DIVISIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Vertrieb", ("Innendienst", "Außendienst", "Key Account Management")),
    ("Marketing", ("Online-Marketing", "Produktmarketing", "Messen und Events")),
    ("Personal", ("Recruiting", "Personalentwicklung", "Entgeltabrechnung")),
    ("Kundenservice", ("Hotline", "Reklamationen", "Technischer Kundendienst")),
    ("Produktion", ("Montage", "Fertigung", "Instandhaltung", "Arbeitsvorbereitung")),
    ("IT", ("Service Desk", "Infrastruktur", "Anwendungsentwicklung")),
    ("Einkauf", ("Strategischer Einkauf", "Operativer Einkauf")),
    ("Finanzen", ("Buchhaltung", "Controlling")),
    ("Logistik", ("Lager", "Versand")),
    ("Forschung und Entwicklung", ("Konstruktion", "Prototypenbau", "Softwareentwicklung")),
    ("Qualitätsmanagement", ("Prüflabor", "Lieferantenqualität")),
    ("Unternehmenskommunikation", ("Pressestelle", "Interne Kommunikation")),
)

MORE_LAST_NAMES = (
    "Brandt", "Haase", "Schindler", "Kramer", "Lindner", "Ernst", "Marx", "Wagner", "Hoffmann",
    "Busse", "Thiel", "Beyer", "Fiedler", "Seifert", "Kuhlmann", "Ritter", "Mertens", "Barth",
    "Hansen", "Petersen", "Jansen", "Paulsen", "Frey", "Wendt", "Brinkmann", "Kessler", "Ahrens",
    "Reuter", "Böttcher", "Nolte", "Dittrich", "Vogel", "Stark", "Witt", "Gerlach", "Bach",
    "Lorenzen", "Heinz", "Bock", "Brand", "Ebert", "Hein", "Hübner", "Kunz", "Lenz", "Schütz",
    "Sander", "Thomas", "Ulrich", "Wolter", "Yildiz", "Özdemir", "Çelik", "Nguyen", "Popescu",
    "Kovač", "Rossi", "García", "Novak", "Schwab", "Eberhardt", "Gärtner", "Löffler", "Münch",
    "Reichert", "Rößler", "Schäfer-Klein", "von Bergen", "Zimmer", "Adler", "Baier", "Dörr",
)  # fmt: skip
ALL_LAST_NAMES = tuple(dict.fromkeys((*LAST_NAMES, *MORE_LAST_NAMES)))

# Job titles; ":in" and ":r" mark gendered endings as in the demo company.
HEAD_TITLES = {0: "Standortleiter:in", 1: "Bereichsleiter:in", 2: "Teamleiter:in"}
DEPUTY_TITLE = "Stellvertretende:r Leiter:in"
STAFF_TITLES = (
    "Sachbearbeiter:in", "Referent:in", "Spezialist:in", "Projektleiter:in", "Assistent:in",
    "Werkstudent:in", "Auszubildende:r", "Ingenieur:in", "Berater:in", "Koordinator:in",
    "Techniker:in", "Fachkraft",
)  # fmt: skip


@dataclass(frozen=True)
class ScaleDepartment:
    name: str
    parent: str | None
    level: int  # 0 site, 1 division, 2 team


@dataclass(frozen=True)
class ScalePerson:
    first_name: str
    last_name: str
    email: str
    department: str | None
    job_title: str
    position: int  # in the department: 0 is the head, 1 the deputy, -1 no department


def gendered(title: str, female: bool) -> str:
    if female:
        return title.replace(":in", "in").replace(":r", "")
    return title.replace(":in", "").replace(":r", "r")


def scale_departments(count: int) -> list[ScaleDepartment]:
    """`count` departments, site by site: the site, then each division and its teams."""
    departments: list[ScaleDepartment] = []
    round_ = 0
    while len(departments) < count:
        for site in SITES:
            # After the 20 sites, further rounds add numbered plants ("Hamburg 2").
            site_name = site if round_ == 0 else f"{site} {round_ + 1}"
            root = f"Standort {site_name}"
            departments.append(ScaleDepartment(root, None, 0))
            for division, teams in DIVISIONS:
                division_name = f"{division} {site_name}"
                departments.append(ScaleDepartment(division_name, root, 1))
                departments.extend(
                    ScaleDepartment(f"{division_name} / {team}", division_name, 2) for team in teams
                )
            if len(departments) >= count:
                break
        round_ += 1
    return departments[:count]


def scale_people(count: int, departments: list[ScaleDepartment]) -> list[ScalePerson]:
    """`count` people: a head and a deputy for each department first, then the rest spread
    over the departments (teams larger than divisions, sites smallest). The last two are the
    social media manager and the chief executive, whose addresses are the bench logins."""
    rng = random.Random(SEED)  # noqa: S311 - reproducible test data, not a secret
    regular = max(count - 2, 0)
    slots: list[tuple[str | None, int]] = []
    for position in (0, 1):
        slots.extend((department.name, position) for department in departments)
    slots = slots[:regular]
    if departments:
        weights = [(1, 3, 8)[department.level] for department in departments]
        names = [department.name for department in departments]
        rest = rng.choices(names, weights=weights, k=regular - len(slots))
        slots.extend((name, 2) for name in rest)
    else:
        slots.extend((None, -1) for _ in range(regular - len(slots)))
    level = {department.name: department.level for department in departments}
    used_emails = {MANAGER_EMAIL, LEADERSHIP_EMAIL}
    people = []
    for department, position in slots:
        female = rng.random() < 0.48
        first = rng.choice(FEMALE_FIRST_NAMES if female else MALE_FIRST_NAMES)
        last = rng.choice(ALL_LAST_NAMES)
        if position == 0:
            title = HEAD_TITLES[level[department]]
        elif position == 1:
            title = DEPUTY_TITLE
        else:
            title = rng.choice(STAFF_TITLES)
        people.append(
            ScalePerson(
                first_name=first,
                last_name=last,
                email=_unused_email(first, last, used_emails),
                department=department,
                job_title=gendered(title, female),
                position=position,
            )
        )
    first_department = departments[0].name if departments else None
    fixed = (
        ScalePerson(
            "Marlene", "Brandt", MANAGER_EMAIL, first_department, "Social-Media-Managerin", -1
        ),
        ScalePerson(
            "Konrad", "Albers", LEADERSHIP_EMAIL, first_department, "Vorstandsvorsitzender", -1
        ),
    )
    return [*people, *fixed[: min(count, 2)]]


def _unused_email(first: str, last: str, used: set[str]) -> str:
    base = f"{ascii_fold(first)}.{ascii_fold(last)}".lower().replace(" ", "-")
    candidate, number = base, 1
    while f"{candidate}@{EMAIL_DOMAIN}" in used:
        number += 1
        candidate = f"{base}{number}"
    email = f"{candidate}@{EMAIL_DOMAIN}"
    used.add(email)
    return email


# --- Texts for activities, communication items, success stories, stakeholders ---------------

# (kind, title with {department}, description)
ACTIVITY_TEXTS: tuple[tuple[ActivityKind, str, str], ...] = (
    (ActivityKind.WORKSHOP, "Nutzen-Workshop mit {department}",
     "Zeigen, was Social Media der Abteilung bringt; Befürchtungen sammeln."),
    (ActivityKind.MEETING, "Gespräch mit der Leitung von {department}",
     "Erwartungen klären, Unterstützung der Führungskraft gewinnen."),
    (ActivityKind.MEETING_SLOT, "Slot in der Teamrunde von {department}",
     "Zehn Minuten: Stand der Einführung und eine Social-Hausaufgabe."),
    (ActivityKind.REVIEW, "Zeit und Ressourcen erheben: {department}",
     "Wie viel Zeit kann die Abteilung für Inhalte aufbringen, wer liefert was?"),
    (ActivityKind.RESOURCE_REQUEST, "Zugänge zu LinkedIn und Instagram für {department}",
     "Freischaltung im Firmennetz bei der IT beantragen."),
    (ActivityKind.RESOURCE_REQUEST, "Smartphone und Gimbal für {department} bestellen",
     "Ausstattung für Fotos und Videos vor Ort."),
    (ActivityKind.CONTENT_WORKFLOW, "Content-Workflow mit {department} abstimmen",
     "Wer schickt was, wie schnell, über welchen Kanal; die Leitung bestätigt."),
    (ActivityKind.GUIDELINE, "Guidelines mit {department} besprechen",
     "Fragen zu Betriebsgeheimnissen und zur Eskalation klären."),
    (ActivityKind.TRAINING, "Schulung Social-Media-Guidelines: {department}",
     "Präsenzschulung mit Übungen, danach Bestätigung der Guidelines."),
    (ActivityKind.TRAINING, "LinkedIn-Profil-Coaching für {department}",
     "Profile aufräumen, Kontakte pflegen, ersten Beitrag teilen."),
    (ActivityKind.CHAMPIONS, "Multiplikator:innen in {department} gewinnen",
     "Engagierte Kolleg:innen ansprechen, Rolle und Anerkennung erklären."),
    (ActivityKind.COMMUNICATION, "Erfolgsgeschichte aus {department} im Intranet",
     "Kurzer Beitrag mit Foto und Zitat."),
    (ActivityKind.MILESTONE, "Erster eigener Beitrag von {department}",
     "Die Abteilung liefert ihren ersten Inhalt selbst."),
    (ActivityKind.REVIEW, "KPI-Rückblick mit {department}",
     "Reichweite, Follower und Anfragen der letzten Wochen besprechen."),
)  # fmt: skip

COMMUNICATION_MESSAGES = (
    "Warum wir auf Social Media gehen: die Ziele des Vorstands",
    "Die Social-Media-Guidelines sind da: was sich für euch ändert",
    "Erste Erfolge: unsere LinkedIn-Seite wächst",
    "Vorstellung der Multiplikator:innen an den Standorten",
    "Fotos von der Messe: so kommen sie schnell online",
    "Einladung zu den Schulungen im nächsten Monat",
    "Fragen und Antworten zu Social Media am Arbeitsplatz",
    "Rückblick: ein Quartal Social Media bei Nordstern",
    "Azubis übernehmen unseren Instagram-Kanal",
    "Kundenanfragen über Social Media: so antworten wir",
)
SOCIAL_HOMEWORK = (
    "Aktualisiere dein LinkedIn-Profil.",
    "Folge der Unternehmensseite auf LinkedIn.",
    "Teile einen Beitrag aus deinem Arbeitsalltag.",
    "Schreibe einen kurzen Blogbeitrag über dein letztes Projekt.",
    "Empfiehl eine offene Stelle in deinem Netzwerk.",
)
AUDIENCE_NOTES = ("alle Teamleitungen", "der Betriebsrat", "alle Auszubildenden", "")

QUICK_WINS = (
    "Erste Bewerbung über LinkedIn",
    "Messebeitrag mit Rekord-Reichweite",
    "Kundenanfrage über Instagram in einer Stunde gelöst",
    "Azubi-Takeover begeistert",
    "Lokale Presse greift unseren Beitrag auf",
    "Neuer Großkunde nennt LinkedIn als Erstkontakt",
    "Video aus der Fertigung geht viral",
)
KPI_STORIES: tuple[tuple[KpiName, str], ...] = (
    (KpiName.FOLLOWERS, "Follower auf LinkedIn"),
    (KpiName.REACH, "Reichweite im Monat"),
    (KpiName.APPLICATIONS, "Bewerbungen über Social Media"),
    (KpiName.CUSTOMER_QUESTIONS, "Beantwortete Kundenanfragen"),
)

CONCERNS = (
    "Angst vor einem Shitstorm.",
    "Keine Zeit für zusätzliche Aufgaben.",
    "Sorge um Betriebsgeheimnisse.",
    "Zweifel, was Social Media dem Geschäft bringt.",
    "Befürchtet Kontrollverlust über die Kommunikation.",
    "",
    "",
)
ATTITUDE_NOTES = (
    "Nach dem Nutzen-Workshop offener.",
    "Gespräch mit der Bereichsleitung hat geholfen.",
    "Skeptisch nach einem kritischen Kommentar.",
    "Hat die ersten Erfolge gesehen.",
    "Möchte selbst Beiträge liefern.",
    "Sorge wegen des Zeitaufwands.",
)
THANKS = (
    "Danke für die tollen Fotos von der Messe!",
    "Danke, dass du dein Team für LinkedIn begeistert hast.",
    "Dein Beitrag hat uns drei Bewerbungen gebracht. Danke!",
)

CHANNELS = tuple(Channel)
