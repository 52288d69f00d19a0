"""Retention: each org keeps its newest N ended calls, with their deliveries; older ones go.

A call has ended once its status is terminal (``completed`` after extraction, or
``failed`` / ``no_answer`` / ``busy`` / ``canceled``): no job touches it after that. Ended calls queue per org in the order they ended; past
the limit the oldest is dropped with its delivery rows, in O(1) per call. A call
whose webhook delivery is still pending (not yet sent, a retry due, a redelivery
asked for) is still in flight for its receivers: it leaves the queue (it no longer
counts as one of the newest N) and waits aside until an attempt settles its last
pending delivery. At most N calls wait aside per org (a receiver may be dead for
the two days a retry chain lasts): past that the oldest waiting call goes anyway,
its pending deliveries given up (``exhausted``, their next attempt cancelled) by
``give_up``, which the dispatcher provides. The event history and the attempt log
are bounded on their own.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Iterable

from emulator.dialect import STATUS, TERMINAL, Change, ended_for_good
from emulator.domain.context import Context
from emulator.domain.records import Delivery
from emulator.domain.store import Org

TERMINAL_STATUSES = TERMINAL
DROPPED = "given up: its call was dropped by the retention limit while this delivery was pending"


class Retention:
    def __init__(self, ctx: Context, limit: int) -> None:
        self.ctx = ctx
        self.limit = limit  # 0: keep everything
        self.pruned = 0
        self._ended: dict[str, deque[str]] = {}  # per org, in the order they ended
        # Per org, oldest first: past the limit, deliveries pending. An OrderedDict: O(1) to take
        # the oldest (a plain dict's first key costs a scan past every key deleted before it).
        self._waiting: dict[str, OrderedDict[str, None]] = {}
        self.give_up: Callable[[Delivery, str], None] | None = None  # the dispatcher's: cancel a pending one

    def on_change(self, change: Change) -> None:
        """A call ended once its status is terminal (heard after its named events: their rows exist)."""
        if self.limit <= 0 or change.kind != STATUS or change.after not in TERMINAL:
            return
        if not ended_for_good(change.call):  # a redial is due: a job still touches it
            return
        org = self.ctx.store.orgs.get(change.call.org_id)
        if org is not None:
            line = self._ended.setdefault(org.id, deque())
            line.append(change.call.id)
            self._prune(org, line)

    def on_attempted(self, delivery: Delivery) -> None:
        """A webhook attempt finished: its call may have been waiting only for it."""
        waiting, call_id = self._waiting.get(delivery.org_id), delivery.call_id
        if waiting and call_id is not None and call_id in waiting:
            org = self.ctx.store.orgs.get(delivery.org_id)
            if org is not None and not self._pending(org, call_id):
                del waiting[call_id]
                self._drop(org, call_id)

    def rebuild(self, busy: Iterable[str]) -> None:
        """After a snapshot import: ended calls (terminal, no job of theirs pending) queue
        in the order they were made, and each org is brought down to the limit."""
        self._ended.clear()
        self._waiting.clear()
        if self.limit <= 0:
            return
        busy = set(busy)
        for org in self.ctx.store.orgs.oldest_first():
            line = self._ended[org.id] = deque(
                c.id for c in org.calls.oldest_first() if c.status in TERMINAL_STATUSES and c.id not in busy
            )
            self._prune(org, line)

    def _prune(self, org: Org, line: deque[str]) -> None:
        waiting = self._waiting.setdefault(org.id, OrderedDict())
        while len(line) > self.limit:  # one call per ended call, but for a rebuild
            call_id = line.popleft()
            if self._pending(org, call_id):
                waiting[call_id] = None  # its receivers are still owed a webhook
            else:
                self._drop(org, call_id)
        while len(waiting) > self.limit:  # at most one per call that came to wait
            oldest, _ = waiting.popitem(last=False)
            self._abandon(org, oldest)
            self._drop(org, oldest)

    def _abandon(self, org: Org, call_id: str) -> None:
        rows = org.deliveries_by_call.get(call_id)
        for d in rows.oldest_first() if rows is not None else ():
            if d.status == "pending":
                (self.give_up or _mark_given_up)(d, DROPPED)

    @staticmethod
    def _pending(org: Org, call_id: str) -> bool:
        rows = org.deliveries_by_call.get(call_id)
        return rows is not None and any(d.status == "pending" for d in rows.oldest_first())

    def _drop(self, org: Org, call_id: str) -> None:
        if call_id in org.calls:
            org.calls.remove(call_id)
        rows = org.deliveries_by_call.pop(call_id, None)
        for d in rows.oldest_first() if rows is not None else ():
            org.deliveries.remove(d.id)
            by_endpoint = org.deliveries_by_endpoint.get(d.endpoint_id) if d.endpoint_id else None
            if by_endpoint is not None and d.id in by_endpoint:
                by_endpoint.remove(d.id)
        self.pruned += 1


def _mark_given_up(delivery: Delivery, reason: str) -> None:
    delivery.status, delivery.last_error = "exhausted", reason
