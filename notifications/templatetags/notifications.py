from django import template

from notifications.selectors import notifications_about

register = template.Library()


@register.simple_tag
def notification_log(about):
    """`{% notification_log obj as rows %}`: the notifications about `obj` (1 query)."""
    return notifications_about(about) if about is not None else []


@register.filter
def kind_label(key: str) -> str:
    """The readable name of a notification kind (its key when unknown)."""
    from notifications.kinds import get_kind

    kind = get_kind(key)
    return str(kind.label) if kind else key
