"""The demo guideline of Müller Maschinenbau GmbH for `manage.py seed_demo`: the social media
guideline agreed with the works council, in two versions (the second in force, with a
comprehension check), acknowledged by part of the staff, some on paper in production.

Idempotent: when the guideline exists, nothing is created or changed.
"""

import datetime
import random

from django.utils import timezone

from guidelines.models import (
    AcknowledgmentMethod,
    AcknowledgmentRequest,
    Guideline,
    GuidelineVersion,
)
from guidelines.services import guidelines as services
from rollout.models import User

TITLE = "Social-Media-Guidelines der Müller Maschinenbau GmbH"
DESCRIPTION = (
    "Spielregeln für alle Mitarbeitenden im Social Web; Anlage 1 zur Betriebsvereinbarung "
    "„Social Media“."
)

VERSION_1 = """Diese Guidelines gelten für alle Mitarbeitenden der Müller Maschinenbau GmbH, \
wenn sie sich im Social Web über das Unternehmen, unsere Produkte oder ihre Arbeit äußern. \
Private Meinungen bleiben privat: Niemand muss posten, und niemand wird dafür kontrolliert.

# Wer darf was sagen

- Für das Unternehmen sprechen nur das Social-Media-Team und die Geschäftsführung.
- Alle anderen sprechen für sich selbst. Wer über die Arbeit schreibt, sagt, dass er oder sie \
bei Müller Maschinenbau arbeitet, und schreibt in der Ich-Form („Ich finde …“).
- Über Kunden, Aufträge und Lieferanten schreiben wir nur, was bereits öffentlich ist.

# Betriebs- und Geschäftsgeheimnisse

- Zeichnungen, Preise, Angebote, Kundendaten und Kennzahlen bleiben intern.
- Keine Fotos aus der Konstruktion und von Maschinen, die noch nicht ausgeliefert sind.
- Die Weitergabe von Geschäftsgeheimnissen kann arbeitsrechtliche Folgen bis zur Kündigung \
haben.

# Wer darf Konten im Namen des Unternehmens eröffnen

- Konten im Namen der Müller Maschinenbau GmbH eröffnet nur das Social-Media-Team.
- Abteilungen, die einen eigenen Kanal möchten (zum Beispiel die Ausbildung auf Instagram), \
melden sich beim Social-Media-Team; es richtet das Konto ein und hinterlegt die Zugangsdaten.

# Recht und Nutzungsbedingungen

- Beleidigungen, Drohungen, Diskriminierung und falsche Tatsachenbehauptungen sind nicht von \
der Meinungsfreiheit gedeckt, auch nicht privat.
- Bilder, Texte und Musik anderer nur mit Erlaubnis; Personen nur mit ihrem Einverständnis \
zeigen.
- Es gelten die Nutzungsbedingungen der jeweiligen Plattform.

# Krisen und Eskalation

- Bei kritischen Kommentaren, schlechten Bewertungen oder einem Shitstorm nicht selbst \
antworten.
- Sofort das Social-Media-Team informieren: social-media@mueller-maschinenbau.example.
"""

VERSION_2 = """Diese Guidelines gelten für alle Mitarbeitenden der Müller Maschinenbau GmbH, \
wenn sie sich im Social Web über das Unternehmen, unsere Produkte oder ihre Arbeit äußern. \
Private Meinungen bleiben privat: Niemand muss posten, und niemand wird dafür kontrolliert.

# Wer darf was sagen

- Für das Unternehmen sprechen nur das Social-Media-Team und die Geschäftsführung.
- Alle anderen sprechen für sich selbst. Wer über die Arbeit schreibt, sagt, dass er oder sie \
bei Müller Maschinenbau arbeitet, und schreibt in der Ich-Form („Ich finde …“).
- Über Kunden, Aufträge und Lieferanten schreiben wir nur, was bereits öffentlich ist.

# Betriebs- und Geschäftsgeheimnisse

- Zeichnungen, Preise, Angebote, Kundendaten und Kennzahlen bleiben intern.
- Keine Fotos aus der Konstruktion und von Maschinen, die noch nicht ausgeliefert sind.
- Vor jedem Foto in der Fertigung prüfen: Sind Bildschirme, Aushänge oder Schilder mit \
Auftragsnummern zu sehen? Dann nicht posten.
- Die Weitergabe von Geschäftsgeheimnissen kann arbeitsrechtliche Folgen bis zur Kündigung \
haben.

# Wer darf Konten im Namen des Unternehmens eröffnen

- Konten im Namen der Müller Maschinenbau GmbH eröffnet nur das Social-Media-Team.
- Abteilungen, die einen eigenen Kanal möchten (zum Beispiel die Ausbildung auf Instagram), \
melden sich beim Social-Media-Team; es richtet das Konto ein und hinterlegt die Zugangsdaten.

# Fotos und Videos auf dem Werksgelände

- Auf Messen und bei Inbetriebnahmen beim Kunden fotografiert nur, wer vom Vertrieb dafür \
benannt ist; der Kunde stimmt vorher zu.
- Fotos für die Firmenkanäle gehen am selben Tag an marketing@mueller-maschinenbau.example: \
Bilder einer Messe sind eine Woche später wertlos.

# Recht und Nutzungsbedingungen

- Beleidigungen, Drohungen, Diskriminierung und falsche Tatsachenbehauptungen sind nicht von \
der Meinungsfreiheit gedeckt, auch nicht privat.
- Bilder, Texte und Musik anderer nur mit Erlaubnis; Personen nur mit ihrem Einverständnis \
zeigen.
- Es gelten die Nutzungsbedingungen der jeweiligen Plattform.

# Krisen und Eskalation

- Bei kritischen Kommentaren, schlechten Bewertungen oder einem Shitstorm nicht selbst \
antworten und nichts löschen.
- Sofort das Social-Media-Team informieren: social-media@mueller-maschinenbau.example, \
werktags 8 bis 18 Uhr unter Durchwahl 240.
- Am Wochenende und an Feiertagen ist die Rufbereitschaft der Unternehmenskommunikation \
unter 0171 2345678 erreichbar; sie entscheidet, ob die Geschäftsführung eingebunden wird.
"""

QUESTIONS = (
    (
        "Wer darf im Namen der Müller Maschinenbau GmbH ein Instagram-Konto eröffnen?",
        ["Jede Abteilung selbst", "Nur das Social-Media-Team", "Die Ausbildungsleitung"],
        1,
    ),
    (
        "Ein Kunde beschwert sich am Samstag öffentlich auf Facebook. Was tun Sie?",
        [
            "Selbst freundlich antworten",
            "Den Kommentar melden und löschen lassen",
            "Nicht antworten und die Rufbereitschaft informieren",
        ],
        2,
    ),
    (
        "Darf ein Foto aus der Fertigung gepostet werden, auf dem eine Auftragsnummer zu sehen "
        "ist?",
        ["Ja, wenn es privat gepostet wird", "Nein"],
        1,
    ),
)

# Share of the people who have acknowledged version 2, by department; the rest is pending.
ACKNOWLEDGED_SHARE = {
    "Geschäftsführung": 1.0,
    "Marketing": 0.95,
    "Personal": 0.9,
    "Vertrieb": 0.7,
    "Kundenservice": 0.6,
    "IT": 0.5,
    "Einkauf": 0.35,
    "Produktion": 0.3,
}
PAPER_DEPARTMENTS = {"Produktion"}  # no email at work: signed on paper in the shift meeting
KEEP_PENDING = "mitarbeiter@"  # the demo employee can still try the link


def seed_guidelines(*, manager: User | None) -> Guideline | None:
    """Create the demo guideline (idempotent); returns it, or None when it existed."""
    if Guideline.objects.filter(title__iexact=TITLE).exists():
        return None
    today = timezone.localdate()
    guideline = services.guideline_create(
        title=TITLE,
        description=DESCRIPTION,
        body=VERSION_1,
        change_summary="Erste Fassung.",
        effective_date=today - datetime.timedelta(days=120),
        by=manager,
    )
    v1 = guideline.versions.get()
    services.version_submit(version=v1, by=manager)
    _backdate_submission(v1, days=150)  # before its approval
    services.version_approve(
        version=v1,
        approved_on=today - datetime.timedelta(days=130),
        works_agreement_reference="BV 2025/04 Social Media",
        by=manager,
    )
    services.version_publish(version=v1, by=manager)

    v2, _created = services.version_create(guideline=guideline, by=manager)
    services.version_update(
        version=v2,
        body=VERSION_2,
        change_summary=(
            "Neu: Fotos und Videos auf dem Werksgelände. Geändert: Fotos in der Fertigung und "
            "die Rufbereitschaft am Wochenende."
        ),
        effective_date=today - datetime.timedelta(days=10),
        by=manager,
    )
    for text, choices, correct in QUESTIONS:
        services.question_add(
            version=v2, text=text, choices=choices, correct_choice=correct, by=manager
        )
    services.version_submit(version=v2, by=manager)
    _backdate_submission(v2, days=20)
    services.version_approve(
        version=v2,
        approved_on=today - datetime.timedelta(days=14),
        works_agreement_reference="BV 2025/04 Social Media, 1. Nachtrag",
        by=manager,
    )
    services.version_publish(
        version=v2, by=manager, acknowledge_by=today + datetime.timedelta(days=7)
    )
    _acknowledge_some(v2, manager=manager)
    _backdate(v1, submitted=150, published=120, superseded=10)
    _backdate(v2, submitted=20, published=10)
    return guideline


def _backdate_submission(version, *, days: int) -> None:
    submitted_at = timezone.now() - datetime.timedelta(days=days)
    GuidelineVersion.objects.filter(pk=version.pk).update(submitted_at=submitted_at)
    version.events.filter(kind="submitted").update(at=submitted_at)


def _backdate(version, *, submitted: int, published: int, superseded: int | None = None) -> None:
    """The demo's history happened over months, not in the second the seed ran."""
    now = timezone.now()
    GuidelineVersion.objects.filter(pk=version.pk).update(
        submitted_at=now - datetime.timedelta(days=submitted),
        published_at=now - datetime.timedelta(days=published),
        superseded_at=None if superseded is None else now - datetime.timedelta(days=superseded),
    )


def _acknowledge_some(version, *, manager: User | None) -> None:
    rng = random.Random(5)  # noqa: S311 - demo data, not a secret
    questions = list(version.questions.all())
    answers = {question.pk: question.correct_choice for question in questions}
    requests = (
        AcknowledgmentRequest.objects.filter(version=version)
        .exclude(person__email__startswith=KEEP_PENDING)
        .select_related("version", "person__department")
        .order_by("person__email")
    )
    for request in requests:
        department = request.person.department.name if request.person.department else ""
        if rng.random() >= ACKNOWLEDGED_SHARE.get(department, 0.5):
            continue
        if department in PAPER_DEPARTMENTS:
            services.acknowledgment_record(
                request=request,
                method=AcknowledgmentMethod.ON_BEHALF,
                by=manager,
                reason="Papierformular in der Schichtbesprechung unterschrieben.",
            )
        else:
            services.acknowledgment_record(
                request=request,
                method=AcknowledgmentMethod.LINK,
                answers=answers,
                questions=questions,
            )


__all__ = ["TITLE", "seed_guidelines"]
