"""The dispatcher: sends each delivery row, retries on the schedule, keeps the books.

Attempts are scheduler jobs at virtual times; the HTTP work is asyncio tasks.
Deliveries of one call to one destination go out one at a time in lifecycle
order (a lane); a failed one waits for its retry without holding back the next.

Under the manual clock, ``settle`` (what advance and step wait on) waits for
the attempts in flight only while they keep finishing: once none has finished
for ``patience`` seconds of real time (the webhook timeout plus half a second,
at most SETTLE_PATIENCE), the rest are left running and marked late. A late
attempt's outcome lands whenever it ends; its retry is planned from the virtual
time it was sent, as if it had ended then.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Mapping

from emulator.domain.context import Context
from emulator.domain.records import Delivery, WebhookEndpoint
from emulator.domain.store import Org
from emulator.scheduler import Job
from emulator.webhooks.chaos import Chaos
from emulator.webhooks.format import Format
from emulator.webhooks.log import Attempt, AttemptLog
from emulator.webhooks.transport import Outcome, Poster

Lane = tuple[str | None, str]
SETTLE_PATIENCE = 2.0  # seconds of real time settle waits without any attempt finishing


class Dispatcher:
    def __init__(self, ctx: Context, formats: Mapping[str, Format], transport: Poster) -> None:
        self.ctx = ctx
        self.formats = formats  # by name: each delivery row names its own
        self.transport = transport
        self.log = AttemptLog()
        self.jitter = ctx.ids.fork("webhook-jitter")  # its own stream: retries never move ids
        ctx.scheduler.register("deliver", self._due)  # a snapshot's "deliver" jobs
        self._jobs: dict[str, Job] = {}
        self._lanes: dict[Lane, deque[tuple[Delivery, bool]]] = {}
        self._busy: set[Lane] = set()
        self._ready: list[tuple[Delivery, bool]] = []  # due while no event loop ran
        self._tasks: set[asyncio.Task[None]] = set()
        self._queued: dict[str, asyncio.Task[None]] = {}  # by delivery id: waiting for its origin's slot
        self.on_attempted: list[Callable[[Delivery], None]] = []  # after each attempt (retention listens)
        # A delivery's state changed (pending / delivered / failed, its last error): the dialect
        # decides what, if anything, of its call reflects it. The dispatcher writes no call field.
        self.on_state: list[Callable[[Delivery, str, str | None], None]] = []
        self._late: set[asyncio.Task[None]] = set()  # still running after a settle stopped waiting for them
        self._wakes: set[asyncio.Future[bool]] = set()  # one per waiting settle: an attempt finished
        self.chaos: Chaos | None = None  # webhook chaos rules (webhooks/chaos.py), when armed

    def enqueue(self, delivery: Delivery) -> None:
        """A new row, or a redelivered one: attempt it at its next_attempt_at."""
        manual = delivery.manual_retry_count > 0  # only a redelivery re-enters here
        old = self._jobs.pop(delivery.id, None)
        if old is not None:
            old.cancel()
        if delivery.call_id and delivery.endpoint_id is None:
            self._set_call_status(delivery, "pending", None)
        self._jobs[delivery.id] = self.ctx.scheduler.step(delivery.next_attempt_at, "deliver", delivery, manual)

    def resume(self, delivery: Delivery, manual: bool, due: float) -> Job:
        """Schedule an attempt that was already planned (a snapshot import)."""
        job = self._jobs[delivery.id] = self.ctx.scheduler.step(due, "deliver", delivery, manual)
        return job

    def _due(self, delivery: Delivery, manual: bool) -> None:
        self._jobs.pop(delivery.id, None)
        if not manual and delivery.status != "pending":
            return  # a redelivery sent meanwhile settled it: this automatic retry is moot
        lane = (delivery.call_id, delivery.endpoint_id or delivery.url)
        if self.chaos is not None and not manual:
            hold = self.chaos.hold_for(delivery, lane, self.ctx.clock.now())
            if hold is not None:  # delayed, or held back so that a later event passes it
                self._jobs[delivery.id] = self.ctx.scheduler.step(
                    self.ctx.clock.now() + hold, "deliver", delivery, manual
                )
                return
        if lane in self._busy:
            self._lanes.setdefault(lane, deque()).append((delivery, manual))
        else:
            self._start(delivery, manual)
        passed = self.chaos.passed(lane, delivery) if self.chaos is not None else None
        if passed is not None:  # a held-back one goes right after the one that passed it
            job = self._jobs.pop(passed.id, None)
            if job is not None:
                job.cancel()
            self._due(passed, False)

    def give_up(self, delivery: Delivery, reason: str) -> None:
        """Stop a pending delivery for good (retention drops its call): ``exhausted`` with
        ``reason``, its next attempt cancelled or taken out of its lane; one in flight lands
        in the attempt log but changes the row no more."""
        job = self._jobs.pop(delivery.id, None)
        if job is not None:
            job.cancel()
        lane = (delivery.call_id, delivery.endpoint_id or delivery.url)
        waiting = self._lanes.get(lane)
        if waiting:  # a call's lane holds a few rows at most
            kept = deque(item for item in waiting if item[0] is not delivery)
            if kept:
                self._lanes[lane] = kept
            else:
                del self._lanes[lane]
        self._ready = [item for item in self._ready if item[0] is not delivery] if self._ready else self._ready
        queued = self._queued.pop(delivery.id, None)
        if queued is not None:  # not sent yet, only waiting for a slot: it never will be
            queued.cancel()
        self._give_up(delivery, reason)

    def _start(self, delivery: Delivery, manual: bool) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._ready.append((delivery, manual))
            return
        self._busy.add((delivery.call_id, delivery.endpoint_id or delivery.url))
        task = loop.create_task(self._attempt(delivery, manual))
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._late.discard(task)
        for wake in self._wakes:
            if not wake.done():
                wake.set_result(True)

    @property
    def patience(self) -> float:
        return min(self.transport.timeout + 0.5, SETTLE_PATIENCE)

    async def settle(self) -> None:
        """Wait until every attempt started so far (and the lanes behind them) is done, or none
        has finished for ``patience`` seconds: those still running are then late (module doc)."""
        ready, self._ready = self._ready, []
        for delivery, manual in ready:
            self._start(delivery, manual)
        loop = asyncio.get_running_loop()
        while len(self._tasks) > len(self._late):
            wake = loop.create_future()
            self._wakes.add(wake)
            timer = loop.call_later(self.patience, _resolve, wake)
            try:
                progressed = await wake
            finally:
                timer.cancel()
                self._wakes.discard(wake)
            if not progressed:
                self._late |= self._tasks
                return

    async def finish(self) -> None:
        """Wait for every attempt, late ones included (shutdown, tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _attempt(self, delivery: Delivery, manual: bool) -> None:
        lane = (delivery.call_id, delivery.endpoint_id or delivery.url)
        try:
            await self._send(delivery, manual)
        finally:
            for fn in self.on_attempted:
                fn(delivery)
            self._busy.discard(lane)
            waiting = self._lanes.get(lane)
            if waiting:
                self._start(*waiting.popleft())
            if waiting is not None and not waiting:
                del self._lanes[lane]

    async def _send(self, delivery: Delivery, manual: bool) -> None:
        org = self.ctx.store.orgs.get(delivery.org_id)
        secret = self._secret(org, delivery)
        if org is None or secret is None:
            return self._give_up(delivery, "the webhook endpoint was deleted")
        fmt = self._format(delivery)
        body = fmt.render(delivery)
        wall = int(self.ctx.clock.wall_now())
        headers = fmt.headers(delivery, body, secret, wall)
        chaos = self.chaos.sign(fmt, delivery, body, secret, wall, headers) if self.chaos is not None else None
        headers = chaos.headers if chaos is not None else headers
        sent_at = self.ctx.clock.now()
        task = asyncio.current_task()
        if task is not None:
            self._queued[delivery.id] = task
        try:
            outcome = await self.transport.post(
                delivery.url, body, headers, lambda: self._queued.pop(delivery.id, None)
            )
        finally:
            if self._queued.get(delivery.id) is task:
                del self._queued[delivery.id]
        if not manual:
            delivery.attempt_count += 1
        late = asyncio.current_task() in self._late
        self.log.add(
            Attempt.of(
                delivery, manual, sent_at, headers, body, outcome, late, chaos.actions if chaos is not None else []
            )
        )
        self._record(org, delivery, manual, outcome, sent_at)
        if chaos is not None and chaos.duplicate is not None:  # the same request again; the row keeps the first
            again = await self.transport.post(delivery.url, body, headers)
            self.log.add(Attempt.of(delivery, manual, sent_at, headers, body, again, late, [chaos.duplicate]))

    def _format(self, delivery: Delivery) -> Format:
        return self.formats[delivery.format or self.ctx.profile.webhook_format]

    def _secret(self, org: Org | None, delivery: Delivery) -> str | None:
        if org is None:
            return None
        if delivery.endpoint_id is None:
            return org.default_signing_secret
        endpoint = org.endpoints.get(delivery.endpoint_id)
        return endpoint.signing_secret if endpoint is not None else None

    def _record(self, org: Org, delivery: Delivery, manual: bool, outcome: Outcome, sent_at: float) -> None:
        if delivery.status == "exhausted" and not manual:
            return  # given up while this attempt was in flight (give_up): no retry, reason kept
        now = self.ctx.clock.now()
        delivery.last_response_status = outcome.status
        delivery.updated_at = now
        endpoint = org.endpoints.get(delivery.endpoint_id) if delivery.endpoint_id else None
        if outcome.ok:
            delivery.status, delivery.last_error = "delivered", None
            delivery.next_attempt_at = now
            delivery.delivered_at = delivery.delivered_at or now
            if endpoint is not None:
                endpoint.consecutive_failures = 0
            return self._set_call_status(delivery, "delivered", None)
        delivery.last_error = outcome.error
        policy = self._format(delivery).retry
        if delivery.attempt_count >= policy.max_attempts:
            return self._exhaust(delivery, endpoint)
        if delivery.id not in self._jobs:  # else a send is already scheduled (a redelivery): one retry chain only
            # From the time it was sent: a late outcome does not push its retry further out.
            delivery.next_attempt_at = max(now, sent_at + policy.delay_before(delivery.attempt_count + 1, self.jitter))
            self._jobs[delivery.id] = self.ctx.scheduler.step(delivery.next_attempt_at, "deliver", delivery, False)
        self._set_call_status(delivery, "pending", outcome.error)

    def _exhaust(self, delivery: Delivery, endpoint: WebhookEndpoint | None) -> None:
        delivery.status = "exhausted"
        self._set_call_status(delivery, "failed", delivery.last_error)
        if endpoint is None:
            return
        endpoint.consecutive_failures += 1
        if (
            endpoint.consecutive_failures >= self._format(delivery).retry.auto_disable_after
            and endpoint.status == "enabled"
        ):
            endpoint.status, endpoint.disabled_reason = "disabled", "too_many_failures"
            endpoint.disabled_at = self.ctx.clock.now()

    def _give_up(self, delivery: Delivery, reason: str) -> None:
        delivery.status, delivery.last_error = "exhausted", reason
        delivery.updated_at = self.ctx.clock.now()

    def _set_call_status(self, delivery: Delivery, status: str, error: str | None) -> None:
        for fn in self.on_state:
            fn(delivery, status, error)


def _resolve(wake: asyncio.Future[bool]) -> None:
    if not wake.done():
        wake.set_result(False)
