"""Production realism switches, per org and off by default: a rate limit, a cap on calls in
flight, calling hours in the callee's local time, and a do-not-call list.

Each org keeps its switches in ``org.realism`` (only the ones that are on), so they travel
with snapshots; ``up`` flags give every org created their starting values, and
``PATCH /_emulator/orgs/{id}`` changes them (``null`` switches one off). The checks here are
dialect-neutral: refusals are domain errors, each dialect renders them.

The rate limit is a token bucket on real time (``clock.wall_now``): API requests arrive in
real time, and a bucket on a manual virtual clock would never refill.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from emulator.area_zones import zone_of
from emulator.errors import EmulatorError, InvalidRequest
from emulator.faults import WholeNumber  # a JSON integer: 5.0 counts, as JSON Schema says

SWITCHES = ("rate_limit", "max_concurrent_calls", "calling_hours", "do_not_call")
IN_FLIGHT = frozenset({"queued", "initiated", "ringing", "in_progress"})
OUTSIDE_HOURS = "outside_calling_hours"
MAX_DNC = 10_000
HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
Number = Annotated[float, BeforeValidator(lambda v: float(v) if isinstance(v, int) and not isinstance(v, bool) else v)]


class RateLimited(EmulatorError):
    """Too many requests (or calls in flight); ``retry_after``: whole seconds to wait, if known."""

    kind = "rate_limited"

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimit(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    requests_per_second: Annotated[Number, Field(gt=0, le=100_000)]
    burst: Annotated[WholeNumber, Field(ge=1, le=100_000)]


class CallingHours(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not HHMM.match(value):
            raise ValueError(f"must be HH:MM on a 24-hour clock, like 08:00 or 21:00 (got {value!r})")
        return value

    def allows(self, minute: int) -> bool:
        """``minute``: of the local day. ``end`` before ``start``: the window spans midnight."""
        start, end = _minutes(self.start), _minutes(self.end)
        return start <= minute < end if start <= end else (minute >= start or minute < end)


class Switches(BaseModel):
    """A PATCH's realism part: each field given is set (null: off)."""

    model_config = ConfigDict(extra="ignore", strict=True)
    rate_limit: RateLimit | None = None
    max_concurrent_calls: Annotated[WholeNumber, Field(ge=1, le=100_000)] | None = None
    calling_hours: CallingHours | None = None
    do_not_call: Annotated[list[str], Field(max_length=MAX_DNC)] | None = None

    @field_validator("do_not_call")
    @classmethod
    def _numbers(cls, numbers: list[str] | None) -> list[str] | None:
        for i, number in enumerate(numbers or []):
            if not E164.match(number):
                raise ValueError(f"item {i}: {number!r} is not a phone number in E.164 (like +14155550123)")
        return list(dict.fromkeys(numbers)) if numbers is not None else None

    def changes(self) -> dict[str, Any]:
        """The switches given, as plain JSON values (None: off)."""
        return {k: self.model_dump(mode="json")[k] for k in SWITCHES if k in self.model_fields_set}


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def apply(realism: dict[str, Any], changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        if value is None:
            realism.pop(key, None)
        else:
            realism[key] = value


def view(realism: dict[str, Any]) -> dict[str, Any]:
    """Every switch, null when off (what the control plane shows)."""
    return {k: realism.get(k) for k in SWITCHES}


# -- `up` flags ----------------------------------------------------------------------------
def from_flags(
    rate_limit: str = "", max_concurrent_calls: int = 0, calling_hours: str = "", do_not_call: str = ""
) -> dict[str, Any]:
    """The switches every new org starts with. ``rate_limit``: ``N`` or ``N/BURST`` (burst
    defaults to N, at least 1); ``calling_hours``: ``HH:MM-HH:MM``; ``do_not_call``: numbers
    separated by commas, or a file with one number per line (``#`` starts a comment).
    A ValueError names the flag at fault."""
    given: dict[str, Any] = {}
    if rate_limit:
        rate, _, burst = rate_limit.partition("/")
        try:
            rps = float(rate)
            given["rate_limit"] = {"requests_per_second": rps, "burst": int(burst) if burst else max(1, int(rps))}
        except ValueError:
            raise ValueError(f"--rate-limit: expected N or N/BURST, like 10 or 5/20 (got {rate_limit!r})") from None
    if max_concurrent_calls:
        given["max_concurrent_calls"] = max_concurrent_calls
    if calling_hours:
        start, sep, end = calling_hours.partition("-")
        if not sep:
            raise ValueError(f"--calling-hours: expected HH:MM-HH:MM, like 08:00-21:00 (got {calling_hours!r})")
        given["calling_hours"] = {"start": start.strip(), "end": end.strip()}
    if do_not_call:
        given["do_not_call"] = _numbers_from(do_not_call)
    try:
        return Switches.model_validate(given).changes()
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        flag = "--" + str(first["loc"][0]).replace("_", "-")
        raise ValueError(f"{flag}: {first['msg'].removeprefix('Value error, ')}") from None


def _numbers_from(text: str) -> list[str]:
    path = Path(text)
    if not text.lstrip().startswith("+") and path.is_file():
        lines = path.read_text().splitlines()
        return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]
    return [part.strip() for part in text.split(",") if part.strip()]


# -- the checks --------------------------------------------------------------------------
class Buckets:
    """A token bucket per org, on real time (module doc)."""

    def __init__(self, wall: Callable[[], float]) -> None:
        self.wall = wall
        self._state: dict[str, tuple[float, float, str]] = {}  # org id -> (tokens, at, the limit it was for)

    def take(self, org_id: str, limit: dict[str, Any]) -> None:
        rate, burst = float(limit["requests_per_second"]), int(limit["burst"])
        now = self.wall()
        shape = f"{rate}/{burst}"
        tokens, at, was = self._state.get(org_id, (float(burst), now, shape))
        if was != shape:  # a changed limit starts full
            tokens, at = float(burst), now
        tokens = min(float(burst), tokens + max(0.0, now - at) * rate)
        if tokens < 1:
            self._state[org_id] = (tokens, now, shape)
            wait = max(1, int(-(-(1 - tokens) // rate)))  # whole seconds, rounded up
            raise RateLimited(
                f"rate limit exceeded: {rate:g} requests per second with bursts of {burst} "
                f"for this organization; retry after {wait} s",
                retry_after=wait,
            )
        self._state[org_id] = (tokens - 1, now, shape)

    def forget(self, org_id: str) -> None:
        self._state.pop(org_id, None)


def check_dispatch(realism: dict[str, Any], to_number: str, in_flight: int) -> None:
    """Refuse an outbound dispatch the org's switches forbid (before anything is kept)."""
    if to_number in realism.get("do_not_call", ()):
        raise InvalidRequest(f"to: {to_number} is on this organization's do-not-call list", field="to")
    cap = realism.get("max_concurrent_calls")
    if cap is not None and in_flight >= cap:
        raise RateLimited(
            f"max_concurrent_calls: this organization already has {in_flight} calls in flight "
            f"(limit {cap}); retry once one ends"
        )


def ring_refusal(realism: dict[str, Any], to_number: str, now: float) -> tuple[str, str] | None:
    """(error_code, message) when a call to ``to_number`` would ring outside calling hours at ``now``."""
    hours = realism.get("calling_hours")
    if hours is None:
        return None
    zone = zone_of(to_number)
    local = datetime.fromtimestamp(now, UTC).astimezone(zone)
    if CallingHours(**hours).allows(local.hour * 60 + local.minute):
        return None
    return OUTSIDE_HOURS, (
        f"The call would have rung at {local:%H:%M} in {zone.key}, outside the calling hours "
        f"{hours['start']}-{hours['end']} (callee's local time)."
    )


def gated(plan: Callable[[Any, Any], Any], store: Callable[[], Any]) -> Callable[[Any, Any], Any]:
    """``plan`` (the engine's) behind the org's dispatch switches, for outbound calls."""

    def planner(call: Any, header: Any) -> Any:
        org = store().orgs.get(call.org_id)
        if org is not None and org.realism and call.direction == "outbound":
            # A walk over every stored call: only where a cap will read it (do-not-call alone does not).
            capped = org.realism.get("max_concurrent_calls") is not None
            calls = org.calls.oldest_first() if capped else ()
            in_flight = sum(1 for c in calls if c.direction == "outbound" and c.status in IN_FLIGHT)
            check_dispatch(org.realism, call.to_number, in_flight)
        return plan(call, header)

    return planner


def ring_check(store: Callable[[], Any], now: Callable[[], float]) -> Callable[[Any], tuple[str, str] | None]:
    def check(call: Any) -> tuple[str, str] | None:
        org = store().orgs.get(call.org_id)
        return ring_refusal(org.realism, call.to_number, now()) if org is not None and org.realism else None

    return check
