"""All state, in memory: orgs, and per org every resource table.

Keeping each org's rows in its own tables makes isolation structural: a lookup
in one org's table cannot find another org's id, which answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from emulator.domain.records import Agent, Call, Delivery, Number, WebhookEndpoint
from emulator.domain.table import Table


@dataclass(slots=True, eq=False)
class Org:
    id: str
    name: str
    api_key: str
    user_id: str
    default_signing_secret: str
    balance_milli_cents: int
    created_at: float
    held_milli_cents: int = 0
    realism: dict[str, Any] = field(default_factory=dict)  # the realism switches that are on (emulator/realism.py)
    webhook_url: str | None = None  # where a call's events go when the call names no URL
    monthly_minutes: int | None = None  # a monthly quota of connected minutes (None: none)
    usage_period: str = ""  # the month (YYYY-MM, UTC) usage_minutes counts
    usage_minutes: int = 0
    numbers: Table[Number] = field(default_factory=lambda: Table("number"))
    agents: Table[Agent] = field(default_factory=lambda: Table("agent"))
    calls: Table[Call] = field(default_factory=lambda: Table("call"))
    endpoints: Table[WebhookEndpoint] = field(default_factory=lambda: Table("webhook endpoint"))
    deliveries: Table[Delivery] = field(default_factory=lambda: Table("webhook delivery"))
    # Secondary indexes keep filtered delivery pages as cheap as plain ones.
    deliveries_by_call: dict[str, Table[Delivery]] = field(default_factory=dict)
    deliveries_by_endpoint: dict[str, Table[Delivery]] = field(default_factory=dict)

    @property
    def available_milli_cents(self) -> int:
        return self.balance_milli_cents - self.held_milli_cents


class Store:
    def __init__(self) -> None:
        self.orgs: Table[Org] = Table("org")
        self.orgs_by_key: dict[str, Org] = {}
        # A number belongs to one org at most; purchase checks here.
        self.numbers_by_e164: dict[str, Number] = {}

    def add_org(self, org: Org) -> Org:
        self.orgs.add(org)
        self.orgs_by_key[org.api_key] = org
        return org
