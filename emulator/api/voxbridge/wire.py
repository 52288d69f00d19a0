"""VoxBridge wire models: the outbound-call request, CallOut, CallList.

Requests are strict (no "3" for 3) and refuse unknown fields with 422: a misspelt
``schedule_time`` would otherwise dial at once. That is stricter than FastAPI's default
(ignore), never looser. Timestamps render as pydantic does for UTC: ``2026-06-01T14:00:00Z``,
with microseconds only when there are some.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, StringConstraints

from emulator.api.voxbridge import phone
from emulator.api.voxbridge.errors import VoxError

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
MAX_URL = 2048
MAX_NAME = 255
STATUSES = ("queued", "calling", "completed", "failed")
DISPOSITIONS = ("answered", "voicemail", "no_answer", "busy", "failed", "canceled")


def iso(ts: float | None) -> str | None:
    """Virtual unix seconds as the call object shows them (``2026-06-01T14:00:00Z``)."""
    if ts is None:
        return None
    whole, micros = divmod(round(ts * 1_000_000), 1_000_000)
    text = datetime.fromtimestamp(whole, UTC).isoformat()[:-6]  # four-digit years, unlike strftime
    return text + (f".{micros:06d}Z" if micros else "Z")


# RFC 3339 (the contract's `date-time`): date, T, time, an optional fraction, and a zone.
INSTANT_PATTERN = (
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,9})?"
    r"([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
INSTANT = re.compile(INSTANT_PATTERN)
# The contract's webhook_url pattern, exactly what the model accepts. The path's characters are
# an explicit set (no ASCII control or space): Python's \s and the contract's ECMA \s differ.
URL_PATTERN = r"^https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?([/?#][^\u0000-\u0020\u007f]*)?$"
URL = re.compile(URL_PATTERN)
UUID = re.compile(UUID_PATTERN)


EARLIEST = datetime(1, 1, 1, tzinfo=UTC).timestamp()
LATEST = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC).timestamp()


def parse_instant(value: object) -> float:
    """An RFC 3339 date-time (any offset, converted) to unix seconds. The zone is required:
    the docs say UTC, and a bare local time would be a guess."""
    if not isinstance(value, str):
        raise ValueError("must be an RFC 3339 date-time string, like 2026-06-01T14:00:00Z")
    match = INSTANT.fullmatch(value)
    if match is None:
        raise ValueError(f"{value[:64]!r} is not an RFC 3339 date-time with a zone, like 2026-06-01T14:00:00Z")
    year, mon, day, hour, minute, sec = (int(g) for g in match.groups()[:6])
    fraction, zone = match.group(7) or "", match.group(8).upper()
    try:
        local = datetime(year, mon, day, hour, minute, sec, int((fraction[1:] + "000000")[:6]), UTC)
    except ValueError:
        raise ValueError(f"{value!r} is not a real date and time") from None
    offset = 0 if zone == "Z" else (1 if zone[0] == "+" else -1) * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    instant = local.timestamp() - offset
    if not EARLIEST <= instant <= LATEST:  # it must be writable back as a UTC date-time
        raise ValueError(f"{value!r} is outside 0001-01-01T00:00:00Z..9999-12-31T23:59:59Z")
    return instant


def path_uuid(name: str, value: str) -> str:
    """A path id, lowercase; else the 422 FastAPI gives a UUID parameter (``loc: [path, name]``)."""
    if not UUID.fullmatch(value):
        raise VoxError("validation", "Input should be a valid UUID", ["path", name], "uuid_parsing")
    return value.lower()


def _phone(value: str) -> str:
    return phone.normalise(value)


def _url(value: str) -> str:
    if not URL.fullmatch(value):
        raise ValueError(f"{value[:100]!r} is not an http(s) URL with a host")
    return value


def _whole(value: object) -> object:
    # JSON has one number type and JSON Schema counts 3.0 as an integer: take it, not 3.5 or "3".
    return int(value) if isinstance(value, float) and value.is_integer() else value


Phone = Annotated[str, AfterValidator(_phone)]
Url = Annotated[str, StringConstraints(min_length=1, max_length=MAX_URL), AfterValidator(_url)]
Instant = Annotated[float, BeforeValidator(parse_instant)]
Stamp = Annotated[float | None, PlainSerializer(iso, return_type=str | None)]
Attempts = Annotated[int, BeforeValidator(_whole), Field(ge=1, le=10)]


class OutboundCallRequest(BaseModel):
    """POST /v1/calls/outbound; ``from`` is a Python keyword, hence ``from_``."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=False)

    to: Phone
    from_: Phone | None = Field(default=None, alias="from")
    agent_id: Annotated[str, StringConstraints(pattern=UUID_PATTERN), AfterValidator(str.lower)] | None = None
    client_name: Annotated[str, StringConstraints(max_length=MAX_NAME)] | None = None
    context: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    schedule_at: Instant | None = None
    webhook_url: Url | None = None
    max_attempts: Attempts = 3


class CallOut(BaseModel):
    """The call object, fields in the docs' example order; ``error_message`` (set on failed,
    per the status table, missing from the example) comes last."""

    id: str
    agent_id: str | None
    direction: str
    status: str
    to_number: str
    from_number: str | None
    client_name: str | None
    context: dict[str, Any]
    metadata: dict[str, Any]
    disposition: str | None
    transcript: list[dict[str, Any]] | None
    recording_url: str | None
    structured_answers: dict[str, Any] | None
    attempt_count: int
    max_attempts: int
    duration_seconds: int | None
    scheduled_at: Stamp
    started_at: Stamp
    completed_at: Stamp
    created_at: Stamp
    error_message: str | None = None


class CallList(BaseModel):
    items: list[CallOut]
    total: int
    limit: int
    offset: int
