"""Organizations, their API keys, default signing secrets and balances."""

from __future__ import annotations

import copy
from typing import Any

from emulator.domain.context import Context
from emulator.domain.store import Org
from emulator.errors import InvalidRequest, NotFound, Unauthorized


class Orgs:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.realism: dict[str, Any] = {}  # the switches every new org starts with (`up` flags)

    def create(
        self,
        name: str | None = None,
        api_key: str | None = None,
        balance_milli_cents: int | None = None,
    ) -> Org:
        ids, store = self.ctx.ids, self.ctx.store
        key = api_key or ids.secret(self.ctx.profile.api_key_prefix)
        if key in store.orgs_by_key:
            raise InvalidRequest("api_key: an org with this key already exists")
        org_id = ids.uuid()
        org = store.add_org(
            Org(
                id=org_id,
                name=name or f"Org {len(store.orgs) + 1}",
                api_key=key,
                user_id=ids.uuid(),
                default_signing_secret=ids.secret(self.ctx.profile.secret_prefix),
                balance_milli_cents=self.ctx.config.balance_milli_cents
                if balance_milli_cents is None
                else balance_milli_cents,
                created_at=self.ctx.clock.now(),
                realism=copy.deepcopy(self.realism),
            )
        )
        if self.ctx.profile.on_org_created is not None:  # the dialect's signup (default agents, say)
            self.ctx.profile.on_org_created(self.ctx, org)
        return org

    def authenticate(self, authorization: str | None) -> Org:
        if not authorization:
            raise Unauthorized("missing API key: send Authorization: Bearer <key>")
        scheme, _, key = authorization.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise Unauthorized("malformed Authorization header: expected 'Bearer <key>'")
        org = self.ctx.store.orgs_by_key.get(key.strip())
        if org is None:
            raise Unauthorized("invalid API key")
        return org

    def get(self, org_id: str) -> Org:
        org = self.ctx.store.orgs.get(org_id)
        if org is None:
            raise NotFound.of("org", org_id)
        return org

    def set_balance(self, org_id: str, balance_milli_cents: int) -> Org:
        org = self.get(org_id)
        org.balance_milli_cents = balance_milli_cents
        return org
