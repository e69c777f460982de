"""The outbox's services: queueing (outbox), handing rows to the worker (dispatch), sending
(sending), the daily digest (digests). Import them from here."""

from notifications.services.dispatch import (
    SEND_BATCH,
    enqueue_send,
    kick_after_commit,
    notifications_dispatch,
    reclaim_stale,
)
from notifications.services.outbox import (
    QueuedNotification,
    Recipient,
    notification_queue,
    notification_queue_many,
    notification_retry,
    notification_send_now,
    notifications_cancel,
    recipient_for,
)
from notifications.services.sending import notifications_send, retry_delay

__all__ = [
    "SEND_BATCH",
    "QueuedNotification",
    "Recipient",
    "enqueue_send",
    "kick_after_commit",
    "notification_queue",
    "notification_queue_many",
    "notification_retry",
    "notification_send_now",
    "notifications_cancel",
    "notifications_dispatch",
    "notifications_send",
    "recipient_for",
    "reclaim_stale",
    "retry_delay",
]
