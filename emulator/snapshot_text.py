"""A snapshot as JSON text, encoded off the event loop.

Encoding a large state takes seconds; on the loop it would stall every request.
``capture`` runs on the loop and is cheap: it takes the small parts of the state
as plain data and, for the two big tables (calls, webhook deliveries), each row's
field values as a tuple (one C call per row); the scheduled jobs are kept as the
job objects (which never change) with the engine and dispatcher they belong to.
That is a consistent view: after a row is made, its containers (context, result,
transcript, the event) are only ever replaced, never changed in place. ``chunks``
then runs in a thread and turns the capture into JSON one row at a time, so the
thread gives up the interpreter between rows and the loop keeps serving.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from emulator import snapshot, snapshot_codec
from emulator.domain.store import Org
from emulator.runtime import Emulator
from emulator.scheduler import Job

BULK = ("calls", "deliveries")  # the tables that grow with traffic; the rest stay small
_dumps: Callable[[Any], str] = json.JSONEncoder(separators=(",", ":")).encode


@dataclass(frozen=True, slots=True)
class Rows:
    """A table's rows as field-value tuples, captured on the loop, encoded later."""

    names: tuple[str, ...]
    values: list[tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class Jobs:
    """The scheduled jobs in run order (each names its registered step)."""

    jobs: list[Job]


def capture(emulator: Emulator) -> dict[str, Any]:
    """Plain data, except each org's bulk tables as ``Rows`` and the jobs as ``Jobs`` (call on the loop)."""
    return snapshot.export(emulator, org_out=_org, jobs_out=Jobs)


def _org(org: Org) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in snapshot_codec.layout(Org)[0]:
        table = getattr(org, name)
        if name in BULK:
            rows = list(table.oldest_first())
            kind: type = type(rows[0]) if rows else object
            names = snapshot_codec.layout(kind)[0] if rows else ()
            out[name] = Rows(names, list(map(attrgetter(*names), rows)) if rows else [])
        else:
            out[name] = snapshot_codec.encode(table)
    return out


def chunks(value: Any) -> Iterator[str]:
    """The JSON text of a capture, piece by piece (call in a thread)."""
    if isinstance(value, Jobs):
        yield _dumps([snapshot._job_out(job) for job in value.jobs])
    elif isinstance(value, Rows):
        yield "["
        for i, values in enumerate(value.values):
            row = {name: snapshot_codec.encode(v) for name, v in zip(value.names, values, strict=True)}
            yield ("," if i else "") + _dumps(row)
        yield "]"
    elif isinstance(value, dict) and any(isinstance(v, (dict, list, Rows, Jobs)) for v in value.values()):
        yield "{"
        for i, (key, item) in enumerate(value.items()):
            yield ("," if i else "") + _dumps(key) + ":"
            yield from chunks(item)
        yield "}"
    elif isinstance(value, list) and any(isinstance(v, (dict, Rows)) for v in value):
        yield "["
        for i, item in enumerate(value):
            if i:
                yield ","
            yield from chunks(item)
        yield "]"
    else:
        yield _dumps(value)


def text(captured: dict[str, Any]) -> str:
    return "".join(chunks(captured))
