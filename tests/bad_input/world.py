"""Rows the bad-input tests post against, and a cheap "did anything get written" count."""

import datetime

from django.apps import apps
from django.db import connection

from tests import factories

COUNTED_APPS = ("rollout", "guidelines", "notifications")


def row_counts() -> dict[str, int]:
    """Row counts of every table of our apps, in one query."""
    tables = sorted(
        {
            model._meta.db_table
            for app in COUNTED_APPS
            for model in apps.get_app_config(app).get_models()
            if not model._meta.proxy and model._meta.managed
        }
    )
    sql = " UNION ALL ".join(
        f"SELECT '{table}', COUNT(*) FROM {connection.ops.quote_name(table)}"  # noqa: S608 (our models' tables)
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


class World:
    """The objects the forms' constructors and the views' URLs need."""

    def __init__(self, cast) -> None:
        from guidelines.models import AcknowledgmentRequest, ComprehensionQuestion
        from guidelines.services import guidelines as guideline_services
        from guidelines.services import trainings as training_services
        from rollout.models import CommunicationItem
        from rollout.services import communication as communication_services
        from rollout.services.workflows import workflow_propose

        self.cast = cast
        self.rollout = cast.rollout
        self.phase = self.rollout.phases.order_by("order").first()
        self.activity = factories.ActivityFactory(phase=self.phase)
        self.stakeholder = factories.StakeholderFactory(
            rollout=self.rollout, person=cast.head_a.person
        )
        self.version = factories.guideline_version(
            "published", questions=[("Was gilt?", ["A", "B", "C"], 1)]
        )
        self.questions = list(ComprehensionQuestion.objects.filter(version=self.version))
        self.draft = factories.guideline_version("draft")
        self.in_review = factories.guideline_version("review")
        self.approved = factories.guideline_version("approved")
        self.ack_request = AcknowledgmentRequest.objects.filter(
            version=self.version, person=cast.employee.person
        ).first()
        self.workflow = factories.ContentWorkflowFactory(
            department=cast.department_a, by=cast.manager
        )
        workflow_propose(workflow=self.workflow, by=cast.manager)
        self.workflow.refresh_from_db()
        self.workflow.latest_revision.suppliers.add(cast.employee.person)  # the supplier link's
        self.item = communication_services.communication_item_create(
            rollout=self.rollout,
            date=datetime.date.today(),
            channel=CommunicationItem._meta.get_field("channel").choices[0][0],
            message="Auftakt im Intranet",
            by=cast.manager,
        )
        self.session = factories.training_session(
            phase=self.phase, by=cast.manager, departments=[cast.department_a], capacity=5
        )
        self.invitation = self.session.invitations.first()
        self.rsvp_token = training_services.rsvp_token(self.invitation)
        self.feedback_token = training_services.feedback_token(self.invitation)
        self.ack_token = guideline_services.ack_token(
            person_id=cast.employee.person.pk, version_id=self.version.pk
        )

    def kwargs(self, name: str) -> dict:
        """Constructor keywords of the form class called `name`."""
        return {
            "DepartmentLeadershipForm": {"department": self.cast.department_a},
            "BoardFilterForm": {"departments": [(self.cast.department_a.pk, "Vertrieb")]},
            "ActivityCreateForm": {"phase_pk": self.phase.pk},
            "ActivityEditForm": {"rollout": self.rollout, "instance": self.activity},
            "ActivityOwnerForm": {"rollout": self.rollout, "instance": self.activity},
            "StakeholderUpdateForm": {"instance": self.stakeholder},
            "StakeholderAddForm": {"rollout": self.rollout},
            "WorkflowForm": {"creating": True, "department": self.cast.department_a},
            "AcknowledgeForm": {"questions": self.questions},
            "SessionForm": {"rollout": self.rollout},
            "StakeholderFilterForm": {"departments": [self.cast.department_a]},
        }.get(name, {})
