"""The Emulator: the composition root that owns everything of one emulated service.

It is built outside the ASGI app and handed to ``create_app``, so in-process
tests (where no lifespan runs) hold the very object the app serves.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from emulator import heap, realism
from emulator.clock import LATEST, Clock, iso
from emulator.config import DEFAULT_API_KEY, Config
from emulator.dialect import NEUTRAL, Profile
from emulator.domain.agents import Agents
from emulator.domain.calls import Calls
from emulator.domain.context import Context
from emulator.domain.deliveries import Deliveries
from emulator.domain.endpoints import Endpoints
from emulator.domain.events import Bus, Feed
from emulator.domain.history import History
from emulator.domain.numbers import Numbers
from emulator.domain.orgs import Orgs
from emulator.domain.records import Delivery
from emulator.domain.retention import Retention
from emulator.domain.store import Org, Store
from emulator.errors import InvalidRequest
from emulator.faults import Faults
from emulator.ids import Ids
from emulator.journal import Journal
from emulator.scheduler import Scheduler
from emulator.simulation.engine import Engine
from emulator.simulation.library import load_scenarios
from emulator.simulation.registry import Registry
from emulator.timeline import Transitions
from emulator.webhooks import format as webhook_format
from emulator.webhooks.chaos import Chaos
from emulator.webhooks.dispatcher import Dispatcher
from emulator.webhooks.sinks import Sinks
from emulator.webhooks.transport import Poster, Transport

if TYPE_CHECKING:  # its checks come with --conformance (api/conformance.py)
    from emulator.conformance import Conformance


@dataclass(slots=True)
class Services:
    orgs: Orgs
    numbers: Numbers
    agents: Agents
    calls: Calls
    endpoints: Endpoints
    deliveries: Deliveries


class Emulator:
    def __init__(self, config: Config | None = None, clock: Clock | None = None, profile: Profile = NEUTRAL) -> None:
        """``profile``: the dialect's core-facing half. Callers above the HTTP layer pass it, or
        ``create_app`` gives it (``use_profile``) before the first request."""
        self.profile = profile
        self.base_url = ""  # the server's, once it listens (links the dialect hands out, like recordings)
        self._given = config or Config()
        self.config = self._configured()
        c = self.config  # checked once, here: a bad flag stops the emulator before it serves
        self.realism_defaults = realism.from_flags(c.rate_limit, c.max_concurrent_calls, c.calling_hours, c.do_not_call)
        self.clock = clock or Clock(mode=self.config.clock, speed=self.config.speed)
        self.scheduler = Scheduler()
        self.transport: Poster = Transport(timeout=self.config.webhook_timeout)
        self.conformance: Conformance | None = None  # the contract checks, when on (api/conformance.py)
        # Parsed once: a broken file stops the emulator here, before it serves.
        self.base_scenarios = load_scenarios(self.config.scenarios)
        # The event stream's feed outlives a reset: its ids keep rising, so resume points stay valid.
        self.feed = Feed(self.clock.now, self.clock.wall_now, replay=max(1, self.config.stream_replay))
        self._build()

    def _build(self) -> None:
        """Fresh state from the seed: everything but the clock."""
        self.ids = Ids(self.config.seed)
        self.store = Store()
        self.bus = Bus()
        self.ctx = Context(self.config, self.clock, self.ids, self.scheduler, self.store, self.bus, self.profile)
        endpoints = Endpoints(self.ctx)
        self.services = Services(
            orgs=Orgs(self.ctx),
            numbers=Numbers(self.ctx),
            agents=Agents(self.ctx),
            calls=Calls(self.ctx),
            endpoints=endpoints,
            deliveries=Deliveries(self.ctx, endpoints),
        )
        self.history = History(wall=self.clock.wall_now)
        self.bus.subscribe(self.history.record)
        self.transitions = Transitions(self.clock.now, self.clock.wall_now)  # every status change, for timelines
        self.bus.watch(self.transitions.on_change)
        self.bus.subscribe(self.feed.call_event)
        self.bus.subscribe(self.services.deliveries.on_event)
        self.retention = Retention(self.ctx, self.config.retain_calls)
        self.bus.watch(self.retention.on_change)  # after the named events: the ending event's rows exist
        self.scenarios = Registry()
        for found in self.base_scenarios:
            self.scenarios.add(found)
        self.engine = Engine(self.ctx, self.services.calls, self.scenarios)
        self.services.calls.planner = realism.gated(self.engine.plan, lambda: self.ctx.store)
        self.engine.ring_check = realism.ring_check(lambda: self.ctx.store, self.clock.now)
        self.buckets = realism.Buckets(self.clock.wall_now)  # the rate limits (api/realism.py asks)
        self.services.orgs.realism = self.realism_defaults
        self.dispatcher = Dispatcher(self.ctx, self._formats(), self.transport)
        self.dispatcher.on_state.append(self._delivery_state)
        self.chaos = self.dispatcher.chaos = Chaos(self.ids)  # armed by /_emulator/webhook_chaos
        self.services.deliveries.on_enqueue.append(self.dispatcher.enqueue)
        self.dispatcher.on_attempted.append(self.retention.on_attempted)
        self.retention.give_up = self.dispatcher.give_up  # past its bound of waiting calls
        self.dispatcher.log.on_add.append(
            lambda a: self.feed.publish("delivery.attempt", a, a.org_id, a.call_id, a.sent_at, a.size())
        )
        self.sinks = Sinks(self.ctx, lambda: self.dispatcher.formats[self.profile.webhook_format])
        self.journal = Journal()  # the product API's requests and answers (api/journal.py records them)
        self.faults = Faults(self.ids)  # injected by api/faults.py
        self.default_org: Org = self.services.orgs.create(name="Default org", api_key=self.config.api_key)

    def _configured(self) -> Config:
        """The settings, with the dialect's default key where none was chosen."""
        given = self._given
        chosen = given.api_key and given.api_key != DEFAULT_API_KEY
        config = given if chosen else replace(given, api_key=self.profile.default_api_key)
        # The dialect's documented webhook timeout where none was chosen (--webhook-timeout).
        timeout = getattr(self.profile.formats.get(self.profile.webhook_format), "timeout", None)
        if timeout is not None and given.webhook_timeout == Config().webhook_timeout:
            config = replace(config, webhook_timeout=timeout)
        return config

    def _formats(self) -> dict[str, webhook_format.Format]:
        return {webhook_format.NEUTRAL.name: webhook_format.NEUTRAL, **self.profile.formats}

    def use_profile(self, profile: Profile) -> None:
        """Speak ``profile``'s dialect from now on (``create_app`` calls it before serving).

        The default org made at build keeps its id and the seeded stream is not moved: only
        its generated key and secret take the new prefixes, so the same seed gives the same
        state whichever way the dialect arrived."""
        if profile is self.profile:
            return
        old, old_key, self.profile = self.profile, self.config.api_key, profile
        self.config = self.ctx.config = self._configured()
        self.transport.timeout = self.config.webhook_timeout
        self.ctx.profile = profile
        org = self.default_org  # re-keyed only if it still has the key it was built with (not a loaded state's)
        key = self.config.api_key
        if org.api_key == old_key != key and key not in self.store.orgs_by_key:
            del self.store.orgs_by_key[org.api_key]
            org.api_key = key
            self.store.orgs_by_key[key] = org
        if org.default_signing_secret.startswith(old.secret_prefix):
            org.default_signing_secret = profile.secret_prefix + org.default_signing_secret[len(old.secret_prefix) :]
        if profile.on_org_created is not None and not len(org.agents):  # what its signup gives, drawn as at build
            profile.on_org_created(self.ctx, org)
        self.dispatcher.formats = self._formats()

    def _delivery_state(self, delivery: Delivery, state: str, error: str | None) -> None:
        if self.profile.on_delivery is not None:  # the dialect decides what a call shows of it
            self.profile.on_delivery(self.ctx.store, delivery, state, error)

    def reset(self) -> None:
        """Back to the state ``up`` started with: the seeded start, the clock as configured
        (time, mode, speed), no calls, no jobs, the default org only."""
        self.scheduler.clear()
        self._detach()
        self.clock.rewind()
        self._build()
        heap.thaw()  # the discarded state is a cycle: the next full collection must see it

    def _detach(self) -> None:
        """Cut the replaced state's services loose: a webhook attempt still in flight
        finishes against an empty store and schedules into a scheduler nobody runs,
        so it records nothing, retries nothing and sends nothing more."""
        self.ctx.store = Store()
        self.ctx.scheduler = Scheduler(self.ctx.scheduler.steps)

    def run_due(self) -> int:
        """Run every job due now (the realtime driver's tick), each at its due time.
        A job that raises is recorded (``scheduler.failures``) and the rest still run."""
        ran = 0
        now = self.clock.now()
        while (job := self.scheduler.pop_due(now)) is not None:
            if not job.cancelled:
                with self.clock.frozen_at(job.due):
                    self.scheduler.run(job)
                ran += 1
        return ran

    def _run_at(self, due: float) -> int:
        self.clock.set(due)
        ran = 0
        while (job := self.scheduler.pop_due(due)) is not None:
            if not job.cancelled:
                self.scheduler.run(job)
                ran += 1
        return ran

    def _target(self, seconds: float) -> float:
        target = self.clock.now() + seconds
        if not target <= LATEST:
            raise InvalidRequest(
                f"seconds: advancing {seconds:.15g} s would pass {iso(LATEST)}, the latest time the "
                f"clock can be moved to (it is {iso(self.clock.now())}: "
                f"{max(0.0, LATEST - self.clock.now()):.15g} s at most)"
            )
        return target

    def advance(self, seconds: float) -> int:
        """Move virtual time forward, running each job at its due time, in order.

        Without a running event loop, webhook attempts that come due wait for
        the next ``advance_async`` (or the server's driver) to be sent.
        """
        target = self._target(seconds)
        ran = 0
        while (due := self.scheduler.next_due()) is not None and due <= target:
            ran += self._run_at(due)
        self.clock.set(target)
        return ran

    async def advance_async(self, seconds: float) -> int:
        """``advance``, waiting at each instant for the webhook attempts it started,
        so their outcomes (and retries) land at the right virtual time."""
        target = self._target(seconds)
        ran = 0
        while True:
            due = self.scheduler.next_due()
            if due is None or due > target:
                await self.settle()
                due = self.scheduler.next_due()
                if due is None or due > target:
                    break
            ran += self._run_at(due)
            await self.settle()
        self.clock.set(target)
        return ran

    async def step_async(self) -> float | None:
        """Run the jobs of the next instant that has any; None when nothing is scheduled."""
        due = self.scheduler.next_due()
        if due is None:
            return None
        self._run_at(max(due, self.clock.now()))
        await self.settle()
        return due

    async def run_until_idle_async(self, limit_seconds: float) -> int:
        """Run instant by instant until nothing is scheduled (or ``limit_seconds`` passed)."""
        deadline = self.clock.now() + limit_seconds
        steps = 0
        while (due := self.scheduler.next_due()) is not None and due <= deadline:
            await self.step_async()
            steps += 1
        await self.settle()
        return steps

    async def settle(self) -> None:
        """Wait for the webhook attempts started so far."""
        await self.dispatcher.settle()
