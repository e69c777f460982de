"""The daily digest: every row waiting for it (digestible kinds, mandatory kinds a recipient
asked to stop, mails over the weekly cap) goes out in one mail per person and day."""

import datetime
from collections import defaultdict

from django.db import transaction

from notifications import policy
from notifications.kinds import get_kind
from notifications.models import Notification, NotificationState, WaitReason
from notifications.services.dispatch import kick_after_commit
from notifications.services.sending import DIGEST_KIND


def digests_build(*, now: datetime.datetime, limit: int = 20000) -> list[int]:
    """Bundle the due digest items of each recipient into one digest row (skipping rows
    another dispatcher holds) and hand the digests to the worker after commit."""
    with transaction.atomic():
        items = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(state=NotificationState.PENDING, via_digest=True, due_at__lte=now)
            .order_by("recipient_email", "due_at", "pk")[:limit]
        )
        if not items:
            return []
        # A transactional kind (or one with attachments: the digest would strip them) is never
        # bundled; rows put in the digest before their kind said so go out on their own.
        alone = [i.pk for i in items if policy.is_transactional(get_kind(i.kind), i.kind)]
        if alone:
            Notification.objects.filter(pk__in=alone).update(
                via_digest=False, wait_reason=WaitReason.NONE, claimed_at=None
            )
            items = [i for i in items if i.pk not in set(alone)]
        groups: dict[str, list[Notification]] = defaultdict(list)
        for item in items:
            groups[item.recipient_email.lower()].append(item)
        digest_ids = []
        for group in groups.values():
            first = group[0]
            digest = Notification.objects.create(
                kind=DIGEST_KIND,
                dedup_key=f"digest:{first.recipient_email.lower()}:{min(i.pk for i in group)}",
                recipient_email=first.recipient_email,
                recipient_name=first.recipient_name,
                person_id=first.person_id,
                user_id=first.user_id,
                language=first.language,
                time_zone=first.time_zone,
                context={"count": len(group)},
                due_at=now,
                claimed_at=now,
            )
            Notification.objects.filter(pk__in=[i.pk for i in group]).update(
                state=NotificationState.DIGESTED, digest=digest, claimed_at=None
            )
            digest_ids.append(digest.pk)
        for start in range(0, len(digest_ids), 50):
            kick_after_commit(digest_ids[start : start + 50])
    return digest_ids
