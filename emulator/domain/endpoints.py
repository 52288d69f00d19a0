"""Account webhook endpoints: CRUD and secret rotation."""

from __future__ import annotations

from typing import Any

from emulator.domain.context import Context
from emulator.domain.records import WebhookEndpoint
from emulator.domain.rules import check_choice, check_url
from emulator.domain.store import Org
from emulator.errors import InvalidRequest, NotFound

MANUAL_DISABLE_REASON = "disabled_by_user"


def check_events(events: list[str], known: tuple[str, ...]) -> list[str]:
    """``known``: the dialect's event names."""
    if not events:
        raise InvalidRequest("enabled_events: must name at least one event, or '*' for all")
    for name in events:
        if name != "*" and name not in known:
            raise InvalidRequest(f"enabled_events: unknown event {name!r}; known: *, {', '.join(known)}")
    return list(dict.fromkeys(events))


class Endpoints:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def get(self, org: Org, endpoint_id: str) -> WebhookEndpoint:
        endpoint = org.endpoints.get(endpoint_id)
        if endpoint is None:
            raise NotFound.of("webhook endpoint", endpoint_id)
        return endpoint

    def create(
        self, org: Org, url: str, description: str | None = None, enabled_events: list[str] | None = None
    ) -> WebhookEndpoint:
        check_url("url", url, self.ctx.config.strict_webhook_urls)
        events = check_events(["*"] if enabled_events is None else enabled_events, self.ctx.profile.event_types)
        now = self.ctx.clock.now()
        return org.endpoints.add(
            WebhookEndpoint(
                id=self.ctx.ids.uuid(),
                org_id=org.id,
                url=url,
                description=description,
                enabled_events=events,
                signing_secret=self.ctx.ids.secret(self.ctx.profile.secret_prefix),
                created_at=now,
                updated_at=now,
            )
        )

    def update(self, org: Org, endpoint_id: str, changes: dict[str, Any]) -> WebhookEndpoint:
        endpoint = self.get(org, endpoint_id)
        # Check everything before changing anything: a rejected PATCH changes nothing.
        if "url" in changes:
            check_url("url", changes["url"], self.ctx.config.strict_webhook_urls)
        events = (
            check_events(changes["enabled_events"], self.ctx.profile.event_types)
            if "enabled_events" in changes
            else None
        )
        if "status" in changes:
            check_choice("status", changes["status"], ("enabled", "disabled"))
        if "url" in changes:
            endpoint.url = changes["url"]
        if events is not None:
            endpoint.enabled_events = events
        if "description" in changes:
            endpoint.description = changes["description"]
        if "status" in changes:
            self._set_status(endpoint, changes["status"])
        endpoint.updated_at = self.ctx.clock.now()
        return endpoint

    def _set_status(self, endpoint: WebhookEndpoint, status: str) -> None:
        if status == endpoint.status:
            return
        endpoint.status = status
        if status == "enabled":
            # Re-enabling zeroes the failure counter (docs: webhook-retries).
            endpoint.consecutive_failures = 0
            endpoint.disabled_reason = endpoint.disabled_at = None
        else:
            endpoint.disabled_reason = MANUAL_DISABLE_REASON
            endpoint.disabled_at = self.ctx.clock.now()

    def delete(self, org: Org, endpoint_id: str) -> WebhookEndpoint:
        endpoint = self.get(org, endpoint_id)
        org.endpoints.remove(endpoint_id)
        return endpoint

    def rotate_secret(self, org: Org, endpoint_id: str) -> WebhookEndpoint:
        endpoint = self.get(org, endpoint_id)
        endpoint.signing_secret = self.ctx.ids.secret(self.ctx.profile.secret_prefix)
        endpoint.updated_at = self.ctx.clock.now()
        return endpoint

    def subscribed(self, org: Org, event_type: str) -> list[WebhookEndpoint]:
        if not len(org.endpoints):  # most orgs: asked for every event, so no walk when there is nothing to walk
            return []
        return [
            e
            for e in org.endpoints.oldest_first()
            if e.status == "enabled" and ("*" in e.enabled_events or event_type in e.enabled_events)
        ]
