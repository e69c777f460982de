"""The Lewin template: the activities a social media rollout needs in each phase.

Titles are translatable; a rollout created from the template stores them in the language
of the person who creates it.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rollout.models import ActivityKind, CriterionKind, PhaseKind


@dataclass(frozen=True)
class TemplateActivity:
    title: str | Promise
    kind: ActivityKind
    description: str | Promise = ""
    # The gate criterion this activity stands for, if any: checked by hand, or computed
    # from the data (then met at `threshold` %).
    criterion: str | Promise = ""
    criterion_kind: CriterionKind = CriterionKind.MANUAL
    threshold: int | None = None


LEWIN_TEMPLATE: tuple[tuple[PhaseKind, tuple[TemplateActivity, ...]], ...] = (
    (
        PhaseKind.UNFREEZE,
        (
            TemplateActivity(
                _("Kick-off with leadership"),
                ActivityKind.MEETING,
                _("Present goals and benefits, ask for the green light from the top."),
                criterion=_("Leadership has given the green light"),
            ),
            TemplateActivity(
                _("Set up the social media task force"),
                ActivityKind.MEETING,
                _("One representative per key department states their expectations."),
            ),
            TemplateActivity(
                _("Department workshops on the benefits"),
                ActivityKind.WORKSHOP,
                _("Show each department what social media brings them; hear their fears."),
            ),
            TemplateActivity(
                _("Assess time and resources per department"),
                ActivityKind.REVIEW,
                _("How much time can colleagues spend on content, and who supplies what?"),
            ),
            TemplateActivity(
                _("Request devices, software and network access"),
                ActivityKind.RESOURCE_REQUEST,
                _("Company smartphone, tools, unblocked access to social networks (IT)."),
            ),
            TemplateActivity(
                _("Look at competitors' good examples"),
                ActivityKind.COMMUNICATION,
                _("Examples from our industry convince decision makers."),
            ),
        ),
    ),
    (
        PhaseKind.MOVE,
        (
            TemplateActivity(
                _("Agree content workflows with the departments"),
                ActivityKind.CONTENT_WORKFLOW,
                _("Who sends what, how fast, over which channel; the head confirms."),
            ),
            TemplateActivity(
                _("Draft the guidelines with the works council"),
                ActivityKind.GUIDELINE,
                _("Rules of the game for employees, agreed in a works agreement."),
                criterion=_("The works council has agreed to the guidelines"),
                criterion_kind=CriterionKind.GUIDELINE_APPROVED,
                threshold=100,
            ),
            TemplateActivity(
                _("Trainings and coaching"),
                ActivityKind.TRAINING,
                _("Workshops, webinars and coaching on the guidelines and the tools."),
            ),
            TemplateActivity(
                _("Start the champion programme"),
                ActivityKind.CHAMPIONS,
                _("Win engaged colleagues as multipliers and give them visible praise."),
            ),
            TemplateActivity(
                _("Slot in the department meetings"),
                ActivityKind.MEETING_SLOT,
                _("Report news and set a small social homework."),
            ),
        ),
    ),
    (
        PhaseKind.REFREEZE,
        (
            TemplateActivity(
                _("Quick-win showcase"),
                ActivityKind.COMMUNICATION,
                _("Make successes visible to the team and the content suppliers."),
            ),
            TemplateActivity(
                _("KPI review with leadership"),
                ActivityKind.REVIEW,
                _("Followers, reach, applications, answered customer questions."),
            ),
            TemplateActivity(
                _("Optimisation retrospective"),
                ActivityKind.REVIEW,
                _("What works, what do we change? The new status quo keeps improving."),
                criterion=_("Retrospective held and follow-ups assigned"),
            ),
        ),
    ),
)
