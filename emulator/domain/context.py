"""What every domain service shares: time, randomness, state, events, settings."""

from __future__ import annotations

from dataclasses import dataclass

from emulator.clock import Clock
from emulator.config import Config
from emulator.dialect import NEUTRAL, Profile
from emulator.domain.events import Bus
from emulator.domain.store import Store
from emulator.ids import Ids
from emulator.scheduler import Scheduler


@dataclass(slots=True)
class Context:
    config: Config
    clock: Clock
    ids: Ids
    scheduler: Scheduler
    store: Store
    bus: Bus
    profile: Profile = NEUTRAL  # the dialect's core-facing half: key and secret formats, event names
