"""The delivery ledger: one row per (event, destination).

Rows are made when an event is published; sending them is the webhook
dispatcher's job, which hears about new rows through ``on_enqueue``.
"""

from __future__ import annotations

from collections.abc import Callable

from emulator.domain.context import Context
from emulator.domain.endpoints import Endpoints
from emulator.domain.records import Delivery, Event
from emulator.domain.store import Org
from emulator.domain.table import Table
from emulator.errors import NotFound

DELIVERY_STATUSES = ("pending", "delivered", "exhausted")


class Deliveries:
    def __init__(self, ctx: Context, endpoints: Endpoints) -> None:
        self.ctx = ctx
        self.endpoints = endpoints
        self.on_enqueue: list[Callable[[Delivery], None]] = []

    def get(self, org: Org, delivery_id: str) -> Delivery:
        delivery = org.deliveries.get(delivery_id)
        if delivery is None:
            raise NotFound.of("webhook delivery", delivery_id)
        return delivery

    def page(
        self,
        org: Org,
        limit: int,
        after: str | None = None,
        before: str | None = None,
        endpoint_id: str | None = None,
        call_id: str | None = None,
        status: str | None = None,
        words: tuple[str, str] = ("after", "before"),
    ) -> tuple[list[Delivery], bool]:
        table: Table[Delivery] | None = org.deliveries
        if call_id is not None:
            table = org.deliveries_by_call.get(call_id)
        elif endpoint_id is not None:
            table = org.deliveries_by_endpoint.get(endpoint_id)
        if table is None:
            table = Table("webhook delivery")  # nothing matches; the cursor check still applies

        def where(d: Delivery) -> bool:
            return (endpoint_id is None or d.endpoint_id == endpoint_id) and (status is None or d.status == status)

        return table.page(limit, after, before, where, words)

    def on_event(self, event: Event) -> None:
        org = self.ctx.store.orgs.get(event.call.org_id)
        if org is None:
            return
        url = event.call.webhook_url or org.webhook_url  # the call's URL replaces the org's
        if url:
            self._add(org, event, None, url)
        for endpoint in self.endpoints.subscribed(org, event.type):
            self._add(org, event, endpoint.id, endpoint.url)

    def _add(self, org: Org, event: Event, endpoint_id: str | None, url: str) -> None:
        now = self.ctx.clock.now()
        delivery = Delivery(
            id=self.ctx.ids.uuid(),
            org_id=org.id,
            endpoint_id=endpoint_id,
            call_id=event.call.id,
            event_type=event.type,
            url=url,
            event=event,
            created_at=now,
            updated_at=now,
            next_attempt_at=now,
            format=self.ctx.profile.webhook_format,
        )
        org.deliveries.add(delivery)
        org.deliveries_by_call.setdefault(event.call.id, Table("webhook delivery")).add(delivery)
        if endpoint_id is not None:
            org.deliveries_by_endpoint.setdefault(endpoint_id, Table("webhook delivery")).add(delivery)
        for fn in self.on_enqueue:
            fn(delivery)

    def redeliver(self, org: Org, delivery_id: str) -> Delivery:
        """Back to pending for the next tick, same event id (docs: replay-a-delivery)."""
        delivery = self.get(org, delivery_id)
        now = self.ctx.clock.now()
        delivery.status = "pending"
        delivery.manual_retry_count += 1
        delivery.next_attempt_at = delivery.updated_at = now
        for fn in self.on_enqueue:
            fn(delivery)
        return delivery
