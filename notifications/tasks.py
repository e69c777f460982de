"""Celery tasks of the outbox: the beat's dispatcher and the sender. Both are safe to run
twice and at the same time."""

from celery import shared_task

from notifications import services


@shared_task
def dispatch_due_notifications() -> int:
    return services.notifications_dispatch()


@shared_task
def send_notifications(ids: list[int]) -> int:
    return services.notifications_send(ids=ids)
