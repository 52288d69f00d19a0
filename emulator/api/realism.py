"""The rate limit over HTTP: a product API request over its org's limit answers 429 with
``Retry-After``, in the active dialect's error shape, and never reaches its handler."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Receive, Scope, Send

from emulator.api.journal import org_of
from emulator.realism import RateLimited
from emulator.runtime import Emulator

if TYPE_CHECKING:
    from emulator.api.dialects import Dialect


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, emulator: Emulator, dialect: Dialect) -> None:
        self.app = app
        self.emulator = emulator
        self.dialect = dialect

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.emulator.profile.is_api(scope["path"]):
            return await self.app(scope, receive, send)
        org = org_of(self.emulator, scope["headers"])
        limit = org.realism.get("rate_limit") if org is not None else None
        if org is None or limit is None:
            return await self.app(scope, receive, send)  # unknown keys get the handler's 401
        try:
            self.emulator.buckets.take(org.id, limit)
        except RateLimited as exc:
            response = self.dialect.render_error(exc)
            response.headers["Retry-After"] = str(exc.retry_after)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
