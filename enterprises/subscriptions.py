"""Who hears that credit facts were appended: subscribers, and the job that feeds them.

An app that must react to new facts (classification re-scores the enterprise) declares a
subscriber from its own `apps.py`:

    ledger_subscribe("risk.reclassify", handler)   # handler(enterprise_ids: list[int]) -> None

Every append, single or bulk, then writes one `LedgerChange` row per subscriber and enterprise
in its own transaction (`enterprises.services.ledger`), so the register never imports its
subscribers and nothing is lost when the broker is down. `ledger_changes_dispatch` (a Celery
task every minute, and `manage.py dispatch_ledger_changes`) drains each subscriber's rows in
batches: it takes a batch with SKIP LOCKED (workers share the queue), calls the handler with
the batch's distinct enterprise ids and deletes the rows, in one transaction. A handler that
fails rolls its batch back for the next run; one killed midway leaves the batch in the queue.
So handlers must be idempotent (re-scoring an enterprise twice is harmless).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from enterprises.models import LedgerChange

log = logging.getLogger(__name__)

Handler = Callable[[list[int]], None]
NAME_MAX_LENGTH = 64
BATCH = 10_000  # enterprises a handler gets at once: a chunk of set-based work


@dataclass(frozen=True)
class Subscriber:
    name: str
    handler: Handler


_SUBSCRIBERS: dict[str, Subscriber] = {}


def ledger_subscribe(name: str, handler: Handler) -> None:
    """Subscribe `handler` to appended facts under a stable `name` (it names the queue rows:
    renaming a subscriber abandons its pending rows). Subscribing the same handler twice is a
    no-op; another handler under a taken name is an error."""
    if not name or len(name) > NAME_MAX_LENGTH:
        raise ValueError(f"subscriber name: 1 to {NAME_MAX_LENGTH} characters, not {name!r}")
    known = _SUBSCRIBERS.get(name)
    if known is not None and known.handler is not handler:
        raise ValueError(f"ledger subscriber {name!r} is taken")
    _SUBSCRIBERS[name] = Subscriber(name, handler)


def ledger_unsubscribe(name: str) -> None:
    _SUBSCRIBERS.pop(name, None)


def subscriber_names() -> list[str]:
    """The subscribers an append writes rows for, in a stable order."""
    return sorted(_SUBSCRIBERS)


def _drain_batch(subscriber: Subscriber, batch: int) -> int:
    """Hand one batch of a subscriber's rows to its handler; return how many rows it took."""
    with transaction.atomic():
        # Uses index: ledger_change_queue_idx.
        rows = list(
            LedgerChange.objects.select_for_update(skip_locked=True)
            .filter(subscriber=subscriber.name)
            .order_by("id")
            .values_list("id", "enterprise_id")[:batch]
        )
        if not rows:
            return 0
        subscriber.handler(sorted({enterprise_id for _id, enterprise_id in rows}))
        LedgerChange.objects.filter(pk__in=[pk for pk, _e in rows]).delete()
        return len(rows)


def ledger_changes_dispatch(
    *, batch: int = BATCH, max_batches: int | None = None
) -> dict[str, int]:
    """Drain every subscriber's pending rows, batch by batch; return the rows handled per
    subscriber. Idempotent: run again, it finds nothing (or what was appended meanwhile).

    Rules: one transaction per batch, handler and deletion together. A subscriber whose handler
    raises is logged and skipped until the next run; the others go on.
    Side effects: the handlers'; the rows handled are deleted.
    """
    handled: dict[str, int] = {}
    for name in subscriber_names():
        subscriber = _SUBSCRIBERS[name]
        done = batches = 0
        try:
            while max_batches is None or batches < max_batches:
                taken = _drain_batch(subscriber, batch)
                if not taken:
                    break
                done += taken
                batches += 1
        except Exception:
            log.exception("ledger subscriber %s failed; its batch stays queued", name)
        handled[name] = done
    return handled
