"""What the guidelines owe someone who joins (rollout.joiners): the acknowledgment request of
every version in force whose scope they are now in, with its email, due from their joining."""

from guidelines.services.guidelines import acknowledgment_requests_for_joiners
from rollout.joiners import register

register("guidelines", acknowledgment_requests_for_joiners)
