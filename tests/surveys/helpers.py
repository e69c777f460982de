"""What the survey tests share: a survey with people in departments, and answers given."""

from surveys import services
from surveys.models import DIMENSIONS, SurveyInvitation
from tests import factories


def scores(awareness=4, desire=4, knowledge=4, ability=4, reinforcement=4) -> dict[str, int]:
    return dict(
        zip(DIMENSIONS, (awareness, desire, knowledge, ability, reinforcement), strict=True)
    )


def people_in(department, count: int, **kwargs) -> list:
    return [factories.PersonFactory(department=department, **kwargs) for _ in range(count)]


def answer_as(wave, people, comment: str = "", **score_kwargs) -> None:
    """Everyone of `people` answers `wave` (through the service, as the link does)."""
    invitations = SurveyInvitation.objects.filter(wave=wave, person__in=people)
    for invitation in invitations:
        services.answer_submit(
            invitation=invitation, scores=scores(**score_kwargs), comment=comment
        )
