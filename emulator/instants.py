"""How an instant (unix seconds on the virtual clock) is written in every JSON answer.

Here, below the HTTP layer, so a record that is its own answer (a webhook attempt in the
log) says in its annotations how its instants are written, as the wire models do.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Annotated

from pydantic import PlainSerializer


def iso(ts: float | None) -> str | None:
    """RFC 3339 in UTC, always with milliseconds and ``Z`` (``2026-04-15T14:00:00.000Z``):
    one fixed-width form, so timestamps sort as text and parse with one format."""
    return None if ts is None else _iso(ts)


@functools.lru_cache(maxsize=4096)  # the same instants are written again and again (polling, lists)
def _iso(ts: float) -> str:
    whole, ms = divmod(round(ts * 1000), 1000)  # integer milliseconds: no float truncation (….999 stays .999)
    return datetime.fromtimestamp(whole, UTC).isoformat()[:-6] + f".{ms:03d}Z"  # minus "+00:00"


Timestamp = Annotated[float, PlainSerializer(iso, return_type=str)]
OptTimestamp = Annotated[float | None, PlainSerializer(iso, return_type=str | None)]
