"""The front: a dialect's hottest routes, served without the middleware stack when nothing armed
could change their answer.

Every API request pays for the guard, the journal, the rate limit, the faults, the conformance
check, the router's walk and the exception middleware. For a read of a call, most of that is a
series of "not armed, pass it on" (measured: the stack cost about as much as the handler). The
front sits just inside starlette's error middleware and, for a request to one of the dialect's
``hot`` routes, asks once what each layer would ask:

* the Host is one the guard serves (the same check, guard.check);
* no fault is armed, conformance is off, and the key's org has no rate limit;
* the path is the hot route's, and no route before it in the dialect's list matches (so the
  router would pick the same one), with no ``root_path``.

Then it runs the route's own app (the handler, with starlette's exception handlers, as the
router would) inside the journal's capture (api/journal.journaled). Anything else goes down the
full stack, unchanged. So the answer, the journal entry and every side effect are the same either
way; tests/front runs each request both ways and compares.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import ClientDisconnect
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from emulator.api.guard import Policy, Refused, check
from emulator.api.http import ORG_KEY
from emulator.api.journal import journaled, org_of
from emulator.domain.store import Org
from emulator.runtime import Emulator

HANDLERS_KEY = "starlette.exception_handlers"  # where ExceptionMiddleware leaves its handlers for routes


class Step:
    """One of the dialect's routes up to its last hot one, as the front walks them."""

    __slots__ = ("route", "regex", "hot")

    def __init__(self, route: Route, hot: frozenset[str]) -> None:
        self.route, self.regex, self.hot = route, route.path_regex, hot


def steps(routes: Iterable[BaseRoute], hot: Iterable[tuple[str, str]]) -> tuple[Step, ...]:
    """The routes the front walks: the dialect's, in the router's order, up to the last hot one.
    A hot route must be a plain Route of the dialect (a ValueError names the one that is not)."""
    wanted: dict[str, set[str]] = {}
    for method, path in hot:
        wanted.setdefault(path, set()).add(method)
    walk: list[Step] = []
    for route in routes:
        if not wanted:
            break
        if not isinstance(route, Route):
            continue  # a Mount or other: never hot, and the front stops short of nothing it cannot match
        methods = wanted.pop(route.path, set())
        if methods - (route.methods or set()):
            raise ValueError(f"hot route {sorted(methods)} {route.path}: the route does not take these methods")
        walk.append(Step(route, frozenset(methods)))
    if wanted:
        raise ValueError(f"hot routes not among the dialect's routes: {', '.join(sorted(wanted))}")
    return tuple(walk)


class FrontMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        emulator: Emulator,
        routes: Iterable[BaseRoute],
        hot: Iterable[tuple[str, str]],
        policy: Policy,
        handlers: dict[Any, Any],
    ) -> None:
        self.app = app
        self.emulator = emulator
        self.policy = policy
        self.walk = steps(routes, hot)
        self.methods = frozenset(m for step in self.walk for m in step.hot)
        # As ExceptionMiddleware hands them to a route: the same renderers, whichever path answers.
        found = ExceptionMiddleware(app, handlers={k: v for k, v in handlers.items() if k not in (500, Exception)})
        self.handlers = (found._exception_handlers, found._status_handlers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self._route(scope) if scope["type"] == "http" else None
        org = self._org(scope) if found is not None else None
        if found is None or org is None:
            return await self.app(scope, receive, send)
        route, params = found
        # What the router and the exception middleware would have put in the scope; and the org,
        # so the handler's http.org is this lookup, not a second parse of the header.
        scope["endpoint"], scope["path_params"] = route.endpoint, {**scope.get("path_params", {}), **params}
        scope[HANDLERS_KEY], scope[ORG_KEY] = self.handlers, org
        try:
            await journaled(self.emulator, org.id, route.app, scope, receive, send)
        except ClientDisconnect:
            return  # the client left mid-body: as the guard ends it, quietly

    def _route(self, scope: Scope) -> tuple[Route, dict[str, Any]] | None:
        """The hot route the router would pick for this request, and its path parameters; or None."""
        if scope["method"] not in self.methods or scope.get("root_path"):
            return None
        path = scope["path"]
        for step in self.walk:
            match = step.regex.match(path)
            if match is None:
                continue
            if scope["method"] not in step.hot:
                return None
            convert = step.route.param_convertors
            return step.route, {key: convert[key].convert(value) for key, value in match.groupdict().items()}
        return None

    def _org(self, scope: Scope) -> Org | None:
        """The key's org when nothing armed would act on the request, else None (the full stack serves it)."""
        emulator = self.emulator
        if emulator.faults or emulator.conformance is not None:
            return None
        try:
            check(self.policy, scope)
        except Refused:
            return None
        org = org_of(emulator, scope["headers"])
        if org is None or org.realism.get("rate_limit") is not None:
            return None  # a bad key: the handler's 401 via the stack; a rate limit: its bucket
        return org
