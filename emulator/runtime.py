"""The Emulator: the composition root that owns everything of one emulated service.

It is built outside the ASGI app and handed to ``create_app``, so in-process
tests (where no lifespan runs) hold the very object the app serves.
"""

from __future__ import annotations

from dataclasses import dataclass

from emulator.clock import Clock
from emulator.config import Config
from emulator.domain.agents import Agents
from emulator.domain.calls import Calls
from emulator.domain.context import Context
from emulator.domain.deliveries import Deliveries
from emulator.domain.endpoints import Endpoints
from emulator.domain.events import Bus
from emulator.domain.numbers import Numbers
from emulator.domain.orgs import Orgs
from emulator.domain.store import Org, Store
from emulator.ids import Ids
from emulator.scheduler import Scheduler


@dataclass(slots=True)
class Services:
    orgs: Orgs
    numbers: Numbers
    agents: Agents
    calls: Calls
    endpoints: Endpoints
    deliveries: Deliveries


class Emulator:
    def __init__(self, config: Config | None = None, clock: Clock | None = None) -> None:
        self.config = config or Config()
        self.clock = clock or Clock(mode=self.config.clock, speed=self.config.speed)
        self.scheduler = Scheduler()
        self._build()

    def _build(self) -> None:
        """Fresh state from the seed: everything but the clock."""
        self.ids = Ids(self.config.seed)
        self.store = Store()
        self.bus = Bus()
        self.ctx = Context(self.config, self.clock, self.ids, self.scheduler, self.store, self.bus)
        endpoints = Endpoints(self.ctx)
        self.services = Services(
            orgs=Orgs(self.ctx), numbers=Numbers(self.ctx), agents=Agents(self.ctx), calls=Calls(self.ctx),
            endpoints=endpoints, deliveries=Deliveries(self.ctx, endpoints),
        )
        self.bus.subscribe(self.services.deliveries.on_event)
        self.default_org: Org = self.services.orgs.create(name="Default org", api_key=self.config.api_key)

    def reset(self) -> None:
        """Back to the seeded start: no calls, no jobs, the default org only."""
        self.scheduler.clear()
        self._build()

    def run_due(self) -> int:
        """Run every job due now, each at its own due time. Returns how many ran."""
        ran = 0
        now = self.clock.now()
        while (job := self.scheduler.pop_due(now)) is not None:
            if not job.cancelled:
                job.fn(*job.args)
                ran += 1
        return ran

    def advance(self, seconds: float) -> int:
        """Move virtual time forward, running each job at its due time, in order."""
        target = self.clock.now() + seconds
        ran = 0
        while (job := self.scheduler.pop_due(target)) is not None:
            if job.cancelled:
                continue
            self.clock.set(job.due)
            job.fn(*job.args)
            ran += 1
        self.clock.set(target)
        return ran
