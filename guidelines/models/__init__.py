"""The guidelines app's data: guidelines with their versions and acknowledgments."""

from guidelines.models.guidelines import (
    AGREED_STATUSES,
    EDITABLE_STATUSES,
    FROZEN_STATUSES,
    PUBLISHED_STATUSES,
    Acknowledgment,
    AcknowledgmentMethod,
    AcknowledgmentRequest,
    ComprehensionQuestion,
    Guideline,
    GuidelineVersion,
    VersionEvent,
    VersionEventKind,
    VersionStatus,
)
from guidelines.models.trainings import (  # noqa: F401 (the training models)
    InvitationStatus,
    SessionStatus,
    TrainingFeedback,
    TrainingInvitation,
    TrainingKind,
    TrainingSession,
)

__all__ = [
    "AGREED_STATUSES",
    "EDITABLE_STATUSES",
    "FROZEN_STATUSES",
    "PUBLISHED_STATUSES",
    "Acknowledgment",
    "AcknowledgmentMethod",
    "AcknowledgmentRequest",
    "ComprehensionQuestion",
    "Guideline",
    "GuidelineVersion",
    "VersionEvent",
    "VersionEventKind",
    "VersionStatus",
]
