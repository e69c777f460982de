from django import template

from notifications.selectors import notifications_about

register = template.Library()


@register.simple_tag
def notification_log(about):
    """`{% notification_log obj as rows %}`: the notifications about `obj` (1 query)."""
    return notifications_about(about) if about is not None else []


@register.filter
def wait_note(notification) -> str:
    """When and why a pending row goes out: "wird um 08:00 verschickt (Ruhezeit)"."""
    from notifications.waiting import wait_note as note

    return note(notification)


@register.filter
def is_waiting(notification) -> bool:
    """Held back (later or for the digest): the manager may send it now."""
    from notifications.waiting import is_waiting as waiting

    return waiting(notification)


@register.filter
def kind_label(key: str) -> str:
    """The readable name of a notification kind (its key when unknown)."""
    from notifications.kinds import get_kind

    kind = get_kind(key)
    return str(kind.label) if kind else key
