"""create_app(emulator, dialect): the ASGI app over an Emulator built elsewhere, speaking one dialect."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware

from emulator import resources
from emulator.api import (
    chaos,
    conformance,
    control,
    dialects,
    faults,
    journal,
    observe,
    simulation,
    spec,
    state,
    stream,
    timeline,
    ui,
    waits,
)
from emulator.api.errors import HANDLERS
from emulator.api.front import FrontMiddleware
from emulator.api.guard import GuardMiddleware, Policy, policy_for
from emulator.api.realism import RateLimitMiddleware
from emulator.runtime import Emulator


def create_app(
    emulator: Emulator,
    dialect: str | dialects.Dialect | None = None,
    lifespan: Any = None,
    policy: Policy | None = None,
    front: bool = True,
) -> Starlette:
    """The app over ``emulator``, serving ``dialect`` (a name or a Dialect; the default
    one when None) beside the shared control plane. ``lifespan`` (the server's) drives
    realtime jobs; in-process use needs none, since tests move the clock themselves.
    ``policy``: what the server trusts (Host names, token); the default is in-process use's.
    ``front``: False sends every request down the full stack (the answers are the same; tests compare)."""
    speaks = dialects.get(dialect)
    if speaks.bind is not None:
        speaks = speaks.bind(emulator)
    emulator.use_profile(speaks.profile)  # before any request: its keys, secrets and events
    trusted = policy or policy_for(emulator.config)
    app = Starlette(
        lifespan=lifespan,
        routes=[
            *speaks.routes,  # the product's routes first: the most polled
            *control.routes,
            *simulation.routes,
            *observe.routes,
            *spec.routes,
            *journal.routes,
            *faults.routes,
            *state.routes,
            *stream.routes,
            *waits.routes,
            *ui.routes,
            *conformance.routes,
            *timeline.routes,
            *chaos.routes,
        ],
        # The guard first: a refused request touches nothing, not even the journal.
        # The journal outside the faults: a faulted request is journaled as the client saw it.
        middleware=[
            # Outermost: the hot routes, when nothing below would act on them, skip the rest.
            Middleware(
                FrontMiddleware,
                emulator=emulator,
                routes=speaks.routes,
                hot=speaks.hot if front else (),
                policy=trusted,
                handlers=HANDLERS,
            ),
            Middleware(GuardMiddleware, policy=trusted),
            Middleware(journal.JournalMiddleware, emulator=emulator),
            # Before the faults: a request over its org's rate limit is refused as it comes.
            Middleware(RateLimitMiddleware, emulator=emulator, dialect=speaks),
            Middleware(faults.FaultMiddleware, emulator=emulator),
            # Innermost: what is checked is the code's own answer, never an injected fault.
            Middleware(
                conformance.ConformanceMiddleware,
                emulator=emulator,
                render_error=speaks.render_error,
                is_api=speaks.profile.is_api,
            ),
        ],
        exception_handlers=HANDLERS,
    )
    # No 307 to the slash-less path (with a plain-text body): `/v1/calls/` is a 404 in the error shape.
    app.router.redirect_slashes = False
    app.state.emulator = emulator
    app.state.dialect = speaks
    # Also as plain attributes: read on every request, and an attribute is one lookup where
    # starlette's State goes through a Python __getattr__ (http.emulator, http.dialect).
    app.__dict__.update(emulator=emulator, dialect=speaks)
    extra = [speaks.control_openapi] if speaks.control_openapi else []  # checked before the shared one
    conformance.install(emulator, [speaks.openapi, *extra, resources.CONTROL])  # --conformance: off, warn or strict
    return app
