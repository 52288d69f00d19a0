"""The dialects this emulator can speak, by name, and what each one provides.

A dialect is a package under ``emulator/api/<name>/`` whose ``dialect`` module holds a
``DIALECT``; this registry is the one place that lists them (see docs/dialects.md).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute

from emulator.dialect import Profile
from emulator.errors import EmulatorError

DEFAULT = "callingbox"
KNOWN = {"callingbox": "emulator.api.callingbox.dialect", "voxbridge": "emulator.api.voxbridge.dialect"}


@dataclass(frozen=True)
class Dialect:
    name: str
    profile: Profile  # what the core needs: keys, secrets, event names, webhook formats, API prefix
    routes: list[BaseRoute]  # mounted before the shared control plane
    render_error: Callable[[EmulatorError], Response]  # its status per error kind, its error body
    describe_error: Callable[[EmulatorError], str]  # its wording (the control plane shows it too)
    openapi: str  # its contract's file name (found by emulator.resources), served at /openapi.yaml
    # How the shared control plane (dashboard, waits, stream, simulation) shows the dialect's
    # records: as its own routes answer them (pydantic models).
    call_out: Callable[[Any], Any]
    segment_out: Callable[[Any], Any]
    delivery_out: Callable[[Any], Any]
    endpoint_out: Callable[[Any], Any]
    # The dialect bound to one emulator (links it hands out need the server's URL and the org's
    # secret): create_app serves what this returns. None: the dialect as it is.
    bind: Callable[[Any], Dialect] | None = None
    control_openapi: str | None = None  # its additions to the control plane's contract (conformance)
    # (method, path template) of its most polled routes: the front serves them without the
    # middleware stack when nothing armed would act on them (emulator/api/front.py).
    hot: tuple[tuple[str, str], ...] = ()


def get(dialect: str | Dialect | None = None) -> Dialect:
    """The dialect named (or given); the default when None. A clear ValueError for others."""
    if isinstance(dialect, Dialect):
        return dialect
    name = DEFAULT if dialect is None else dialect
    if name not in KNOWN:
        raise ValueError(f"unknown dialect {name!r}; known: {', '.join(sorted(KNOWN))}")
    found: Dialect = importlib.import_module(KNOWN[name]).DIALECT
    return found
