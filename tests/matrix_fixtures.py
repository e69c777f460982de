"""The objects the authorization matrix fills URL kwargs from (tests/test_authorization_matrix.py).

Everything that belongs to a department belongs to department A, so head_a may and head_b may
not; signed-link tokens are made with the services' own token functions and belong to the
employee (of department A)."""

from dataclasses import dataclass, field

from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests import factories


@dataclass
class MatrixObjects:
    """The URL kwargs of every pattern that has some; a callable value is made afresh for every
    request (one-time links)."""

    kwargs: dict[str, dict] = field(default_factory=dict)


def _token_of(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def build(cast) -> MatrixObjects:
    """Needs the demo mailbox on (settings.MAILERS) and a private file storage."""
    from core.mailbox import mailbox_list
    from guidelines.models import AcknowledgmentRequest, TrainingInvitation
    from guidelines.services.guidelines import ack_token
    from guidelines.services.trainings import feedback_token, rsvp_token
    from notifications.emails import unsubscribe_token
    from notifications.models import Notification
    from reports.models import Report, ReportStatus
    from rollout.models import GateCriterion, PhaseKind
    from rollout.services import communication as communication_services
    from rollout.services import workflows as workflow_services
    from rollout.services.people_import import people_import_create

    rollout = cast.rollout
    phase = rollout.phases.get(kind=PhaseKind.UNFREEZE)
    department = cast.department_a
    employee = cast.employee.person

    activity = factories.ActivityFactory(phase=phase, departments=[department])
    criterion = GateCriterion.objects.filter(phase=phase).first()
    assert criterion is not None
    people_import = people_import_create(
        content=(
            b"E-Mail;Vorname;Nachname;Abteilung;Position\r\n"
            b"neu.person@example.de;Nora;Neumann;Vertrieb;Innendienst\r\n"
        ),
        filename="hr.csv",
        by=cast.manager,
    )
    stakeholder = factories.StakeholderFactory(rollout=rollout, person=cast.head_a.person)
    today = timezone.localdate()
    item = communication_services.communication_item_create(
        rollout=rollout,
        date=today,
        channel="newsletter",
        message="Die Richtlinie ist da.",
        by=cast.manager,
        audience_departments=[department],
    )
    story = communication_services.success_story_create(
        rollout=rollout, kind="quick_win", title="Erster Post", date=today, by=cast.manager
    )
    workflow = factories.ContentWorkflowFactory(department=department, by=cast.manager)
    workflow_services.workflow_propose(workflow=workflow, by=cast.manager)  # head_a to answer
    workflow.refresh_from_db()
    workflow.latest_revision.suppliers.add(employee)  # whose supplier link is tried
    delivery, _created = workflow_services.delivery_log(
        workflow=workflow, description="Messefotos", requested_at=timezone.now()
    )
    report = Report(
        rollout=rollout,
        requested_by=cast.manager,
        status=ReportStatus.READY,
        finished_at=timezone.now(),
    )
    report.file.save("fortschritt.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    report.save()

    published = factories.guideline_version(
        "published", questions=[("Wer spricht für uns?", ["Alle", "Das Team"], 1)]
    )
    draft = factories.guideline_version("draft")
    in_review = factories.guideline_version("review")
    question = published.questions.first()
    ack_request = AcknowledgmentRequest.objects.get(version=published, person=employee)

    session = factories.training_session(
        phase=phase, by=cast.manager, departments=[department], people=[employee]
    )
    invitation = TrainingInvitation.objects.get(session=session, person=employee)
    TrainingInvitation.objects.filter(pk=invitation.pk).update(attended=True)  # may give feedback
    mail.EmailMessage(subject="Willkommen", body="Hallo", to=[cast.employee.email]).send()
    mailbox_key = mailbox_list()[0].key
    notification = Notification.objects.order_by("pk").first()
    assert notification is not None

    def login_link_token() -> str:
        return workflow_services.login_link_create(user=cast.employee)[1]

    uid = urlsafe_base64_encode(force_bytes(cast.employee.pk))
    objects = MatrixObjects()
    pk = {
        "notifications:retry": notification.pk,
        "notifications:send_now": notification.pk,
        "notifications:rules": rollout.pk,
        "guidelines:version_new": draft.guideline_id,
        "guidelines:question_delete": question.pk,
        "guidelines:on_behalf": ack_request.pk,
        "rollout:dashboard": rollout.pk,
        "rollout:activity_set_status": activity.pk,
        "rollout:plan_activity_create": phase.pk,
        "rollout:phase_gate": phase.pk,
        "rollout:gate_criterion_add": phase.pk,
        "rollout:phase_advance": phase.pk,
        "rollout:gate_criterion_check": criterion.pk,
        "rollout:gate_criterion_remove": criterion.pk,
        "rollout:department_detail": department.pk,
        "rollout:department_leadership": department.pk,
        "rollout:people_import_preview": people_import.pk,
        "rollout:people_import_status": people_import.pk,
        "rollout:people_import_confirm": people_import.pk,
        "rollout:people_import_discard": people_import.pk,
        "rollout:delivery_delivered": delivery.pk,
    }
    for name in (
        "version",
        "question_add",
        "version_diff",
        "compliance",
        "compliance_csv",
        "acknowledge_signed_in",
    ):
        pk[f"guidelines:{name}"] = published.pk
    for name in ("version_edit", "version_submit", "version_return", "version_approve"):
        pk[f"guidelines:{name}"] = draft.pk
    pk["guidelines:version_publish"] = draft.pk
    for name in ("council_version", "council_approve", "council_send_back"):
        pk[f"guidelines:{name}"] = in_review.pk
    for name in ("training_list", "training_create", "training_trainers"):
        pk[f"guidelines:{name}"] = rollout.pk
    for name in (
        "training_detail",
        "training_edit",
        "training_cancel",
        "training_series",
        "training_attendance",
        "training_walk_in_search",
        "training_walk_in",
    ):
        pk[f"guidelines:{name}"] = session.pk
    for name in ("plan", "plan_template_save", "stakeholder_map", "stakeholder_add"):
        pk[f"rollout:{name}"] = rollout.pk
    for name in ("communication_plan", "communication_create", "success_list", "success_create"):
        pk[f"rollout:{name}"] = rollout.pk
    pk["rollout:stakeholder_person_options"] = rollout.pk
    from tests.goals.helpers import make_goal

    goal = make_goal(rollout, weeks=2, owner=employee)
    for name in ("list", "create"):
        pk[f"goals:{name}"] = rollout.pk
    for name in ("detail", "edit", "value_add", "import", "value_request", "story_link"):
        pk[f"goals:{name}"] = goal.pk
    from surveys import services as survey_services
    from surveys.models import SurveyInvitation

    survey = survey_services.survey_create(rollout=rollout, title="Puls", by=cast.manager)
    wave = survey_services.wave_start(survey=survey, by=cast.manager)
    survey_invitation = SurveyInvitation.objects.get(wave=wave, person=employee)
    for name in ("list", "create"):
        pk[f"surveys:{name}"] = rollout.pk
    for name in ("results", "edit", "wave_start"):
        pk[f"surveys:{name}"] = survey.pk
    pk["surveys:follow_up"] = wave.pk
    pk["surveys:department"] = cast.department_a.pk
    for name in ("report_list", "report_create", "report_schedule"):
        pk[f"reports:{name}"] = rollout.pk
    for name in ("row", "edit", "owner", "status", "move", "remove"):
        pk[f"rollout:plan_activity_{name}"] = activity.pk
    for name in ("stakeholder_card", "stakeholder_attitude", "stakeholder_update"):
        pk[f"rollout:{name}"] = stakeholder.pk
    pk["rollout:champion_thank"] = stakeholder.pk
    for name in ("item", "edit", "mark_sent", "cancel", "delete"):
        pk[f"rollout:communication_{name}"] = item.pk
    for name in ("success_edit", "success_delete"):
        pk[f"rollout:{name}"] = story.pk
    for name in ("detail", "edit", "propose", "confirm", "request_changes"):
        pk[f"rollout:workflow_{name}"] = workflow.pk
    pk["rollout:delivery_create"] = workflow.pk
    for name in ("report_status", "report_download"):
        pk[f"reports:{name}"] = report.pk
    for name in ("detail", "roles", "deactivate", "reactivate", "invitation_resend"):
        pk[f"rollout:user_{name}"] = cast.employee.pk
    from goals.services import goal_value_link_path
    from rollout.models import GateException
    from rollout.services.gates import gate_exception_link_path

    exception = GateException.objects.create(
        phase=phase, reason="Die Zeit drängt.", requested_by=cast.manager, sponsor=rollout.sponsor
    )
    pk["rollout:gate_exception_decide"] = exception.pk
    objects.kwargs = {name: {"pk": value} for name, value in pk.items()}

    ack = ack_token(person_id=employee.pk, version_id=published.pk)
    objects.kwargs.update(
        {
            "guidelines:training_attendance_toggle": {
                "pk": session.pk,
                "invitation_pk": invitation.pk,
            },
            "reports:report_export": {"pk": rollout.pk, "fmt": "csv"},
            "guidelines:compliance_export": {"pk": published.pk, "fmt": "xlsx"},
            "rollout:plan_export": {"pk": rollout.pk, "fmt": "xlsx"},
            "rollout:readiness_group": {"pk": rollout.pk, "unit": department.pk},
            "rollout:people_export_as": {"fmt": "xlsx"},
            "rollout:mailbox_message": {"key": mailbox_key},
            "notifications:unsubscribe": {
                "token": unsubscribe_token(cast.employee.email, notification.kind)
            },
            "guidelines:acknowledge": {"token": ack},
            "surveys:answer": {
                "token": survey_services.answer_token(invitation_id=survey_invitation.pk)
            },
            "guidelines:acknowledge_resend": {"token": ack},
            "guidelines:training_rsvp": {"token": rsvp_token(invitation)},
            "guidelines:training_rsvp_renew": {"token": rsvp_token(invitation)},
            "guidelines:training_feedback": {"token": feedback_token(invitation)},
            "rollout:workflow_link": {
                "token": _token_of(workflow_services.workflow_link_path(workflow=workflow))
            },
            "rollout:supply": {
                "token": _token_of(
                    workflow_services.supply_link_path(workflow=workflow, person=employee)
                )
            },
            "goals:value_link": {"token": _token_of(goal_value_link_path(goal=goal))},
            "rollout:gate_exception_link": {
                "token": _token_of(gate_exception_link_path(exception=exception))
            },
            "rollout:login_link": {"token": login_link_token},
            "password_reset_confirm": {
                "uidb64": uid,
                "token": lambda: default_token_generator.make_token(cast.employee),
            },
        }
    )
    return objects
