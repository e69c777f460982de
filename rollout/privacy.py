"""The works council's rule for what others than the manager see of stakeholders.

Individual attitudes are personal data: only the social media manager sees them. Leadership
and department heads see aggregates of groups large enough that no one's attitude can be read
from them; the attitude figures of a smaller group are hidden (the leadership report, the
dashboard, the department page, the change feed and the exports follow the same rule).
"""

# A group of fewer people is not shown on its own.
MIN_GROUP = 5

# The readiness signals that are read from stakeholders' attitudes (and their number).
ATTITUDE_SIGNALS = frozenset(
    {"stakeholders", "average_attitude", "champion", "resistant_high_influence"}
)


def small(count: int) -> bool:
    """A count of people too small to be shown (but zero is shown)."""
    return 0 < count < MIN_GROUP


def sees_attitudes(user: object) -> bool:
    """Whether the user may see individual attitudes and figures of small groups: the
    manager only."""
    return bool(getattr(user, "is_authenticated", False) and user.is_manager)
